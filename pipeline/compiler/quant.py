"""Fixed-point multipliers computed at compile time, exactly as TFLite-Micro's Prepare does.

Source: tensorflow/lite/kernels/internal/quantization_util.cc (QuantizeMultiplier,
PreprocessSoftmaxScaling, CalculateInputRadius) and kernel_util.cc
(CalculateActivationRangeQuantized). Python floats are IEEE doubles, so `double` arithmetic
matches; float32 steps are done with numpy.float32 where TFLM uses float.
"""

import math

import numpy as np

INT8_MIN, INT8_MAX = -128, 127


class ScaleRangeError(ArithmeticError):
    """A real multiplier no Q0.31 multiplier and shift can hold (inf, NaN, >= 2^31): the model's
    quantization scales are corrupt. lower() names the op."""


def round_away(x: float) -> int:
    """std::round / TfLiteRound: halves away from zero."""
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def quantize_multiplier(real: float) -> tuple[int, int]:
    """(multiplier Q0.31, shift) with real == multiplier * 2^(shift - 31) (double rounding build)."""
    if real == 0.0:
        return 0, 0
    if not math.isfinite(real) or not 0 < real < 2.0 ** 31:
        raise ScaleRangeError(f"requantization multiplier {real!r} outside (0, 2^31)")
    q, shift = math.frexp(real)
    q_fixed = round_away(q * (1 << 31))
    assert q_fixed <= (1 << 31)
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift, q_fixed = 0, 0
    return q_fixed, shift


def frexp_multiplier(real: float) -> tuple[int, int]:
    """LOGISTIC/TANH Prepare: frexp without the 2^31 fix-up; the int32 cast wraps on overflow."""
    if not math.isfinite(real) or not 0 < real < 2.0 ** 31:
        raise ScaleRangeError(f"input multiplier {real!r} outside (0, 2^31)")
    q, shift = math.frexp(real)
    q_fixed = round_away(q * (1 << 31))
    if q_fixed >= (1 << 31):
        q_fixed -= 1 << 32
    return q_fixed, shift


def input_radius(integer_bits: int, left_shift: int, total_signed_bits: int = 31) -> int:
    """CalculateInputRadius: largest |input| whose rescaled value still fits."""
    max_rescaled = (1.0 * ((1 << integer_bits) - 1) * (1 << (total_signed_bits - integer_bits))
                    / (1 << left_shift))
    return int(math.floor(max_rescaled))


def softmax_scaling(beta: float, input_scale: float, integer_bits: int = 5) -> tuple[int, int, int]:
    """PreprocessSoftmaxScaling + diff_min: (multiplier, left_shift, diff_min)."""
    real = min(beta * input_scale * (1 << (31 - integer_bits)), (1 << 31) - 1.0)
    multiplier, left_shift = quantize_multiplier(real)
    diff_min = -input_radius(integer_bits, left_shift)
    return multiplier, left_shift, diff_min


def quantize_float32(value: float, scale: float, zero_point: int) -> int:
    """zero_point + round(value / scale) with float32 division, as TFLM's activation ranges."""
    ratio = float(np.float32(value) / np.float32(scale))
    return zero_point + round_away(ratio)


def activation_range(activation: str, scale: float, zero_point: int) -> tuple[int, int] | None:
    """CalculateActivationRangeQuantized for int8; None for an activation it rejects."""
    if activation == "NONE":
        return INT8_MIN, INT8_MAX
    if activation in ("RELU", "RELU6", "RELU_N1_TO_1"):
        lo_value, hi_value = {"RELU": (0.0, None), "RELU6": (0.0, 6.0),
                              "RELU_N1_TO_1": (-1.0, 1.0)}[activation]
        lo = max(INT8_MIN, quantize_float32(lo_value, scale, zero_point))
        hi = INT8_MAX if hi_value is None else min(INT8_MAX, quantize_float32(hi_value, scale, zero_point))
        return lo, hi
    return None


def mean_multiplier(input_scale: float, output_scale: float, count: int) -> tuple[int, int]:
    """QuantizedMeanOrSum: input_scale/output_scale with 1/count folded into the multiplier."""
    multiplier, shift = quantize_multiplier(input_scale / output_scale)
    extra = count.bit_length() - 1           # 63 - CountLeadingZeros(count)
    extra = min(extra, 32, 31 + shift)
    multiplier = (multiplier << extra) // count
    return multiplier, shift - extra
