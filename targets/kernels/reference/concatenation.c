#include "concatenation.h"

void ed_concatenation(const ed_concatenation_params_t *p, const int8_t *const *inputs, int8_t *output) {
    int64_t out = 0;
    for (int32_t o = 0; o < p->outer; ++o) {
        for (int32_t k = 0; k < p->num_inputs; ++k) {
            const int8_t *src = inputs[k] + (int64_t)o * p->chunk[k];
            for (int32_t i = 0; i < p->chunk[k]; ++i) output[out++] = src[i];
        }
    }
}
