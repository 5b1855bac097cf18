/* CONV_2D, ARMv7E-M DSP variant: same contract and bit-exact results as reference/conv.c.
 *
 * Per output pixel, the valid part of each window row is one contiguous run of
 * (kx1 - kx0) * in_c bytes in both the input (NHWC) and the filter (OHWI) when the conv is not
 * grouped and not dilated along x: the run is one dot product, two output channels at a time
 * sharing the widened input (simd.h). Grouped or x-dilated convs take one dot per tap.
 * Output order is the reference's (raster pixels, all channels of a pixel together), which the
 * planner's input/output overlap relies on. */
#include "conv.h"
#include "requant.h"
#include "simd.h"

static inline int8_t finish(const ed_conv_params_t *p, int32_t acc, int32_t oc) {
    if (p->bias) acc += p->bias[oc];
    acc = ed_mbqm(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
    return (int8_t)ed_clamp(acc, p->act_min, p->act_max);
}

/* first k in [0, k) with 0 <= origin + k*dil < size, and one past the last (lo == hi: none) */
static inline void valid_range(int32_t origin, int32_t k, int32_t dil, int32_t size,
                               int32_t *lo, int32_t *hi) {
    int32_t a = 0, b = k;
    while (a < k && origin + a * dil < 0) ++a;
    while (b > a && origin + (b - 1) * dil >= size) --b;
    *lo = a;
    *hi = b;
}

void ed_conv(const ed_conv_params_t *p, const int8_t *input, int8_t *output) {
    const int32_t fic = p->filter_in_c, groups = p->in_c / fic, out_per_group = p->out_c / groups;
    const int32_t w_stride = p->k_h * p->k_w * fic;            /* one output channel's filter */
    const int32_t off = p->input_offset;
    const uint32_t off2 = ed_dup16(off);
    const int contiguous = groups == 1 && p->dil_w == 1;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t y0 = oy * p->stride_h - p->pad_h;
        int32_t ky0, ky1;
        valid_range(y0, p->k_h, p->dil_h, p->in_h, &ky0, &ky1);
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
            const int32_t x0 = ox * p->stride_w - p->pad_w;
            int32_t kx0, kx1;
            valid_range(x0, p->k_w, p->dil_w, p->in_w, &kx0, &kx1);
            int8_t *out = output + ((int64_t)oy * p->out_w + ox) * p->out_c;
            if (contiguous) {
                const int32_t run = (kx1 - kx0) * fic;
                const int8_t *x_base = input + (int64_t)(x0 + kx0) * p->in_c;
                int32_t oc = 0;
                for (; oc + 2 <= p->out_c; oc += 2) {
                    int32_t a0 = 0, a1 = 0;
                    const int8_t *w = p->filter + (int64_t)oc * w_stride + kx0 * fic;
                    for (int32_t ky = ky0; ky < ky1; ++ky) {
                        const int32_t iy = y0 + ky * p->dil_h;
                        ed_dot2_offset(w + ky * p->k_w * fic, w_stride,
                                       x_base + (int64_t)iy * p->in_w * p->in_c, run, off2, off, &a0, &a1);
                    }
                    out[oc] = finish(p, a0, oc);
                    out[oc + 1] = finish(p, a1, oc + 1);
                }
                for (; oc < p->out_c; ++oc) {
                    int32_t acc = 0;
                    const int8_t *w = p->filter + (int64_t)oc * w_stride + kx0 * fic;
                    for (int32_t ky = ky0; ky < ky1; ++ky) {
                        const int32_t iy = y0 + ky * p->dil_h;
                        acc = ed_dot_offset(w + ky * p->k_w * fic,
                                            x_base + (int64_t)iy * p->in_w * p->in_c, run, off2, off, acc);
                    }
                    out[oc] = finish(p, acc, oc);
                }
            } else {
                for (int32_t oc = 0; oc < p->out_c; ++oc) {
                    const int32_t group = oc / out_per_group;
                    const int8_t *w = p->filter + (int64_t)oc * w_stride;
                    int32_t acc = 0;
                    for (int32_t ky = ky0; ky < ky1; ++ky) {
                        const int32_t iy = y0 + ky * p->dil_h;
                        for (int32_t kx = kx0; kx < kx1; ++kx) {
                            const int32_t ix = x0 + kx * p->dil_w;
                            acc = ed_dot_offset(w + (ky * p->k_w + kx) * fic,
                                                input + ((int64_t)iy * p->in_w + ix) * p->in_c + group * fic,
                                                fic, off2, off, acc);
                        }
                    }
                    out[oc] = finish(p, acc, oc);
                }
            }
        }
    }
}
