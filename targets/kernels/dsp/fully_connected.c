/* FULLY_CONNECTED, ARMv7E-M DSP variant: bit-exact with reference/fully_connected.c.
 *
 * 1. The input row is widened once to int16 x + input_offset, in words [(x0,x2), (x1,x3)] per
 *    4 depth (simd.h: the lane layout, and why every product and SMLAD pair sum is exact;
 *    |acc| <= depth * 128 * 255 as in the reference). Depth beyond CHUNK entries is widened
 *    CHUNK at a time, again for each group of rows, into the arena scratch
 *    (fully_connected_scratch.h).
 * 2. Four output rows at a time: per 4 depth, 1 LDRD of x words, then per row 1 load +
 *    2 SXTB16 + 2 SMLAD: 21 instructions per 16 MACs (MAC4). When out_depth % 4 != 0 the last
 *    group is the last four rows, overlapping the one before (those rows are computed and
 *    written twice, with the same values), so no row is read past its end. depth % 4 is a
 *    scalar tail.
 * 3. The requantization is one SMLAL and a few ALU instructions (fully_connected_rq.h)
 *    when the compiler found that every channel allows it (the _folded entries), else
 *    ed_mbqm_dsp; the _full entries saturate to int8 with no further clamp.
 * The compiler picks the entry (pipeline/compiler/paths.py) and model.c calls it by name, so a
 * firmware links only the forms its layers take. ed_fully_connected goes row by row: fewer than
 * 4 rows, or a non-zero filter offset (not produced for int8 weights by TFLite's converter). The output never overlaps the input (the planner gives
 * FULLY_CONNECTED no overlap), so re-reading x for later chunks is safe. */
#include "fully_connected.h"
#include "fully_connected_rq.h"

#define CHUNK ED_FC_CHUNK                /* depth entries widened at a time (fully_connected_scratch.h) */

/* 4 depth of the 4 rows: advances px by 2 words, wa and wb by 4 bytes. In assembly because
 * GCC 12 recomputes row addresses and spills around the 13 live registers. */
#define MAC4(px, wa, wb, stride, s0, s1, s2, s3)                                                  \
    do {                                                                                          \
        uint32_t x02, x13, v, e;                                                                  \
        __asm__("ldrd   %[x02], %[x13], [%[px]], #8\n\t"                                           \
                "ldr    %[v], [%[wa], %[d]]\n\t"                                                   \
                "sxtb16 %[e], %[v]\n\t"                                                             \
                "smlad  %[s1], %[e], %[x02], %[s1]\n\t"                                             \
                "sxtb16 %[e], %[v], ror #8\n\t"                                                     \
                "smlad  %[s1], %[e], %[x13], %[s1]\n\t"                                             \
                "ldr    %[v], [%[wa]], #4\n\t"                                                     \
                "sxtb16 %[e], %[v]\n\t"                                                             \
                "smlad  %[s0], %[e], %[x02], %[s0]\n\t"                                             \
                "sxtb16 %[e], %[v], ror #8\n\t"                                                     \
                "smlad  %[s0], %[e], %[x13], %[s0]\n\t"                                             \
                "ldr    %[v], [%[wb], %[d]]\n\t"                                                   \
                "sxtb16 %[e], %[v]\n\t"                                                             \
                "smlad  %[s3], %[e], %[x02], %[s3]\n\t"                                             \
                "sxtb16 %[e], %[v], ror #8\n\t"                                                     \
                "smlad  %[s3], %[e], %[x13], %[s3]\n\t"                                             \
                "ldr    %[v], [%[wb]], #4\n\t"                                                     \
                "sxtb16 %[e], %[v]\n\t"                                                             \
                "smlad  %[s2], %[e], %[x02], %[s2]\n\t"                                             \
                "sxtb16 %[e], %[v], ror #8\n\t"                                                     \
                "smlad  %[s2], %[e], %[x13], %[s2]"                                                 \
                : [px] "+r"(px), [wa] "+r"(wa), [wb] "+r"(wb), [s0] "+r"(s0), [s1] "+r"(s1),       \
                  [s2] "+r"(s2), [s3] "+r"(s3), [x02] "=&r"(x02), [x13] "=&r"(x13), [v] "=&r"(v),  \
                  [e] "=&r"(e)                                                                    \
                : [d] "r"(stride)                                                                 \
                : "memory");                                                                      \
    } while (0)

/* Every input row (batch) into its out_depth >= 4 outputs, four rows o..o+3 at a time (MAC4's
 * wa, wa + d, wb, wb + d with wb = wa + 2d, d = depth), the last group overlapping as step 2
 * says. Inlined into one out-of-line instance per (right, full) below, with rq copied in: its
 * fields then stay in registers or the frame instead of being reloaded through a pointer after
 * each output store. */
static inline __attribute__((always_inline)) void fc_rows(const ed_fully_connected_params_t *p, ed_fc_rq_t rq,
                                              const int8_t *input, int8_t *output, int right,
                                              int full) {
    const int32_t depth = p->accum_depth, d4 = depth & ~3, out_depth = p->out_depth;
    const int8_t *filter = p->filter;
    const int32_t off = p->input_offset;
    const uint32_t off2 = ed_dup16(off);
    uint32_t *xw = (uint32_t *)(void *)p->scratch;     /* CHUNK / 2 words at most */
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *x = input + (int64_t)b * depth;
        int8_t *out = output + (int64_t)b * out_depth;
        if (d4 <= CHUNK) ed_fc_widen(x, d4, off2, xw);
        for (int32_t o0 = 0; o0 < out_depth; o0 += 4) {
            int32_t o = o0 + 4 <= out_depth ? o0 : out_depth - 4;
            /* o opaque: GCC otherwise keeps (and spills) one induction variable per array
             * below; from o, each base costs an add and the loads take immediate offsets */
            __asm__("" : "+r"(o));
            const int8_t *wa = filter + (int64_t)o * depth, *wb = wa + 2 * (int64_t)depth;
            int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            if (rq.bias) {
                s0 = rq.bias[o];
                s1 = rq.bias[o + 1];
                s2 = rq.bias[o + 2];
                s3 = rq.bias[o + 3];
            }
            for (int32_t k0 = 0; k0 < d4; k0 += CHUNK) {
                const int32_t n = d4 - k0 < CHUNK ? d4 - k0 : CHUNK;
                if (d4 > CHUNK) ed_fc_widen(x + k0, n, off2, xw);
                const uint32_t *px = xw;
                for (int32_t g = n >> 4; g > 0; --g) {         /* 16 depth per pass */
                    MAC4(px, wa, wb, depth, s0, s1, s2, s3);
                    MAC4(px, wa, wb, depth, s0, s1, s2, s3);
                    MAC4(px, wa, wb, depth, s0, s1, s2, s3);
                    MAC4(px, wa, wb, depth, s0, s1, s2, s3);
                }
                for (int32_t g = (n >> 2) & 3; g > 0; --g) MAC4(px, wa, wb, depth, s0, s1, s2, s3);
            }
            for (int32_t k = 0; k < depth - d4; ++k) {         /* wa, wb now at depth d4 */
                const int32_t xo = (int32_t)x[d4 + k] + off;
                s0 += wa[k] * xo;
                s1 += wa[depth + k] * xo;
                s2 += wb[k] * xo;
                s3 += wb[depth + k] * xo;
            }
            const int32_t *m = rq.mult + o;
            const int8_t *sh = rq.shift + o;
            int8_t *y = out + o;
            ed_fc_store4_as(&rq, s0, s1, s2, s3, m, sh, y, right, full);
        }
    }
}

ED_FC_ENTRIES(rows, fc_rows)

void ed_fully_connected(const ed_fully_connected_params_t *p, const int8_t *input, int8_t *output) {
    const ed_fc_rq_t r = ed_fc_rq_of(p);
    /* 1-3 rows (a 4-row group would read past the filter) or a filter offset: row by row */
    const int32_t depth = p->accum_depth, off = p->input_offset;
    const uint32_t off2 = ed_dup16(off);
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *x = input + (int64_t)b * depth;
        int8_t *out = output + (int64_t)b * p->out_depth;
        for (int32_t o = 0; o < p->out_depth; ++o) {
            const int8_t *w = p->filter + (int64_t)o * depth;
            int32_t acc = r.bias ? r.bias[o] : 0;
            if (p->filter_offset == 0) {
                acc = ed_dot_offset(w, x, depth, off2, off, acc);
            } else {
                for (int32_t k = 0; k < depth; ++k)
                    acc += ((int32_t)w[k] + p->filter_offset) * ((int32_t)x[k] + off);
            }
            out[o] = ed_fc_requant(&r, acc, r.mult[o], r.shift[o], 0, 0);
        }
    }
}
