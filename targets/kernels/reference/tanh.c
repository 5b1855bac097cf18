#include "tanh.h"
#include "fixedpoint_math.h"
#include "requant.h"

void ed_tanh(const ed_tanh_params_t *p, const int8_t *input, int8_t *output) {
    for (int32_t i = 0; i < p->size; ++i) {
        const int32_t x = (int32_t)input[i] - p->input_zero_point;
        int32_t y;
        if (x <= -p->input_range_radius) {
            y = INT8_MIN;
        } else if (x >= p->input_range_radius) {
            y = INT8_MAX;
        } else {
            const int32_t x_q4 = ed_mbqm(x, p->input_multiplier, p->input_left_shift);
            const int32_t y_q0 = ed_fp_tanh(x_q4, 4);
            y = ed_clamp(ed_rdbpot(y_q0, 31 - 7), INT8_MIN, INT8_MAX);
        }
        output[i] = (int8_t)y;
    }
}
