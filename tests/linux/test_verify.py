"""Done-when: the device runtime on each emulated ARM CPU equals the host run of the same runtime
and version on its reference kernels (LiteRT 2.3, or tflite-runtime 2.14 for rpi-armv7, which is
also within 1 LSB of host LiteRT: FULLY_CONNECTED requantization, TF commit 7743831a)."""

import json

import numpy as np
import pytest

from pipeline.linux import verify_linux
from pipeline.stages.convert import quantize_inputs

TARGETS = ["rpi4", "rpi-armv7", "android-arm64"]
GOLDEN = {"rpi4": "litert-2.3-builtin-ref", "android-arm64": "litert-2.3-builtin-ref",
          "rpi-armv7": "tflite-runtime-2.14-builtin-ref"}


def check_vs_litert(r):
    """rpi-armv7 only: its distance from host LiteRT BUILTIN_REF, at most 1 LSB (measured)."""
    if r["target"] != "rpi-armv7":
        assert "vs_litert_builtin_ref" not in r
        return
    v = r["vs_litert_builtin_ref"]
    assert v["reference"] == "litert-2.3-builtin-ref" and "FULLY_CONNECTED" in v["note"]
    assert 0 <= v["max_abs_diff"] <= 1 and 0.9 <= v["bitexact"] <= 1.0


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("arch", ["cnn", "ds-cnn"])
def test_zoo_students_bitexact(zoo_models, target, arch):
    r = verify_linux(zoo_models[arch], target, None, samples=8, seed=1)
    assert (r["target"], r["reference"], r["samples"]) == (target, GOLDEN[target], 8)
    assert r["bitexact"] == 1.0 and r["max_abs_diff"] == 0
    check_vs_litert(r)
    assert 0 <= r["default_path_max_abs_diff"] <= 2          # XNNPACK: not bit-exact (FACTS.md)
    assert r["outputs"].shape[0] == 8


@pytest.mark.parametrize("target", TARGETS)
def test_trained_digits_student_bitexact_and_accurate(digits, target):
    tflite, x, y = digits
    q = quantize_inputs(tflite, x[:40])
    r = verify_linux(tflite, target, q, samples=40)
    assert r["reference"] == GOLDEN[target]
    assert r["bitexact"] == 1.0 and r["max_abs_diff"] == 0
    check_vs_litert(r)           # rpi-armv7: 1 LSB on 1 of these 40 samples vs LiteRT (measured)
    assert np.mean(np.argmax(r["outputs"], -1) == y[:40]) > 0.7


def test_cli_verify_json_on_a_linux_target(cli, tmp_path, zoo_models):
    model = tmp_path / "cnn.tflite"
    model.write_bytes(zoo_models["cnn"])
    r = cli("verify", model, "--target", "android-arm64", "--samples", "4", "--json", check=True)
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["bitexact"] == 1.0 and out["reference"] == "litert-2.3-builtin-ref"
    assert "vs_litert_builtin_ref" not in out


def test_cli_verify_json_on_rpi_armv7_names_both_references(cli, tmp_path, zoo_models):
    model = tmp_path / "cnn.tflite"
    model.write_bytes(zoo_models["cnn"])
    r = cli("verify", model, "--target", "rpi-armv7", "--samples", "4", "--json", check=True)
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["reference"] == "tflite-runtime-2.14-builtin-ref" and out["bitexact"] == 1.0
    check_vs_litert(out)
