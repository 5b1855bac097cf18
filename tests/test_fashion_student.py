"""The fashion-mnist student (the default recipe's architecture, trained by `run --quick`) is
bit-exact with its target family's reference on the Linux targets and the emulated Cortex-M4."""

import json

import pytest

from tests.conftest import edgedistill

# fashion_student: the session fixture in tests/conftest.py (tests/flash/test_gdb_flash.py flashes it too)


@pytest.mark.parametrize("target", ["rpi4", "rpi-armv7", "android-arm64", "cortex-m4"])
def test_fashion_student_is_bitexact(fashion_student, target):
    v = json.loads(edgedistill("verify", fashion_student, "--target", target, "--data", "fashion-mnist",
                               "--samples", "100", "--json", check=True).stdout)
    assert v["samples"] == 100 and v["bitexact"] == 1.0 and v["max_abs_diff"] == 0, v
    assert v["accuracy"] > 0.3       # a trained classifier (chance is 0.1); quick runs train little
