"""`flash --probe bossac|nrfjprog`: the .bin/.hex beside the ELF hold exactly its loadable
segments, the printed command is the exact line for the board, and nothing is run (a fake tool
on PATH that would leave a mark)."""

import os
import shutil
import subprocess

import pytest

from pipeline.firmware import boards
from pipeline.firmware.elf import Elf, Segment
from pipeline.flash.images import flat, intel_hex, parse_intel_hex


def test_flat_fills_gaps_with_erased_flash():
    segs = [Segment(0x10000, b"\x01\x02"), Segment(0x10005, b"\x03")]
    assert flat(segs, 0x10000) == b"\x01\x02\xff\xff\xff\x03"


def test_intel_hex_by_hand():
    """3 bytes at 0x0001FFFF cross a 64 KiB boundary: the record splits, a 04 record starts the
    next 64 KiB. Checksums by hand: 0x100 - (01+FF+FF+00+AA) & 0xFF = 0x57."""
    text = intel_hex([Segment(0x1FFFF, b"\xaa\xbb\xcc")])
    assert text.split() == [":020000040001F9", ":01FFFF00AA57", ":020000040002F8", ":02000000BBCC77",
                            ":00000001FF"]
    assert parse_intel_hex(text) == {0x1FFFF: 0xAA, 0x20000: 0xBB, 0x20001: 0xCC}


@pytest.fixture(scope="module")
def elfs(tmp_path_factory):
    from pipeline.firmware import build_firmware
    from pipeline.zoo import random_int8
    tfl = random_int8("student", "cnn", (8, 8, 1), num_classes=3)
    out = {}
    for name in ("nano33ble", "microbit"):
        d = tmp_path_factory.mktemp(name)
        out[name] = build_firmware(tfl, boards.target(boards.load(name)), d)["elf"]
    return out


@pytest.fixture
def no_run(tmp_path, monkeypatch):
    """bossac and nrfjprog on PATH that would write a mark if anything ran them."""
    bin_dir, mark = tmp_path / "bin", tmp_path / "ran"
    bin_dir.mkdir()
    for tool in ("bossac", "nrfjprog"):
        (bin_dir / tool).write_text(f"#!/bin/sh\necho {tool} >> {mark}\n")
        (bin_dir / tool).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return mark


def _memory(elf) -> dict[int, int]:
    return {s.addr + k: b for s in Elf(elf).segments() for k, b in enumerate(s.data)}


@pytest.mark.parametrize("port", [None, "/dev/ttyACM3"])
def test_bossac_prints_the_line_and_runs_nothing(cli, elfs, no_run, port):
    elf = elfs["nano33ble"]
    r = cli("flash", elf, "--board", "nano33ble", "--probe", "bossac", *(["--port", port] if port else []), check=True)
    binary = os.path.splitext(elf)[0] + ".bin"
    assert r.stdout.strip() == f"bossac --port={port or '/dev/ttyACM0'} -U -e -w -v -R {os.path.abspath(binary)}"
    assert "double-tap" in r.stderr and "runs nothing" in r.stderr
    assert ("pass --port" in r.stderr) == (port is None)
    assert not no_run.exists()
    data = open(binary, "rb").read()     # from the application's start, 0x10000, where the boot loader writes it
    mem = _memory(elf)
    assert min(mem) == 0x10000 and len(data) == max(mem) - 0x10000 + 1
    assert all(data[a - 0x10000] == b for a, b in mem.items())


@pytest.mark.parametrize("board,family", [("nano33ble", "NRF52"), ("microbit", "NRF51")])
def test_nrfjprog_prints_the_line_and_runs_nothing(cli, elfs, no_run, board, family):
    elf = elfs[board]
    r = cli("flash", elf, "--board", board, "--probe", "nrfjprog", check=True)
    hexfile = os.path.abspath(os.path.splitext(elf)[0] + ".hex")
    assert r.stdout.strip() == f"nrfjprog -f {family} --program {hexfile} --sectorerase --verify --reset"
    assert "J-Link" in r.stderr and not no_run.exists()
    assert parse_intel_hex(open(hexfile).read()) == _memory(elf)


@pytest.mark.skipif(shutil.which("arm-none-eabi-objcopy") is None, reason="no arm-none-eabi-objcopy (make setup)")
def test_hex_holds_what_objcopy_puts_in_one(cli, elfs, tmp_path):
    """GNU objcopy's Intel HEX of the same ELF holds the same bytes at the same addresses."""
    elf = elfs["microbit"]
    cli("flash", elf, "--board", "microbit", "--probe", "nrfjprog", check=True)
    theirs = tmp_path / "objcopy.hex"
    subprocess.run(["arm-none-eabi-objcopy", "-O", "ihex", elf, str(theirs)], check=True)
    ours = open(os.path.splitext(elf)[0] + ".hex").read()
    assert parse_intel_hex(ours) == parse_intel_hex(theirs.read_text())


def test_refusals_name_the_boards_methods(cli, elfs):
    r = cli("flash", elfs["microbit"], "--board", "microbit", "--probe", "bossac")
    assert r.returncode == 2 and "microbit has no bossac boot loader" in r.stderr and "openocd" in r.stderr
    r = cli("flash", elfs["microbit"], "--board", "microbit", "--probe", "openocd", "--port", "/dev/ttyACM0",
            "--dry-run")
    assert r.returncode == 2 and "add --probe bossac" in r.stderr and "Traceback" not in r.stderr


def test_boards_list_names_the_printed_methods(cli):
    assert {"bossac", "nrfjprog"} <= set(boards.flash_methods(boards.load("nano33ble")))
    assert "nrfjprog" in boards.flash_methods(boards.load("microbit"))
    assert not {"bossac", "nrfjprog"} & set(boards.flash_methods(boards.load("nucleo-l4r5zi")))
    out = cli("boards", "list", check=True).stdout
    row = next(ln for ln in out.splitlines() if ln.startswith("nano33ble "))
    assert "bossac*, nrfjprog*" in row and "it runs nothing" in out
