/* MEAN over a contiguous block of axes, int8 (TFLM QuantizedMeanOrSum, integer rescale).
 * The input is viewed as (outer, reduce, inner); the output as (outer, inner). */
#ifndef ED_MEAN_H
#define ED_MEAN_H

#include <stdint.h>

typedef struct {
    int32_t outer, reduce, inner;
    int32_t input_zero_point, output_zero_point;
    int32_t multiplier;   /* input_scale / output_scale / reduce, folded at compile time */
    int32_t shift;
} ed_mean_params_t;

void ed_mean(const ed_mean_params_t *p, const int8_t *input, int8_t *output);

#endif
