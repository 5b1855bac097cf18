"""`edgedistill verify --target host`: the DESIGN.md JSON, data-set accuracy, refusals."""

import json

import keras
import pytest

from pipeline.compiler.mlperf import to_int8_tflite
from tests.conftest import edgedistill


@pytest.fixture(scope="module")
def digits_tflite(tmp_path_factory):
    inp = keras.Input((8, 8, 1), batch_size=1)
    x = keras.layers.Conv2D(6, 3, activation="relu")(inp)
    x = keras.layers.Flatten()(x)
    model = keras.Model(inp, keras.layers.Dense(10)(x))
    path = tmp_path_factory.mktemp("m") / "digits.tflite"
    path.write_bytes(to_int8_tflite(model, ranges=[(0.0, 1.0)]))
    return path


def test_verify_host_json_contract(digits_tflite):
    r = edgedistill("verify", digits_tflite, "--target", "host", "--samples", "30", "--json", check=True)
    out = json.loads(r.stdout)
    assert set(out) == {"target", "reference", "samples", "bitexact", "max_abs_diff"}
    assert out == {"target": "host", "reference": "tflite-micro", "samples": 30, "bitexact": 1.0,
                   "max_abs_diff": 0}


def test_verify_host_on_a_data_set_reports_accuracy(digits_tflite):
    r = edgedistill("verify", digits_tflite, "--target", "host", "--samples", "50", "--data", "digits",
                    "--json", check=True)
    out = json.loads(r.stdout)
    assert out["samples"] == 50 and out["bitexact"] == 1.0
    assert 0.0 <= out["accuracy"] <= 1.0        # untrained model: any value, but measured


@pytest.mark.parametrize("args,needle", [
    (["--target", "host", "--data", "fashion-mnist"], "has inputs (28, 28, 1) but the model takes (8, 8, 1)"),
    (["--target", "host", "--samples", "0"], "--samples must be at least 1"),
    (["--target", "nope"], "unknown target"),
])
def test_verify_refusals(digits_tflite, args, needle):
    r = edgedistill("verify", digits_tflite, *args)
    assert r.returncode == 2 and needle in r.stderr and "Traceback" not in r.stderr


def test_verify_missing_model_file(tmp_path):
    r = edgedistill("verify", tmp_path / "none.tflite", "--target", "host")
    assert r.returncode == 2 and "not found" in r.stderr


def test_float_variants_verify_on_linux_targets_with_real_data(tmp_path):
    """float16 / float32 exports (Pi float32, Android GPU float16) take float inputs from --data."""
    import numpy as np

    from pipeline import data
    from pipeline.stages.convert import convert
    d = data.load("digits")
    inp = keras.Input((8, 8, 1))
    x = keras.layers.Flatten()(inp)
    model = keras.Model(inp, keras.layers.Dense(10)(x))
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(d.x_train, d.y_train, epochs=30, verbose=0)
    for variant, target in (("float16", "android-arm64"), ("float32", "rpi4")):
        path = tmp_path / f"m_{variant}.tflite"
        path.write_bytes(convert(model, d.representative, variant=variant))
        out = json.loads(edgedistill("verify", path, "--target", target, "--data", "digits",
                                     "--samples", "40", "--json", check=True).stdout)
        # float kernels on ARM may differ from x86 in the last bits (FMA), never more
        assert out["samples"] == 40 and out["max_abs_diff"] < 1e-4, out
        assert out["accuracy"] > 0.8 and isinstance(out["max_abs_diff"], float)
        assert np.isfinite(out["default_path_max_abs_diff"])
