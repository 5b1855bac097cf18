"""Boards are data: targets/boards/<name>/{board.toml, link.ld}; targets/boards/common/ holds the
start-up, fault, I/O and harness C every board shares. A target profile names its emulated
board and compiler flags in its [emulator] table:

    [emulator]
    kind = "qemu-system"
    machine = "mps2-an386"
    board = "mps2-an386"
    cflags = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]

A board a user owns names the other way round: its part's facts and the target profile whose
kernels and compiler flags fit its core (`target = "cortex-m4"`). `target(board)` turns it into
the profile `--board NAME` builds with: that core's kernels and cflags, the part's RAM and flash
as the budget, the board's own start-up, UART and linker script.

    name, part, core, target      the board, its MCU, its CPU, the profile it implies
    machine                       QEMU -M that emulates it, "" when QEMU has none
    flash_base                    where the vector table must sit (the core or bootloader jumps there)
    flash_bytes                   the part's flash
    bootloader_bytes              flash before flash_base kept for a boot loader (the image has the rest)
    ram_base, ram_size            the RAM region the image is linked into
    ram_bytes                     the part's RAM (default ram_size); the budget is the smaller
    clock_hz                      the core clock the part runs at (datasheet maximum)
    uart, uart_defines            driver file stem in common/ and its -D defines
    uart_port, uart_pins, uart_baud   what to plug a serial adapter into (read by people)
    stack_bytes                   the stack reserved in RAM (default: firmware/build.py)
    cflags                        compiler flags, when the part's core differs from the profile's
    sources                       files in the board's folder built into the image (entry stubs)
    boot2_crc                     write the RP2040 boot2's CRC32 after linking (firmware/boot2.py)
    unsupported                   why the image cannot be built yet; the build is refused
    aliases                       other names `--board` accepts
    openocd_* / pyocd_*           how `flash` programs it
    bossac_* / nrfjprog_*         the vendor tool's command `flash` prints (pipeline/flash/printed.py)
    uf2_family, uf2_drive         the UF2 family ID and the boot loader drive's label (flash/uf2.py)
"""

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline import targets
from pipeline.errors import UserError
from pipeline.paths import data_dir


@dataclass(frozen=True)
class Board:
    name: str
    dir: Path
    machine: str                  # QEMU -M, "" when QEMU cannot run it
    flash_base: int               # where the vector table must sit
    ram_base: int
    ram_size: int                 # RAM the linker script gives the image
    uart: str | None              # driver file stem in common/, or None
    uart_defines: dict = field(default_factory=dict)
    probe: dict = field(default_factory=dict)   # openocd_* / pyocd_* keys, as in board.toml
    part: str = ""
    core: str = ""
    target: str = ""              # the target profile whose kernels and cflags fit the core
    flash_bytes: int | None = None
    bootloader_bytes: int = 0
    ram_bytes: int | None = None
    clock_hz: int | None = None
    uart_port: str = ""
    uart_pins: str = ""
    uart_baud: int | None = None
    stack_bytes: int | None = None
    cflags: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # board-folder files built with the image (e.g. an entry stub, .S)
    boot2_crc: bool = False        # write the RP2040 boot2 CRC32 after linking (firmware/boot2.py)
    unsupported: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def qemu(self) -> bool:
        return bool(self.machine)

    def as_dict(self) -> dict:
        """What `boards list --json` prints for this board."""
        return {"name": self.name, "aliases": list(self.aliases), "part": self.part, "core": self.core,
                "target": self.target, "flash_base": self.flash_base, "flash_bytes": self.flash_bytes,
                "bootloader_bytes": self.bootloader_bytes,
                "ram_bytes": self.ram_bytes or self.ram_size, "clock_hz": self.clock_hz,
                "uart": {"driver": self.uart, "port": self.uart_port, "pins": self.uart_pins,
                         "baud": self.uart_baud},
                "flash_methods": flash_methods(self), "qemu": self.machine or None,
                "buildable": not self.unsupported, "unsupported": self.unsupported or None}


PROBE_KEYS = ("openocd_", "pyocd_", "bossac_", "nrfjprog_", "uf2_")   # board.toml keys `flash` reads


def boards_dir() -> Path:
    return data_dir("targets") / "boards"


def common_dir() -> Path:
    return boards_dir() / "common"


def names() -> list[str]:
    return sorted(p.parent.name for p in boards_dir().glob("*/board.toml"))


def _raw(name: str) -> dict:
    with open(boards_dir() / name / "board.toml", "rb") as f:
        return tomllib.load(f)


def _alias_of(name: str) -> str | None:
    for n in names():
        if name in _raw(n).get("aliases", ()):
            return n
    return None


def load(name: str) -> Board:
    path = boards_dir() / name / "board.toml"
    if not path.is_file():
        real = _alias_of(name)
        if real is None:
            raise UserError(f"unknown board '{name}'", f"choose one of: {', '.join(names())} "
                            "(see `edgedistill boards list`)")
        path = boards_dir() / real / "board.toml"
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    probe = {k: v for k, v in raw.items() if k.startswith(PROBE_KEYS)}
    return Board(raw["name"], path.parent, raw["machine"], raw["flash_base"], raw["ram_base"],
                 raw["ram_size"], raw.get("uart") or None, dict(raw.get("uart_defines", {})), probe,
                 part=raw.get("part", ""), core=raw.get("core", ""), target=raw.get("target", ""),
                 flash_bytes=raw.get("flash_bytes"), bootloader_bytes=raw.get("bootloader_bytes", 0),
                 ram_bytes=raw.get("ram_bytes"),
                 clock_hz=raw.get("clock_hz"), uart_port=raw.get("uart_port", ""),
                 uart_pins=raw.get("uart_pins", ""), uart_baud=raw.get("uart_baud"),
                 stack_bytes=raw.get("stack_bytes"), cflags=tuple(raw.get("cflags", ())),
                 sources=tuple(raw.get("sources", ())), boot2_crc=raw.get("boot2_crc", False),
                 unsupported=raw.get("unsupported", ""),
                 aliases=tuple(raw.get("aliases", ())))


def flash_methods(board: Board) -> list[str]:
    """The probes `flash` can program this board with (board.toml's openocd_* / pyocd_* / bossac_* /
    nrfjprog_* keys); for bossac and nrfjprog `flash` prints the vendor tool's command, runs nothing."""
    p = board.probe
    out = []
    if "uf2_family" in p:
        out.append("uf2")
    if "openocd_interface" in p:
        out.append("openocd")
    if p.get("pyocd_target") and not p.get("pyocd_ram_image"):
        out.append("pyocd" + (" (pack)" if p.get("pyocd_builtin") is False else ""))
    if out:
        out.append("gdb")
    if "bossac_args" in p:
        out.append("bossac")
    if "nrfjprog_family" in p:
        out.append("nrfjprog")
    return out


def target(board: Board) -> targets.Target:
    """The target profile `--board NAME` builds with: the board's core profile (kernels, cflags,
    CPI) with the part's RAM, flash and clock as the budget and the board as the firmware board.
    Refused, with the reason, when the board names no profile or its image cannot be built."""
    if not board.target:
        raise UserError(f"board '{board.name}' names no target profile",
                        f"add target = \"<core profile, e.g. cortex-m4>\" to {board.dir / 'board.toml'}, "
                        "or use --target")
    if board.unsupported:
        raise UserError(f"cannot build an image for board '{board.name}': {board.unsupported}",
                        f"use --target {board.target} for the core's figures on the emulator, or pick "
                        "another board (`edgedistill boards list`)")
    base = targets.load(board.target)
    emulator = {**base.emulator, "board": board.name, "machine": board.machine}
    if board.stack_bytes:
        emulator["stack_bytes"] = board.stack_bytes
    if board.cflags:
        emulator["cflags"] = list(board.cflags)
    emu = f"emulated on QEMU {board.machine}" if board.qemu else "QEMU cannot run it"
    return replace(base, name=board.name, emulator=emulator,
                   description=f"{board.part} on {board.name} ({base.cpu} kernels and flags), {emu}",
                   ram_bytes=board.ram_bytes or board.ram_size, flash_bytes=board.flash_bytes - board.bootloader_bytes if board.flash_bytes else base.flash_bytes,
                   clock_hz=board.clock_hz or base.clock_hz,
                   boards={board.name: {"flash_base": board.flash_base}})


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
