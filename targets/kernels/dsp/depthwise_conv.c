/* DEPTHWISE_CONV_2D, ARMv7E-M DSP variant: bit-exact with reference/depthwise_conv.c.
 * With depth multiplier 1, four channels per step: one 32-bit load of 4 inputs and one of 4
 * weights per tap, widened to int16 pairs (simd.h), then SMLABB/SMLATT multiply-accumulate
 * each channel on its own. Other multipliers and the channel tail take the plain loop. */
#include "depthwise_conv.h"
#include "requant.h"
#include "simd.h"

static inline int8_t finish(const ed_depthwise_conv_params_t *p, int32_t acc, int32_t oc) {
    if (p->bias) acc += p->bias[oc];
    acc = ed_mbqm(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
    return (int8_t)ed_clamp(acc, p->act_min, p->act_max);
}

static inline void valid_range(int32_t origin, int32_t k, int32_t dil, int32_t size,
                               int32_t *lo, int32_t *hi) {
    int32_t a = 0, b = k;
    while (a < k && origin + a * dil < 0) ++a;
    while (b > a && origin + (b - 1) * dil >= size) --b;
    *lo = a;
    *hi = b;
}

void ed_depthwise_conv(const ed_depthwise_conv_params_t *p, const int8_t *input, int8_t *output) {
    const int32_t off = p->input_offset, dm = p->depth_multiplier;
    const uint32_t off2 = ed_dup16(off);
    const int32_t simd_c = dm == 1 ? (p->in_c & ~3) : 0;   /* channels done 4 at a time */
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t y0 = oy * p->stride_h - p->pad_h;
        int32_t ky0, ky1;
        valid_range(y0, p->k_h, p->dil_h, p->in_h, &ky0, &ky1);
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
            const int32_t x0 = ox * p->stride_w - p->pad_w;
            int32_t kx0, kx1;
            valid_range(x0, p->k_w, p->dil_w, p->in_w, &kx0, &kx1);
            int8_t *out = output + ((int64_t)oy * p->out_w + ox) * p->out_c;
            for (int32_t c = 0; c < simd_c; c += 4) {
                int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
                for (int32_t ky = ky0; ky < ky1; ++ky) {
                    const int32_t iy = y0 + ky * p->dil_h;
                    const int8_t *xrow = input + (int64_t)iy * p->in_w * p->in_c + c;
                    const int8_t *wrow = p->filter + (int64_t)ky * p->k_w * p->out_c + c;
                    for (int32_t kx = kx0; kx < kx1; ++kx) {
                        const uint32_t xv = ed_load4(xrow + (x0 + kx * p->dil_w) * p->in_c);
                        const uint32_t wv = ed_load4(wrow + kx * p->out_c);
                        const int32_t x02 = (int32_t)__sxtab16(off2, xv);
                        const int32_t x13 = (int32_t)__sxtab16(off2, ed_ror8(xv));
                        const int32_t w02 = (int32_t)__sxtb16(wv), w13 = (int32_t)__sxtb16(ed_ror8(wv));
                        a0 = __smlabb(w02, x02, a0);
                        a2 = __smlatt(w02, x02, a2);
                        a1 = __smlabb(w13, x13, a1);
                        a3 = __smlatt(w13, x13, a3);
                    }
                }
                out[c] = finish(p, a0, c);
                out[c + 1] = finish(p, a1, c + 1);
                out[c + 2] = finish(p, a2, c + 2);
                out[c + 3] = finish(p, a3, c + 3);
            }
            for (int32_t ic = simd_c / dm; ic < p->in_c; ++ic) {
                for (int32_t m = 0; m < dm; ++m) {
                    const int32_t oc = ic * dm + m;
                    int32_t acc = 0;
                    for (int32_t ky = ky0; ky < ky1; ++ky) {
                        const int32_t iy = y0 + ky * p->dil_h;
                        for (int32_t kx = kx0; kx < kx1; ++kx) {
                            const int32_t ix = x0 + kx * p->dil_w;
                            const int32_t x = input[((int64_t)iy * p->in_w + ix) * p->in_c + ic];
                            acc += (int32_t)p->filter[(ky * p->k_w + kx) * p->out_c + oc] * (x + off);
                        }
                    }
                    out[oc] = finish(p, acc, oc);
                }
            }
        }
    }
}
