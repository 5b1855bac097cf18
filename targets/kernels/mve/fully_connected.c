/* FULLY_CONNECTED, Helium (MVE) variant: bit-exact with reference/fully_connected.c.
 *
 * The input offset makes x + offset a 9-bit value that int8 lanes cannot hold, so each row's
 * dot product is split as
 *     sum_i w[i] * (x[i] + offset) = sum_i w[i] * x[i] + offset * sum_i w[i]
 * and both sums run on 16 raw int8 lanes per step: VMLADAVA.S8 (w * x, summed across the lanes
 * into a scalar accumulator) and VADDVA.S8 (sum of w). Three rows share each 16-byte load of x:
 * per 16 depth, 1 + 3 * 3 instructions for 48 MACs. A depth that is not a multiple of 16 ends
 * with a predicated load (inactive lanes read nothing and are zero: they add nothing).
 * Ranges: |w * x| <= 2^14 and |w| <= 2^7 per lane, so |sum w*x| <= depth * 2^14 and
 * |offset * sum w| <= depth * 2^14 (|offset| <= 128): every partial sum is exact in int32 for
 * depth <= 2^16, and the total is the reference's integer (only the order of additions
 * differs). The three accumulators + bias are requantized as one vector (lane 3 inactive;
 * requant_mve.h, exact) and stored with one narrowing VSTRB.32; the last out_depth % 3 rows
 * go one at a time with scalar requantization (dsp/requant_dsp.h). A non-zero filter offset
 * (not produced for int8 weights by TFLite's converter) takes the plain loop. */
#include "fully_connected.h"
#include "requant_dsp.h"
#include "requant_mve.h"

/* one 16-byte step of a row: s += w . x, sw += sum w; `tail`: w loaded under pred */
#define DOT_STEP(w, x, s, sw, pred, tail)                                                          \
    do {                                                                                           \
        const int8x16_t wv = (tail) ? vldrbq_z_s8(w, pred) : vldrbq_s8(w);                         \
        s = vmladavaq_s8(s, wv, x);                                                                \
        sw = vaddvaq_s8(sw, wv);                                                                   \
    } while (0)

/* rows w, w + d, w + 2d; a[r] = dot(row r, x + offset). Three rows, not four: VMLADAVA and
 * VADDVA accumulate into even registers only, and 4 rows would need 8 of them (GCC spills). */
static inline void dot3(const int8_t *w, int32_t d, const int8_t *x, int32_t n, int32_t off,
                        int32_t a[3]) {
    const int8_t *w1 = w + d, *w2 = w1 + d;
    int32_t s0 = 0, s1 = 0, s2 = 0, z0 = 0, z1 = 0, z2 = 0, i = 0;
    for (; i + 16 <= n; i += 16, w += 16, w1 += 16, w2 += 16) {
        const int8x16_t xv = vldrbq_s8(x + i);
        DOT_STEP(w, xv, s0, z0, 0, 0);
        DOT_STEP(w1, xv, s1, z1, 0, 0);
        DOT_STEP(w2, xv, s2, z2, 0, 0);
    }
    if (i < n) {
        const mve_pred16_t p = vctp8q((uint32_t)(n - i));
        const int8x16_t xv = vldrbq_z_s8(x + i, p);
        DOT_STEP(w, xv, s0, z0, p, 1);
        DOT_STEP(w1, xv, s1, z1, p, 1);
        DOT_STEP(w2, xv, s2, z2, p, 1);
    }
    a[0] = s0 + off * z0;
    a[1] = s1 + off * z1;
    a[2] = s2 + off * z2;
}

/* one row */
static inline int32_t dot1(const int8_t *w, const int8_t *x, int32_t n, int32_t off) {
    int32_t s = 0, z = 0, i = 0;
    for (; i + 16 <= n; i += 16, w += 16) DOT_STEP(w, vldrbq_s8(x + i), s, z, 0, 0);
    if (i < n) {
        const mve_pred16_t p = vctp8q((uint32_t)(n - i));
        DOT_STEP(w, vldrbq_z_s8(x + i, p), s, z, p, 1);
    }
    return s + off * z;
}

static inline int8_t finish(const ed_fully_connected_params_t *p, int32_t acc, int32_t o) {
    if (p->bias) acc += p->bias[o];
    acc = ed_mbqm_dsp(acc, p->multiplier[o], p->shift[o]) + p->output_offset;
    return (int8_t)(acc < p->act_min ? p->act_min : (acc > p->act_max ? p->act_max : acc));
}

void ed_fully_connected(const ed_fully_connected_params_t *p, const int8_t *input, int8_t *output) {
    const int32_t depth = p->accum_depth, off = p->input_offset, out_depth = p->out_depth;
    const int32_t zp = p->output_offset, lo = p->act_min, hi = p->act_max;
    const int32_t *bias = p->bias, *mult = p->multiplier;
    const int8_t *shift = p->shift, *filter = p->filter;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *x = input + (int64_t)b * depth;
        int8_t *out = output + (int64_t)b * out_depth;
        if (p->filter_offset != 0) {
            for (int32_t o = 0; o < out_depth; ++o) {
                const int8_t *w = filter + (int64_t)o * depth;
                int32_t acc = 0;
                for (int32_t d = 0; d < depth; ++d)
                    acc += ((int32_t)w[d] + p->filter_offset) * ((int32_t)x[d] + off);
                out[o] = finish(p, acc, o);
            }
            continue;
        }
        int32_t o = 0;
        const mve_pred16_t p3 = vctp32q(3);
        for (; o + 3 <= out_depth; o += 3) {   /* lane 3 is inactive */
            int32_t a[4] = {0, 0, 0, 0};
            dot3(filter + (int64_t)o * depth, depth, x, depth, off, a);
            int32x4_t acc = vld1q_s32(a);
            if (bias) acc = vaddq_s32(acc, vldrwq_z_s32(bias + o, p3));
            const int32x4_t m = vldrwq_z_s32(mult + o, p3), sh = vldrbq_z_s32(shift + o, p3);
            const int32x4_t v = vaddq_n_s32(ed_mbqm_mve(acc, m, sh), zp);
            vstrbq_p_s32(out + o, vminq_s32(vmaxq_s32(v, vdupq_n_s32(lo)), vdupq_n_s32(hi)), p3);
        }
        for (; o < out_depth; ++o)
            out[o] = finish(p, dot1(filter + (int64_t)o * depth, x, depth, off), o);
    }
}
