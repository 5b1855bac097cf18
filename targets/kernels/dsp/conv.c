/* CONV_2D, ARMv7E-M DSP variant: same contract and bit-exact results as reference/conv.c.
 *
 * Ungrouped convs run as a GEMM over pixel pairs (q, q+1 in raster order; the odd last pixel
 * is paired with itself):
 *   1. both windows are copied to the stack as int16 x + input_offset (im2col, TFLM's padding
 *      skip becomes a 0 entry, since w * 0 adds nothing), K = k_h * k_w * in_c entries each,
 *      interleaved per 4 k as words [A(x0,x2), A(x1,x3), B(x0,x2), B(x1,x3)] so that SXTB16 of a
 *      weight word and of that word ROR 8 line up with them; the K % 4 tail as (A_k, B_k) words.
 *   2. two output channels at a time: per 4 k, 4 word loads + 2 weight loads, 4 SXTB16 and 8
 *      SMLAD for 16 MACs (a 2x2 output block, as CMSIS-NN's mat_mult_kernel_s8_s16).
 * x + offset lies in [-255, 255] (offset in [-127, 128]) and w in [-128, 127]: every int16
 * product and SMLAD pair sum is exact; |acc| <= K * 128 * 255 as in the reference, and the
 * summation order differs only in integer additions. Grouped convs, and windows too large
 * for the stack budget below, take the plain per-tap loop.
 *
 * Memory overlap (planner, overlap.py): pixel q's outputs may overwrite input only where no
 * window of a pixel >= q reads. Both windows of a pair are on the stack before either pixel's
 * outputs are written, so writing B's outputs cannot clobber A's window while it is in use.
 * Stack: 4 * K bytes (+ 2 * K for a KxK window with in_c % 4 != 0), at most MAX_STACK. */
#include <string.h>

#include "conv.h"
#include "requant_dsp.h"
#include "simd.h"

#define MAX_STACK 4608                   /* bytes of stack for step 1: 3x3x128 fits */

/* Requantization constants, copied out of the params once: int8 stores may alias any
 * object, so fields read through `p` would be reloaded after every output byte. */
typedef struct {
    const int32_t *bias, *mult;
    const int8_t *shift;
    int32_t zp, lo, hi;
} rq_t;

static inline rq_t rq_of(const ed_conv_params_t *p) {
    return (rq_t){p->bias, p->multiplier, p->shift, p->output_offset, p->act_min, p->act_max};
}

static inline int8_t clamp8(const rq_t *r, int32_t v) {
    v += r->zp;
    return (int8_t)(v < r->lo ? r->lo : (v > r->hi ? r->hi : v));
}

/* acc already holds the bias (see gemm_pair) */
static inline int8_t requant(const rq_t *r, int32_t acc, int32_t m, int32_t shift) {
    return clamp8(r, ed_mbqm_dsp(acc, m, shift));
}

static inline int8_t finish(const rq_t *r, int32_t acc, int32_t oc) {
    if (r->bias) acc += r->bias[oc];
    return requant(r, acc, r->mult[oc], r->shift[oc]);
}

/* the n entries (n % 4 == 0) of a and b, widened with the offset, into the interleaved words */
static inline uint32_t *widen_pair(const int8_t *a, const int8_t *b, int32_t n, uint32_t off2,
                                   uint32_t *dst) {
    for (int32_t i = 0; i < n; i += 4) {
        const uint32_t av = ed_load4(a + i), bv = ed_load4(b + i);
        dst[0] = __sxtab16(off2, av);
        dst[1] = ed_sxtab16_ror8(off2, av);
        dst[2] = __sxtab16(off2, bv);
        dst[3] = ed_sxtab16_ror8(off2, bv);
        dst += 4;
    }
    return dst;
}

/* int8 window of pixel (y0, x0) (top-left tap), padding as the input zero point */
static void im2col_int8(const ed_conv_params_t *p, int32_t y0, int32_t x0, const int8_t *input,
                        int8_t *dst) {
    const int8_t zp = (int8_t)(-p->input_offset);   /* x + offset == 0: in [-128, 127] */
    for (int32_t ky = 0; ky < p->k_h; ++ky) {
        const int32_t iy = y0 + ky * p->dil_h;
        for (int32_t kx = 0; kx < p->k_w; ++kx, dst += p->in_c) {
            const int32_t ix = x0 + kx * p->dil_w;
            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w)
                memset(dst, zp, (size_t)p->in_c);
            else
                memcpy(dst, input + ((int64_t)iy * p->in_w + ix) * p->in_c, (size_t)p->in_c);
        }
    }
}

/* input pixel (iy, ix), or NULL in the padding */
static inline const int8_t *tap_ptr(const ed_conv_params_t *p, const int8_t *input, int32_t iy,
                                    int32_t ix) {
    if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) return 0;
    return input + ((int64_t)iy * p->in_w + ix) * p->in_c;
}

/* step 1 when in_c % 4 == 0: widened straight from the input, tap by tap (no int8 copy);
 * a padded tap is x + offset == 0, i.e. zero words */
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
                d[0] = a ? __sxtab16(off2, av) : 0;
                d[1] = a ? ed_sxtab16_ror8(off2, av) : 0;
                d[2] = b ? __sxtab16(off2, bv) : 0;
                d[3] = b ? ed_sxtab16_ror8(off2, bv) : 0;
            }
        }
    }
}

/* step 1 for pixels qa, qb: fills buf (K words) */
static void gather_pair(const ed_conv_params_t *p, const int8_t *input, int32_t qa, int32_t qb,
                        int8_t *tmp, uint32_t *buf) {
    const int32_t K = p->k_h * p->k_w * p->in_c, k4 = K & ~3;
    const uint32_t off2 = ed_dup16(p->input_offset);
    const int32_t ya = (qa / p->out_w) * p->stride_h - p->pad_h, xa = (qa % p->out_w) * p->stride_w - p->pad_w;
    const int32_t yb = (qb / p->out_w) * p->stride_h - p->pad_h, xb = (qb % p->out_w) * p->stride_w - p->pad_w;
    const int8_t *a, *b;
    if (p->in_c % 4 == 0 && !(p->k_h == 1 && p->k_w == 1)) {   /* taps are whole 4-groups */
        gather_taps(p, input, ya, xa, yb, xb, off2, buf);
        return;
    }
    if (p->k_h == 1 && p->k_w == 1 && p->pad_h == 0 && p->pad_w == 0) {   /* always in range */
        a = input + ((int64_t)ya * p->in_w + xa) * p->in_c;
        b = input + ((int64_t)yb * p->in_w + xb) * p->in_c;
    } else {
        im2col_int8(p, ya, xa, input, tmp);
        im2col_int8(p, yb, xb, input, tmp + K);
        a = tmp;
        b = tmp + K;
    }
    uint32_t *d = widen_pair(a, b, k4, off2, buf);
    for (int32_t k = k4; k < K; ++k)
        *d++ = (uint16_t)(a[k] + p->input_offset) | ((uint32_t)(b[k] + p->input_offset) << 16);
}

/* 4 k of the 2x2 block: rows w, w + d1 against the words x[0..3] of step 1; advances x by 4
 * words and w by 4 bytes. Written in assembly because GCC 12 spills the 2x2 block's 13 live
 * registers: here 2 LDRD + 2 LDR + 4 SXTB16 + 8 SMLAD = 16 instructions per 16 MACs. */
#define MAC_GROUP(x, w, d1, s00, s01, s10, s11)                                                   \
    do {                                                                                          \
        uint32_t xa02, xa13, xb02, xb13, v, e;                                                    \
        __asm__("ldrd   %[xa02], %[xa13], [%[px]], #8\n\t"                                         \
                "ldrd   %[xb02], %[xb13], [%[px]], #8\n\t"                                         \
                "ldr    %[v], [%[pw], %[d1]]\n\t"                                                  \
                "sxtb16 %[e], %[v]\n\t"                                                             \
                "smlad  %[s10], %[e], %[xa02], %[s10]\n\t"                                          \
                "smlad  %[s11], %[e], %[xb02], %[s11]\n\t"                                          \
                "sxtb16 %[e], %[v], ror #8\n\t"                                                     \
                "smlad  %[s10], %[e], %[xa13], %[s10]\n\t"                                          \
                "smlad  %[s11], %[e], %[xb13], %[s11]\n\t"                                          \
                "ldr    %[v], [%[pw]], #4\n\t"                                                     \
                "sxtb16 %[e], %[v]\n\t"                                                             \
                "smlad  %[s00], %[e], %[xa02], %[s00]\n\t"                                          \
                "smlad  %[s01], %[e], %[xb02], %[s01]\n\t"                                          \
                "sxtb16 %[e], %[v], ror #8\n\t"                                                     \
                "smlad  %[s00], %[e], %[xa13], %[s00]\n\t"                                          \
                "smlad  %[s01], %[e], %[xb13], %[s01]"                                               \
                : [px] "+r"(x), [pw] "+r"(w), [s00] "+r"(s00), [s01] "+r"(s01), [s10] "+r"(s10),   \
                  [s11] "+r"(s11), [xa02] "=&r"(xa02), [xa13] "=&r"(xa13), [xb02] "=&r"(xb02),      \
                  [xb13] "=&r"(xb13), [v] "=&r"(v), [e] "=&r"(e)                                    \
                : [d1] "r"(d1)                                                                    \
                : "memory");                                                                      \
    } while (0)

/* step 2: all output channels of the pair */
static void __attribute__((noinline)) gemm_pair(const ed_conv_params_t *p, const uint32_t *buf,
                                                int8_t *out_a, int8_t *out_b, int right) {
    const int32_t K = p->k_h * p->k_w * p->in_c, groups4 = K >> 2, out_c = p->out_c;
    const uint32_t *tail = buf + 4 * groups4;
    const int8_t *filter = p->filter;
    const rq_t r = rq_of(p);
    for (int32_t oc = 0; oc < out_c; oc += 2) {
        const int two = oc + 1 < out_c;               /* odd out_c: row 1 repeats row 0 */
        const int32_t oc1 = two ? oc + 1 : oc;
        const int8_t *w0 = filter + (int64_t)oc * K;
        const int32_t d1 = (oc1 - oc) * K;            /* row 1 at w0 + d1: one register less */
        int32_t s00 = r.bias ? r.bias[oc] : 0, s10 = r.bias ? r.bias[oc1] : 0;
        int32_t s01 = s00, s11 = s10;
        const uint32_t *x = buf;
        for (int32_t g = groups4 >> 1; g > 0; --g) {   /* 8 k per pass */
            MAC_GROUP(x, w0, d1, s00, s01, s10, s11);
            MAC_GROUP(x, w0, d1, s00, s01, s10, s11);
        }
        if (groups4 & 1) MAC_GROUP(x, w0, d1, s00, s01, s10, s11);
        const int8_t *w1 = w0 + d1;
        for (int32_t k = 0; k < (K & 3); ++k) {
            const int32_t xa = (int16_t)tail[k], xb = (int16_t)(tail[k] >> 16);
            s00 += w0[k] * xa;
            s01 += w0[k] * xb;
            s10 += w1[k] * xa;
            s11 += w1[k] * xb;
        }
        const int32_t m0 = r.mult[oc], m1 = r.mult[oc1], sh0 = r.shift[oc], sh1 = r.shift[oc1];
        int8_t o00, o01, o10, o11;
        if (right) {                                  /* checked once per call in ed_conv */
            o00 = clamp8(&r, ed_mbqm_right(s00, m0, -sh0));
            o01 = clamp8(&r, ed_mbqm_right(s01, m0, -sh0));
            o10 = clamp8(&r, ed_mbqm_right(s10, m1, -sh1));
            o11 = clamp8(&r, ed_mbqm_right(s11, m1, -sh1));
        } else {
            o00 = requant(&r, s00, m0, sh0);
            o01 = requant(&r, s01, m0, sh0);
            o10 = requant(&r, s10, m1, sh1);
            o11 = requant(&r, s11, m1, sh1);
        }
        out_a[oc] = o00;
        out_b[oc] = o01;
        out_a[oc1] = o10;                             /* oc1 == oc: the same value again */
        out_b[oc1] = o11;
    }
}

/* grouped convs and oversized windows: one SIMD dot per valid tap (filter_in_c contiguous
 * bytes in input and filter), TFLM's padding skip as in the reference */
static void conv_plain(const ed_conv_params_t *p, const int8_t *input, int8_t *output) {
    const int32_t fic = p->filter_in_c, out_per_group = p->out_c / (p->in_c / fic);
    const rq_t r = rq_of(p);
    const uint32_t off2 = ed_dup16(p->input_offset);
    for (int32_t q = 0; q < p->out_h * p->out_w; ++q) {
        const int32_t y0 = (q / p->out_w) * p->stride_h - p->pad_h;
        const int32_t x0 = (q % p->out_w) * p->stride_w - p->pad_w;
        for (int32_t oc = 0; oc < p->out_c; ++oc) {
            const int8_t *w = p->filter + (int64_t)oc * p->k_h * p->k_w * fic;
            const int32_t group = oc / out_per_group;
            int32_t acc = 0;
            for (int32_t ky = 0; ky < p->k_h; ++ky) {
                const int32_t iy = y0 + ky * p->dil_h;
                for (int32_t kx = 0; kx < p->k_w; ++kx) {
                    const int32_t ix = x0 + kx * p->dil_w;
                    if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) continue;
                    const int8_t *x = input + ((int64_t)iy * p->in_w + ix) * p->in_c + group * fic;
                    const int8_t *wk = w + (ky * p->k_w + kx) * fic;
                    acc = ed_dot_offset(wk, x, fic, off2, p->input_offset, acc);
                }
            }
            output[(int64_t)q * p->out_c + oc] = finish(&r, acc, oc);
        }
    }
}

void ed_conv(const ed_conv_params_t *p, const int8_t *input, int8_t *output) {
    const int32_t K = p->k_h * p->k_w * p->in_c, n = p->out_h * p->out_w;
    const int direct = p->k_h == 1 && p->k_w == 1 && p->pad_h == 0 && p->pad_w == 0;
    const int32_t tmp_bytes = direct || p->in_c % 4 == 0 ? 1 : 2 * K;   /* int8 im2col if needed */
    if (p->filter_in_c != p->in_c || 4 * K + tmp_bytes > MAX_STACK) {
        conv_plain(p, input, output);
        return;
    }
    const int right = ed_right_requant_ok(p->multiplier, p->shift, p->out_c);
    uint32_t buf[K];                     /* VLAs, bounded by MAX_STACK above */
    int8_t tmp[tmp_bytes];
    for (int32_t q = 0; q < n; q += 2) {
        const int32_t qb = q + 1 < n ? q + 1 : q;
        gather_pair(p, input, q, qb, tmp, buf);
        int8_t *out_a = output + (int64_t)q * p->out_c;
        gemm_pair(p, buf, out_a, qb != q ? out_a + p->out_c : out_a, right);
    }
}
