#include "relu.h"
#include "requant.h"

void ed_relu(const ed_relu_params_t *p, const int8_t *input, int8_t *output) {
    for (int32_t i = 0; i < p->size; ++i) {
        const int32_t v = p->output_zero_point +
            ed_mbqm((int32_t)input[i] - p->input_zero_point, p->multiplier, p->shift);
        output[i] = (int8_t)ed_clamp(v, p->act_min, p->act_max);
    }
}

void ed_relu6(const ed_relu6_params_t *p, const int8_t *input, int8_t *output) {
    for (int32_t i = 0; i < p->size; ++i) {
        output[i] = (int8_t)ed_clamp(input[i], p->lower, p->upper);
    }
}
