/* RELU (requantize then clamp at zero, TFLM ReluQuantized) and RELU6 (clamp only: TFLM
 * Relu6Quantized assumes input and output share quantization). */
#ifndef ED_RELU_H
#define ED_RELU_H

#include <stdint.h>

typedef struct {
    int32_t size;
    int32_t input_zero_point, output_zero_point;
    int32_t multiplier, shift;     /* input_scale / output_scale */
    int32_t act_min, act_max;
} ed_relu_params_t;

typedef struct {
    int32_t size;
    int32_t lower, upper;          /* quantized 0 and 6 */
} ed_relu6_params_t;

/* elementwise: in place is safe */
void ed_relu(const ed_relu_params_t *p, const int8_t *input, int8_t *output);
void ed_relu6(const ed_relu6_params_t *p, const int8_t *input, int8_t *output);

#endif
