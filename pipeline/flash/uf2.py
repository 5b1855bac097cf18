"""UF2 (microsoft/uf2 README, "File format"): 512-byte blocks, each self-contained, that a boot
loader's USB drive takes as a copied file. Per block, little-endian uint32s:

    0   0x0A324655 ("UF2\\n")     4   0x9E5D5157              8   flags
    12  target address          16  payload size            20  block number, from 0
    24  number of blocks        28  family ID (flag 0x2000)
    32  476 bytes of data: the payload, then padding       508 0x0AB16F30

Payload: 256 bytes, 256-aligned, "always correct" per the spec and what the RP2040 boot ROM
takes. A block with a family ID that is not the device's is ignored by its boot loader."""

import struct

MAGIC_START0, MAGIC_START1, MAGIC_END = 0x0A324655, 0x9E5D5157, 0x0AB16F30
FLAG_FAMILY_ID = 0x00002000
BLOCK, DATA, PAYLOAD = 512, 476, 256
HEADER = struct.Struct("<8I")


def pages(segments) -> dict[int, bytes]:
    """{256-aligned address: 256 bytes} covering every segment byte; bytes of a page that no
    segment holds are 0x00 (the boot ROM writes whole 256-byte pages; nothing reads those bytes)."""
    out: dict[int, bytearray] = {}
    for s in segments:
        for k, b in enumerate(s.data):
            a = s.addr + k
            out.setdefault(a & ~(PAYLOAD - 1), bytearray(PAYLOAD))[a & (PAYLOAD - 1)] = b
    return {a: bytes(p) for a, p in sorted(out.items())}


def write(segments, family_id: int) -> bytes:
    """The UF2 file for these segments (Elf.segments), one block per 256-byte page."""
    ps = pages(segments)
    blocks = []
    for n, (addr, payload) in enumerate(ps.items()):
        head = HEADER.pack(MAGIC_START0, MAGIC_START1, FLAG_FAMILY_ID, addr, PAYLOAD, n, len(ps), family_id)
        blocks.append(head + payload.ljust(DATA, b"\0") + struct.pack("<I", MAGIC_END))
    return b"".join(blocks)


def parse(data: bytes) -> list[dict]:
    """The blocks of a UF2 file, each checked: magic numbers, size, numbering."""
    if len(data) % BLOCK:
        raise ValueError(f"{len(data)} bytes is not a whole number of {BLOCK}-byte UF2 blocks")
    out = []
    for i in range(0, len(data), BLOCK):
        m0, m1, flags, addr, size, n, total, family = HEADER.unpack_from(data, i)
        (end,) = struct.unpack_from("<I", data, i + BLOCK - 4)
        if (m0, m1, end) != (MAGIC_START0, MAGIC_START1, MAGIC_END):
            raise ValueError(f"block {i // BLOCK}: bad magic numbers")
        if size > DATA:
            raise ValueError(f"block {i // BLOCK}: payload of {size} bytes exceeds {DATA}")
        out.append({"flags": flags, "addr": addr, "size": size, "block": n, "blocks": total,
                    "family": family if flags & FLAG_FAMILY_ID else None,
                    "payload": data[i + 32:i + 32 + size]})
    return out
