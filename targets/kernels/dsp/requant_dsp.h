/* Requantization for the dsp/ kernels: bit-exact with reference/requant.h's ed_mbqm (TFLM's
 * MultiplyByQuantizedMultiplier) for every int32 x, every multiplier in [0, 2^31) and every
 * shift in [-31, 30] (the ranges pipeline/compiler/quant.py produces), in fewer instructions.
 *
 * SRDHM(a, m): TFLM adds 2^30 when a*m >= 0, 1 - 2^30 when a*m < 0, then divides by 2^31
 * truncating toward zero. For a*m = -n < 0:
 *   trunc((1 - 2^30 - n) / 2^31) = -floor((n + 2^30 - 1) / 2^31) = -ceil((n - 2^30) / 2^31)
 *                               = floor((2^30 - n) / 2^31)
 * so both signs equal floor((a*m + 2^30) / 2^31): one 64-bit multiply-add (SMLAL) and a shift,
 * no sign test. The saturating case a == m == INT32_MIN cannot occur (m >= 0). The result r
 * lies in [-2^31 + 1, 2^31 - 1] since |a*m| <= 2^31 * (2^31 - 1).
 *
 * RDBPOT(r, e), e >= 1, rounds half away from zero: with r' = r - (r < 0) (no overflow: r >
 * INT32_MIN), the result is floor((r' + 2^(e-1)) / 2^e) = (r' >> e) + ((low_e(r') + 2^(e-1)) >> e),
 * the second sum taken in uint32 (< 3 * 2^30: no wrap). e == 0 returns r unchanged.
 * tests/firmware/test_kernels_dsp.py checks all of this against the reference kernels. */
#ifndef ED_REQUANT_DSP_H
#define ED_REQUANT_DSP_H

#include <stdint.h>

static inline int32_t ed_mbqm_dsp(int32_t x, int32_t multiplier, int32_t shift) {
    int32_t e = -shift;
    if (shift > 0) {                     /* x * 2^shift wraps, as TFLM's x * (1 << shift) */
        x = (int32_t)((uint32_t)x << shift);
        e = 0;
    }
    const int32_t r = (int32_t)(((int64_t)x * multiplier + (1 << 30)) >> 31);
    if (e == 0) return r;
    const int32_t rn = r + (r >> 31);    /* r - 1 when r < 0: ties go away from zero */
    const uint32_t low = (uint32_t)rn & ((1u << e) - 1u);
    return (rn >> e) + (int32_t)((low + (1u << (e - 1))) >> e);
}

/* The common case, multiplier in (2^30, 2^31) and shift in [-31, -1] (right shift e = -shift,
 * no left shift), as ONE rounding of a 64-bit value. With P = x*m + 2^30 and r = floor(P/2^31)
 * (SRDHM above), RDBPOT gives floor((r - [r<0] + 2^(e-1)) / 2^e); integers move inside the
 * floor, and floor(floor(Q/2^31)/2^e) = floor(Q/2^(31+e)), so the result is
 *     floor(Q / 2^(31+e)),   Q = x*m + 2^30 + 2^(30+e) - [P<0] * 2^31.
 * [P<0] == [x<0] because m > 2^30: x <= -1 gives x*m < -2^30, x >= 0 gives P > 0 (m == 2^30
 * and m == 0 break this: those layers take ed_mbqm_dsp). |Q| < 2^63: no overflow. One SMLAL
 * onto a per-sign constant and one shift of the high word by e - 1. */
static inline int32_t ed_mbqm_right(int32_t x, int32_t multiplier, int32_t e) {
    const int64_t c = ((int64_t)1 << 30) + ((int64_t)1 << (30 + e)) - (x < 0 ? (int64_t)1 << 31 : 0);
    const int32_t hi = (int32_t)(((int64_t)x * multiplier + c) >> 32);   /* the high word */
    return hi >> (e - 1);                                                 /* e - 1 in [0, 30] */
}

/* ed_mbqm_right(x, m, e) + zp with the zero point folded into the rounding constant: the high
 * word of x*m + C, C with low word 2^30 + [x<0] * 2^31 and high word
 * ed_zp_folded_high(zp, e) - [x<0], shifted right by e - 1 (zp * 2^(31+e) added to the constant
 * above adds exactly zp after the shift). Needs ed_zp_folded_ok: m in (2^30, 2^31) and e in
 * [2, 23], so that |x*m / 2^32| < 2^30 and |(2zp + 1) * 2^(e-2)| <= 257 * 2^21 < 2^30: the
 * high word cannot wrap. dsp/conv.c and dsp/fully_connected.c compute it this way. */
static inline int ed_zp_folded_ok(int32_t multiplier, int32_t shift) {
    return multiplier > (1 << 30) && shift <= -2 && shift >= -23;
}

static inline int32_t ed_zp_folded_high(int32_t zp, int32_t e) {
    return (2 * zp + 1) * (1 << (e - 2));
}

/* 1 when every channel of [0, n) meets ed_mbqm_right's conditions */
static inline int ed_right_requant_ok(const int32_t *multiplier, const int8_t *shift, int32_t n) {
    for (int32_t i = 0; i < n; ++i)
        if (shift[i] > -1 || shift[i] < -31 || multiplier[i] <= (1 << 30)) return 0;
    return 1;
}

#endif
