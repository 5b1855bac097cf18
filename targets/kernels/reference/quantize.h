/* QUANTIZE: float32 -> int8 at the model input (TFLM AffineQuantize), and int8 -> int8
 * requantization inside the graph (TFLM Requantize). */
#ifndef ED_QUANTIZE_H
#define ED_QUANTIZE_H

#include <stdint.h>

typedef struct {
    int32_t size;
    float scale;
    int32_t zero_point;
} ed_quantize_params_t;

typedef struct {
    int32_t size;
    int32_t input_zero_point, output_zero_point;
    int32_t multiplier, shift;     /* input_scale / output_scale */
} ed_requantize_params_t;

void ed_quantize(const ed_quantize_params_t *p, const float *input, int8_t *output);
/* elementwise: in place is safe */
void ed_requantize(const ed_requantize_params_t *p, const int8_t *input, int8_t *output);

#endif
