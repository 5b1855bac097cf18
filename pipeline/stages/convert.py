"""Stage convert: Keras model -> .tflite bytes (int8, float16, dynamic-range or float32).

    convert(model, representative, variant="int8") -> bytes

The model is traced with a fixed batch of 1 (a dynamic batch makes Flatten/Reshape compute
their shape at run time: SHAPE/STRIDED_SLICE/PACK ops, which TFLM may lack and which cost
flash and cycles for nothing on a batch-1 device).

int8: a QAT model (pipeline.qat) carries its own ranges in its FakeQuant ops, which the
converter turns into scales and zero points; `representative` is not used. A float model is
calibrated post-training on `representative`. Either way the result has int8 input and
output and is checked to hold no float op, DEQUANTIZE or dynamic-shape op.
"""

import contextlib
import logging
import os
import re
import tempfile
import warnings

import numpy as np

from pipeline.errors import UserError

VARIANTS = ("int8", "float16", "dynamic", "float32")
# Ops that only appear when a shape is computed at run time (dynamic batch).
_DYNAMIC_SHAPE_OPS = {"SHAPE", "STRIDED_SLICE", "PACK"}


def convert(model, representative: np.ndarray | None, variant: str = "int8") -> bytes:
    """Keras model -> .tflite bytes. `representative`: float samples (N, *input_shape).

    variant: 'int8' (full integer, int8 input and output), 'float16' (float16 weights),
    'dynamic' (int8 weights, float activations), 'float32'. The float variants of a QAT model
    are made from its float twin (fake-quant removed, BN folded, weights on their int8 grid).
    Failures a user can fix raise UserError.
    """
    import keras
    import tensorflow as tf

    from pipeline.qat.calibrate import uncalibrated
    from pipeline.qat.strip import is_qat_model, strip_quantization

    if variant not in VARIANTS:
        raise UserError(f"unknown conversion variant '{variant}'", f"use one of {VARIANTS}")
    if not (isinstance(model, keras.Sequential) or hasattr(model, "_nodes_by_depth")):
        # subclassed (e.g. a Distiller): no symbolic inputs/outputs to trace
        raise UserError(f"model '{model.name}' ({type(model).__name__}) has no layer graph "
                        "to export", "pass a Functional or Sequential model, e.g. "
                        "distiller.student")
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise UserError(f"model '{model.name}' has {len(model.inputs)} inputs and "
                        f"{len(model.outputs)} outputs", "export a model with one of each")
    shape = tuple(model.inputs[0].shape[1:])
    if any(d is None for d in shape):
        raise UserError(f"model input shape {shape} has unknown dimensions",
                        "build the model with a fixed input shape, e.g. keras.Input((96, 96, 3))")
    qat = is_qat_model(model)
    if qat and variant == "int8":
        never = uncalibrated(model)
        if never:
            raise UserError(f"QAT model's activation ranges were never set: {never[:3]}",
                            "fit the QAT model first, or call pipeline.qat.calibrate(model, "
                            "representative) before converting")
    if qat and variant != "int8":
        model = strip_quantization(model)  # FakeQuant ops would force int8 kernels
    needs_rep = variant == "int8" and not qat
    if needs_rep:
        representative = _check_representative(representative, shape)

    fn = tf.function(lambda x: model(x, training=False))
    concrete = fn.get_concrete_function(tf.TensorSpec((1, *shape), model.inputs[0].dtype))
    # No trackable object: this takes the graph-freezing path, which turns the variables
    # (weights and the fake-quant ranges) into constants. With one, TF lowers to a SavedModel
    # that keeps them as resource variables and the FakeQuant ops then cannot be converted.
    # (TF logs that this path is "deprecated"; _quiet keeps that notice out of the output.)
    with _quiet(None):
        converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete])
    if variant != "float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if variant == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if variant == "int8":
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    if needs_rep:
        # TFLITE_BUILTINS_INT8 makes the converter fail on any op it cannot quantize instead
        # of leaving it float. (For a QAT model TF 2.21 demands a representative set with
        # this flag although it does not use it; _check_int8 below enforces the same thing.)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.representative_dataset = lambda: ([representative[i:i + 1]]
                                                     for i in range(len(representative)))
    tflite = _quiet_convert(converter)
    if variant == "int8":
        _check_int8(tflite)
    return tflite


def _check_representative(rep, shape) -> np.ndarray:
    if rep is None or len(rep) == 0:
        raise UserError("int8 conversion of a float model needs representative samples",
                        "pass ~100-500 training inputs as `representative`")
    rep = np.asarray(rep, np.float32)
    if tuple(rep.shape[1:]) != shape:
        raise UserError(f"representative samples have shape {rep.shape[1:]}, the model "
                        f"input is {shape}", "pass samples shaped (N, *model_input_shape)")
    return rep


def _quiet_convert(converter) -> bytes:
    """converter.convert() with TF's chatter captured; any failure -> UserError."""
    with tempfile.TemporaryFile(mode="w+b") as log:
        try:
            with _quiet(log):
                return converter.convert()
        except Exception as e:  # ConverterError, ValueError, ...: all end the stage
            text = f"{e}\n{_read(log)}"
    raise UserError(f"TFLite conversion failed: {_key_message(text)}",
                    "replace the layer that uses the op named above with layers that map "
                    "to TFLite builtin ops")


@contextlib.contextmanager
def _quiet(log):
    """Python warnings and absl notices off; C++ output (fds 1, 2) into `log` if given."""
    absl_logger = logging.getLogger("absl")
    level = absl_logger.level
    absl_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if log is None:
                yield
            else:
                with _redirect_fds(log):
                    yield
    finally:
        absl_logger.setLevel(level)


@contextlib.contextmanager
def _redirect_fds(target):
    """Point fds 1 and 2 at `target`: the MLIR converter logs from C++, below Python."""
    import sys
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    try:
        os.dup2(target.fileno(), 1)
        os.dup2(target.fileno(), 2)
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)


def _read(f) -> str:
    f.seek(0)
    return f.read().decode(errors="replace")


def _key_message(text: str) -> str:
    """The converter's own words, without MLIR location dumps: first 'error: ...' lines."""
    found = []
    for m in re.finditer(r"error: ([^\n]+)", text):
        msg = m.group(1).strip()
        if msg.startswith("failed while converting"):  # wrapper of the errors already kept
            continue
        if msg and msg not in found:
            found.append(msg)
    if not found:
        found = [line.strip() for line in text.splitlines() if line.strip()][:1]
    return "; ".join(found[:3])[:600]


# ---- int8 model checks and I/O helpers -------------------------------------------------

def _interpreter(tflite: bytes):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    return Interpreter(model_content=bytes(tflite),
                       experimental_op_resolver_type=OpResolverType.BUILTIN_REF)


def _check_int8(tflite: bytes) -> None:
    """Every op int8 (int32 only for biases/indices), int8 I/O, no dynamic-shape ops."""
    interp = _interpreter(tflite)
    dtypes = {t["index"]: t["dtype"] for t in interp.get_tensor_details()}
    bad = []
    for op in interp._get_ops_details():
        float_io = [i for i in (*op["inputs"], *op["outputs"])
                    if i >= 0 and np.dtype(dtypes[i]).kind == "f"]
        if op["op_name"] in _DYNAMIC_SHAPE_OPS or op["op_name"] == "DEQUANTIZE" or float_io:
            bad.append(op["op_name"])
    io = [*interp.get_input_details(), *interp.get_output_details()]
    if bad or any(d["dtype"] != np.int8 for d in io):
        raise UserError(f"int8 conversion left float or dynamic-shape ops: {sorted(set(bad))}",
                        "these have no int8 kernel (or come from a dynamic shape): replace the "
                        "layers that produce them, or convert with variant='float16'/'dynamic'")


def input_quantization(tflite: bytes) -> tuple[float, int]:
    """(scale, zero_point) of the model's input: x_int8 = round(x / scale) + zero_point."""
    return _quantization(_interpreter(tflite).get_input_details()[0], "input")


def output_quantization(tflite: bytes) -> tuple[float, int]:
    """(scale, zero_point) of the model's output: y = (y_int8 - zero_point) * scale."""
    return _quantization(_interpreter(tflite).get_output_details()[0], "output")


def _quantization(detail, what) -> tuple[float, int]:
    scale, zero_point = detail["quantization"]
    if scale == 0.0:
        raise UserError(f"the model's {what} is {np.dtype(detail['dtype']).name}, "
                        "not quantized", "convert with variant='int8'")
    return float(scale), int(zero_point)


def quantize_inputs(tflite: bytes, x_float: np.ndarray) -> np.ndarray:
    """Float inputs -> the int8 the model expects.

    Rounds half up (floor(v + 0.5)) like TF's FakeQuant ops, so a value fed to the int8 model
    lands on the same code the QAT Keras model's input quantizer picks.
    """
    scale, zero_point = input_quantization(tflite)
    q = np.floor(np.asarray(x_float, np.float64) / scale + 0.5) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)


def dequantize_outputs(tflite: bytes, y_int8: np.ndarray) -> np.ndarray:
    """int8 outputs -> float: (y - zero_point) * scale."""
    scale, zero_point = output_quantization(tflite)
    return ((np.asarray(y_int8, np.float32) - zero_point) * scale).astype(np.float32)
