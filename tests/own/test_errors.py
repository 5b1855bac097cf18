"""Every error a user can cause exits 2 with one line naming the fix: a read-only or full --out,
a truncated or non-flatbuffer .tflite; a model of large activations compiles, verifies and
benches on cortex-m4 (the reference interpreter's arena sized from the model); Ctrl-C exits 130
with the half-made stage removed, and the rerun reuses the finished ones."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO
from tests.own.conftest import SMALL_RECIPE, own, patches_folder, trained_sequential_teacher


def _one_line(r, *words):
    err = r.stderr.strip()
    assert r.returncode == 2, (r.returncode, r.stdout[-500:], r.stderr[-1500:])
    assert err.count("\n") == 0 and err.startswith("error: ") and "Traceback" not in err, err
    for w in words:
        assert w in err, err


def test_large_activations_compile_verify_and_bench_on_cortex_m4(conv64, tmp_path, capfd):
    r = own("compile", conv64, "--target", "cortex-m4", "--out", tmp_path / "c")
    assert r.returncode == 0, r.stdout + r.stderr
    m = re.search(r"model footprint: flash ([\d,]+) B, RAM ([\d,]+) B \(([\d,]+) B static \+ ([\d,]+) B peak stack\)",
                  r.stdout)
    assert m, r.stdout
    compiled = [int(g.replace(",", "")) for g in m.groups()]
    # the flashable image is not the footprint: it says what it holds besides the model
    assert "it holds the UART harness + 4 test samples and their expected outputs" in r.stdout
    r = own("verify", conv64, "--target", "cortex-m4", "--samples", "2", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    v = json.loads(r.stdout)
    assert v["bitexact"] == 1.0
    r = own("bench", conv64, "--target", "cortex-m4", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    b = json.loads(r.stdout)
    said = capfd.readouterr()               # what TFLM's C code printed on fd 1/2, in-process
    assert "Failed to resize" not in r.stdout + r.stderr + said.out + said.err
    assert b["tflm_arena_bytes"] > 100_000      # a number: ~148 KB of activations
    # one set of numbers: compile, verify and bench report the same flash and RAM
    keys = ("flash_bytes", "ram_bytes", "static_ram_bytes", "peak_stack_bytes")
    assert [v["firmware"][k] for k in keys] == [b[k] for k in keys] == compiled, (compiled, v["firmware"], b)
    assert b["peak_stack_bytes"] > 0 and b["ram_bytes"] > b["tflm_arena_bytes"]


@pytest.mark.parametrize("cut,words", [(None, ("no TFL3 identifier", "the TFLite converter wrote")),
                                       (3, ("truncated or corrupt", "copy the file again"))])
def test_a_file_that_is_no_tflite_says_so(conv64, tmp_path, cut, words):
    bad = tmp_path / "bad.tflite"
    data = conv64.read_bytes()
    bad.write_bytes(b"a text file, not a model\n" if cut is None else data[: len(data) // cut])
    for args in (("compile", bad, "--target", "cortex-m4", "--out", tmp_path / "c"),
                 ("verify", bad, "--target", "cortex-m4"), ("bench", bad, "--target", "cortex-m4")):
        r = own(*args)
        _one_line(r, "not a .tflite flatbuffer", *words)
        assert "int8 ops the compiler supports" not in r.stderr


def _in_small_fs(tmp_path, opts, *args):
    """`edgedistill ARGS` with tmp_path/fs a tmpfs mounted with `opts` (ro; size=...) in a
    private mount namespace: a real read-only or full disk, without touching the machine's."""
    fs = tmp_path / "fs"
    fs.mkdir(exist_ok=True)
    cmd = (f"mount -t tmpfs -o {opts} none {fs} && cd {REPO} && exec {sys.executable} -m pipeline.cli "
           + " ".join(f"'{a}'" for a in args))
    r = subprocess.run(["unshare", "-m", "sh", "-c", cmd], capture_output=True, text=True, timeout=600,
                       env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    if "mount:" in r.stderr or "unshare:" in r.stderr:
        pytest.skip(f"no private mount namespace here: {r.stderr.strip()[:200]}")
    return r, fs


def test_a_read_only_out_is_one_line(conv64, tmp_path):
    r, fs = _in_small_fs(tmp_path, "ro", "compile", conv64, "--target", "cortex-m4", "--out", tmp_path / "fs" / "c")
    _one_line(r, "Read-only file system", "--out")


def test_a_full_out_is_one_line(conv64, tmp_path):
    r, fs = _in_small_fs(tmp_path, "size=12k", "compile", conv64, "--target", "cortex-m4",
                         "--out", tmp_path / "fs" / "c")
    _one_line(r, "No space left on device", "free some space")


def test_ctrl_c_mid_stage_exits_130_and_the_rerun_goes_on(tmp_path):
    folder = patches_folder(tmp_path / "patches")
    teacher = trained_sequential_teacher(folder, tmp_path / "t.keras", epochs=8)
    out = tmp_path / "run"
    args = [sys.executable, "-m", "pipeline.cli", "run", "--data", folder, "--teacher", teacher,
            "--recipe", SMALL_RECIPE, "--out", out, "--force"]
    # SIGINT back to its default in the child: a test run started in the background (`make test &`)
    # hands its children SIGINT ignored, and Python then installs no KeyboardInterrupt handler
    p = subprocess.Popen(list(map(str, args)), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines = []
    for line in p.stdout:                 # distill starts right after the teacher's line
        lines.append(line)
        if line.startswith("[teacher ]"):
            break
    time.sleep(3)                          # inside distill's training
    p.send_signal(signal.SIGINT)
    rest, err = p.communicate(timeout=120)
    assert p.returncode == 130, (p.returncode, "".join(lines) + rest, err[-2000:])
    assert err.strip().splitlines()[-1].startswith("interrupted") and "Traceback" not in err
    assert not (out / ".tmp").exists() and (out / "teacher.keras").is_file()
    assert not (out / "student.keras").exists()
    r = own("run", "--data", folder, "--teacher", teacher, "--recipe", SMALL_RECIPE, "--out", out,
            "--force", "--until", "teacher")
    assert r.returncode == 0 and "[teacher ] reused" in r.stdout, r.stdout + r.stderr
