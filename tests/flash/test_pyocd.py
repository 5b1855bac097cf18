"""`flash --probe pyocd` through pyOCD's Python API, against the installed pyOCD with no probe on
USB: the boards' pyOCD target names against pyOCD's own target list, and the refusals a user
without a board, a pack or pyOCD meets (exit 2, one line, the fix)."""

import pytest

from pipeline.errors import UserError
from pipeline.firmware import boards

PYOCD_BOARDS = [b for b in boards.names() if boards.load(b).probe.get("pyocd_target")]


def _pyocd_targets():
    pytest.importorskip("pyocd", reason="pyocd not installed (make setup)")
    from pipeline.flash.pyocdflash import builtin_targets, pack_targets
    return builtin_targets(), pack_targets()


def test_every_part_with_a_pyocd_target_is_named():
    """The boards people own whose parts pyOCD supports name a target (the MPS2/MPS3 FPGA
    images have none: OpenOCD writes their RAM)."""
    assert set(PYOCD_BOARDS) == {"microbit", "nano33ble", "netduinoplus2", "nucleo-f746zg", "nucleo-l4r5zi",
                                 "pico", "pico-ram", "stm32vldiscovery"}


@pytest.mark.parametrize("board", PYOCD_BOARDS)
def test_board_target_is_in_pyocds_target_list(board):
    """board.toml says whether pyOCD has the part built in; the installed pyOCD agrees. The STM32
    parts come from ST's CMSIS packs (`pyocd pack install`, internet): not checkable here."""
    builtin, _ = _pyocd_targets()
    p = boards.load(board).probe
    assert (p["pyocd_target"] in builtin) == p["pyocd_builtin"], (p["pyocd_target"], sorted(builtin)[:20])


@pytest.fixture(scope="module")
def microbit_elf(tmp_path_factory):
    from pipeline.firmware import build_firmware
    from pipeline.zoo import random_int8
    d = tmp_path_factory.mktemp("microbit")
    tfl = random_int8("student", "cnn", (8, 8, 1), num_classes=3)
    return build_firmware(tfl, boards.target(boards.load("microbit")), d)["elf"]


def test_no_probe_attached_exits_2_naming_the_fix(cli, microbit_elf):
    """nRF51 is built in, so the check reaches USB: no probe here (a machine with one attached
    would program it: skip there)."""
    _pyocd_targets()
    from pyocd.core.helpers import ConnectHelper
    if ConnectHelper.get_all_connected_probes(blocking=False, print_wait_message=False):
        pytest.skip("a debug probe is attached to this machine")
    r = cli("flash", microbit_elf, "--board", "microbit", "--probe", "pyocd")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and "no debug probe found on USB" in err[0] and "plug the board's debug USB port" in err[0]
    assert r.stdout == ""


def test_part_without_a_pack_is_refused_before_usb(cli, tmp_path):
    """stm32f405rg is not built in to pyOCD: the fix is the pack, named exactly."""
    builtin, packs = _pyocd_targets()
    if "stm32f405rg" in builtin | packs:
        pytest.skip("this machine has a pack for the STM32F405")
    from pipeline.firmware import build_firmware
    from pipeline.zoo import random_int8
    elf = build_firmware(random_int8("student", "cnn", (8, 8, 1), num_classes=3), "stm32f405", tmp_path)["elf"]
    r = cli("flash", elf, "--board", "netduinoplus2", "--probe", "pyocd")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "no built-in stm32f405rg target" in r.stderr and "`pyocd pack install stm32f405rg`" in r.stderr


def test_without_pyocd_the_fix_is_make_setup(monkeypatch, microbit_elf):
    import sys

    from pipeline.flash import flash
    monkeypatch.setitem(sys.modules, "pyocd", None)     # as in an environment that never installed it
    with pytest.raises(UserError) as e:
        flash(microbit_elf, "microbit", "pyocd")
    assert "pyOCD is not installed" in e.value.problem and "make setup" in e.value.fix
