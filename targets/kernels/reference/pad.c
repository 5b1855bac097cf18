#include "pad.h"

void ed_pad(const ed_pad_params_t *p, const int8_t *input, int8_t *output) {
    int64_t out = 0;
    for (int32_t a = 0; a < p->out_shape[0]; ++a)
    for (int32_t b = 0; b < p->out_shape[1]; ++b)
    for (int32_t c = 0; c < p->out_shape[2]; ++c)
    for (int32_t d = 0; d < p->out_shape[3]; ++d) {
        const int32_t ia = a - p->before[0], ib = b - p->before[1];
        const int32_t ic = c - p->before[2], id = d - p->before[3];
        const int inside = ia >= 0 && ia < p->in_shape[0] && ib >= 0 && ib < p->in_shape[1] &&
                           ic >= 0 && ic < p->in_shape[2] && id >= 0 && id < p->in_shape[3];
        output[out++] = inside
            ? input[(((int64_t)ia * p->in_shape[1] + ib) * p->in_shape[2] + ic) * p->in_shape[3] + id]
            : (int8_t)p->pad_value;
    }
}
