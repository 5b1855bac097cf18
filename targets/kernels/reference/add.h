/* ADD, int8, with broadcasting up to 4-D (TFLM AddElementwise / BroadcastAdd4DSlow).
 * Both inputs are brought to a common scale with 20 bits of headroom, summed, rescaled. */
#ifndef ED_ADD_H
#define ED_ADD_H

#include <stdint.h>

#include "add_scratch.h"          /* the kernel variant's scratch size */

typedef struct {
    int32_t shape[4];                  /* output shape, padded with leading 1s */
    int32_t stride1[4], stride2[4];    /* input element strides; 0 on broadcast axes */
    int32_t input1_offset, input2_offset, output_offset;   /* -zp1, -zp2, +zp_out */
    int32_t left_shift;                /* 20 for int8 */
    int32_t input1_multiplier, input1_shift;
    int32_t input2_multiplier, input2_shift;
    int32_t output_multiplier, output_shift;
    int32_t act_min, act_max;
    int8_t *scratch;                   /* the variant's add_scratch.h bytes of the arena, word
                                          aligned, or NULL when it needs none */
} ed_add_params_t;

/* element i of the output is written after element i of each input is read: in place is safe
 * when the input is not broadcast */
void ed_add(const ed_add_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output);

/* dsp/ only: the entries model.c calls by name, as the compiler chose them
 * (pipeline/compiler/paths.py), with the same outputs. _flat: neither input broadcast, both
 * contiguous; _fast: the output requantization's one-SMMLAR form holds (dsp/add.c); _full: the
 * activation range is [-128, 127]. dsp/'s ed_add is the general broadcasting form. */
void ed_add_fast(const ed_add_params_t *p, const int8_t *input1, const int8_t *input2,
                 int8_t *output);
void ed_add_flat(const ed_add_params_t *p, const int8_t *input1, const int8_t *input2,
                 int8_t *output);
void ed_add_flat_fast(const ed_add_params_t *p, const int8_t *input1, const int8_t *input2,
                      int8_t *output);
void ed_add_flat_fast_full(const ed_add_params_t *p, const int8_t *input1, const int8_t *input2,
                           int8_t *output);

#endif
