"""The device budget a searched student must fit: RAM and flash in bytes, latency in ms.

    --budget ram=32K,flash=256K,latency_ms=10      (K = KiB, M = MiB; plain numbers are bytes)
    [budget] ram = "32K"  flash = 262144  latency_ms = 10

A limit left out takes the target profile's part (ram_bytes, flash_bytes); latency has no default
limit. latency_ms is an estimate: instructions (exact, counted on QEMU) x the profile's
cycles_per_instruction / clock_hz; instructions are not cycles.
"""

import re
from dataclasses import dataclass

from pipeline.errors import UserError

FORM = ("write it as comma-separated key=value pairs from ram, flash (bytes, or with K = KiB / M = MiB) "
        "and latency_ms, e.g. --budget ram=32K,flash=256K,latency_ms=10")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KkMm]?)(?:i?B)?\s*$")
_UNIT = {"": 1, "k": 1024, "m": 1024 * 1024}


def size_bytes(key: str, value) -> int:
    """32768, "32768", "32K", "32KiB", "1M", "1.5M" -> bytes (a whole number >= 1)."""
    if isinstance(value, int) and not isinstance(value, bool):
        n = value
    else:
        m = _SIZE.match(str(value)) if isinstance(value, (str, float)) and not isinstance(value, bool) else None
        if not m:
            raise UserError(f"budget {key}={value!r} is not a size", FORM)
        n = float(m.group(1)) * _UNIT[m.group(2).lower()]
        if n != int(n):
            raise UserError(f"budget {key}={value!r} is not a whole number of bytes", FORM)
        n = int(n)
    if n < 1:
        raise UserError(f"budget {key}={value!r} must be at least 1 byte", FORM)
    return n


def milliseconds(value) -> float:
    try:
        ms = float(value) if not isinstance(value, bool) else float("nan")
    except (TypeError, ValueError):
        ms = float("nan")
    if not ms > 0 or ms == float("inf"):          # NaN fails the comparison
        raise UserError(f"budget latency_ms={value!r} is not a time in milliseconds above 0", FORM)
    return ms


@dataclass(frozen=True)
class BudgetConfig:
    """[budget] / --budget, normalized: None where the user set no limit."""
    ram: int | str | None = None          # bytes after __post_init__
    flash: int | str | None = None
    latency_ms: float | None = None
    space: str = "full"                   # "quick": a handful of candidates (tests, run --quick)

    def __post_init__(self):
        if self.space not in ("full", "quick"):
            raise UserError(f"[budget] space = {self.space!r} is not a candidate set", 'use "full" or "quick"')
        if self.ram is not None:
            object.__setattr__(self, "ram", size_bytes("ram", self.ram))
        if self.flash is not None:
            object.__setattr__(self, "flash", size_bytes("flash", self.flash))
        if self.latency_ms is not None:
            object.__setattr__(self, "latency_ms", milliseconds(self.latency_ms))


def parse(text: str) -> BudgetConfig:
    """The --budget string -> BudgetConfig; anything else than the documented form exits 2."""
    if not text or not text.strip():
        raise UserError("--budget is empty", FORM)
    kw = {}
    for pair in text.split(","):
        key, eq, value = pair.partition("=")
        key = key.strip().lower()
        if not eq or not value.strip():
            raise UserError(f"--budget part {pair.strip()!r} is not key=value", FORM)
        if key not in ("ram", "flash", "latency_ms"):
            raise UserError(f"--budget has an unknown key {key!r}", FORM)
        if key in kw:
            raise UserError(f"--budget gives {key} twice", FORM)
        kw[key] = value.strip()
    return BudgetConfig(**kw)


@dataclass(frozen=True)
class Budget:
    """A budget made concrete for one target: the limits and how latency is estimated."""
    ram_bytes: int
    flash_bytes: int
    latency_ms: float | None
    clock_hz: int | None
    cycles_per_instruction: float | None
    cpi_source: str | None

    def latency_of(self, instructions: int) -> float | None:
        """Estimated ms per inference, or None when the target names no clock."""
        if not self.clock_hz or not self.cycles_per_instruction:
            return None
        return instructions * self.cycles_per_instruction / self.clock_hz * 1000.0

    def over(self, cost: dict) -> list[str]:
        """Why a measured cost does not fit ([] when it fits), one phrase per limit it breaks."""
        why = []
        if cost["ram_bytes"] > self.ram_bytes:
            why.append(f"RAM {cost['ram_bytes']:,} B > {self.ram_bytes:,} B")
        if cost["flash_bytes"] > self.flash_bytes:
            why.append(f"flash {cost['flash_bytes']:,} B > {self.flash_bytes:,} B")
        ms = self.latency_of(cost["instructions"])
        if self.latency_ms is not None and ms > self.latency_ms:
            why.append(f"latency ~{ms:.2f} ms > {self.latency_ms:g} ms")
        return why

    def as_dict(self) -> dict:
        return {"ram_bytes": self.ram_bytes, "flash_bytes": self.flash_bytes, "latency_ms": self.latency_ms,
                "latency_estimate": {"clock_hz": self.clock_hz,
                                     "cycles_per_instruction": self.cycles_per_instruction,
                                     "cpi_source": self.cpi_source,
                                     "formula": "instructions x cycles_per_instruction / clock_hz"}}


def resolve(cfg: BudgetConfig, target) -> Budget:
    """The user's limits, the target's part for those left out. Only MCU targets: RAM, flash and
    instructions are measured on the emulated microcontroller."""
    if target.kind != "mcu":
        raise UserError(f"a budget is measured on an emulated microcontroller; '{target.name}' is a "
                        f"{target.kind} target", "drop --budget / [budget], or choose an MCU target "
                        "(see `edgedistill targets list`)")
    if cfg.latency_ms is not None and not (target.clock_hz and target.cycles_per_instruction):
        raise UserError(f"target '{target.name}' names no clock_hz and cycles_per_instruction, so "
                        "latency_ms cannot be estimated", "add them to its profile, or drop latency_ms")
    return Budget(ram_bytes=cfg.ram or target.ram_bytes, flash_bytes=cfg.flash or target.flash_bytes,
                  latency_ms=cfg.latency_ms, clock_hz=target.clock_hz,
                  cycles_per_instruction=target.cycles_per_instruction, cpi_source=target.cpi_source)
