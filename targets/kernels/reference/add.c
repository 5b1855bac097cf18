#include "add.h"
#include "requant.h"

void ed_add(const ed_add_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
    int64_t out = 0;
    for (int32_t a = 0; a < p->shape[0]; ++a)
    for (int32_t b = 0; b < p->shape[1]; ++b)
    for (int32_t c = 0; c < p->shape[2]; ++c)
    for (int32_t d = 0; d < p->shape[3]; ++d) {
        const int64_t i1 = a * p->stride1[0] + b * p->stride1[1] + c * p->stride1[2] + d * p->stride1[3];
        const int64_t i2 = a * p->stride2[0] + b * p->stride2[1] + c * p->stride2[2] + d * p->stride2[3];
        /* (x + offset) is in [-255, 255]; << 20 stays below 2^28 */
        const int32_t x1 = ((int32_t)input1[i1] + p->input1_offset) * (1 << p->left_shift);
        const int32_t x2 = ((int32_t)input2[i2] + p->input2_offset) * (1 << p->left_shift);
        const int32_t s1 = ed_mbqm(x1, p->input1_multiplier, p->input1_shift);
        const int32_t s2 = ed_mbqm(x2, p->input2_multiplier, p->input2_shift);
        const int32_t v = ed_mbqm(s1 + s2, p->output_multiplier, p->output_shift) + p->output_offset;
        output[out++] = (int8_t)ed_clamp(v, p->act_min, p->act_max);
    }
}
