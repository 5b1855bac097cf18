"""Boards people own (targets/boards/<name>/): `--board NAME` builds the board's flashable image
with the target its core implies and its part's RAM and flash as the budget. QEMU runs three of
them (netduinoplus2: test_build.py; microbit and stm32vldiscovery here), bit-exact with
tflite-micro; for the others the image is built and checked where `flash` checks it."""

import json
import re

import numpy as np
import pytest

QEMU_BOARDS = ("microbit", "stm32vldiscovery")
BUILD_ONLY = ("nucleo-l4r5zi", "nucleo-f746zg", "nano33ble", "pico", "pico-ram")


@pytest.fixture(scope="module")
def tiny() -> dict:
    """An 8x8x1 conv (4 ch) + dense (4) int8 model: 164 B of arena, fits the 8 KiB STM32F100;
    and a 32x32x1 conv with 16 channels: 14,400 B for its output alone, more than the
    micro:bit's 16 KiB RAM leaves after stack and I/O."""
    import keras

    from pipeline.compiler.mlperf import to_int8_tflite
    keras.utils.set_random_seed(0)
    small = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                              keras.layers.Flatten(), keras.layers.Dense(4)])
    big = keras.Sequential([keras.Input((32, 32, 1)), keras.layers.Conv2D(16, 3, activation="relu"),
                            keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(4)])
    return {"small": to_int8_tflite(small, seed=0), "big": to_int8_tflite(big, seed=0)}


@pytest.mark.parametrize("name", QEMU_BOARDS)
def test_uart_image_runs_bitexact_under_qemu(tmp_path, tiny, name):
    """The image `flash` would put on the board prints, on QEMU's UART, the outputs tflite-micro
    gives for the same 4 samples, byte for byte, then PASS."""
    from pipeline.compiler.sources import compile_model, random_inputs
    from pipeline.firmware import UART_SAMPLES, boards, build_firmware, qemu
    from pipeline.firmware.build import FirmwareInfo
    from pipeline.flash import check_image
    from pipeline.runtimes.isolated import reference_outputs
    board = boards.load(name)
    target = boards.target(board)
    info = build_firmware(tiny["small"], target, tmp_path)
    assert info["board"] == name and info["io"] == "uart"
    assert info["flash_bytes"] < board.flash_bytes and info["static_ram_bytes"] < board.ram_size
    check_image(tmp_path / "firmware.elf", board)
    fi = FirmwareInfo(tmp_path / "firmware.elf", None, tmp_path, name, "uart", 0, 0, 0, 0, 0, {})
    res = qemu.run(fi, board.machine, timeout=30, wait_for="EDGEDISTILL EXIT")
    tags = re.findall(r"^EDGEDISTILL (\w+)", res.uart, re.M)
    assert tags[-3:] == ["PASS", "DONE", "EXIT"], res.uart
    got = [bytes.fromhex(m) for m in re.findall(r"^EDGEDISTILL OUT 0x\w+ ([0-9a-f]+)", res.uart, re.M)]
    x = random_inputs(compile_model(tiny["small"], target), UART_SAMPLES, 0)   # build_firmware's samples
    ref = reference_outputs(tiny["small"], x).reshape(UART_SAMPLES, -1).astype(np.int8)
    assert got == [row.tobytes() for row in ref]


def test_microbit_refuses_a_model_over_its_ram_with_the_figures(cli, tmp_path, tiny):
    p = tmp_path / "big.tflite"
    p.write_bytes(tiny["big"])
    r = cli("compile", p, "--board", "microbit", "--out", tmp_path / "fw")
    assert r.returncode == 2, r.stderr
    err = r.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    need = int(re.search(r"needs ~([\d,]+) B of RAM on microbit", err).group(1).replace(",", ""))
    assert need > 16384 and "may use 16,384 B" in err, err
    assert not (tmp_path / "fw" / "firmware.elf").exists()


@pytest.mark.parametrize("name", BUILD_ONLY)
def test_board_qemu_cannot_run_builds_an_image_flash_accepts(tmp_path, tiny, name):
    """Vector table at the board's flash base (nano33ble: 0x10000, after the bootloader), SP in
    its RAM, reset vector into the image: what `flash` checks before it programs anything."""
    from pipeline.firmware import boards, build_firmware
    from pipeline.firmware.elf import Elf
    from pipeline.flash import check_image
    board = boards.load(name)
    assert not board.qemu
    info = build_firmware(tiny["small"], boards.target(board), tmp_path)
    assert info["board"] == name and info["io"] == "uart"
    assert Elf(tmp_path / "firmware.elf").section(".vectors").addr == board.flash_base
    v = check_image(tmp_path / "firmware.elf", board)
    assert board.ram_base < v["sp"] <= board.ram_base + board.ram_size


def test_cli_compile_board_qemu_cannot_run(cli, tmp_path, tiny):
    p = tmp_path / "m.tflite"
    p.write_bytes(tiny["small"])
    r = cli("compile", p, "--board", "nano33ble", "--out", tmp_path / "fw", check=True)
    assert "compiled m.tflite for nano33ble" in r.stdout and "not measured (QEMU cannot run nano33ble" in r.stdout
    assert (tmp_path / "fw" / "firmware.elf").is_file()


def test_board_implies_target_and_budget():
    from pipeline.firmware import boards
    from pipeline.firmware.build import ram_limit
    t = boards.target(boards.load("microbit"))
    assert (t.name, t.cpu, t.ram_bytes, t.flash_bytes, t.clock_hz) == ("microbit", "cortex-m0", 16384, 262144, 16_000_000)
    assert t.emulator["board"] == "microbit" and "-mcpu=cortex-m0" in t.cflags
    assert ram_limit(t, boards.load("microbit"))[0] == 16384
    nano = boards.target(boards.load("nano33ble"))
    assert nano.flash_bytes == (1 << 20) - 0x10000          # the bootloader's 64 KiB are not the model's
    assert boards.load("stm32f405").name == "netduinoplus2"   # the alias
    f7 = boards.target(boards.load("nucleo-f746zg"))
    assert "-mfpu=fpv5-sp-d16" in f7.cflags                  # the F746's FPU is single precision


def test_refusals_exit_2_with_the_fix(cli, tmp_path):
    r = cli("compile", tmp_path / "m.tflite", "--board", "nope", "--out", tmp_path / "fw")
    assert r.returncode == 2 and "unknown board 'nope'" in r.stderr
    assert all(n in r.stderr for n in ("microbit", "stm32vldiscovery", "nucleo-l4r5zi", "netduinoplus2"))
    r = cli("compile", tmp_path / "m.tflite", "--board", "microbit", "--target", "cortex-m4", "--out", tmp_path / "fw")
    assert r.returncode == 2 and "a board implies its target" in r.stderr
    r = cli("run", "--board", "nucleo-f746zg", "--out", tmp_path / "run")
    assert r.returncode == 2 and "QEMU cannot run board 'nucleo-f746zg'" in r.stderr and "--target cortex-m7" in r.stderr
    assert "Traceback" not in r.stderr and "more than once" not in r.stderr   # one --board option
    assert not (tmp_path / "run").exists()


def test_verify_and_bench_take_a_board_qemu_runs(cli, tmp_path, tiny):
    """--board on verify and bench: the board's own machine and memory map, its name in the JSON,
    the figures within its part (the STM32F100's 8 KiB RAM)."""
    p = tmp_path / "small.tflite"
    p.write_bytes(tiny["small"])
    v = json.loads(cli("verify", p, "--board", "microbit", "--samples", "3", "--json", check=True).stdout)
    assert v["target"] == "microbit" and v["bitexact"] == 1.0 and v["samples"] == 3
    b = json.loads(cli("bench", p, "--board", "stm32vldiscovery", "--json", check=True).stdout)
    assert b["target"] == "stm32vldiscovery" and b["instructions"] > b["macs"] > 0 and b["ram_bytes"] < 8192


def test_board_options_refuse_with_the_fix(cli, tmp_path):
    """verify, bench and targets show refuse a board as compile does (exit 2, one line, the
    boards listed); verify and bench also one QEMU cannot run, naming the core's target."""
    for args in (("verify", tmp_path / "m.tflite"), ("bench", tmp_path / "m.tflite"), ("targets", "show")):
        r = cli(*args, "--board", "nope")
        assert r.returncode == 2 and "unknown board 'nope'" in r.stderr and "Traceback" not in r.stderr, args
        assert all(n in r.stderr for n in ("microbit", "stm32vldiscovery", "nucleo-l4r5zi", "netduinoplus2"))
    for cmd, core in (("verify", "cortex-m4"), ("bench", "cortex-m7")):
        board = "nano33ble" if core == "cortex-m4" else "nucleo-f746zg"
        r = cli(cmd, tmp_path / "m.tflite", "--board", board)
        assert r.returncode == 2 and f"QEMU cannot run board '{board}'" in r.stderr
        assert f"--target {core}" in r.stderr and f"compile MODEL --board {board}" in r.stderr
    r = cli("bench", tmp_path / "m.tflite", "--board", "microbit", "--target", "cortex-m0")
    assert r.returncode == 2 and "a board implies its target" in r.stderr
    r = cli("verify", tmp_path / "m.tflite")
    assert r.returncode == 2 and "--board NAME" in r.stderr
    r = cli("targets", "show", "cortex-m4", "--board", "microbit")
    assert r.returncode == 2 and "not both" in r.stderr


def test_targets_show_board_gives_the_parts_budget(cli):
    rows = dict(ln.split(None, 1) for ln in cli("targets", "show", "--board", "nucleo-l4r5zi", check=True).stdout.splitlines())
    assert rows["cpu"] == "cortex-m4" and rows["name"] == "nucleo-l4r5zi"
    assert int(rows["ram_bytes"]) == 640 * 1024 and int(rows["flash_bytes"]) == 2 << 20
    assert int(rows["clock_hz"]) == 120_000_000
    assert rows["ram_limit"].startswith("655360 B")
    # the alias names the same board
    alias = cli("targets", "show", "--board", "stm32f405", check=True).stdout
    assert "name         netduinoplus2" in alias and "196608" in alias


def test_boards_list(cli):
    r = cli("boards", "list", check=True)
    rows = {ln.split()[0]: ln for ln in r.stdout.splitlines()[1:] if ln and not ln.split()[0].endswith(":")}
    for name in ("netduinoplus2", "nucleo-l4r5zi", "nucleo-f746zg", "nano33ble", "pico", "microbit",
                 "stm32vldiscovery"):
        assert name in rows, r.stdout
    assert rows["microbit"].split()[-1] == "yes" and "16 KiB" in rows["microbit"]
    assert " no" in rows["nucleo-l4r5zi"] and "120 MHz" in rows["nucleo-l4r5zi"]
    js = {b["name"]: b for b in json.loads(cli("boards", "list", "--json", check=True).stdout)}
    assert {n for n, b in js.items() if b["qemu"] and not n.startswith("mps")} == {
        "netduinoplus2", "microbit", "stm32vldiscovery"}
    assert js["stm32vldiscovery"]["ram_bytes"] == 8192 and js["stm32vldiscovery"]["uart"]["pins"] == "TX PA9, RX PA10"
    assert js["pico"]["buildable"] is True and js["pico"]["flash_methods"][0] == "uf2"   # boot2 + UF2
    assert js["pico-ram"]["flash_methods"] == ["uf2", "gdb"]                             # RAM: no flash programmer
    assert js["nano33ble"]["flash_base"] == 0x10000 and "openocd" in js["nano33ble"]["flash_methods"]


@pytest.mark.parametrize("target", ("cortex-m0", "cortex-m3"))
def test_core_targets_the_boards_imply_run_bitexact(tiny, target):
    """The cores' own profiles (on QEMU mps2-an385) fit a small model in their parts' RAM: the
    stack they reserve is sized for 16 / 20 KiB parts, not for the 4 MiB MPS2 region."""
    from tests.firmware.conftest import assert_bitexact
    assert_bitexact(tiny["small"], target, samples=2, seed=0)
