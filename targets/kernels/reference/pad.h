/* PAD / PADV2, int8, up to 4-D; the pad value is the output zero point or PADV2's constant. */
#ifndef ED_PAD_H
#define ED_PAD_H

#include <stdint.h>

typedef struct {
    int32_t in_shape[4];      /* padded with leading 1s */
    int32_t out_shape[4];
    int32_t before[4];        /* elements added before each axis */
    int32_t pad_value;
} ed_pad_params_t;

/* output written in raster order; each output element reads at most one input element */
void ed_pad(const ed_pad_params_t *p, const int8_t *input, int8_t *output);

#endif
