#include "softmax.h"
#include "fixedpoint_math.h"
#include "requant.h"

enum { kScaledDiffIntegerBits = 5, kAccumulationIntegerBits = 12 };

/* 1 / x for x > 0 with `x_integer_digits` integer bits: Q0.31 result and the extra exponent */
static int32_t reciprocal(int32_t x, int x_integer_digits, int *num_bits_over_unit) {
    const int headroom_plus_one = __builtin_clz((uint32_t)x); /* x > 0: the row max gives exp = 1 */
    *num_bits_over_unit = x_integer_digits - headroom_plus_one;
    const int32_t shifted_sum_minus_one =
        (int32_t)(((uint32_t)x << headroom_plus_one) - ((uint32_t)1 << 31));
    return ed_fp_one_over_one_plus_x(shifted_sum_minus_one);
}

static int32_t scaled_exp(const ed_softmax_params_t *p, int32_t diff) {
    /* MultiplyByQuantizedMultiplierGreaterThanOne; TFLM's diff * 2^left_shift may wrap for
     * large input scales, and those differences then fall below diff_min anyway */
    const int32_t rescaled = ed_srdhm(ed_shl_wrap(diff, p->input_left_shift), p->input_multiplier);
    return ed_fp_exp_on_negative_values(rescaled, kScaledDiffIntegerBits);
}

void ed_softmax(const ed_softmax_params_t *p, const int8_t *input, int8_t *output) {
    for (int32_t row = 0; row < p->outer; ++row) {
        const int8_t *x = input + (int64_t)row * p->depth;
        int8_t *y = output + (int64_t)row * p->depth;
        int32_t max_in_row = INT8_MIN;
        for (int32_t c = 0; c < p->depth; ++c) if (x[c] > max_in_row) max_in_row = x[c];

        int32_t sum_of_exps = 0;  /* Q12.19 */
        for (int32_t c = 0; c < p->depth; ++c) {
            const int32_t diff = (int32_t)x[c] - max_in_row;
            if (diff >= p->diff_min) {
                sum_of_exps += ed_fp_mul_pot(scaled_exp(p, diff), -kAccumulationIntegerBits);
            }
        }
        int num_bits_over_unit;
        const int32_t shifted_scale = reciprocal(sum_of_exps, kAccumulationIntegerBits, &num_bits_over_unit);

        for (int32_t c = 0; c < p->depth; ++c) {
            const int32_t diff = (int32_t)x[c] - max_in_row;
            int32_t out = INT8_MIN;
            if (diff >= p->diff_min) {
                const int32_t prob = ed_srdhm(shifted_scale, scaled_exp(p, diff));
                out = ed_rdbpot(prob, num_bits_over_unit + 31 - 8) + INT8_MIN;
                out = ed_clamp(out, INT8_MIN, INT8_MAX);
            }
            y[c] = (int8_t)out;
        }
    }
}
