#include <math.h>

#include "quantize.h"
#include "requant.h"

void ed_quantize(const ed_quantize_params_t *p, const float *input, int8_t *output) {
    for (int32_t i = 0; i < p->size; ++i) {
        const float q = roundf(input[i] / p->scale);  /* float32 division, ties away from zero */
        /* out-of-range floats saturate before the int conversion (which would be UB) */
        const int32_t v = q >= 32767.0f ? 32767 : (q <= -32768.0f ? -32768 : (int32_t)q);
        output[i] = (int8_t)ed_clamp(v + p->zero_point, INT8_MIN, INT8_MAX);
    }
}

void ed_requantize(const ed_requantize_params_t *p, const int8_t *input, int8_t *output) {
    for (int32_t i = 0; i < p->size; ++i) {
        const int32_t v = ed_mbqm((int32_t)input[i] - p->input_zero_point, p->multiplier, p->shift)
                          + p->output_zero_point;
        output[i] = (int8_t)ed_clamp(v, INT8_MIN, INT8_MAX);
    }
}
