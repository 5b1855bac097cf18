"""Unsupported ops, types and options fail at compile time with a typed error naming them."""

import pytest

from pipeline.compiler.errors import ModelFormatError, UnsupportedOpError, UnsupportedTypeError
from pipeline.errors import UserError


def _compile(tfl):
    from pipeline.compiler.sources import compile_model
    return compile_model(tfl, "host")


@pytest.fixture(scope="module")
def upsample_tflite():
    # (an int8 LSTM crashes the TF 2.21 converter itself, so the unsupported op is a resize)
    import keras
    from tests.compiler.convert import to_int8_tflite
    x = keras.Input((4, 4, 2), batch_size=1, name="in000")
    y = keras.layers.UpSampling2D(2)(keras.layers.Conv2D(3, 1)(x))
    return to_int8_tflite(keras.Model(x, y))


def test_unsupported_op_is_named(upsample_tflite):
    with pytest.raises(UnsupportedOpError) as e:
        _compile(upsample_tflite)
    assert isinstance(e.value, UserError)
    from pipeline.compiler.lower import SUPPORTED
    assert e.value.op not in SUPPORTED and e.value.op_index is not None   # TILE or a RESIZE_*
    assert e.value.tensor and e.value.op in str(e.value) and f"#{e.value.op_index}" in str(e.value)


def test_float_model_is_refused():
    import keras
    import tensorflow as tf
    x = keras.Input((8,), batch_size=1)
    tfl = tf.lite.TFLiteConverter.from_keras_model(keras.Model(x, keras.layers.Dense(4)(x))).convert()
    with pytest.raises(UnsupportedTypeError) as e:
        _compile(tfl)
    assert "FLOAT32" in str(e.value) and e.value.tensor


def test_transcendental_op_outside_the_list():
    import keras
    from tests.compiler.convert import to_int8_tflite
    x = keras.Input((8,), batch_size=1, name="in000")
    tfl = to_int8_tflite(keras.Model(x, keras.ops.exp(keras.layers.Dense(4)(x))))
    with pytest.raises(UnsupportedOpError) as e:
        _compile(tfl)
    assert "EXP" in str(e.value) and "#" in str(e.value)


def test_garbage_bytes():
    with pytest.raises(ModelFormatError):
        _compile(b"\x00" * 64)


def test_cli_exit_2(tmp_path):
    from click.testing import CliRunner
    from pipeline.cli.main import cli
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"not a model at all")
    r = CliRunner().invoke(cli, ["compile", str(bad), "--target", "host", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2
    assert "flatbuffer" in r.output


def test_cli_builds_host(tmp_path):
    import keras
    from click.testing import CliRunner
    from pipeline.cli.main import cli
    from tests.compiler.convert import to_int8_tflite
    x = keras.Input((6,), batch_size=1, name="in000")
    p = tmp_path / "m.tflite"
    p.write_bytes(to_int8_tflite(keras.Model(x, keras.layers.Dense(3, activation="relu")(x))))
    r = CliRunner().invoke(cli, ["compile", str(p), "--target", "host", "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "o" / "model_host").is_file() and (tmp_path / "o" / "model.c").is_file()
    assert "arena" in (tmp_path / "o" / "memory_plan.txt").read_text()
