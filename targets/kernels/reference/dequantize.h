/* DEQUANTIZE: int8 -> float32 at the model output (TFLM reference Dequantize: the product is
 * formed in double, then rounded to float). */
#ifndef ED_DEQUANTIZE_H
#define ED_DEQUANTIZE_H

#include <stdint.h>

typedef struct {
    int32_t size;
    double scale;
    int32_t zero_point;
} ed_dequantize_params_t;

void ed_dequantize(const ed_dequantize_params_t *p, const int8_t *input, float *output);

#endif
