/* LOGISTIC, int8 in, int8 out (scale 1/256, zero point -128); input rescaled to Q4.27 and
 * evaluated with gemmlowp's fixed-point logistic (TFLM reference_integer_ops::Logistic). */
#ifndef ED_LOGISTIC_H
#define ED_LOGISTIC_H

#include <stdint.h>

typedef struct {
    int32_t size;
    int32_t input_zero_point;
    int32_t input_range_radius;    /* |x - zp| at or beyond this saturates */
    int32_t input_multiplier, input_left_shift;
} ed_logistic_params_t;

/* elementwise: in place is safe */
void ed_logistic(const ed_logistic_params_t *p, const int8_t *input, int8_t *output);

#endif
