/* AVERAGE_POOL_2D and MAX_POOL_2D, int8; input and output share scale and zero point. */
#ifndef ED_POOLING_H
#define ED_POOLING_H

#include <stdint.h>

typedef struct {
    int32_t in_h, in_w, channels;
    int32_t out_h, out_w;
    int32_t k_h, k_w, stride_h, stride_w, pad_h, pad_w;
    int32_t act_min, act_max;
} ed_pool_params_t;

/* raster order over output pixels, all channels of a pixel together */
void ed_avg_pool(const ed_pool_params_t *p, const int8_t *input, int8_t *output);
void ed_max_pool(const ed_pool_params_t *p, const int8_t *input, int8_t *output);

#endif
