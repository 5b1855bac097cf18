/* Requantization of four int32 lanes at once for the mve/ kernels, bit-exact with
 * reference/requant.h's ed_mbqm (TFLM's MultiplyByQuantizedMultiplier) for every int32 x, every
 * multiplier m in [0, 2^31) and every shift in [-31, 30] (pipeline/compiler/quant.py's ranges).
 *
 * 1. Left shift: VSHL by max(shift, 0) per lane, register form: no saturation, the bits shifted
 *    out are lost, i.e. the uint32 wrap-around of TFLM's x * (1 << left_shift).
 * 2. SRDHM: VQRDMULH returns sat((2*a*m + 2^31) >> 32) = floor((a*m + 2^30) / 2^31), which is
 *    TFLM's nudge-and-truncate for both signs of a*m (proof in dsp/requant_dsp.h). It saturates
 *    only for a == m == INT32_MIN, impossible with m >= 0. The result r is in
 *    [-2^31 + 1, 2^31 - 1] since |a*m| <= 2^31 * (2^31 - 1).
 * 3. RDBPOT by e = max(-shift, 0), ties away from zero: for e >= 1 it is
 *    floor((r - [r < 0] + 2^(e-1)) / 2^e) (requant_dsp.h), and VRSHL by -e computes exactly
 *    floor((v + 2^(e-1)) / 2^e) (the rounding add is done wide: no overflow). r - [r < 0] cannot
 *    wrap (r > INT32_MIN). For e == 0 VRSHL returns its input unchanged, so the -1 correction
 *    is masked to the lanes with shift < 0 (mask = shift >> 31, all ones there).
 * tests/firmware/test_kernels_mve.py runs this against ed_mbqm on the emulated M55. */
#ifndef ED_REQUANT_MVE_H
#define ED_REQUANT_MVE_H

#include <arm_mve.h>
#include <stdint.h>

#if !defined(__ARM_FEATURE_MVE)
#error "targets/kernels/mve/ needs MVE (Helium): -mcpu=cortex-m55"
#endif

/* ed_mbqm per lane: x * m * 2^shift, TFLM's double rounding */
static inline int32x4_t ed_mbqm_mve(int32x4_t x, int32x4_t m, int32x4_t shift) {
    const int32x4_t zero = vdupq_n_s32(0);
    x = vshlq_s32(x, vmaxq_s32(shift, zero));
    int32x4_t r = vqrdmulhq_s32(x, m);
    r = vaddq_s32(r, vandq_s32(vshrq_n_s32(r, 31), vshrq_n_s32(shift, 31)));
    return vrshlq_s32(r, vminq_s32(shift, zero));
}

/* ed_mbqm_mve when every lane has shift in [-31, -1] (the common case, checked once per call
 * by ed_right_shifts): no left shift, and the -1 correction applies to every lane */
static inline int32x4_t ed_mbqm_mve_right(int32x4_t x, int32x4_t m, int32x4_t shift) {
    const int32x4_t r = vqrdmulhq_s32(x, m);
    return vrshlq_s32(vaddq_s32(r, vshrq_n_s32(r, 31)), shift);
}

/* 1 when every shift of [0, n) is in [-31, -1] */
static inline int ed_right_shifts(const int8_t *shift, int32_t n) {
    for (int32_t i = 0; i < n; ++i)
        if (shift[i] > -1 || shift[i] < -31) return 0;
    return 1;
}

/* Eight requantized lanes (a into the even int16 lanes, b into the odd ones) to output values:
 * saturating narrow to int16, saturating + zero point, clamp to [lo, hi]. Equal to clamping
 * v + zp in int32 because lo, hi and zp all lie in [-128, 127]: a lane that saturates at
 * +-32767/-32768 stays beyond the clamp bound on its side after adding zp. */
static inline int16x8_t ed_pack_mve(int32x4_t a, int32x4_t b, int32_t zp, int32_t lo, int32_t hi) {
    int16x8_t v = vqmovntq_s32(vqmovnbq_s32(vdupq_n_s16(0), a), b);
    v = vqaddq_n_s16(v, (int16_t)zp);
    return vminq_s16(vmaxq_s16(v, vdupq_n_s16((int16_t)lo)), vdupq_n_s16((int16_t)hi));
}

#endif
