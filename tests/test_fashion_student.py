"""The fashion-mnist student (the default recipe's architecture, trained by `run --quick`) is
bit-exact with its target family's reference on the Linux targets and the emulated Cortex-M4."""

import json

import pytest

from tests.conftest import edgedistill


@pytest.fixture(scope="module")
def fashion_student(tmp_path_factory):
    out = tmp_path_factory.mktemp("fm") / "run"
    edgedistill("run", "--recipe", "fashion-mnist", "--quick", "--target", "rpi4", "--out", out, check=True)
    m = json.loads((out / "metrics.json").read_text())
    assert m["target"] == "rpi4" and "firmware" not in m      # no MCU firmware for a Linux target
    assert "tflm" not in m                                    # nor a TFLM package a Pi never uses
    d = m["device"]           # the run ends on the device's runtime, under qemu-user, and a bundle
    assert d["bitexact"] == 1.0 and d["samples"] == 500 and "ai-edge-litert" in d["runtime"], d
    assert abs(d["accuracy"] - m["student_int8"]["accuracy"]) < 0.01
    assert {"model.tflite", "labels.txt", "metadata.json", "run_model.py"} <= set(m["bundle"]["files"])
    assert (out / "bundle" / "run_model.py").is_file()
    return out / "model_int8.tflite"


@pytest.mark.parametrize("target", ["rpi4", "rpi-armv7", "android-arm64", "cortex-m4"])
def test_fashion_student_is_bitexact(fashion_student, target):
    v = json.loads(edgedistill("verify", fashion_student, "--target", target, "--data", "fashion-mnist",
                               "--samples", "100", "--json", check=True).stdout)
    assert v["samples"] == 100 and v["bitexact"] == 1.0 and v["max_abs_diff"] == 0, v
    assert v["accuracy"] > 0.3       # a trained classifier (chance is 0.1); quick runs train little
