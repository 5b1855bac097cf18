/* CONV_2D, ARMv7E-M DSP variant: same contract and bit-exact results as reference/conv.c.
 *
 * Ungrouped convs run as a GEMM over pixel pairs (q, q+1 in raster order; the odd last pixel
 * is paired with itself), with K = k_h * k_w * in_c rounded up to K4 (a multiple of 4):
 *   1. both windows are widened into the scratch as int16 2 * (x + input_offset) (im2col,
 *      conv_im2col.h), interleaved per 4 k so that SXTB16 of a weight word and of that word
 *      ROR 8 line up with them. The filter array ends with 3 spare bytes (lower_conv.py) so the
 *      last row's whole-word load stays inside it; k in [K, K4) are zero inputs.
 *   2. two output channels at a time: per 4 k, 2 LDRD + 2 weight loads, 4 SXTB16 and 8 SMLAD
 *      for 16 MACs (a 2x2 output block), in assembly (see MAC_GROUP).
 *   3. requantization from a per-call table of {bias, multiplier, rounding high word, shift}:
 *      requant_dsp.h's one-rounding form with the zero point folded into the rounding constant
 *      (below), when every channel allows it; requant_dsp.h's exact general form otherwise.
 * Steps 1 and 2 accumulate 2 * acc (doubled inputs). The fast table holds the doubled bias;
 * the general form starts from 0 and adds the bias after halving, so any int32 bias wraps as
 * in the reference. |2 * sum| <= 2 * K * 128 * 255: exact in int32 for K < 32768, and the
 * summation order differs only in integer additions. Grouped convs take the plain per-tap loop.
 *
 * Scratch (p->scratch, conv_scratch.h): K4 words for step 1, 2 * K4 + 4 bytes of int8 windows
 * when in_c % 4 != 0 (see conv_im2col.h), 16 bytes per output channel for step 3.
 *
 * Memory overlap (planner, overlap.py): pixel q's outputs may overwrite input only where no
 * window of a pixel >= q reads. Both windows of a pair are in the scratch before either pixel's
 * outputs are written, so writing B's outputs cannot clobber A's window while it is in use. */
#include <string.h>

#include "conv.h"
#include "conv_im2col.h"
#include "requant_dsp.h"
#include "simd.h"

/* Step 3's table, one entry per output channel: requant_dsp.h's zero-point-folded form
 * (ed_zp_folded_ok / ed_zp_folded_high); channels that do not qualify make the whole call take
 * the general requantization. */
typedef struct {
    int32_t bias, m, hi, sh;
} rqc_t;

static int fill_table(const ed_conv_params_t *p, rqc_t *t) {
    int fast = 1;
    for (int32_t oc = 0; oc < p->out_c; ++oc) {
        const int32_t m = p->multiplier[oc], e = -p->shift[oc];
        const int32_t b = p->bias ? p->bias[oc] : 0;
        t[oc].bias = b < (1 << 29) && b > -(1 << 29) ? 2 * b : 0;   /* fast: doubled */
        t[oc].m = m;
        if (!ed_zp_folded_ok(m, -e) || b >= (1 << 29) || b <= -(1 << 29)) {
            fast = 0;
            continue;
        }
        t[oc].hi = ed_zp_folded_high(p->output_offset, e);
        t[oc].sh = e - 1;
    }
    if (!fast)
        for (int32_t oc = 0; oc < p->out_c; ++oc) t[oc].bias = 0;
    return fast;
}

/* SSAT to int8, then the activation's range when `clamp` (GCC cannot see that SSAT's result
 * already lies in [-128, 127], so the full-range case must not compare at all) */
static inline int8_t clamp8(int32_t v, int clamp, int32_t lo, int32_t hi) {
    v = __ssat(v, 8);
    if (clamp) {
        v = v < lo ? lo : v;
        v = v > hi ? hi : v;
    }
    return (int8_t)v;
}

/* the fast form: 5 instructions to the shifted value, then the clamp */
static inline int8_t rq_fast(int32_t s, const rqc_t *c, int clamp, int32_t lo, int32_t hi) {
    const int32_t t = s >> 31;
    uint32_t l = 0x40000000u + ((uint32_t)t << 31);
    int32_t h = c->hi + t;
    __asm__("smlal %0, %1, %2, %3" : "+r"(l), "+r"(h) : "r"(s), "r"(c->m));
    return clamp8(h >> c->sh, clamp, lo, hi);
}

static inline int8_t rq_general(int32_t s, int32_t m, int32_t shift, int32_t zp, int32_t lo,
                                int32_t hi) {
    return clamp8(ed_mbqm_dsp(s, m, shift) + zp, 1, lo, hi);
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

/* MAC_GROUP with the widened weights (filter16, pipeline/compiler/layouts.py): per 4 k, rows
 * oc and oc+1 as two LDRD of (w0, w2), (w1, w3) pairs, lined up with the x words without any
 * SXTB16: 2 LDRD + 2 LDRD + 8 SMLAD = 12 instructions per 16 MACs; advances w by 16 bytes. */
#define MAC_GROUP16(x, w, s00, s01, s10, s11)                                                     \
    do {                                                                                          \
        uint32_t xa02, xa13, xb02, xb13, v02, v13;                                                \
        __asm__("ldrd   %[xa02], %[xa13], [%[px]], #8\n\t"                                         \
                "ldrd   %[xb02], %[xb13], [%[px]], #8\n\t"                                         \
                "ldrd   %[v02], %[v13], [%[pw]], #8\n\t"                                           \
                "smlad  %[s00], %[v02], %[xa02], %[s00]\n\t"                                        \
                "smlad  %[s01], %[v02], %[xb02], %[s01]\n\t"                                        \
                "smlad  %[s00], %[v13], %[xa13], %[s00]\n\t"                                        \
                "smlad  %[s01], %[v13], %[xb13], %[s01]\n\t"                                        \
                "ldrd   %[v02], %[v13], [%[pw]], #8\n\t"                                           \
                "smlad  %[s10], %[v02], %[xa02], %[s10]\n\t"                                        \
                "smlad  %[s11], %[v02], %[xb02], %[s11]\n\t"                                        \
                "smlad  %[s10], %[v13], %[xa13], %[s10]\n\t"                                        \
                "smlad  %[s11], %[v13], %[xb13], %[s11]"                                             \
                : [px] "+r"(x), [pw] "+r"(w), [s00] "+r"(s00), [s01] "+r"(s01), [s10] "+r"(s10),   \
                  [s11] "+r"(s11), [xa02] "=&r"(xa02), [xa13] "=&r"(xa13), [xb02] "=&r"(xb02),      \
                  [xb13] "=&r"(xb13), [v02] "=&r"(v02), [v13] "=&r"(v13)                            \
                :                                                                                 \
                : "memory");                                                                      \
    } while (0)

/* steps 2 and 3: all output channels of the pair (out_a, out_b; the same pixel when odd).
 * Constant at each call site: `wide`, the filter16 layout, and `clamp`, 0 when the fused
 * activation spans all of int8 (no activation, and the usual ReLU/ReLU6 whose range starts at
 * zero point -128), where SSAT alone is the clamp. */
static inline __attribute__((always_inline)) void gemm_body(const ed_conv_params_t *p,
        const uint32_t *buf, const rqc_t *tab, int32_t k4, int fast, int wide, int clamp,
        int8_t *out_a, int8_t *out_b) {
    const int32_t pairs = k4 >> 3, odd_group = (k4 >> 2) & 1, out_c = p->out_c;
    const int32_t lo = clamp ? p->act_min : -128, hi = clamp ? p->act_max : 127;
    const int32_t K = p->k_h * p->k_w * p->in_c;           /* int8 row stride: K, not K4 */
    const int8_t *w0 = p->filter;
    const int16_t *v0 = p->filter16;
    for (int32_t oc = 0; oc < out_c; oc += 2, tab += 2) {
        const int two = oc + 1 < out_c;                      /* odd out_c: see the stores */
        const rqc_t *c1 = tab + two;
        int32_t s00 = tab->bias, s01 = s00, s10 = c1->bias, s11 = s10;
        const uint32_t *x = buf;
        if (wide) {
            const int16_t *v = v0;
            for (int32_t g = pairs; g > 0; --g) {            /* 8 k per pass */
                MAC_GROUP16(x, v, s00, s01, s10, s11);
                MAC_GROUP16(x, v, s00, s01, s10, s11);
            }
            if (odd_group) MAC_GROUP16(x, v, s00, s01, s10, s11);
            v0 += 2 * k4;
        } else {
            const int32_t d1 = two ? K : 0;                  /* row 1 at w + d1 */
            const int8_t *w = w0;
            for (int32_t g = pairs; g > 0; --g) {
                MAC_GROUP(x, w, d1, s00, s01, s10, s11);
                MAC_GROUP(x, w, d1, s00, s01, s10, s11);
            }
            if (odd_group) MAC_GROUP(x, w, d1, s00, s01, s10, s11);
            w0 += 2 * K;
        }
        int8_t o00, o01, o10, o11;
        s00 >>= 1;                                           /* the doubled sums, halved */
        s01 >>= 1;
        s10 >>= 1;
        s11 >>= 1;
        if (fast) {
            o00 = rq_fast(s00, tab, clamp, lo, hi);
            o01 = rq_fast(s01, tab, clamp, lo, hi);
            o10 = rq_fast(s10, c1, clamp, lo, hi);
            o11 = rq_fast(s11, c1, clamp, lo, hi);
        } else {
            const int32_t zp = p->output_offset, sh0 = p->shift[oc], sh1 = p->shift[oc + two];
            if (p->bias) {                                   /* int32 wrap as the reference */
                s00 = (int32_t)((uint32_t)s00 + (uint32_t)p->bias[oc]);
                s01 = (int32_t)((uint32_t)s01 + (uint32_t)p->bias[oc]);
                s10 = (int32_t)((uint32_t)s10 + (uint32_t)p->bias[oc + two]);
                s11 = (int32_t)((uint32_t)s11 + (uint32_t)p->bias[oc + two]);
            }
            o00 = rq_general(s00, tab->m, sh0, zp, lo, hi);
            o01 = rq_general(s01, tab->m, sh0, zp, lo, hi);
            o10 = rq_general(s10, c1->m, sh1, zp, lo, hi);
            o11 = rq_general(s11, c1->m, sh1, zp, lo, hi);
        }
        /* row 1 first: with an odd out_c its slot is row 0's (a repeat of row 0 in the int8
         * layout, a zero row in filter16), which row 0's stores then overwrite */
        out_a[oc + two] = o10;
        out_b[oc + two] = o11;
        out_a[oc] = o00;
        out_b[oc] = o01;
    }
}

#define GEMM_VARIANT(name, wide, clamp)                                                          \
    static void __attribute__((noinline)) name(const ed_conv_params_t *p, const uint32_t *buf,  \
                                               const rqc_t *tab, int32_t k4, int fast,          \
                                               int8_t *out_a, int8_t *out_b) {                 \
        gemm_body(p, buf, tab, k4, fast, wide, clamp, out_a, out_b);                           \
    }
GEMM_VARIANT(gemm8, 0, 0)
GEMM_VARIANT(gemm8_clamp, 0, 1)
GEMM_VARIANT(gemm16, 1, 0)
GEMM_VARIANT(gemm16_clamp, 1, 1)

/* grouped convs: one SIMD dot per valid tap (filter_in_c contiguous bytes in input and
 * filter), TFLM's padding skip as in the reference */
static void conv_plain(const ed_conv_params_t *p, const int8_t *input, int8_t *output) {
    const int32_t fic = p->filter_in_c, out_per_group = p->out_c / (p->in_c / fic);
    const uint32_t off2 = ed_dup16(p->input_offset);
    for (int32_t q = 0; q < p->out_h * p->out_w; ++q) {
        const int32_t y0 = (q / p->out_w) * p->stride_h - p->pad_h;
        const int32_t x0 = (q % p->out_w) * p->stride_w - p->pad_w;
        for (int32_t oc = 0; oc < p->out_c; ++oc) {
            const int8_t *w = p->filter + (int64_t)oc * p->k_h * p->k_w * fic;
            const int32_t group = oc / out_per_group;
            int32_t acc = p->bias ? p->bias[oc] : 0;
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
            output[(int64_t)q * p->out_c + oc] =
                rq_general(acc, p->multiplier[oc], p->shift[oc], p->output_offset, p->act_min, p->act_max);
        }
    }
}

void ed_conv(const ed_conv_params_t *p, const int8_t *input, int8_t *output) {
    if (p->filter_in_c != p->in_c) {
        conv_plain(p, input, output);
        return;
    }
    const int32_t k4 = ED_CONV_K4(p->k_h, p->k_w, p->in_c), n = p->out_h * p->out_w;
    uint32_t *buf = (uint32_t *)(void *)p->scratch;       /* word aligned (conv.h) */
    int8_t *tmp = p->scratch + 4 * k4;                     /* used when in_c % 4 != 0 */
    rqc_t *tab = (rqc_t *)(void *)(tmp + (p->in_c % 4 ? 2 * k4 + 4 : 0));
    const int fast = fill_table(p, tab);
    const int clamp = p->act_min > -128 || p->act_max < 127;
    for (int32_t q = 0; q < n; q += 2) {
        const int32_t qb = q + 1 < n ? q + 1 : q;
        gather_pair(p, input, q, qb, k4, tmp, buf);
        int8_t *out_a = output + (int64_t)q * p->out_c, *out_b = qb != q ? out_a + p->out_c : out_a;
        if (p->filter16)
            (clamp ? gemm16_clamp : gemm16)(p, buf, tab, k4, fast, out_a, out_b);
        else
            (clamp ? gemm8_clamp : gemm8)(p, buf, tab, k4, fast, out_a, out_b);
    }
}
