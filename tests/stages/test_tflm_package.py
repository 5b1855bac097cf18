import numpy as np
import pytest

from pipeline.errors import UserError
from pipeline.stages import tflm_package


def _tiny_int8_tflite(with_tanh=False):
    import keras
    import tensorflow as tf
    inp = keras.Input((6, 6, 1), batch_size=1)
    x = keras.layers.Conv2D(4, 3, activation="relu")(inp)
    x = keras.layers.Flatten()(x)
    if with_tanh:
        x = keras.layers.Activation("gelu")(x)
    out = keras.layers.Dense(3)(x)
    c = tf.lite.TFLiteConverter.from_keras_model(keras.Model(inp, out))
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    rng = np.random.default_rng(0)
    c.representative_dataset = lambda: ([rng.random((1, 6, 6, 1), np.float32)] for _ in range(20))
    c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    c.inference_input_type = c.inference_output_type = tf.int8
    return c.convert()


def test_arena_margin_is_ten_percent_plus_1k_rounded_to_16():
    assert tflm_package.arena_with_margin(1000) == 2128     # 1100 + 1024 = 2124 -> 2128
    assert tflm_package.arena_with_margin(0) == 1024


def test_package_registers_exactly_the_models_ops(tmp_path):
    info = tflm_package.package(_tiny_int8_tflite(), tmp_path)
    assert info["ops"] == ["CONV_2D", "FULLY_CONNECTED", "RESHAPE"]
    resolver = (tmp_path / "op_resolver.h").read_text()
    assert "MicroMutableOpResolver<3>" in resolver
    assert [ln.strip() for ln in resolver.splitlines() if "resolver.Add" in ln] == [
        "TF_LITE_ENSURE_STATUS(resolver.AddConv2D());",
        "TF_LITE_ENSURE_STATUS(resolver.AddFullyConnected());",
        "TF_LITE_ENSURE_STATUS(resolver.AddReshape());"]
    header = (tmp_path / "model_data.h").read_text()
    assert f"kModelArenaSize = {info['arena_bytes_with_margin']};" in header
    assert info["arena_bytes"] > 0


def test_an_op_the_package_cannot_register_is_named(tmp_path):
    model = _tiny_int8_tflite(with_tanh=True)
    with pytest.raises(UserError, match="GELU"):
        tflm_package.package(model, tmp_path)
