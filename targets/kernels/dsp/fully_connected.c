/* FULLY_CONNECTED, ARMv7E-M DSP variant: bit-exact with reference/fully_connected.c.
 * Four output rows at a time share each widened input word: per 4 depth, 1 load + 2 SXTAB16
 * for x, then per row 1 load + 2 SXTB16 + 2 SMLAD (simd.h explains the lane layout and why
 * every product and pair sum is exact; |acc| <= depth * 128 * 255 as in the reference).
 * Remaining rows go 1 at a time. A non-zero filter offset (not produced for int8 weights by
 * TFLite's converter) takes the plain loop. */
#include "fully_connected.h"
#include "requant_dsp.h"
#include "simd.h"

static inline int8_t finish(const ed_fully_connected_params_t *p, int32_t acc, int32_t o) {
    if (p->bias) acc += p->bias[o];
    acc = ed_mbqm_dsp(acc, p->multiplier[o], p->shift[o]) + p->output_offset;
    return (int8_t)(acc < p->act_min ? p->act_min : (acc > p->act_max ? p->act_max : acc));
}

/* rows w, w + d, w + 2d, w + 3d against x (n entries); a[r] += dot(row r, x + offset) */
static inline void dot4(const int8_t *w, int32_t d, const int8_t *x, int32_t n, uint32_t off2,
                        int32_t off, int32_t a[4]) {
    int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = 0;
    const int32_t d2 = 2 * d, d3 = 3 * d;
    for (; i + 4 <= n; i += 4, w += 4) {
        const uint32_t xv = ed_load4(x + i);
        const uint32_t x02 = __sxtab16(off2, xv), x13 = ed_sxtab16_ror8(off2, xv);
        uint32_t v = ed_load4(w);
        s0 = __smlad(__sxtb16(v), x02, s0);
        s0 = __smlad(ed_sxtb16_ror8(v), x13, s0);
        v = ed_load4(w + d);
        s1 = __smlad(__sxtb16(v), x02, s1);
        s1 = __smlad(ed_sxtb16_ror8(v), x13, s1);
        v = ed_load4(w + d2);
        s2 = __smlad(__sxtb16(v), x02, s2);
        s2 = __smlad(ed_sxtb16_ror8(v), x13, s2);
        v = ed_load4(w + d3);
        s3 = __smlad(__sxtb16(v), x02, s3);
        s3 = __smlad(ed_sxtb16_ror8(v), x13, s3);
    }
    for (; i < n; ++i, ++w) {
        const int32_t xo = (int32_t)x[i] + off;
        s0 += w[0] * xo;
        s1 += w[d] * xo;
        s2 += w[d2] * xo;
        s3 += w[d3] * xo;
    }
    a[0] = s0;
    a[1] = s1;
    a[2] = s2;
    a[3] = s3;
}

void ed_fully_connected(const ed_fully_connected_params_t *p, const int8_t *input, int8_t *output) {
    const int32_t depth = p->accum_depth, off = p->input_offset;
    const uint32_t off2 = ed_dup16(off);
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *x = input + (int64_t)b * depth;
        int8_t *out = output + (int64_t)b * p->out_depth;
        if (p->filter_offset != 0) {
            for (int32_t o = 0; o < p->out_depth; ++o) {
                const int8_t *w = p->filter + (int64_t)o * depth;
                int32_t acc = 0;
                for (int32_t d = 0; d < depth; ++d)
                    acc += ((int32_t)w[d] + p->filter_offset) * ((int32_t)x[d] + off);
                out[o] = finish(p, acc, o);
            }
            continue;
        }
        int32_t o = 0;
        for (; o + 4 <= p->out_depth; o += 4) {
            int32_t a[4];
            dot4(p->filter + (int64_t)o * depth, depth, x, depth, off2, off, a);
            const int8_t r0 = finish(p, a[0], o), r1 = finish(p, a[1], o + 1);
            const int8_t r2 = finish(p, a[2], o + 2), r3 = finish(p, a[3], o + 3);
            out[o] = r0;
            out[o + 1] = r1;
            out[o + 2] = r2;
            out[o + 3] = r3;
        }
        for (; o < p->out_depth; ++o)
            out[o] = finish(p, ed_dot_offset(p->filter + (int64_t)o * depth, x, depth, off2, off, 0), o);
    }
}
