/* ARMv7E-M DSP helpers shared by the dsp/ kernels (ACLE intrinsics, arm_acle.h).
 *
 * A 32-bit load of four int8 x0..x3 is split into two registers of two int16 lanes:
 *   lo = (x0, x2), hi = (x1, x3)       via SXTB16 of x and of x rotated by 8 bits
 * and SXTAB16 adds the input offset to both lanes on the way. Each lane holds x + offset in
 * [-255, 255] (offset in [-127, 128]) and each weight in [-128, 127], so every 16x16 product
 * and the SMLAD pair sum is exact; the int32 accumulator sees the same integers as the
 * reference kernel's loop, only summed in another order (integer addition: bit-exact). */
#ifndef ED_DSP_SIMD_H
#define ED_DSP_SIMD_H

#include <arm_acle.h>
#include <stdint.h>
#include <string.h>

#if !defined(__ARM_FEATURE_DSP)
#error "targets/kernels/dsp/ needs the ARMv7E-M DSP extension (-mcpu=cortex-m4/m7/m33/m55)"
#endif

/* unaligned 32-bit load: one LDR on ARMv7E-M (unaligned word access is allowed) */
static inline uint32_t ed_load4(const int8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* GCC 12's arm_acle.h has no __ror; this pattern compiles to one ROR */
static inline uint32_t ed_ror8(uint32_t x) { return (x >> 8) | (x << 24); }

/* the offset in both int16 lanes */
static inline uint32_t ed_dup16(int32_t offset) {
    return ((uint32_t)offset & 0xFFFFu) | ((uint32_t)offset << 16);
}

/* acc + sum_i w[i] * (x[i] + offset), i < n */
static inline int32_t ed_dot_offset(const int8_t *w, const int8_t *x, int32_t n, uint32_t off2,
                                    int32_t offset, int32_t acc) {
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const uint32_t xv = ed_load4(x + i), wv = ed_load4(w + i);
        acc = __smlad(__sxtb16(wv), __sxtab16(off2, xv), acc);
        acc = __smlad(__sxtb16(ed_ror8(wv)), __sxtab16(off2, ed_ror8(xv)), acc);
    }
    for (; i < n; ++i) acc += (int32_t)w[i] * ((int32_t)x[i] + offset);
    return acc;
}

/* Two weight rows (w, w + w_stride) against the same x: x is widened once for both. */
static inline void ed_dot2_offset(const int8_t *w, int32_t w_stride, const int8_t *x, int32_t n,
                                  uint32_t off2, int32_t offset, int32_t *a0, int32_t *a1) {
    int32_t s0 = *a0, s1 = *a1, i = 0;
    const int8_t *w1 = w + w_stride;
    for (; i + 4 <= n; i += 4) {
        const uint32_t xv = ed_load4(x + i);
        const int32_t x02 = (int32_t)__sxtab16(off2, xv), x13 = (int32_t)__sxtab16(off2, ed_ror8(xv));
        const uint32_t w0 = ed_load4(w + i), w1v = ed_load4(w1 + i);
        s0 = __smlad(__sxtb16(w0), x02, s0);
        s0 = __smlad(__sxtb16(ed_ror8(w0)), x13, s0);
        s1 = __smlad(__sxtb16(w1v), x02, s1);
        s1 = __smlad(__sxtb16(ed_ror8(w1v)), x13, s1);
    }
    for (; i < n; ++i) {
        const int32_t xo = (int32_t)x[i] + offset;
        s0 += (int32_t)w[i] * xo;
        s1 += (int32_t)w1[i] * xo;
    }
    *a0 = s0;
    *a1 = s1;
}

#endif
