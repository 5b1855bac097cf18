"""The firmware's loadable bytes (Elf.segments, at their flash addresses) in the two formats the
vendor tools take: a flat binary from a base address (bossac) and Intel HEX (nrfjprog). The UF2
container is uf2.py."""

from pipeline.firmware.elf import Segment

HEX_ROW = 16        # data bytes per Intel HEX record, as objcopy and nrfjprog write them


def flat(segments: list[Segment], base: int) -> bytes:
    """Bytes from `base` to the end of the last segment; gaps are 0xFF, erased flash's value."""
    if not segments:
        return b""
    if min(s.addr for s in segments) < base:
        raise ValueError(f"a segment starts below {base:#x}")
    end = max(s.addr + len(s.data) for s in segments)
    out = bytearray(b"\xff" * (end - base))
    for s in segments:
        out[s.addr - base:s.addr - base + len(s.data)] = s.data
    return bytes(out)


def _record(kind: int, addr16: int, data: bytes) -> str:
    body = bytes([len(data), addr16 >> 8, addr16 & 0xFF, kind]) + data
    return f":{body.hex().upper()}{(-sum(body)) & 0xFF:02X}"


def intel_hex(segments: list[Segment]) -> str:
    """Intel HEX (I32HEX): a type-04 record whenever the upper 16 address bits change, type-00
    records of at most HEX_ROW bytes that never cross a 64 KiB boundary, one type-01 end record."""
    lines, upper = [], None
    for s in sorted(segments, key=lambda s: s.addr):
        i = 0
        while i < len(s.data):
            addr = s.addr + i
            if addr >> 16 != upper:
                upper = addr >> 16
                lines.append(_record(0x04, 0, upper.to_bytes(2, "big")))
            n = min(HEX_ROW, len(s.data) - i, 0x10000 - (addr & 0xFFFF))
            lines.append(_record(0x00, addr & 0xFFFF, s.data[i:i + n]))
            i += n
    lines.append(_record(0x01, 0, b""))
    return "\n".join(lines) + "\n"


def parse_intel_hex(text: str) -> dict[int, int]:
    """{address: byte} from Intel HEX, each record's checksum checked (for tests and checks)."""
    mem, upper = {}, 0
    for line in text.split():
        body = bytes.fromhex(line[1:])
        if not line.startswith(":") or sum(body) & 0xFF or body[0] != len(body) - 5:
            raise ValueError(f"bad Intel HEX record {line}")
        addr, kind, data = int.from_bytes(body[1:3], "big"), body[3], body[4:-1]
        if kind == 0x04:
            upper = int.from_bytes(data, "big")
        elif kind == 0x00:
            for k, b in enumerate(data):
                mem[(upper << 16) + addr + k] = b
        elif kind == 0x01:
            break
    return mem
