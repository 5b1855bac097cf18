/* Integer requantization shared by every int8 kernel: TFLite-Micro's double-rounding
 * MultiplyByQuantizedMultiplier (gemmlowp SaturatingRoundingDoublingHighMul followed by
 * RoundingDivideByPOT). Multipliers are Q0.31 in [2^30, 2^31) (or 0); shifts in [-31, 30],
 * positive = left. All computed at compile time by pipeline/compiler/quant.py.
 *
 * Signed overflow is undefined in C, so the places where TFLM relies on two's-complement
 * wrap-around (x * (1 << left_shift)) go through uint32_t: same bits, no UB. */
#ifndef ED_REQUANT_H
#define ED_REQUANT_H

#include <stdint.h>

static inline int32_t ed_clamp(int32_t x, int32_t lo, int32_t hi) {
    return x < lo ? lo : (x > hi ? hi : x);
}

/* round(a * b / 2^31), saturating the single overflow case a == b == INT32_MIN */
static inline int32_t ed_srdhm(int32_t a, int32_t b) {
    if (a == b && a == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31)); /* C division truncates, like C++ */
}

/* x / 2^exponent rounded to nearest, ties away from zero; exponent in [0, 31] */
static inline int32_t ed_rdbpot(int32_t x, int exponent) {
    const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x * 2^shift with wrap-around, as TFLM's x * (1 << left_shift) does on every target */
static inline int32_t ed_shl_wrap(int32_t x, int shift) {
    return (int32_t)((uint32_t)x << shift);
}

static inline int32_t ed_mbqm(int32_t x, int32_t multiplier, int shift) {
    const int left = shift > 0 ? shift : 0;
    const int right = shift > 0 ? 0 : -shift;
    return ed_rdbpot(ed_srdhm(ed_shl_wrap(x, left), multiplier), right);
}

#endif
