"""`flash --probe pyocd`: program the board through pyOCD's Python API (no `pyocd` command, no
shell). pyOCD is a dependency (pyproject.toml); its probe back ends find CMSIS-DAP, ST-LINK and
J-Link probes on USB. The steps, each refused with the fix before the next:

    target   the board's pyocd_target is one of pyOCD's built-in targets (pyocd.target.TARGET),
             or a CMSIS pack installed with `pyocd pack install` provides it
    probe    exactly one debug probe is attached (two could mean the wrong board)
    program  Session(probe, target_override) -> FileProgrammer.program(ELF) -> reset: pyOCD's
             flash algorithm for the part erases and writes the ELF's loadable segments
"""

from pathlib import Path

from pipeline.errors import UserError


def _pyocd():
    try:
        import pyocd
    except ImportError:
        raise UserError("pyOCD is not installed in this Python environment",
                        "run `make setup` (it installs the project's dependencies, pyocd among them), "
                        "or `pip install pyocd`; or use --probe openocd") from None
    return pyocd


def builtin_targets() -> set[str]:
    """The target names pyOCD knows without a CMSIS pack."""
    _pyocd()
    from pyocd.target import TARGET
    return set(TARGET)


def pack_targets() -> set[str]:
    """Target names from CMSIS packs installed with `pyocd pack install` (none offline until one is)."""
    _pyocd()
    from pyocd.target import normalise_target_type_name
    from pyocd.target.pack.pack_target import ManagedPacks
    try:
        return {normalise_target_type_name(d.part_number) for d in ManagedPacks.get_installed_targets()}
    except Exception:       # no pack index yet, or an unreadable pack: no pack targets
        return set()


def check_target(board) -> str:
    """The board's pyOCD target name, if pyOCD can program that part here (flash.command has
    already refused a board with no pyocd_target)."""
    name = board.probe["pyocd_target"]
    if name not in builtin_targets() and name not in pack_targets():
        raise UserError(f"pyOCD has no built-in {name} target for {board.name} and no CMSIS pack provides it",
                        f"run `pyocd pack install {name}` once (needs internet), or use --probe openocd")
    return name


def _one_probe():
    from pyocd.core.helpers import ConnectHelper
    probes = ConnectHelper.get_all_connected_probes(blocking=False, print_wait_message=False)
    if not probes:
        raise UserError("no debug probe found on USB (pyOCD looks for CMSIS-DAP, ST-LINK and J-Link probes)",
                        "plug the board's debug USB port in (ST-LINK or DAPLink), check the cable carries data "
                        "and that your user may open the device (Linux: the probe's udev rules), then run again")
    if len(probes) > 1:
        ids = ", ".join(f"{p.description} {p.unique_id}" for p in probes)
        raise UserError(f"{len(probes)} debug probes attached ({ids}): pyOCD would have to guess which board",
                        "unplug all but the board to flash, or use --probe openocd with its adapter serial")
    return probes[0]


def program(elf_path: Path, board) -> dict:
    """Write the ELF to the board and reset it. Returns {"probe", "target", "bytes"}."""
    name = check_target(board)      # first: it says so when pyOCD is not installed
    from pyocd.core.exceptions import Error as PyocdError
    from pyocd.core.session import Session
    from pyocd.flash.file_programmer import FileProgrammer

    from pipeline.firmware.elf import Elf
    probe = _one_probe()
    size = sum(len(s.data) for s in Elf(elf_path).segments())
    try:
        # auto_unlock off: pyOCD would mass-erase a locked part (an nRF52's APPROTECT), boot loader and
        # all; sector erase: a chip erase would take the nano33ble's boot loader below 0x10000 with it
        with Session(probe, options={"target_override": name, "auto_unlock": False}) as session:
            FileProgrammer(session, chip_erase="sector").program(str(elf_path), file_format="elf")
            session.board.target.reset()
    except PyocdError as e:
        raise UserError(f"pyOCD could not program {board.name} through {probe.description} ({type(e).__name__}: {e})",
                        "check the board's power and the probe's SWD wiring, or run "
                        f"`pyocd flash --target {name} {elf_path}` to see pyOCD's own log") from None
    return {"probe": f"{probe.description} {probe.unique_id}", "target": name, "bytes": size}
