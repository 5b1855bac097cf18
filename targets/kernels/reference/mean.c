#include "mean.h"
#include "requant.h"

void ed_mean(const ed_mean_params_t *p, const int8_t *input, int8_t *output) {
    for (int32_t o = 0; o < p->outer; ++o) {
        for (int32_t i = 0; i < p->inner; ++i) {
            int32_t sum = 0;  /* |sum| <= reduce * 128 */
            for (int32_t r = 0; r < p->reduce; ++r) {
                sum += input[((int64_t)o * p->reduce + r) * p->inner + i];
            }
            const int32_t centered = sum - p->input_zero_point * p->reduce;
            const int32_t v = ed_mbqm(centered, p->multiplier, p->shift) + p->output_zero_point;
            output[(int64_t)o * p->inner + i] = (int8_t)ed_clamp(v, INT8_MIN, INT8_MAX);
        }
    }
}
