"""How closely an int8 .tflite reproduces its QAT Keras model, in output LSBs.

Measured (tests/qat, 200 random samples, 3 seeds, TFLM and LiteRT BUILTIN_REF alike): every
single-layer model within 1 LSB on 100 % of samples (exact on 45-100 %: a 1-LSB difference
comes from a value within rounding noise of a .5 boundary, where the int8 kernels' fixed-point
requantization and the float fake-quant pick different sides; AvgPool ties round half away
from zero in int8, half up in FakeQuant). Off-by-ones upstream can grow downstream: a layer
that requantizes to a finer grid (a Dense after GAP, a ReLU after GAP) turns them into 2 LSB
on ~0.5-1 % of samples. TFLite's int8 MEAN over H and W (GlobalAveragePooling2D) itself rounds
up to ~(0.5 + 0.5 * (s_in / s_out) / (H * W)) LSB off the exact mean, which no fake-quant
op reproduces; the 1-D MEAN rounds exactly.
"""

import numpy as np

from pipeline.stages.convert import dequantize_outputs, input_quantization, \
    output_quantization, quantize_inputs


def int8_agreement(model, tflite: bytes, x_float: np.ndarray, run) -> dict:
    """Per-sample max |int8 output - quantized Keras output|, in LSBs of the output scale.

    Both sides see the same int8 input: `x_float` is quantized with the .tflite's input
    scale/zero point, fed as int8 to `run(tflite, x_int8)` (a runtimes.tflm/litert `run`)
    and, dequantized, to the Keras model (whose input fake-quant then picks the same codes).
    The Keras output is put on the .tflite's output grid with the same rounding.
    Returns {"samples", "max_lsb", "exact" (fraction of samples with every output equal),
    "within_1" (fraction with every output within 1 LSB)}.
    """
    x_int8 = quantize_inputs(tflite, x_float)
    scale, zero_point = input_quantization(tflite)
    x_seen = ((x_int8.astype(np.float32) - zero_point) * scale).astype(np.float32)
    y_keras = np.asarray(model.predict(x_seen, verbose=0, batch_size=64))
    out_scale, out_zp = output_quantization(tflite)
    q_keras = np.clip(np.floor(y_keras / out_scale + 0.5) + out_zp, -128, 127)
    y_int8 = np.asarray(run(tflite, x_int8), np.int32)
    n = len(x_float)
    lsb = np.abs(y_int8.reshape(n, -1) - q_keras.reshape(n, -1)).max(axis=1)
    return {"samples": n, "max_lsb": int(lsb.max()), "exact": float(np.mean(lsb == 0)),
            "within_1": float(np.mean(lsb <= 1)),
            "max_abs_diff": float(np.abs(dequantize_outputs(tflite, y_int8).reshape(n, -1)
                                         - y_keras.reshape(n, -1)).max())}
