"""The RP2040 boot ROM runs the first 256 bytes of flash (boot2) only when their last 4 bytes
are the CRC32 of the first 252: polynomial 0x04c11db7, no input or output reflection, initial
value 0xffffffff, no final XOR, stored little-endian (RP2040 Datasheet, "Checksum" in the boot
sequence; the CRC catalogue calls it CRC-32/MPEG-2). boot2.S leaves a zero word there; patch()
writes the CRC into the linked ELF, so the ELF, and every file made from it, carries it."""

import struct
from pathlib import Path

from pipeline.firmware.elf import Elf

POLY, INIT, SIZE = 0x04C11DB7, 0xFFFFFFFF, 256


def crc32_mpeg2(data: bytes) -> int:
    """MSB-first CRC: each byte enters at the top of the register, shifted out left."""
    crc = INIT
    for b in data:
        crc ^= b << 24
        for _ in range(8):
            crc = ((crc << 1) ^ POLY) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
    return crc


def patch(elf_path: Path) -> int:
    """Write the CRC of .boot2's first 252 bytes into its last 4, in the ELF file. Returns it."""
    elf = Elf(elf_path)
    sec = elf.section(".boot2")
    if sec is None or sec.size != SIZE:
        raise RuntimeError(f"{elf_path}: .boot2 must be exactly {SIZE} bytes (is {sec.size if sec else 'missing'})")
    body = elf.data[sec.offset:sec.offset + SIZE - 4]
    crc = crc32_mpeg2(body)
    data = bytearray(elf.data)
    data[sec.offset + SIZE - 4:sec.offset + SIZE] = struct.pack("<I", crc)
    Path(elf_path).write_bytes(bytes(data))
    return crc
