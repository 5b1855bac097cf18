/* FULLY_CONNECTED, int8 (TFLM FullyConnected / FullyConnectedPerChannel). */
#ifndef ED_FULLY_CONNECTED_H
#define ED_FULLY_CONNECTED_H

#include <stdint.h>

#include "fully_connected_scratch.h"          /* the kernel variant's scratch size */

typedef struct {
    int32_t batches;                   /* rows of the input seen as (batches, accum_depth) */
    int32_t accum_depth, out_depth;    /* filter (out_depth, accum_depth) */
    int32_t input_offset, filter_offset, output_offset, act_min, act_max;
    const int8_t *filter;
    const int32_t *bias;               /* (out_depth) or NULL */
    const int32_t *multiplier;         /* (out_depth); the same value repeated when per-tensor */
    const int8_t *shift;               /* (out_depth) */
    int8_t *scratch;                   /* the variant's fully_connected_scratch.h bytes of the arena, word
                                          aligned, or NULL when it needs none */
    const int16_t *filter16;           /* ed_fully_connected_wide's int16 rows (pipeline/compiler/
                                          layouts.py fc16), or NULL; then `filter` is NULL */
} ed_fully_connected_params_t;

void ed_fully_connected(const ed_fully_connected_params_t *p, const int8_t *input, int8_t *output);

/* dsp/ only: the entries model.c calls by name, as the compiler chose them
 * (pipeline/compiler/paths.py), with the same outputs. _rows: int8 rows, four at a time
 * (out_depth >= 4, filter_offset 0). _wide: the compiler widened the weights (filter16 set,
 * accum_depth rounded up to 4 at most ED_FC_CHUNK). _folded: every row meets requant_dsp.h's
 * ed_zp_folded_ok; _full: and the activation range is [-128, 127]. */
void ed_fully_connected_rows(const ed_fully_connected_params_t *p, const int8_t *input, int8_t *output);
void ed_fully_connected_rows_folded(const ed_fully_connected_params_t *p, const int8_t *input,
                                    int8_t *output);
void ed_fully_connected_rows_folded_full(const ed_fully_connected_params_t *p, const int8_t *input,
                                         int8_t *output);
void ed_fully_connected_wide(const ed_fully_connected_params_t *p, const int8_t *input, int8_t *output);
void ed_fully_connected_wide_folded(const ed_fully_connected_params_t *p, const int8_t *input,
                                    int8_t *output);
void ed_fully_connected_wide_folded_full(const ed_fully_connected_params_t *p, const int8_t *input,
                                         int8_t *output);
/* _wide_k8: widened, accum_depth 5..8, out_depth % 4 == 0, a bias, one multiplier and shift for
 * every row that dsp/add.c's one-SMMLAR requantization holds for, activation range [-128, 127] */
void ed_fully_connected_wide_k8(const ed_fully_connected_params_t *p, const int8_t *input,
                                int8_t *output);

#endif
