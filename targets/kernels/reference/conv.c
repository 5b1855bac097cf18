#include "conv.h"
#include "requant.h"

void ed_conv(const ed_conv_params_t *p, const int8_t *input, int8_t *output) {
    const int32_t out_per_group = p->out_c / (p->in_c / p->filter_in_c);
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            const int32_t in_x0 = ox * p->stride_w - p->pad_w;
            for (int32_t oc = 0; oc < p->out_c; ++oc) {
                const int32_t group = oc / out_per_group;
                const int8_t *w = p->filter + (int64_t)oc * p->k_h * p->k_w * p->filter_in_c;
                /* |acc| <= k_h*k_w*filter_in_c * 128 * 255: no int32 overflow below ~65k taps */
                int32_t acc = 0;
                for (int32_t ky = 0; ky < p->k_h; ++ky) {
                    const int32_t iy = in_y0 + ky * p->dil_h;
                    for (int32_t kx = 0; kx < p->k_w; ++kx) {
                        const int32_t ix = in_x0 + kx * p->dil_w;
                        if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) continue; /* zero padding */
                        const int8_t *x = input + ((int64_t)iy * p->in_w + ix) * p->in_c
                                          + group * p->filter_in_c;
                        const int8_t *wk = w + (ky * p->k_w + kx) * p->filter_in_c;
                        for (int32_t ic = 0; ic < p->filter_in_c; ++ic) {
                            acc += (int32_t)wk[ic] * ((int32_t)x[ic] + p->input_offset);
                        }
                    }
                }
                if (p->bias) acc += p->bias[oc];
                acc = ed_mbqm(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
                output[((int64_t)oy * p->out_w + ox) * p->out_c + oc] =
                    (int8_t)ed_clamp(acc, p->act_min, p->act_max);
            }
        }
    }
}
