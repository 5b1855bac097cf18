/* CONV_2D, int8 activations, int8 per-channel weights, int32 bias (TFLM ConvPerChannel).
 * The filter array has 3 bytes past its end (pipeline/compiler/lower_conv.py _pad3). */
#ifndef ED_CONV_H
#define ED_CONV_H

#include <stdint.h>

#include "conv_scratch.h"                  /* the kernel variant's scratch size */

typedef struct ed_conv_params ed_conv_params_t;

/* dsp/ only: the paths model.c names in the params, as the compiler chose them
 * (pipeline/compiler/paths.py), so that the firmware links only those. An assembly GEMM loop
 * of dsp/conv.c (its argument, gemm_args_t, is private to it), and the C path of the slow and
 * constant channels. */
struct ed_conv_gemm_args;
typedef void ed_conv_gemm_fn(const struct ed_conv_gemm_args *a, int8_t *pa, int8_t *pb);
typedef void ed_conv_rest_fn(const ed_conv_params_t *p, int32_t rows, const int16_t *cch,
                             const uint32_t *buf, int8_t *out_a, int8_t *out_b);
ed_conv_gemm_fn ed_conv_dsp_gemm24, ed_conv_dsp_gemm24_u4, ed_conv_dsp_gemm24_u8,
    ed_conv_dsp_gemm24_clamp, ed_conv_dsp_gemm24_odd, ed_conv_dsp_gemm24_clamp_odd,
    ed_conv_dsp_gemm24_u8_odd, ed_conv_dsp_gemm16, ed_conv_dsp_gemm16_u4, ed_conv_dsp_gemm16_u8,
    ed_conv_dsp_gemm16_clamp, ed_conv_dsp_gemm16_odd, ed_conv_dsp_gemm16_clamp_odd,
    ed_conv_dsp_gemm8, ed_conv_dsp_gemm8_odd, ed_conv_dsp_gemm8_u4, ed_conv_dsp_gemm8_u8,
    ed_conv_dsp_gemm8_clamp, ed_conv_dsp_gemm8_clamp_odd;
ed_conv_rest_fn ed_conv_dsp_rest;

struct ed_conv_params {
    int32_t in_h, in_w, in_c;          /* input (1, in_h, in_w, in_c) */
    int32_t out_h, out_w, out_c;       /* output (1, out_h, out_w, out_c) */
    int32_t k_h, k_w, filter_in_c;     /* filter (out_c, k_h, k_w, filter_in_c); groups = in_c / filter_in_c */
    int32_t stride_h, stride_w, dil_h, dil_w, pad_h, pad_w;
    int32_t input_offset;              /* -input zero point, in [-127, 128] */
    int32_t output_offset;             /* output zero point */
    int32_t act_min, act_max;          /* fused activation, already quantized */
    const int8_t *filter;
    const int32_t *bias;               /* (out_c) or NULL */
    const int32_t *multiplier;         /* (out_c) Q0.31 */
    const int8_t *shift;               /* (out_c) */
    const int16_t *filter16;           /* the dsp variant's widened layout (pipeline/compiler/
                                          layouts.py), or NULL; then `filter` may be NULL */
    int8_t *scratch;                   /* ED_CONV_SCRATCH_BYTES(...) bytes of the arena, word
                                          aligned, or NULL when the variant needs none */
    /* The dsp variant's channel plan (pipeline/compiler/layouts.py; the other variants leave it
     * 0 and use every row of `filter`). Its filter rows (filter16, or filter) are, in order: the
     * n_fast channels of the assembly GEMM (gemm_triples triples first; an odd count of pair
     * rows ends with a zero row that repeats the channel before it), then the n_slow channels
     * whose requantization is outside the GEMM's fast form. channels[] names each row's output
     * channel, then the n_const channels whose filter is all zero: the output of the i-th is
     * const_values[i] at every pixel, and it has no row. channels NULL: no slow or constant
     * channels, the fast rows in channel order (and a zero row repeats the last). */
    const int16_t *channels;
    const int8_t *const_values;
    int32_t gemm_triples, n_fast, n_slow, n_const;
    ed_conv_gemm_fn *gemm;             /* dsp/: the fast rows' loop, NULL when n_fast is 0 */
    ed_conv_rest_fn *rest;             /* dsp/: ed_conv_dsp_rest when n_slow or n_const, else NULL */
};

/* Output pixels are produced in raster order, all channels of a pixel together: the memory
 * planner relies on this to overlap output and input (see pipeline/compiler/overlap.py). */
void ed_conv(const ed_conv_params_t *p, const int8_t *input, int8_t *output);

/* dsp/ only: grouped convs (filter_in_c < in_c); its ed_conv takes only ungrouped ones. */
void ed_conv_grouped(const ed_conv_params_t *p, const int8_t *input, int8_t *output);

#endif
