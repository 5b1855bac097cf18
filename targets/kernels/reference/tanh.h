/* TANH, int8 in, int8 out (scale 1/128, zero point 0); input rescaled to Q4.27 and evaluated
 * with gemmlowp's fixed-point tanh (TFLM reference_integer_ops::Tanh). */
#ifndef ED_TANH_H
#define ED_TANH_H

#include <stdint.h>

typedef struct {
    int32_t size;
    int32_t input_zero_point;
    int32_t input_range_radius;
    int32_t input_multiplier, input_left_shift;
} ed_tanh_params_t;

/* elementwise: in place is safe */
void ed_tanh(const ed_tanh_params_t *p, const int8_t *input, int8_t *output);

#endif
