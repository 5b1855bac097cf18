/* CONCATENATION, int8; all inputs share the output's scale and zero point (checked at
 * compile time), so this is a copy. Inputs are viewed as (outer, chunk_i). */
#ifndef ED_CONCATENATION_H
#define ED_CONCATENATION_H

#include <stdint.h>

typedef struct {
    int32_t num_inputs;
    int32_t outer;
    const int32_t *chunk;   /* (num_inputs) bytes each input contributes per outer step */
} ed_concatenation_params_t;

void ed_concatenation(const ed_concatenation_params_t *p, const int8_t *const *inputs, int8_t *output);

#endif
