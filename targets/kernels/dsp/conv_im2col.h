/* Step 1 of dsp/conv.c's GEMM (im2col): a pixel pair's windows as int16 words, per 4 k
 * [A(x0,x2), A(x1,x3), B(x0,x2), B(x1,x3)], each lane 2 * (x + input_offset), so that SXTB16 of
 * a weight word and of that word ROR 8 (or the widened filter16 words) line up with them.
 *
 * Doubled: the GEMM then accumulates 2 * acc, the form the SMMLAR requantization takes
 * (requant_dsp.h); 2 * (x + offset) lies in [-510, 510], so with w in [-128, 127] every int16
 * lane, product and SMLAD pair sum is still exact.
 *
 * TFLM's padding skip becomes zero entries (w * 0 adds nothing), and so do the k in [K, K4).
 * With in_c % 4 == 0 each tap is widened straight from the input; otherwise both windows are
 * first copied as int8 (one copy per window row where the row lies inside the input: a 3x3x3
 * window is 3 copies of 9 bytes, not 9 of 3), padding as the input zero point. */
#ifndef ED_DSP_CONV_IM2COL_H
#define ED_DSP_CONV_IM2COL_H

#include <string.h>

#include "conv.h"
#include "simd.h"

/* both int16 lanes doubled */
static inline uint32_t ed_x2(uint32_t v) {
    return __sadd16(v, v);
}

/* The int8 windows are assembled in whole words: a copy or fill of n bytes moves ceil(n/4)
 * words, so it may write up to 3 bytes past its end (the next piece of the window overwrites
 * them, in order; past the second window the scratch has 4 bytes of slack) and read up to 3
 * bytes past an input row (still inside the arena: the scratch region follows every activation
 * buffer, and conv inputs are always arena buffers). Unaligned word access is allowed on
 * ARMv7E-M (LDR/STR); no library call for these short pieces. */
static inline void copy_words(int8_t *dst, const int8_t *src, int32_t n) {
    for (int32_t i = 0; i < n; i += 4) {
        uint32_t v;
        memcpy(&v, src + i, 4);
        memcpy(dst + i, &v, 4);
    }
}

static inline void fill_words(int8_t *dst, uint32_t v4, int32_t n) {
    for (int32_t i = 0; i < n; i += 4) memcpy(dst + i, &v4, 4);
}

/* int8 window of the pixel whose top-left tap is (y0, x0): K bytes, then zp up to K4 */
static void window_int8(const ed_conv_params_t *p, const int8_t *input, int32_t y0, int32_t x0,
                        int32_t k4, int8_t *dst) {
    const uint32_t zp4 = 0x01010101u * (uint8_t)(-p->input_offset);  /* x + offset == 0 */
    const int32_t c = p->in_c, row_bytes = p->k_w * c;
    const int whole_rows = p->dil_w == 1 && x0 >= 0 && x0 + p->k_w <= p->in_w;
    int8_t *const start = dst;
    for (int32_t ky = 0; ky < p->k_h; ++ky, dst += row_bytes) {
        const int32_t iy = y0 + ky * p->dil_h;
        if (iy < 0 || iy >= p->in_h) {
            fill_words(dst, zp4, row_bytes);
            continue;
        }
        const int8_t *row = input + (int64_t)iy * p->in_w * c;
        if (whole_rows) {
            copy_words(dst, row + x0 * c, row_bytes);
            continue;
        }
        for (int32_t kx = 0; kx < p->k_w; ++kx) {
            const int32_t ix = x0 + kx * p->dil_w;
            if (ix < 0 || ix >= p->in_w)
                fill_words(dst + kx * c, zp4, c);
            else
                copy_words(dst + kx * c, row + ix * c, c);
        }
    }
    if (dst - start < k4) fill_words(dst, zp4, 4);           /* K..K4: fewer than 4 bytes */
}

/* the n entries (n % 4 == 0) of a and b, widened with the offset and doubled, into the
 * interleaved words */
static inline uint32_t *widen_pair(const int8_t *a, const int8_t *b, int32_t n, uint32_t off2,
                                   uint32_t *dst) {
    for (int32_t i = 0; i < n; i += 4) {
        const uint32_t av = ed_load4(a + i), bv = ed_load4(b + i);
        dst[0] = ed_x2(__sxtab16(off2, av));
        dst[1] = ed_x2(ed_sxtab16_ror8(off2, av));
        dst[2] = ed_x2(__sxtab16(off2, bv));
        dst[3] = ed_x2(ed_sxtab16_ror8(off2, bv));
        dst += 4;
    }
    return dst;
}

/* input pixel (iy, ix), or NULL in the padding */
static inline const int8_t *tap_ptr(const ed_conv_params_t *p, const int8_t *input, int32_t iy,
                                    int32_t ix) {
    if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) return 0;
    return input + ((int64_t)iy * p->in_w + ix) * p->in_c;
}

/* step 1 when in_c % 4 == 0: widened straight from the input, tap by tap; a padded tap is
 * x + offset == 0, i.e. zero words */
static void gather_taps(const ed_conv_params_t *p, const int8_t *input, int32_t ya, int32_t xa,
                        int32_t yb, int32_t xb, uint32_t off2, uint32_t *d) {
    for (int32_t ky = 0; ky < p->k_h; ++ky) {
        for (int32_t kx = 0; kx < p->k_w; ++kx) {
            const int8_t *a = tap_ptr(p, input, ya + ky * p->dil_h, xa + kx * p->dil_w);
            const int8_t *b = tap_ptr(p, input, yb + ky * p->dil_h, xb + kx * p->dil_w);
            if (a && b) {
                d = widen_pair(a, b, p->in_c, off2, d);
                continue;
            }
            for (int32_t i = 0; i < p->in_c; i += 4, d += 4) {
                const uint32_t av = a ? ed_load4(a + i) : 0, bv = b ? ed_load4(b + i) : 0;
                d[0] = a ? ed_x2(__sxtab16(off2, av)) : 0;
                d[1] = a ? ed_x2(ed_sxtab16_ror8(off2, av)) : 0;
                d[2] = b ? ed_x2(__sxtab16(off2, bv)) : 0;
                d[3] = b ? ed_x2(ed_sxtab16_ror8(off2, bv)) : 0;
            }
        }
    }
}

/* step 1 for pixels qa, qb: fills buf (K4 words); tmp holds 2 * K4 bytes when in_c % 4 != 0 */
static void gather_pair(const ed_conv_params_t *p, const int8_t *input, int32_t qa, int32_t qb,
                        int32_t k4, int8_t *tmp, uint32_t *buf) {
    const uint32_t off2 = ed_dup16(p->input_offset);
    const int32_t ya = (qa / p->out_w) * p->stride_h - p->pad_h, xa = (qa % p->out_w) * p->stride_w - p->pad_w;
    const int32_t yb = (qb / p->out_w) * p->stride_h - p->pad_h, xb = (qb % p->out_w) * p->stride_w - p->pad_w;
    if (p->in_c % 4 == 0) {
        gather_taps(p, input, ya, xa, yb, xb, off2, buf);
        return;
    }
    window_int8(p, input, ya, xa, k4, tmp);
    window_int8(p, input, yb, xb, k4, tmp + k4);
    widen_pair(tmp, tmp + k4, k4, off2, buf);
}

#endif
