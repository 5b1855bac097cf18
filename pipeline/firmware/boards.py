"""Boards are data: targets/boards/<name>/{board.toml, link.ld}; targets/boards/common/ holds the
start-up, fault, I/O and harness C every board shares. A target profile names its emulated
board and compiler flags in its [emulator] table:

    [emulator]
    kind = "qemu-system"
    machine = "mps2-an386"
    board = "mps2-an386"
    cflags = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]
"""

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import UserError
from pipeline.paths import data_dir


@dataclass(frozen=True)
class Board:
    name: str
    dir: Path
    machine: str                  # QEMU -M
    flash_base: int               # where the vector table must sit
    ram_base: int
    ram_size: int                 # RAM the linker script gives the image
    uart: str | None              # driver file stem in common/, or None
    uart_defines: dict = field(default_factory=dict)
    probe: dict = field(default_factory=dict)   # openocd_* / pyocd_* keys, as in board.toml


def boards_dir() -> Path:
    return data_dir("targets") / "boards"


def common_dir() -> Path:
    return boards_dir() / "common"


def names() -> list[str]:
    return sorted(p.parent.name for p in boards_dir().glob("*/board.toml"))


def load(name: str) -> Board:
    path = boards_dir() / name / "board.toml"
    if not path.is_file():
        raise UserError(f"unknown board '{name}'", f"choose one of: {', '.join(names())}")
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    probe = {k: v for k, v in raw.items() if k.startswith(("openocd_", "pyocd_"))}
    return Board(raw["name"], path.parent, raw["machine"], raw["flash_base"], raw["ram_base"],
                 raw["ram_size"], raw.get("uart") or None, dict(raw.get("uart_defines", {})), probe)


def for_target(target) -> Board:
    if target.kind != "mcu":
        raise UserError(f"target '{target.name}' is a {target.kind} target, not a microcontroller",
                        "use an MCU target: cortex-m0plus, cortex-m4, cortex-m7, cortex-m55, stm32f405")
    name = target.emulator.get("board")
    if not name:
        raise UserError(f"target '{target.name}' names no board in its [emulator] table",
                        f"add board = \"<one of {', '.join(names())}>\" to targets/{target.name}.toml")
    return load(name)


def cflags(target) -> list[str]:
    """The target's compiler flags (targets.Target.cflags), refused when there are none."""
    flags = list(target.cflags)
    if not flags:
        raise UserError(f"target '{target.name}' has no compiler flags",
                        f"add cflags = [\"-mcpu=...\", ...] to [emulator] in targets/{target.name}.toml")
    return flags
