/* FULLY_CONNECTED with int16 weights widened at compile time (pipeline/compiler/layouts.py
 * fc16), ARMv7E-M DSP: bit-exact with reference/fully_connected.c. model.c calls it when the
 * compiler widened the layer (filter_offset 0, accum_depth rounded up to 4 <= ED_FC_CHUNK).
 *
 * filter16: the rows padded with zero rows to a multiple of 4 and with zero entries to
 * K4 = accum_depth rounded up to 4; per block of 4 rows (o..o+3), per 4 depth, the 4 rows'
 * words (w0, w2), (w1, w3), 8 words in all: the lanes of the (x0, x2), (x1, x3) words the
 * input row is widened into (simd.h: every product and pair sum exact).
 *
 * 1. Per input row, x + input_offset widened once into the scratch, K4 entries (the last 1-3
 *    entries through a zero-padded word: they meet zero weights).
 * 2. Per block, per 4 depth: 1 LDRD of x, then per row 1 LDRD of weights + 2 SMLAD:
 *    13 instructions per 16 MACs (21 with int8 weights: 2 SXTB16 per weight word). The
 *    weights are read strictly in order, one pointer for the whole layer.
 * 3. The requantization of fully_connected_rq.h; the last block of an out_depth % 4 != 0
 *    layer stores only its real rows (the padded rows' bias etc. are never read). */
#include "fully_connected.h"
#include "fully_connected_rq.h"

/* 4 depth of the block's 4 rows: px advances 2 words, pw 8 words */
#define WMAC4(px, pw, s0, s1, s2, s3)                                                             \
    do {                                                                                          \
        uint32_t x02, x13, a, b, c, d;                                                            \
        __asm__("ldrd   %[x02], %[x13], [%[px]], #8\n\t"                                           \
                "ldrd   %[a], %[b], [%[pw]], #8\n\t"                                               \
                "ldrd   %[c], %[d], [%[pw]], #8\n\t"                                               \
                "smlad  %[s0], %[a], %[x02], %[s0]\n\t"                                             \
                "smlad  %[s0], %[b], %[x13], %[s0]\n\t"                                             \
                "ldrd   %[a], %[b], [%[pw]], #8\n\t"                                               \
                "smlad  %[s1], %[c], %[x02], %[s1]\n\t"                                             \
                "smlad  %[s1], %[d], %[x13], %[s1]\n\t"                                             \
                "ldrd   %[c], %[d], [%[pw]], #8\n\t"                                               \
                "smlad  %[s2], %[a], %[x02], %[s2]\n\t"                                             \
                "smlad  %[s2], %[b], %[x13], %[s2]\n\t"                                             \
                "smlad  %[s3], %[c], %[x02], %[s3]\n\t"                                             \
                "smlad  %[s3], %[d], %[x13], %[s3]"                                                 \
                : [px] "+r"(px), [pw] "+r"(pw), [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2),       \
                  [s3] "+r"(s3), [x02] "=&r"(x02), [x13] "=&r"(x13), [a] "=&r"(a), [b] "=&r"(b),   \
                  [c] "=&r"(c), [d] "=&r"(d)                                                      \
                :                                                                                 \
                : "memory");                                                                      \
    } while (0)

/* x (depth entries) + offset into K4 entries of words */
static void widen_row(const int8_t *x, int32_t depth, uint32_t off2, uint32_t *xw) {
    const int32_t d4 = depth & ~3;
    ed_fc_widen(x, d4, off2, xw);
    if (depth > d4) {                    /* 1-3 entries, then zeros (they meet zero weights) */
        uint32_t last = 0;
        for (int32_t k = depth - 1; k >= d4; --k) last = (last << 8) | (uint8_t)x[k];
        xw[d4 / 2] = __sxtab16(off2, last);
        xw[d4 / 2 + 1] = ed_sxtab16_ror8(off2, last);
    }
}

/* Inlined into one out-of-line instance per (right, full) below, with rq copied in
 * (fully_connected_rq.h: no reloads after the stores): the requantization form of the entry the
 * compiler chose (pipeline/compiler/paths.py). */
static inline __attribute__((always_inline)) void wide_rows(const ed_fully_connected_params_t *p,
                                                ed_fc_rq_t rq, const int8_t *input,
                                                int8_t *output, int right, int full) {
    const int32_t depth = p->accum_depth, groups = (depth + 3) >> 2, out_depth = p->out_depth;
    const uint32_t off2 = ed_dup16(p->input_offset);
    uint32_t *xw = (uint32_t *)(void *)p->scratch;     /* 2 * K4 bytes */
    for (int32_t b = 0; b < p->batches; ++b) {
        widen_row(input + (int64_t)b * depth, depth, off2, xw);
        int8_t *out = output + (int64_t)b * out_depth;
        const uint32_t *pw = (const uint32_t *)(const void *)p->filter16;
        for (int32_t o = 0; o < out_depth; o += 4) {
            const int32_t n = out_depth - o < 4 ? out_depth - o : 4;   /* rows stored */
            int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;        /* no bias read past out_depth */
            if (rq.bias) {
                s0 = rq.bias[o];
                if (n > 1) s1 = rq.bias[o + 1];
                if (n > 2) s2 = rq.bias[o + 2];
                if (n > 3) s3 = rq.bias[o + 3];
            }
            const uint32_t *px = xw;
            for (int32_t g = groups >> 2; g > 0; --g) {            /* 16 depth per pass */
                WMAC4(px, pw, s0, s1, s2, s3);
                WMAC4(px, pw, s0, s1, s2, s3);
                WMAC4(px, pw, s0, s1, s2, s3);
                WMAC4(px, pw, s0, s1, s2, s3);
            }
            for (int32_t g = groups & 3; g > 0; --g) WMAC4(px, pw, s0, s1, s2, s3);
            const int32_t *m = rq.mult + o;
            const int8_t *sh = rq.shift + o;
            int8_t *y = out + o;
            if (n < 4) {                                           /* the last, short block */
                y[0] = ed_fc_requant(&rq, s0, m[0], sh[0], 0, 0);
                if (n > 1) y[1] = ed_fc_requant(&rq, s1, m[1], sh[1], 0, 0);
                if (n > 2) y[2] = ed_fc_requant(&rq, s2, m[2], sh[2], 0, 0);
                break;
            }
            ed_fc_store4_as(&rq, s0, s1, s2, s3, m, sh, y, right, full);
        }
    }
}

ED_FC_ENTRIES(wide, wide_rows)

/* Short rows (K4 == 8: the GEMV of a bottleneck's expanding layer, e.g. the AD model's 8 -> 128),
 * where wide_rows spent 32 instructions per output of 8 MACs (measured: 4,105 for 128 outputs)
 * on per-block setup and a per-row requantization. Here the input row lives in 4 registers and
 * every row shares one multiplier and shift (per-tensor), requantized as dsp/add.c's fast form:
 *     v = SMMLAR(2s, m, ra - [s<0]) >> e,   ra = 2^(e-1) + zp * 2^e
 * exact when m in (2^30, 2^31), e = -shift in [1, 31], and 2s (|s| <= |bias| + 8 * 128 * 255)
 * and the SMMLAR sum fit in int32 (requant_dsp.h's ed_mbqm_right plus zp; paths.py fc_k8 checks
 * all of it). One row: its bias (bias advances 1 word), its depth 4-7 at pw + 32 bytes (the
 * block's second group of 4 depth) and depth 0-3 at pw (pw advances 2 words), the
 * requantization, the byte stored (y advances 1): 13 instructions, 14 registers with the loop
 * count, so one asm (GCC spilled the C form). volatile: its store is its only effect. */
#define K8_ROW()                                                                                  \
    do {                                                                                          \
        int32_t s_, a_, b_;                                                                       \
        __asm__ volatile("ldr    %[s], [%[bias]], #4\n\t"                                         \
                "ldrd   %[a], %[b], [%[pw], #32]\n\t"                                             \
                "smlad  %[s], %[a], %[x2], %[s]\n\t"                                             \
                "smlad  %[s], %[b], %[x3], %[s]\n\t"                                             \
                "ldrd   %[a], %[b], [%[pw]], #8\n\t"                                              \
                "smlad  %[s], %[a], %[x0], %[s]\n\t"                                             \
                "smlad  %[s], %[b], %[x1], %[s]\n\t"                                             \
                "lsl    %[a], %[s], #1\n\t"                                                       \
                "add    %[b], %[ra], %[s], asr #31\n\t"                                           \
                "smmlar %[a], %[a], %[m], %[b]\n\t"                                               \
                "asr    %[a], %[a], %[e]\n\t"                                                     \
                "ssat   %[a], #8, %[a]\n\t"                                                       \
                "strb   %[a], [%[y]], #1"                                                         \
                : [s] "=&r"(s_), [a] "=&r"(a_), [b] "=&r"(b_), [pw] "+r"(pw), [bias] "+r"(bias), \
                  [y] "+r"(y)                                                                     \
                : [x0] "r"(x0), [x1] "r"(x1), [x2] "r"(x2), [x3] "r"(x3), [m] "r"(m),             \
                  [ra] "r"(ra), [e] "r"(e)                                                        \
                : "memory");                                                                      \
    } while (0)

void ed_fully_connected_wide_k8(const ed_fully_connected_params_t *p, const int8_t *input,
                                int8_t *output) {
    const int32_t depth = p->accum_depth, out_depth = p->out_depth;
    const int32_t m = p->multiplier[0], e = -p->shift[0];
    const int32_t ra = (int32_t)(((int64_t)1 << (e - 1))
                                 + (int64_t)p->output_offset * ((int64_t)1 << e));
    const uint32_t off2 = ed_dup16(p->input_offset);
    uint32_t xw[4];
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *x = input + (int64_t)b * depth;
        if (depth == 8) {                   /* no call to widen_row */
            const uint32_t v0 = ed_load4(x), v1 = ed_load4(x + 4);
            xw[0] = __sxtab16(off2, v0);
            xw[1] = ed_sxtab16_ror8(off2, v0);
            xw[2] = __sxtab16(off2, v1);
            xw[3] = ed_sxtab16_ror8(off2, v1);
        } else {
            widen_row(x, depth, off2, xw);
        }
        const uint32_t x0 = xw[0], x1 = xw[1], x2 = xw[2], x3 = xw[3];
        const uint32_t *pw = (const uint32_t *)(const void *)p->filter16;
        const int32_t *bias = p->bias;
        int8_t *y = output + (int64_t)b * out_depth;
        int32_t n = out_depth;
        for (; n >= 8; n -= 8, pw += 8) {   /* 8 rows; per block of 4, pw += 4 * 2 + 8 words */
            K8_ROW(); K8_ROW(); K8_ROW(); K8_ROW();
            pw += 8;
            K8_ROW(); K8_ROW(); K8_ROW(); K8_ROW();
        }
        if (n) {                            /* out_depth % 8 == 4: the last block */
            K8_ROW(); K8_ROW(); K8_ROW(); K8_ROW();
        }
    }
}
