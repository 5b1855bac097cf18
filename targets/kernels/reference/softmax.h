/* SOFTMAX over the last axis, int8 in, int8 out (scale 1/256, zero point -128); the input
 * differences are rescaled to Q5.26 and exponentiated in fixed point (TFLM reference Softmax). */
#ifndef ED_SOFTMAX_H
#define ED_SOFTMAX_H

#include <stdint.h>

typedef struct {
    int32_t outer, depth;
    int32_t input_multiplier, input_left_shift;  /* beta * input_scale * 2^26, capped */
    int32_t diff_min;                            /* differences below this give exp == 0 */
} ed_softmax_params_t;

/* element i is written after the whole row was read and element i read again: in place is safe */
void ed_softmax(const ed_softmax_params_t *p, const int8_t *input, int8_t *output);

#endif
