#include "fully_connected.h"
#include "requant.h"

void ed_fully_connected(const ed_fully_connected_params_t *p, const int8_t *input, int8_t *output) {
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *x = input + (int64_t)b * p->accum_depth;
        for (int32_t o = 0; o < p->out_depth; ++o) {
            const int8_t *w = p->filter + (int64_t)o * p->accum_depth;
            int32_t acc = 0;
            for (int32_t d = 0; d < p->accum_depth; ++d) {
                acc += ((int32_t)w[d] + p->filter_offset) * ((int32_t)x[d] + p->input_offset);
            }
            if (p->bias) acc += p->bias[o];
            acc = ed_mbqm(acc, p->multiplier[o], p->shift[o]) + p->output_offset;
            output[(int64_t)b * p->out_depth + o] = (int8_t)ed_clamp(acc, p->act_min, p->act_max);
        }
    }
}
