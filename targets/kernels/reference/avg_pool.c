#include "pooling.h"
#include "requant.h"

void ed_avg_pool(const ed_pool_params_t *p, const int8_t *input, int8_t *output) {
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            const int32_t in_x0 = ox * p->stride_w - p->pad_w;
            /* window clipped to the image: padding does not count in the average */
            const int32_t ky0 = in_y0 < 0 ? -in_y0 : 0;
            const int32_t ky1 = p->k_h < p->in_h - in_y0 ? p->k_h : p->in_h - in_y0;
            const int32_t kx0 = in_x0 < 0 ? -in_x0 : 0;
            const int32_t kx1 = p->k_w < p->in_w - in_x0 ? p->k_w : p->in_w - in_x0;
            for (int32_t c = 0; c < p->channels; ++c) {
                int32_t acc = 0;
                int32_t count = 0;
                for (int32_t ky = ky0; ky < ky1; ++ky) {
                    for (int32_t kx = kx0; kx < kx1; ++kx) {
                        acc += input[((int64_t)(in_y0 + ky) * p->in_w + (in_x0 + kx)) * p->channels + c];
                        ++count;
                    }
                }
                /* count >= 1: the compiler refuses windows that can miss the image */
                acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                output[((int64_t)oy * p->out_w + ox) * p->channels + c] =
                    (int8_t)ed_clamp(acc, p->act_min, p->act_max);
            }
        }
    }
}
