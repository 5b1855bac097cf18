"""Stage convert: variants, batch-1 export, int8 checks, I/O helpers, errors, quiet output."""

import keras
import numpy as np
import pytest
from keras import layers

from pipeline.errors import UserError
from pipeline.qat import quantize_model, strip_quantization
from pipeline.runtimes import litert, tflm
from pipeline.stages.convert import convert, dequantize_outputs, input_quantization, \
    output_quantization, quantize_inputs

DYNAMIC_SHAPE_OPS = {"SHAPE", "STRIDED_SLICE", "PACK"}


def _float_model():
    """Big enough (>1024 weights per tensor) for dynamic-range/float16 to quantize weights."""
    return keras.Sequential([keras.Input((10, 10, 3)), layers.Conv2D(16, 3),
                             layers.BatchNormalization(), layers.ReLU(), layers.MaxPooling2D(2),
                             layers.Flatten(), layers.Dense(32, activation="relu"),
                             layers.Dense(5), layers.Softmax()])


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (64, 10, 10, 3)).astype(np.float32)


@pytest.fixture(scope="module")
def float_model():
    keras.utils.set_random_seed(0)
    return _float_model()


@pytest.fixture(scope="module")
def qat_model(float_model, data):
    keras.utils.set_random_seed(0)
    qat = quantize_model(float_model)
    qat.compile("adam", "sparse_categorical_crossentropy")
    qat.fit(data, np.arange(len(data)) % 5, batch_size=16, epochs=1, verbose=0)
    return qat


def _tensor_dtypes(tflite):
    from ai_edge_litert.interpreter import Interpreter
    return {np.dtype(t["dtype"]).name for t in Interpreter(model_content=tflite)
            .get_tensor_details()}


@pytest.mark.parametrize("variant,weight_dtype,tol", [
    ("float32", None, 1e-5), ("float16", "float16", 2e-2), ("dynamic", "int8", 5e-2)])
def test_float_variants_run_in_litert(float_model, data, variant, weight_dtype, tol):
    tflite = convert(float_model, data, variant)
    ops = litert.ops(tflite)
    assert not DYNAMIC_SHAPE_OPS & set(ops), ops  # batch 1: Flatten is a static RESHAPE
    if weight_dtype:
        assert weight_dtype in _tensor_dtypes(tflite)
    got = litert.run(tflite, data[:16])
    np.testing.assert_allclose(got, float_model.predict(data[:16], verbose=0), atol=tol)


@pytest.mark.parametrize("variant", ["float16", "dynamic", "float32"])
def test_float_variants_of_a_qat_model_drop_fake_quant(qat_model, data, variant):
    tflite = convert(qat_model, data, variant)
    assert "int8" not in {np.dtype(d["dtype"]).name for d in _io(tflite)}
    twin = strip_quantization(qat_model)  # the float weights the int8 model also uses
    got = litert.run(tflite, data[:16])
    np.testing.assert_allclose(got, twin.predict(data[:16], verbose=0), atol=5e-2)
    # and close to the QAT model itself (activation rounding is the only difference)
    assert np.abs(got - qat_model.predict(data[:16], verbose=0)).max() < 0.1


def _io(tflite):
    from ai_edge_litert.interpreter import Interpreter
    interp = Interpreter(model_content=tflite)
    return [*interp.get_input_details(), *interp.get_output_details()]


def test_post_training_int8_of_a_float_model(float_model, data):
    tflite = convert(float_model, data, "int8")
    ops = litert.ops(tflite)
    assert {"CONV_2D", "MAX_POOL_2D", "FULLY_CONNECTED", "SOFTMAX"} <= set(ops)
    assert not ({"QUANTIZE", "DEQUANTIZE"} | DYNAMIC_SHAPE_OPS) & set(ops), ops
    assert _tensor_dtypes(tflite) <= {"int8", "int32"}
    x8 = quantize_inputs(tflite, data[:32])
    probs = dequantize_outputs(tflite, tflm.run(tflite, x8))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=0.03)
    top_float = float_model.predict(data[:32], verbose=0).argmax(axis=1)
    assert np.mean(probs.argmax(axis=1) == top_float) >= 0.8


def test_int8_of_a_qat_model_uses_its_ranges(qat_model, data):
    tflite = convert(qat_model, None)  # no representative set needed
    assert _tensor_dtypes(tflite) <= {"int8", "int32"}
    in_quant = qat_model.layers[1]  # the input's ActivationQuantizer
    scale, _ = input_quantization(tflite)
    width = float(in_quant.range_max.numpy() - in_quant.range_min.numpy())
    assert scale == pytest.approx(width / 255, rel=1e-3)
    assert output_quantization(tflite) == (pytest.approx(1 / 256), -128)  # softmax grid


def test_quantize_and_dequantize_helpers(qat_model):
    tflite = convert(qat_model, None)
    scale, zp = input_quantization(tflite)
    x = np.linspace((-128 - zp) * scale, (127 - zp) * scale, 101, dtype=np.float32)
    q = quantize_inputs(tflite, x)
    assert q.dtype == np.int8
    assert np.abs((q.astype(np.float32) - zp) * scale - x).max() <= scale / 2 + 1e-6
    assert quantize_inputs(tflite, np.array([1e6, -1e6])).tolist() == [127, -128]
    np.testing.assert_allclose(dequantize_outputs(tflite, np.array([-128, 0, 127], np.int8)),
                               [0.0, 128 / 256, 255 / 256])


def test_helpers_refuse_a_float_model(float_model, data):
    with pytest.raises(UserError, match="not quantized"):
        input_quantization(convert(float_model, data, "float32"))


def test_user_errors(float_model, data):
    with pytest.raises(UserError, match="unknown conversion variant"):
        convert(float_model, data, "int4")
    with pytest.raises(UserError, match="representative"):
        convert(float_model, None, "int8")
    with pytest.raises(UserError, match="shape"):
        convert(float_model, data[:, :5], "int8")
    from keras.distillation import Distiller, LogitsDistillation
    distiller = Distiller(teacher=float_model, student=_float_model(),
                          distillation_losses=LogitsDistillation(temperature=2.0))
    with pytest.raises(UserError, match="distiller.student"):
        convert(distiller, data)
    keras.utils.set_random_seed(0)
    fresh = quantize_model(keras.Sequential([keras.Input((4,)), layers.Dense(2)]))
    with pytest.raises(UserError, match="never set"):
        convert(fresh, None)


def test_converter_failure_becomes_user_error_with_the_key_message():
    import tensorflow as tf
    model = keras.Sequential([keras.Input((6,)), layers.Dense(4),
                              layers.Lambda(lambda t: tf.math.erfinv(t))])  # not a builtin
    with pytest.raises(UserError) as info:
        convert(model, None, "float32")
    msg = str(info.value)
    assert msg.startswith("TFLite conversion failed: 'tf.Erfinv' op is neither a custom op")
    assert "loc(" not in msg and len(msg) < 400


def test_int8_ops_without_int8_kernel_are_refused(data):
    # CUMSUM has no int8 kernel: the converter leaves it float between DEQUANTIZE/QUANTIZE
    model = keras.Sequential([keras.Input((10, 10, 3)), layers.Conv2D(4, 3),
                              layers.Lambda(lambda t: keras.ops.cumsum(t, axis=-1))])
    with pytest.raises(UserError, match=r"float or dynamic-shape ops: \['CUMSUM', 'DEQUANTIZE'"):
        convert(model, data, "int8")


def test_conversion_is_quiet(qat_model, data, capfd):
    convert(qat_model, None)
    capfd.readouterr()
    convert(qat_model, None)
    convert(qat_model, data, "float16")
    out, err = capfd.readouterr()
    assert out == "" and err == "", (out[-500:], err[-500:])
