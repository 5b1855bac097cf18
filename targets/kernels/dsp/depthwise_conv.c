/* DEPTHWISE_CONV_2D, ARMv7E-M DSP variant: bit-exact with reference/depthwise_conv.c.
 * With depth multiplier 1, four channels per step: one 32-bit load of 4 inputs and one of 4
 * weights per tap, widened to int16 pairs with the input offset folded in (SXTAB16), then
 * SMLABB/SMLATT accumulate each channel on its own. The window is clipped once per pixel
 * (closed form), so the tap loops run only over valid taps: TFLM's padding skip, no tests in
 * the loop; a full 3x3 window (every interior pixel of a 3x3 layer) runs its 9 taps unrolled.
 * Accumulators start from the bias; requantization is requant_dsp.h's (exact), its one-rounding
 * form when every channel allows it. Other multipliers and the channel tail take the plain loop.
 * Ranges: x + offset in [-255, 255], w in [-128, 127]; |acc| <= k_h * k_w * 128 * 255, exact
 * in int32 as in the reference (only the order of integer additions differs). */
#include "depthwise_conv.h"
#include "requant_dsp.h"
#include "simd.h"

static inline int8_t clamp8(int32_t v, int32_t lo, int32_t hi) {
    return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
}

/* acc already holds the bias; zp/lo/hi are locals of the caller (int8 stores may alias `p`) */
static inline int8_t requant(int32_t acc, int32_t m, int32_t shift, int32_t zp, int32_t lo,
                             int32_t hi) {
    return clamp8(ed_mbqm_dsp(acc, m, shift) + zp, lo, hi);
}

/* conditions checked once per call (ed_right_requant_ok) */
static inline int32_t rq_right(int32_t acc, int32_t m, int32_t shift) {
    return ed_mbqm_right(acc, m, -shift);
}

/* taps k in [lo, hi) with 0 <= origin + k * dil < size (lo == hi: none); dil >= 1 */
static inline void valid_range(int32_t origin, int32_t k, int32_t dil, int32_t size,
                               int32_t *lo, int32_t *hi) {
    int32_t a = origin < 0 ? (-origin + dil - 1) / dil : 0;
    int32_t b = size - origin <= 0 ? 0 : (size - origin + dil - 1) / dil;
    if (b > k) b = k;
    if (a > b) a = b;
    *lo = a;
    *hi = b;
}

/* one tap for 4 channels: a[i] += w[i] * (x[i] + offset) */
static inline __attribute__((always_inline)) void tap4(const int8_t *xp, const int8_t *wp,
                                                       uint32_t off2, int32_t a[4]) {
    const uint32_t xv = ed_load4(xp), wv = ed_load4(wp);
    const uint32_t x02 = __sxtab16(off2, xv), x13 = ed_sxtab16_ror8(off2, xv);
    const uint32_t w02 = __sxtb16(wv), w13 = ed_sxtb16_ror8(wv);
    a[0] = __smlabb(w02, x02, a[0]);
    a[2] = __smlatt(w02, x02, a[2]);
    a[1] = __smlabb(w13, x13, a[1]);
    a[3] = __smlatt(w13, x13, a[3]);
}

/* a full 3x3 window (interior pixels of the usual 3x3 layers): the 9 taps unrolled, no loop
 * control; xs = x_step, ws = out_c (column steps), yr/wr row steps */
static inline __attribute__((always_inline)) void win3x3(const int8_t *x, const int8_t *w,
                                                         int32_t xs, int32_t ws, int32_t yr,
                                                         int32_t wr, uint32_t off2, int32_t a[4]) {
    for (int i = 0; i < 3; ++i, x += yr, w += wr) {
        tap4(x, w, off2, a);
        tap4(x + xs, w + ws, off2, a);
        tap4(x + 2 * xs, w + 2 * ws, off2, a);
    }
}

void ed_depthwise_conv(const ed_depthwise_conv_params_t *p, const int8_t *input, int8_t *output) {
    const int32_t off = p->input_offset, dm = p->depth_multiplier;
    const uint32_t off2 = ed_dup16(off);
    const int32_t simd_c = dm == 1 ? (p->in_c & ~3) : 0;   /* channels done 4 at a time */
    const int32_t row = p->in_w * p->in_c;
    const int32_t x_step = p->dil_w * p->in_c, y_step = p->dil_h * row, w_row = p->k_w * p->out_c;
    const int32_t zp = p->output_offset, lo = p->act_min, hi = p->act_max, out_c = p->out_c;
    const int32_t *bias = p->bias, *mult = p->multiplier;
    const int8_t *shift = p->shift, *filter = p->filter;
    const int right = ed_right_requant_ok(mult, shift, out_c);
    int8_t *out = output;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t y0 = oy * p->stride_h - p->pad_h;
        int32_t ky0, ky1;
        valid_range(y0, p->k_h, p->dil_h, p->in_h, &ky0, &ky1);
        for (int32_t ox = 0; ox < p->out_w; ++ox, out += p->out_c) {
            const int32_t x0 = ox * p->stride_w - p->pad_w;
            int32_t kx0, kx1;
            valid_range(x0, p->k_w, p->dil_w, p->in_w, &kx0, &kx1);
            const int32_t nky = ky1 - ky0, nkx = kx1 - kx0;
            const int full3x3 = nky == 3 && nkx == 3;   /* implies k_h == k_w == 3 */
            const int8_t *x_first = input + (y0 + ky0 * p->dil_h) * row + (x0 + kx0 * p->dil_w) * p->in_c;
            const int8_t *w_first = filter + (ky0 * p->k_w + kx0) * out_c;
            for (int32_t c = 0; c < simd_c; c += 4) {
                int32_t a[4] = {0, 0, 0, 0};
                if (bias) {
                    a[0] = bias[c];
                    a[1] = bias[c + 1];
                    a[2] = bias[c + 2];
                    a[3] = bias[c + 3];
                }
                const int8_t *xr = x_first + c, *wr = w_first + c;
                if (full3x3) {
                    win3x3(xr, wr, x_step, out_c, y_step, w_row, off2, a);
                } else {
                    for (int32_t i = 0; i < nky; ++i, xr += y_step, wr += w_row) {
                        const int8_t *xp = xr, *wp = wr;
                        for (int32_t j = 0; j < nkx; ++j, xp += x_step, wp += out_c)
                            tap4(xp, wp, off2, a);
                    }
                }
                const int32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
                int8_t o0, o1, o2, o3;
                if (right) {
                    o0 = clamp8(rq_right(a0, mult[c], shift[c]) + zp, lo, hi);
                    o1 = clamp8(rq_right(a1, mult[c + 1], shift[c + 1]) + zp, lo, hi);
                    o2 = clamp8(rq_right(a2, mult[c + 2], shift[c + 2]) + zp, lo, hi);
                    o3 = clamp8(rq_right(a3, mult[c + 3], shift[c + 3]) + zp, lo, hi);
                } else {
                    o0 = requant(a0, mult[c], shift[c], zp, lo, hi);
                    o1 = requant(a1, mult[c + 1], shift[c + 1], zp, lo, hi);
                    o2 = requant(a2, mult[c + 2], shift[c + 2], zp, lo, hi);
                    o3 = requant(a3, mult[c + 3], shift[c + 3], zp, lo, hi);
                }
                out[c] = o0;
                out[c + 1] = o1;
                out[c + 2] = o2;
                out[c + 3] = o3;
            }
            for (int32_t ic = simd_c / dm; ic < p->in_c; ++ic) {
                for (int32_t m = 0; m < dm; ++m) {
                    const int32_t oc = ic * dm + m;
                    int32_t acc = bias ? bias[oc] : 0;
                    for (int32_t ky = ky0; ky < ky1; ++ky) {
                        const int32_t iy = y0 + ky * p->dil_h;
                        for (int32_t kx = kx0; kx < kx1; ++kx) {
                            const int32_t ix = x0 + kx * p->dil_w;
                            const int32_t x = input[(iy * p->in_w + ix) * p->in_c + ic];
                            acc += (int32_t)filter[(ky * p->k_w + kx) * out_c + oc] * (x + off);
                        }
                    }
                    out[oc] = requant(acc, mult[oc], shift[oc], zp, lo, hi);
                }
            }
        }
    }
}
