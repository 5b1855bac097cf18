#include "dequantize.h"

void ed_dequantize(const ed_dequantize_params_t *p, const int8_t *input, float *output) {
    for (int32_t i = 0; i < p->size; ++i) {
        output[i] = (float)(p->scale * (double)((int32_t)input[i] - p->zero_point));
    }
}
