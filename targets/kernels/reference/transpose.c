#include "transpose.h"

void ed_transpose(const ed_transpose_params_t *p, const int8_t *input, int8_t *output) {
    int64_t out = 0;
    for (int32_t a = 0; a < p->out_shape[0]; ++a)
    for (int32_t b = 0; b < p->out_shape[1]; ++b)
    for (int32_t c = 0; c < p->out_shape[2]; ++c)
    for (int32_t d = 0; d < p->out_shape[3]; ++d) {
        output[out++] = input[(int64_t)a * p->in_stride[0] + (int64_t)b * p->in_stride[1] +
                              (int64_t)c * p->in_stride[2] + (int64_t)d * p->in_stride[3]];
    }
}
