/* DEPTHWISE_CONV_2D, int8, per-channel weights (TFLM DepthwiseConvPerChannel). */
#ifndef ED_DEPTHWISE_CONV_H
#define ED_DEPTHWISE_CONV_H

#include <stdint.h>

#include "depthwise_conv_scratch.h"   /* the kernel variant's scratch size */

typedef struct {
    int32_t in_h, in_w, in_c;          /* input (1, in_h, in_w, in_c) */
    int32_t out_h, out_w, out_c;       /* out_c = in_c * depth_multiplier */
    int32_t k_h, k_w, depth_multiplier;/* filter (1, k_h, k_w, out_c) */
    int32_t stride_h, stride_w, dil_h, dil_w, pad_h, pad_w;
    int32_t input_offset, output_offset, act_min, act_max;
    const int8_t *filter;
    const int32_t *bias;               /* (out_c) or NULL */
    const int32_t *multiplier;         /* (out_c) */
    const int8_t *shift;               /* (out_c) */
    int8_t *scratch;                   /* the variant's depthwise_conv_scratch.h bytes of the
                                          arena, word aligned, or NULL when it needs none */
} ed_depthwise_conv_params_t;

/* raster order over output pixels, all channels of a pixel together */
void ed_depthwise_conv(const ed_depthwise_conv_params_t *p, const int8_t *input, int8_t *output);

/* dsp/ only: the plane paths, called by model.c when the compiler found the layer meets their
 * conditions (dsp/depthwise_conv.c, pipeline/compiler/paths.py); same outputs. */
void ed_depthwise_conv_strips(const ed_depthwise_conv_params_t *p, const int8_t *input,
                              int8_t *output);
void ed_depthwise_conv_ring(const ed_depthwise_conv_params_t *p, const int8_t *input,
                            int8_t *output);
void ed_depthwise_conv_pairs(const ed_depthwise_conv_params_t *p, const int8_t *input,
                             int8_t *output);

#endif
