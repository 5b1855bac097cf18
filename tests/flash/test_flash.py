"""flash --dry-run for every board, the vector-table check, and the UART monitor."""

import pytest

from pipeline.firmware import boards

BOARD_TARGET = {"mps2-an385": "cortex-m0plus", "mps2-an386": "cortex-m4", "mps2-an500": "cortex-m7",
                "mps3-an547": "cortex-m55", "netduinoplus2": "stm32f405"}
# boards people own, built with `--board NAME` (boards.target); pico-ram (a RAM-only UF2, no
# OpenOCD route) is tested in test_uf2.py
OWNED = ("microbit", "nano33ble", "nucleo-f746zg", "nucleo-l4r5zi", "pico", "stm32vldiscovery")


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    """One tiny firmware per board (a one-layer model keeps this fast)."""
    from pipeline.zoo import random_int8
    from pipeline.firmware import build_firmware
    tfl = random_int8("student", "cnn", (8, 8, 1), num_classes=3)
    out = {}
    for board, target in BOARD_TARGET.items():
        d = tmp_path_factory.mktemp(board)
        out[board] = build_firmware(tfl, target, d)["elf"]
    for board in OWNED:
        d = tmp_path_factory.mktemp(board)
        out[board] = build_firmware(tfl, boards.target(boards.load(board)), d)["elf"]
    return out


def test_every_board_is_covered():
    assert set(boards.names()) == set(BOARD_TARGET) | set(OWNED) | {"pico-ram"}   # pico-ram: test_uf2.py


@pytest.mark.parametrize("board", sorted([*BOARD_TARGET, *OWNED]))
def test_dry_run_openocd(cli, images, board):
    r = cli("flash", images[board], "--board", board, "--dry-run", check=True)
    cmd = r.stdout.strip()
    assert cmd.startswith("openocd -f interface/") and images[board] in cmd
    probe = boards.load(board).probe
    if probe["openocd_load"] == "flash":     # a part with flash: OpenOCD's own driver programs it
        assert probe["openocd_target"] in cmd and "program" in cmd and "verify reset exit" in cmd
    else:
        assert "load_image" in cmd and "reg pc" in cmd


def test_dry_run_pyocd_needs_the_pack_for_stm32f405(cli, images):
    r = cli("flash", images["netduinoplus2"], "--board", "netduinoplus2", "--probe", "pyocd", "--dry-run", check=True)
    assert r.stdout.strip().startswith("pyocd flash --target stm32f405rg --format elf")
    assert "pyocd pack install stm32f405rg" in r.stderr


def test_pyocd_without_target_is_refused(cli, images):
    r = cli("flash", images["mps2-an386"], "--board", "mps2-an386", "--probe", "pyocd", "--dry-run")
    assert r.returncode == 2 and "--probe openocd" in r.stderr


def test_image_for_another_board_is_refused(cli, images):
    r = cli("flash", images["mps2-an386"], "--board", "netduinoplus2", "--dry-run")
    assert r.returncode == 2 and "0x08000000" in r.stderr and "another board" in r.stderr


def test_not_an_elf_is_refused(cli, tmp_path):
    p = tmp_path / "x.elf"
    p.write_bytes(b"hello")
    r = cli("flash", p, "--board", "netduinoplus2", "--dry-run")
    assert r.returncode == 2 and "not a firmware ELF" in r.stderr


def test_monitor_reads_a_board_over_a_serial_url():
    """pyserial's loop:// echoes what is written: play a board's output into it."""
    import serial

    from pipeline.flash.monitor import read
    ser = serial.serial_for_url("loop://", timeout=0.1)
    ser.write(b"boot noise\r\nEDGEDISTILL OUT 0x00000000 0a0bff cycles=0x00001000\r\n"
              b"EDGEDISTILL OUT 0x00000001 0c0d0e cycles=0x00001001\r\n"
              b"EDGEDISTILL PASS 0x00000002/0x00000002\r\nEDGEDISTILL DONE\r\nEDGEDISTILL EXIT 0\r\n")
    s = read(ser, timeout=5)
    assert s["pass"] is True and s["matched"] == 2 and s["exit"] == 0
    assert s["outputs"] == [bytes([10, 11, 255]), bytes([12, 13, 14])]
    assert s["cycles"] == [0x1000, 0x1001]


@pytest.mark.skipif(__import__("shutil").which("openocd") is None, reason="openocd not installed (make setup)")
@pytest.mark.parametrize("board", [b for b in boards.names() if boards.load(b).probe.get("openocd_target")])
def test_installed_openocd_reads_the_boards_interface_and_target_config(board):
    """OpenOCD runs every config file the flash command names, up to `shutdown` before `init` (no
    probe is touched): a config that OpenOCD does not ship or cannot parse exits non-zero. The
    check itself fails on a missing file (target/nosuch.cfg exits 1, measured)."""
    import subprocess
    p = boards.load(board).probe
    r = subprocess.run(["openocd", "-f", p["openocd_interface"], "-f", p["openocd_target"], "-c", "shutdown"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and "shutdown command invoked" in r.stderr, r.stderr[-800:]


@pytest.mark.skipif(__import__("shutil").which("openocd") is None, reason="openocd not installed (make setup)")
def test_openocd_without_a_probe_exits_2_with_its_error_line(cli, images):
    """No ST-LINK on this machine's USB: OpenOCD's own error, not its closing 'shutdown' line."""
    r = cli("flash", images["nucleo-l4r5zi"], "--board", "nucleo-l4r5zi", timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and "openocd failed (exit 1): Error:" in err[0] and "shutdown" not in err[0]
