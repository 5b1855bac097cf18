/* TRANSPOSE, int8 (any type of one byte), up to 4-D: a permuted copy. */
#ifndef ED_TRANSPOSE_H
#define ED_TRANSPOSE_H

#include <stdint.h>

typedef struct {
    int32_t out_shape[4];     /* padded with leading 1s */
    int32_t in_stride[4];     /* input element stride of the axis that becomes output axis i */
} ed_transpose_params_t;

void ed_transpose(const ed_transpose_params_t *p, const int8_t *input, int8_t *output);

#endif
