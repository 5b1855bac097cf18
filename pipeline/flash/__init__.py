"""Put a firmware ELF on a real board: check the image belongs to the board, then either build
the exact OpenOCD command and run it (or only print it with dry_run), or program it through
pyOCD's Python API (pyocdflash.py; dry_run prints the equivalent `pyocd flash`), or, with probe
"gdb", load it ourselves through any running GDB server (gdbremote.py). Board data comes from
targets/boards/<name>/board.toml; nothing here is specific to one chip."""

import shlex
import shutil
import struct
import subprocess
from pathlib import Path

from pipeline.errors import UserError
from pipeline.files import write_atomic
from pipeline.firmware import boards
from pipeline.firmware.elf import Elf

PROBES = ("openocd", "pyocd", "gdb", "bossac", "nrfjprog", "uf2")
PRINTED = ("bossac", "nrfjprog")     # no Python route: the command is printed, never run (printed.py)


def check_image(elf_path: Path, board: boards.Board) -> dict:
    """The vector table must sit at the board's flash base (the core reads its initial SP and
    reset vector there), the SP must point into the board's RAM and the reset vector into the
    image with the Thumb bit set. Returns {"sp", "reset"}."""
    path = Path(elf_path)
    if not path.is_file():
        raise UserError(f"firmware file '{path}' not found", "build one with `edgedistill compile MODEL --target T --out DIR`")
    try:
        elf = Elf(path)
    except (ValueError, struct.error) as e:
        raise UserError(f"'{path}' is not a firmware ELF ({e})", "pass the firmware.elf that `edgedistill compile` wrote")
    vec = elf.section(".vectors")
    if elf.machine != 40 or vec is None:
        raise UserError(f"'{path}' is not an edgedistill Cortex-M image (no .vectors section)",
                        "pass the firmware.elf that `edgedistill compile` wrote")
    if vec.addr != board.flash_base:
        raise UserError(f"'{path.name}' has its vector table at {vec.addr:#010x}, but {board.name} boots from "
                        f"{board.flash_base:#010x}: it was built for another board",
                        f"rebuild for this board's target (`edgedistill compile MODEL --target <target of {board.name}>`)")
    sp, reset = struct.unpack("<II", elf.read(vec.addr, 8))
    if not board.ram_base < sp <= board.ram_base + board.ram_size:
        raise UserError(f"initial stack pointer {sp:#010x} is outside {board.name}'s RAM", "rebuild the firmware for this board")
    text = elf.section(".text")
    if not reset & 1 or text is None or not text.addr <= (reset & ~1) < text.addr + text.size:
        raise UserError(f"reset vector {reset:#010x} does not point at Thumb code in the image", "rebuild the firmware")
    return {"sp": sp, "reset": reset}


def command(elf_path: Path, board: boards.Board, probe: str, vectors: dict) -> list[str]:
    """The argv that programs the board. OpenOCD: its flash driver (board.toml target config)
    or, for boards whose code memory is RAM (MPS2/MPS3 SSRAM/ITCM), load_image + start at the
    reset vector. pyOCD: `pyocd flash` with the board's pyOCD target (what a user types for what
    pyocdflash.program does through the API)."""
    elf = str(Path(elf_path).resolve())
    p = board.probe
    if probe == "openocd":
        if "openocd_interface" not in p:
            raise UserError(f"{board.name} has no OpenOCD route", f"use one of {', '.join(boards.flash_methods(board))}")
        cmd = ["openocd", "-f", p["openocd_interface"]]
        if p.get("openocd_load") == "flash":
            return cmd + ["-f", p["openocd_target"], "-c", f"program {elf} verify reset exit"]
        # no stock target config: declare one SWD Cortex-M core, write the image into RAM
        return cmd + ["-c", "transport select swd", "-c", "swd newdap chip cpu -enable",
                      "-c", "dap create chip.dap -chain-position chip.cpu",
                      "-c", "target create chip.cpu cortex_m -dap chip.dap", "-c", "init",
                      "-c", "reset halt", "-c", f"load_image {elf}", "-c", f"reg msp {vectors['sp']:#x}",
                      "-c", f"reg pc {vectors['reset'] & ~1:#x}", "-c", "resume", "-c", "exit"]
    if probe == "pyocd":
        if not p.get("pyocd_target"):
            raise UserError(f"pyOCD has no target for {board.name}", "use --probe openocd")
        if p.get("pyocd_ram_image"):
            raise UserError(f"{board.name}'s image runs from RAM, and pyOCD's programmer writes flash only",
                            "use --probe uf2 (the boot loader's USB drive) or --probe gdb with pyOCD's gdbserver")
        return ["pyocd", "flash", "--target", p["pyocd_target"], "--format", "elf", elf]
    raise UserError(f"unknown probe '{probe}'", f"use one of {', '.join(PROBES)}")


def flash(elf_path: Path, board_name: str, probe: str = "openocd", dry_run: bool = False,
          gdb_host: str = "127.0.0.1", gdb_port: int = 3333, port: str | None = None,
          drive: Path | None = None) -> dict:
    """Check, build the command, run it unless dry_run. Returns {"board", "probe", "command", "note"}
    (+ "load": what gdbremote.load did, for probe "gdb"; + "pyocd": what pyocdflash.program did).
    pyOCD is driven through its Python API; for it, "command" is the equivalent `pyocd flash`."""
    board = boards.load(board_name)
    vectors = check_image(Path(elf_path), board)
    if probe == "gdb":
        return _flash_gdb(Path(elf_path), board, vectors, dry_run, gdb_host, gdb_port)
    if probe == "uf2":
        return _flash_uf2(Path(elf_path), board, drive, dry_run)
    if probe in PRINTED:    # dry run or not: the user runs the vendor tool
        from pipeline.flash import printed
        r = printed.bossac(Path(elf_path), board, port) if probe == "bossac" else printed.nrfjprog(Path(elf_path), board)
        return {"board": board.name, "probe": probe, "printed": True, **r}
    argv = command(Path(elf_path), board, probe, vectors)
    note = ""
    if probe == "pyocd" and board.probe.get("pyocd_builtin") is False:
        note = (f"pyOCD has no built-in {board.probe['pyocd_target']} target: run "
                f"`pyocd pack install {board.probe['pyocd_target']}` once (needs internet), or use --probe openocd")
    result = {"board": board.name, "probe": probe, "command": shlex.join(argv), "note": note}
    if dry_run:
        return result
    if probe == "pyocd":    # through pyOCD's API; the command above is what a user would type for the same
        from pipeline.flash import pyocdflash
        result.update(note="", pyocd=pyocdflash.program(Path(elf_path), board))
        return result
    if shutil.which(argv[0]) is None:
        raise UserError(f"{argv[0]} not found", "install it (Debian: apt-get install openocd; `make setup` does)"
                        " or use --dry-run to print the command")
    r = subprocess.run(argv, capture_output=True, text=True)
    if r.returncode != 0:
        lines = (r.stderr or r.stdout).strip().splitlines()
        said = [ln for ln in lines if ln.startswith("Error:")] or lines   # OpenOCD ends on "shutdown command invoked"
        raise UserError(f"{argv[0]} failed (exit {r.returncode}): {said[-1] if said else 'no output'}",
                        "check that the probe is plugged in and the board powered; `--dry-run` prints the command "
                        "to run by hand for OpenOCD's whole log")
    return result


def _flash_gdb(elf_path: Path, board: boards.Board, vectors: dict, dry_run: bool, host: str, port: int) -> dict:
    """No external command: our GDB remote client talks to the server at host:port. dry_run
    lists the segments it would write and the registers it would set, and connects to nothing."""
    from pipeline.flash import gdbremote
    if not 0 < port < 65536:
        raise UserError(f"--gdb-port {port} is not a TCP port", "pass the port the GDB server listens on (OpenOCD: 3333)")
    segs = Elf(elf_path).segments()
    plan = "; ".join(f"write {len(s.data)} bytes at {s.addr:#010x}" for s in segs)
    result = {"board": board.name, "probe": "gdb", "note": "",
              "command": f"gdb remote {host}:{port}: {plan}; verify; sp={vectors['sp']:#010x} "
                         f"pc={vectors['reset'] & ~1:#010x} xpsr.T=1; detach"}
    if not dry_run:
        result["load"] = gdbremote.load(elf_path, host, port, vectors)
    return result


def _flash_uf2(elf_path: Path, board: boards.Board, drive: Path | None, dry_run: bool) -> dict:
    """Write the UF2 beside the ELF, check every block carries the board's family ID (a boot
    loader ignores the others, silently), then copy it onto the boot loader's drive when one is
    given: a folder whose INFO_UF2.TXT names the board's boot loader (its Board-ID)."""
    from pipeline.flash import uf2
    p = board.probe
    if "uf2_family" not in p:
        raise UserError(f"{board.name} has no UF2 boot loader", f"use one of {', '.join(boards.flash_methods(board))}")
    data = uf2.write(Elf(elf_path).segments(), p["uf2_family"])
    families = {b["family"] for b in uf2.parse(data)}
    if families != {p["uf2_family"]}:
        raise UserError(f"the UF2 for {board.name} carries family IDs {families}, not {p['uf2_family']:#010x}",
                        "report this as a bug: the writer must tag every block")
    out = Path(elf_path).with_suffix(".uf2")
    write_atomic(out, data)
    label = p.get("uf2_drive", "")
    result = {"board": board.name, "probe": "uf2", "file": str(out), "blocks": len(data) // uf2.BLOCK, "note": "",
              "copied": None, "command": f"cp {shlex.quote(str(out.resolve()))} <the {label} drive>/"}
    if drive is None:
        result["note"] = (f"hold BOOTSEL while plugging the board in: the {label} drive appears; copy the file onto "
                          "it, or pass --drive <its mount point>")
        return result
    info = Path(drive) / "INFO_UF2.TXT"
    if not info.is_file():
        raise UserError(f"'{drive}' is not a UF2 boot drive (no INFO_UF2.TXT)",
                        f"hold BOOTSEL while plugging {board.name} in and pass the {label} drive's mount point")
    text = info.read_text(errors="replace")
    if f"Board-ID: {label}" not in text:
        found = next((ln for ln in text.splitlines() if ln.startswith("Board-ID:")), "no Board-ID")
        raise UserError(f"'{drive}' is another board's boot drive ({found.strip()}), not {board.name}'s {label}",
                        f"pass the mount point of the {label} drive")
    result["command"] = f"cp {shlex.quote(str(out.resolve()))} {shlex.quote(str(Path(drive).resolve()))}/"
    if not dry_run:
        shutil.copyfile(out, Path(drive) / out.name)    # the boot loader runs it once the last block lands
        result["copied"] = str(Path(drive) / out.name)
    return result
