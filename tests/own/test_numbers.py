"""One set of numbers: `targets show` prints the RAM the refusal uses (the flash and RAM that
compile, verify and bench report alike: tests/own/test_errors.py); a float model verifies within
a stated tolerance, not "0 % bit-exact"; `doctor` prints whole versions and checks
qemu-user-static."""

import re
import shutil

import pytest

from pipeline import doctor
from tests.own.conftest import own


def test_targets_show_prints_the_ram_the_refusal_uses(conv64, tmp_path):
    shown = own("targets", "show", "stm32f405")
    limit = int(re.search(r"^ram_limit\s+(\d+) B", shown.stdout, re.M).group(1))
    assert limit == 131072 and "196608" in shown.stdout     # the part's 192 KiB, the image's 128 KiB
    r = own("compile", conv64, "--target", "stm32f405", "--out", tmp_path / "c")   # ~150 KB of arena
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert f"may use {limit:,} B" in r.stderr and "RAM region" in r.stderr


def test_a_float_model_verifies_within_a_stated_tolerance(tmp_path):
    import keras
    import tensorflow as tf
    if not shutil.which("qemu-aarch64-static"):
        pytest.skip("qemu-user-static is not installed (see `edgedistill doctor`)")
    keras.utils.set_random_seed(0)
    inp = keras.Input((8,), batch_size=1)
    m = keras.Model(inp, keras.layers.Dense(3)(keras.layers.Dense(16, activation="relu")(inp)))
    (tmp_path / "f32.tflite").write_bytes(tf.lite.TFLiteConverter.from_keras_model(m).convert())
    r = own("verify", tmp_path / "f32.tflite", "--target", "rpi4", "--samples", "3")
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"rpi4: float model: 100\.0% of 3 samples within \|diff\| <= 1e-06 \+ 1e-05 x "
                     r"\|reference\|", r.stdout), r.stdout
    j = own("verify", tmp_path / "f32.tflite", "--target", "rpi4", "--samples", "3", "--json")
    assert '"within_tolerance": 1.0' in j.stdout and '"tolerance": {"rtol": 1e-05, "atol": 1e-06}' in j.stdout


def test_within_tolerance_counts_samples():
    import numpy as np
    from pipeline.linux.verify import within_tolerance
    g = np.array([[1.0, 100.0], [0.0, 2.0]], np.float32)
    assert within_tolerance(g + np.float32(5e-7), g) == 1.0
    assert within_tolerance(g + np.array([[0, 2e-3], [0, 0]], np.float32), g) == 0.5   # 2e-3 > 1e-3 at 100


@pytest.mark.parametrize("line,version", [
    ("qemu-aarch64 version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)", "7.2.22"),
    ("QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18)", "7.2.22"),
    ("gcc (Debian 12.2.0-14) 12.2.0", "12.2.0"),
    ("arm-none-eabi-gcc (15:12.2.rel1-1) 12.2.1 20221205", "12.2.1"),
    ("Open On-Chip Debugger 0.12.0", "0.12.0")])
def test_doctor_versions_are_whole(line, version):
    assert doctor._version(line) == version


def test_doctor_checks_qemu_user_static():
    r = own("doctor")
    for tool in ("qemu-aarch64-static", "qemu-arm-static"):
        line = next(ln for ln in r.stdout.splitlines() if f" {tool} " in ln)
        assert line.startswith("ok") == bool(shutil.which(tool)), line
