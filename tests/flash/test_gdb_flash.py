"""`flash --probe gdb` end to end against QEMU's gdbstub, with the fashion-mnist student: QEMU
starts the netduinoplus2 board halted (-S) with no -kernel, so its flash is blank until our GDB
client writes the image; then `monitor` reads USART1 over a TCP socket and must see what the same
image prints under the project's own emulator path (qemu.run with -kernel), and PASS. Loopback
only, every wait bounded."""

import json
import re
import shutil
import socket
import subprocess
import time

import pytest

from pipeline.flash.monitor import parse_line
from tests.conftest import CLI, REPO

pytestmark = pytest.mark.skipif(shutil.which("qemu-system-arm") is None, reason="needs qemu-system-arm")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _hmp(sock_path, command: str, timeout: float = 5.0) -> str:
    """One QEMU monitor command over its Unix socket; the text up to the next prompt."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(str(sock_path))
        buf = b""
        while b"(qemu)" not in buf:
            buf += s.recv(4096)
        s.sendall(command.encode() + b"\n")
        buf = b""
        while b"(qemu)" not in buf:
            buf += s.recv(4096)
    return buf.decode(errors="replace")


def _wait_for(cond, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def images(tmp_path_factory, fashion_student):
    """The stm32f405 UART image of the fashion-mnist student (trained by `run --quick`), and the
    same model's image for another board."""
    from pipeline.firmware import build_firmware
    tfl = fashion_student.read_bytes()
    return {t: build_firmware(tfl, t, tmp_path_factory.mktemp(t))["elf"] for t in ("stm32f405", "cortex-m4")}


def _reference(elf) -> list[dict]:
    """What the image prints when the project's emulator path runs it (-kernel, sandboxed)."""
    from pathlib import Path

    from pipeline.firmware import qemu
    from pipeline.firmware.build import FirmwareInfo
    fi = FirmwareInfo(Path(elf), None, Path(elf).parent, "netduinoplus2", "uart", 0, 0, 0, 0, 0, {})
    res = qemu.run(fi, "netduinoplus2", timeout=60, wait_for="EDGEDISTILL EXIT")
    return [r for r in map(parse_line, res.uart.splitlines()) if r]


def test_flash_through_qemu_gdbstub_then_monitor(cli, images, tmp_path):
    gdb, uart = _free_port(), _free_port()
    mon = tmp_path / "mon.sock"
    q = subprocess.Popen(["qemu-system-arm", "-M", "netduinoplus2", "-S", "-gdb", f"tcp:127.0.0.1:{gdb}",
                          "-serial", f"tcp:127.0.0.1:{uart},server=on,wait=off", "-display", "none",
                          "-nodefaults", "-monitor", f"unix:{mon},server=on,wait=off"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader = None
    try:
        _wait_for(mon.exists, 20, "QEMU's monitor socket")
        # nothing preloaded: the board's flash (and its alias at 0) is blank before the load
        assert re.search(r"08000000: 0x00000000 0x00000000", _hmp(mon, "xp /2wx 0x08000000"))
        # QEMU drops UART bytes while no client is connected: connect monitor before the core runs
        reader = subprocess.Popen([*CLI, "monitor", "--port", f"socket://127.0.0.1:{uart}", "--json", "--timeout", "60"],
                                  cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _wait_for(lambda: re.search(r"serial0: filename=tcp:\S+ <->", _hmp(mon, "info chardev")), 60,
                  "`edgedistill monitor` to connect to QEMU's serial socket")
        t0 = time.monotonic()
        r = cli("flash", images["stm32f405"], "--board", "netduinoplus2", "--probe", "gdb", "--gdb-port", gdb,
                timeout=120, check=True)
        flash_s = time.monotonic() - t0
        assert "verified" in r.stdout and "running" in r.stdout, r.stdout
        out, err = reader.communicate(timeout=90)
        assert reader.returncode == 0, err
        got = json.loads(out)
        assert re.search(r"08000000: 0x2000", _hmp(mon, "xp /1wx 0x08000000"))    # initial SP now in flash
    finally:
        if reader is not None and reader.poll() is None:
            reader.kill()
        q.kill()
        q.wait(10)
    ref = _reference(images["stm32f405"])
    ref_out = [r["output"].hex() for r in ref if r["tag"] == "OUT"]
    ref_pass = next(r for r in ref if r["tag"] in ("PASS", "FAIL"))
    assert got["pass"] is True and got["exit"] == 0 and got["fault"] is None
    assert got["outputs"] == ref_out and len(ref_out) == 4
    assert (got["matched"], got["samples"]) == (ref_pass["matched"], ref_pass["samples"])
    print(f"\nflash --probe gdb: {r.stdout.strip()} (CLI wall time {flash_s:.2f} s)")


def test_no_server_listening_is_one_line(cli, images):
    port = _free_port()                              # bound and released: nothing listens there now
    r = cli("flash", images["stm32f405"], "--board", "netduinoplus2", "--probe", "gdb", "--gdb-port", port,
            timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().count("\n") == 0
    assert f"no GDB server at 127.0.0.1:{port}" in r.stderr and "qemu-system-arm" in r.stderr


def test_image_for_another_board_is_refused_before_connecting(cli, images):
    r = cli("flash", images["cortex-m4"], "--board", "netduinoplus2", "--probe", "gdb", "--gdb-port", _free_port(),
            timeout=60)
    assert r.returncode == 2 and "another board" in r.stderr and "Traceback" not in r.stderr


def test_dry_run_lists_the_load_and_touches_nothing(cli, images):
    r = cli("flash", images["stm32f405"], "--board", "netduinoplus2", "--probe", "gdb", "--gdb-port", _free_port(),
            "--dry-run", check=True)
    assert re.search(r"write \d+ bytes at 0x08000000; verify; sp=0x2000\w{4} pc=0x080\w{5} xpsr.T=1; detach", r.stdout)


def test_gdb_options_without_probe_gdb_are_refused(cli, images):
    r = cli("flash", images["stm32f405"], "--board", "netduinoplus2", "--gdb-port", "3333", "--dry-run")
    assert r.returncode == 2 and "add --probe gdb" in r.stderr
