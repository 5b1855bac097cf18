/* MUL, int8, with broadcasting up to 4-D (TFLM MulElementwise / BroadcastMul4DSlow). */
#ifndef ED_MUL_H
#define ED_MUL_H

#include <stdint.h>

typedef struct {
    int32_t shape[4];
    int32_t stride1[4], stride2[4];
    int32_t input1_offset, input2_offset, output_offset;
    int32_t output_multiplier, output_shift;   /* s1 * s2 / s_out */
    int32_t act_min, act_max;
} ed_mul_params_t;

void ed_mul(const ed_mul_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output);

#endif
