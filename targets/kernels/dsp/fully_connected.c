/* FULLY_CONNECTED, ARMv7E-M DSP variant: bit-exact with reference/fully_connected.c.
 * Two output rows at a time share the widened input (simd.h). A non-zero filter offset (not
 * produced for int8 weights by TFLite's converter) takes the plain loop. */
#include "fully_connected.h"
#include "requant.h"
#include "simd.h"

static inline int8_t finish(const ed_fully_connected_params_t *p, int32_t acc, int32_t o) {
    if (p->bias) acc += p->bias[o];
    acc = ed_mbqm(acc, p->multiplier[o], p->shift[o]) + p->output_offset;
    return (int8_t)ed_clamp(acc, p->act_min, p->act_max);
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
        for (; o + 2 <= p->out_depth; o += 2) {
            int32_t a0 = 0, a1 = 0;
            ed_dot2_offset(p->filter + (int64_t)o * depth, depth, x, depth, off2, off, &a0, &a1);
            out[o] = finish(p, a0, o);
            out[o + 1] = finish(p, a1, o + 1);
        }
        for (; o < p->out_depth; ++o)
            out[o] = finish(p, ed_dot_offset(p->filter + (int64_t)o * depth, x, depth, off2, off, 0), o);
    }
}
