"""The GPU check names what LiteRT's GPU delegate rejects (TF's analyzer says "compatible")."""

import pytest

from pipeline.linux import gpu


@pytest.fixture(scope="module")
def mixed_model():
    """CONV_2D, a depthwise conv with multiplier 2 on 8 channels, MEAN, FC, TOPK_V2, ARG_MAX."""
    import keras
    import tensorflow as tf
    inp = keras.Input((16, 16, 3), batch_size=1)
    x = keras.layers.Conv2D(8, 3, activation="relu")(inp)
    x = keras.layers.DepthwiseConv2D(3, depth_multiplier=2)(x)
    logits = keras.layers.Dense(10)(keras.layers.GlobalAveragePooling2D()(x))
    top = keras.layers.Lambda(lambda t: tf.math.top_k(t, 3).values)(logits)
    arg = keras.layers.Lambda(lambda t: tf.cast(tf.argmax(t, -1), tf.float32))(logits)
    return tf.lite.TFLiteConverter.from_keras_model(keras.Model(inp, [top, arg])).convert()


def test_names_unsupported_ops_and_cpu_fallback(mixed_model):
    r = gpu.check(mixed_model)
    assert not r["compatible"]
    assert {"TOPK_V2", "ARG_MAX", "DEPTHWISE_CONV_2D"} <= set(r["unsupported"])
    reasons = {o["op"]: o["reason"] for o in r["ops"] if not o["supported"]}
    assert "depth_multiplier 2" in reasons["DEPTHWISE_CONV_2D"]
    # the CONV_2D before the depthwise is supported but not in the one delegated partition
    conv = next(o for o in r["ops"] if o["op"] == "CONV_2D")
    assert conv["supported"] and conv["runs_on"] == "cpu"
    assert r["gpu_ops"] + r["cpu_ops"] == len(r["ops"])
    assert "ARG_MAX" in gpu.summary(r)


def test_zoo_students_pass(zoo_models, digits):
    for model in [*zoo_models.values(), digits[0]]:
        r = gpu.check(model)
        assert r["compatible"] and r["cpu_ops"] == 0, gpu.summary(r)


def test_option_limits():
    n = gpu.Node(0, "SOFTMAX", (gpu.T("FLOAT32", (1, 10), False),), (gpu.T("FLOAT32", (1, 10), False),),
                 {"beta": 2.0})
    assert gpu.RULES["SOFTMAX"](n) == "beta 2.0 != 1"
    cast = gpu.Node(0, "CAST", (gpu.T("INT64", (1,), False),), (gpu.T("FLOAT32", (1,), False),), {})
    assert "INT64" in gpu.RULES["CAST"](cast)


def test_cli_gpu_check_exit_status(cli, tmp_path, mixed_model, zoo_models):
    bad, good = tmp_path / "bad.tflite", tmp_path / "good.tflite"
    bad.write_bytes(mixed_model)
    good.write_bytes(zoo_models["cnn"])
    r = cli("gpu-check", bad)
    assert r.returncode == 1 and "TOPK_V2" in r.stdout
    assert cli("gpu-check", good).returncode == 0
