"""Flash methods with no Python route, given as the exact command for the user to run: Arduino's
bossac (the nano33ble's USB boot loader) and Nordic's nrfjprog (a J-Link on an nRF part). The
file each tool takes is written beside the ELF (pure Python, images.py); nothing is run.

board.toml keys:
    bossac_args       bossac's options before the file (the Arduino core's upload line)
    bossac_note       how to put the board into its boot loader
    nrfjprog_family   nrfjprog -f (NRF51, NRF52)
"""

import shlex
from pathlib import Path

from pipeline.errors import UserError
from pipeline.files import write_atomic
from pipeline.firmware.elf import Elf
from pipeline.flash import images

DEFAULT_PORT = "/dev/ttyACM0"   # where Linux puts a USB CDC serial device first


def bossac(elf_path: Path, board, port: str | None) -> dict:
    """The boot loader writes the binary at the application's start (board.flash_base, after
    itself), so the binary starts there too."""
    p = board.probe
    if "bossac_args" not in p:
        raise UserError(f"{board.name} has no bossac boot loader", _other_methods(board))
    binary = Path(elf_path).with_suffix(".bin")
    write_atomic(binary, images.flat(Elf(elf_path).segments(), board.flash_base))
    argv = ["bossac", f"--port={port or DEFAULT_PORT}", *p["bossac_args"], str(binary.resolve())]
    note = p.get("bossac_note", "")
    if port is None:
        note += f"; the port is the boot loader's serial device: {DEFAULT_PORT} is Linux's first, pass --port for yours"
    return {"command": shlex.join(argv), "note": note.lstrip("; "), "file": str(binary)}


def nrfjprog(elf_path: Path, board) -> dict:
    p = board.probe
    if "nrfjprog_family" not in p:
        raise UserError(f"nrfjprog programs Nordic nRF parts; {board.name} is a {board.part or 'different part'}",
                        _other_methods(board))
    hexfile = Path(elf_path).with_suffix(".hex")
    write_atomic(hexfile, images.intel_hex(Elf(elf_path).segments()))
    argv = ["nrfjprog", "-f", p["nrfjprog_family"], "--program", str(hexfile.resolve()), "--sectorerase",
            "--verify", "--reset"]
    note = "needs a SEGGER J-Link on the board's SWD pins; --sectorerase keeps flash the image does not cover"
    return {"command": shlex.join(argv), "note": note, "file": str(hexfile)}


def _other_methods(board) -> str:
    from pipeline.firmware import boards
    return f"use one of {board.name}'s methods: {', '.join(boards.flash_methods(board))} (`edgedistill boards list`)"
