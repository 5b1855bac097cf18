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

/* SXTB16 / SXTAB16 of x ROR 8 in one instruction (GCC 12 does not fuse the rotate) */
static inline uint32_t ed_sxtb16_ror8(uint32_t x) {
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}

static inline uint32_t ed_sxtab16_ror8(uint32_t acc, uint32_t x) {
    uint32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(acc), "r"(x));
    return r;
}

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
        acc = __smlad(ed_sxtb16_ror8(wv), ed_sxtab16_ror8(off2, xv), acc);
    }
    for (; i < n; ++i) acc += (int32_t)w[i] * ((int32_t)x[i] + offset);
    return acc;
}

#endif
