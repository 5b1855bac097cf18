"""Deployment bundles (the Pi runner classifies under emulation) and bench on Linux targets."""

import json

import numpy as np
import pytest

from pipeline import targets
from pipeline.errors import UserError
from pipeline.linux import bench_linux, qemu_user, write_bundle
from pipeline.linux.guest import run
from pipeline.stages.convert import quantize_inputs

DIGITS = [str(i) for i in range(10)]


@pytest.mark.parametrize("target", ["rpi4", "rpi-armv7"])
def test_pi_runner_classifies_under_emulation(digits, tmp_path, target):
    tflite, x, y = digits
    out = tmp_path / "bundle"
    r = write_bundle(tflite, target, out, DIGITS)
    assert {"model.tflite", "labels.txt", "metadata.json", "run_model.py", "README.md"} <= set(r["files"])
    np.save(out / "samples.npy", x[:30])          # beside the runner: all the sandbox lets it see
    res = qemu_user.run_python(targets.load(target), out / "run_model.py",
                               [str(out / "samples.npy"), "--reference", "--json"], timeout=120)
    pred = [p["class"] for p in json.loads(res.stdout)["predictions"]]
    golden = np.argmax(run(tflite, quantize_inputs(tflite, x[:30]).reshape(30, -1), "ref"), -1)
    assert pred == golden.tolist()                         # same classes as host LiteRT
    assert np.mean(np.array(pred) == y[:30]) > 0.7


def test_android_bundle_has_assets_metadata_and_kotlin(digits, tmp_path):
    tflite = digits[0]
    r = write_bundle(tflite, "android-arm64", tmp_path / "b", DIGITS, raw_scale=1 / 16)
    assert {"assets/model.tflite", "assets/labels.txt", "assets/metadata.json", "README.md"} == set(r["files"])
    meta = json.loads((tmp_path / "b" / "assets" / "metadata.json").read_text())
    assert meta["input"]["dtype"] == "int8" and meta["input"]["scale"] > 0
    assert meta["preprocessing"]["raw_scale"] == 1 / 16 and meta["gpu_delegate"]["compatible"]
    readme = (tmp_path / "b" / "README.md").read_text()
    assert "```kotlin" in readme and "Interpreter(" in readme


def test_bundle_refusals(digits, tmp_path):
    with pytest.raises(UserError, match="3 labels for a model with 10 outputs"):
        write_bundle(digits[0], "rpi4", tmp_path / "a", ["a", "b", "c"])
    with pytest.raises(UserError, match="Linux targets"):
        write_bundle(digits[0], "cortex-m4", tmp_path / "b")


def test_cli_bundle(cli, tmp_path, digits):
    model = tmp_path / "m.tflite"
    model.write_bytes(digits[0])
    labels = tmp_path / "labels.txt"
    labels.write_text("\n".join(DIGITS) + "\n")
    r = cli("bundle", model, "--target", "rpi-armv7", "--out", tmp_path / "out", "--labels", labels, check=True)
    assert "run_model.py" in r.stdout


def test_bench_reports_stable_quantities(zoo_models):
    r = bench_linux(zoo_models["ds-cnn"], "rpi-armv7")
    assert r["instructions"] is None and r["peak_stack_bytes"] is None and r["estimated_latency_ms"] is None
    assert r["flash_bytes"] == len(zoo_models["ds-cnn"]) and 0 < r["weights_bytes"] < r["flash_bytes"]
    assert r["macs"] > 1_000_000 and "DEPTHWISE_CONV_2D" in r["ops"]
    assert 0 < r["ram_bytes"] < 200_000


def test_bench_macs_match_the_compiler_count(zoo_models):
    from pipeline.firmware.macs import count_macs
    from pipeline.linux.bench import count_macs as linux_macs
    for m in zoo_models.values():
        assert linux_macs(m) == count_macs(m)
