"""Just enough of ELF32 (little-endian, ARM) to size firmware, find symbols and load it: section
headers, the symbol table, the bytes at an address, and the loadable segments. No third-party
parser needed."""

import struct
from dataclasses import dataclass
from pathlib import Path

SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 0x1, 0x2, 0x4
SHT_PROGBITS, SHT_SYMTAB, SHT_NOBITS = 1, 2, 8
PT_LOAD = 1


@dataclass(frozen=True)
class Section:
    name: str
    type: int
    flags: int
    addr: int
    offset: int
    size: int


@dataclass(frozen=True)
class Segment:
    addr: int                # physical (load) address: where the bytes live in flash
    data: bytes


@dataclass(frozen=True)
class Symbol:
    name: str
    value: int          # address; Thumb functions carry bit 0 set
    size: int
    is_func: bool


class Elf:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.data = self.path.read_bytes()
        d = self.data
        if d[:4] != b"\x7fELF" or d[4] != 1 or d[5] != 1:
            raise ValueError(f"{self.path} is not a 32-bit little-endian ELF file")
        (self.e_type, self.machine, _, self.entry, self._phoff, shoff, _, _, self._phentsize, self._phnum,
         shentsize, shnum, shstrndx) = struct.unpack_from("<HHIIIIIHHHHHH", d, 16)
        raw = [struct.unpack_from("<IIIIIIIIII", d, shoff + i * shentsize) for i in range(shnum)]
        strtab = raw[shstrndx][4] if raw else 0
        self.sections = [Section(self._str(strtab, r[0]), r[1], r[2], r[3], r[4], r[5]) for r in raw]
        self._raw = raw

    def _str(self, table_off: int, off: int) -> str:
        end = self.data.index(b"\0", table_off + off)
        return self.data[table_off + off:end].decode()

    def section(self, name: str) -> Section | None:
        return next((s for s in self.sections if s.name == name), None)

    def symbols(self) -> dict[str, Symbol]:
        out = {}
        for i, s in enumerate(self.sections):
            if s.type != SHT_SYMTAB:
                continue
            strtab = self._raw[self._raw[i][6]][4]           # sh_link -> string table
            for k in range(s.size // 16):
                name_off, value, size, info, _, _ = struct.unpack_from("<IIIBBH", self.data, s.offset + 16 * k)
                name = self._str(strtab, name_off)
                if name:
                    out[name] = Symbol(name, value, size, (info & 0xF) == 2)
        return out

    def segments(self) -> list[Segment]:
        """PT_LOAD program headers with bytes in the file (p_filesz > 0), at p_paddr: .data's image
        is loaded at its flash address; .bss and the stack (p_filesz = 0) need nothing written."""
        out = []
        for i in range(self._phnum):
            p_type, p_offset, _vaddr, p_paddr, p_filesz, _memsz, _flags, _align = \
                struct.unpack_from("<8I", self.data, self._phoff + i * self._phentsize)
            if p_type == PT_LOAD and p_filesz:
                out.append(Segment(p_paddr, self.data[p_offset:p_offset + p_filesz]))
        return out

    def read(self, addr: int, n: int) -> bytes | None:
        """Bytes at a (load = run) address inside a PROGBITS section, or None."""
        for s in self.sections:
            if s.type == SHT_PROGBITS and s.flags & SHF_ALLOC and s.addr <= addr and addr + n <= s.addr + s.size:
                return self.data[s.offset + addr - s.addr:s.offset + addr - s.addr + n]
        return None

    def function_at(self, pc: int) -> str | None:
        pc &= ~1
        for sym in self.symbols().values():
            lo = sym.value & ~1
            if sym.is_func and lo <= pc < lo + max(sym.size, 1):
                return sym.name
        return None

    def sizes(self) -> dict:
        """flash = everything loaded from non-volatile memory (code, rodata, .data's image);
        static_ram = .data + .bss (+ our fault stack), stack reservation apart."""
        flash = ram = stack = 0
        for s in self.sections:
            if not s.flags & SHF_ALLOC or s.size == 0:
                continue
            if s.name == ".stack":
                stack += s.size
            elif s.flags & SHF_WRITE:
                ram += s.size
                if s.type == SHT_PROGBITS:
                    flash += s.size                          # .data is copied from flash at boot
            else:
                flash += s.size
        return {"flash_bytes": flash, "static_ram_bytes": ram, "stack_reserved_bytes": stack}
