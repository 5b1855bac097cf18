/* DEPTHWISE_CONV_2D, Helium (MVE) variant: bit-exact with reference/depthwise_conv.c.
 *
 * Depth multiplier 1: eight channels c..c+7 per step. Per tap, one VLDRB.S16 of the inputs and
 * one of the weights (int16 lanes), VADD of the input offset, then VMULLB / VMULLT multiply the
 * even / odd int16 lanes into two int32x4 accumulators:
 *   acc_e = channels (c, c+2, c+4, c+6), acc_o = channels (c+1, c+3, c+5, c+7)
 * (MVE has no lane-wise multiply-accumulate by a vector; VMULL + VADD is two instructions for
 * four MACs). Bias, multiplier and shift are gathered in the same even / odd lane order,
 * requantization is requant_mve.h's (exact; its shorter form when every shift is a right
 * shift), and VQMOVNB / VQMOVNT interleave the two results back into channel order for one
 * narrowing byte store. The last group of a channel count that
 * is not a multiple of 8 runs predicated (inactive lanes neither load nor store).
 * The window is clipped once per pixel (closed form), so the taps run over valid taps only
 * (TFLM's padding skip); a full 3x3 window is unrolled.
 * Ranges: x + offset in [-255, 255] (offset in [-127, 128]) fits int16; w in [-128, 127];
 * each product |.| <= 32640 is exact in int32 and |acc| <= k_h * k_w * 128 * 255 as in the
 * reference (only the order of integer additions differs).
 * Other depth multipliers take the plain scalar loop (requant_dsp.h's exact requantization). */
#include "depthwise_conv.h"
#include "requant_dsp.h"
#include "requant_mve.h"
#include "window.h"

/* Constants of a call, copied out of the params once (int8 stores may alias `p`). */
typedef struct {
    const int32_t *bias, *mult;
    const int8_t *shift;
    int32_t off, zp, lo, hi;
    int32_t x_step, y_step, w_row, out_c;   /* tap steps in input / filter bytes */
} dw_t;

/* one tap of 8 channels; `tail`: predicated by p (a compile-time choice after inlining). The
 * unpredicated tap is written in assembly: GCC 12 hoists the loads of the unrolled 3x3 window
 * and spills MVE's 8 Q registers; in this order a tap needs 5 of them and 7 instructions. */
static inline __attribute__((always_inline)) void tap8(const int8_t *xp, const int8_t *wp,
                                                       int32_t off, int tail, mve_pred16_t p,
                                                       int32x4_t *ae, int32x4_t *ao) {
    if (tail) {
        const int16x8_t x = vaddq_n_s16(vldrbq_z_s16(xp, p), (int16_t)off);
        const int16x8_t w = vldrbq_z_s16(wp, p);
        *ae = vaddq_s32(*ae, vmullbq_int_s16(x, w));
        *ao = vaddq_s32(*ao, vmulltq_int_s16(x, w));
        return;
    }
    int32x4_t e = *ae, o = *ao, prod;
    int16x8_t x, w;
    __asm__("vldrb.s16  %q[x], [%[xp]]\n\t"
            "vldrb.s16  %q[w], [%[wp]]\n\t"
            "vadd.i16   %q[x], %q[x], %[off]\n\t"
            "vmullb.s16 %q[prod], %q[x], %q[w]\n\t"
            "vadd.i32   %q[e], %q[e], %q[prod]\n\t"
            "vmullt.s16 %q[prod], %q[x], %q[w]\n\t"
            "vadd.i32   %q[o], %q[o], %q[prod]"
            : [e] "+w"(e), [o] "+w"(o), [x] "=&w"(x), [w] "=&w"(w), [prod] "=&w"(prod)
            : [xp] "r"(xp), [wp] "r"(wp), [off] "r"(off)
            : "memory");
    *ae = e;
    *ao = o;
}

/* channels c..c+7 (the first n of them when tail) of one output pixel; `right`: every shift
 * is in [-31, -1] (ed_right_shifts) */
static inline __attribute__((always_inline)) void group8(const dw_t *d, const int8_t *x,
                                                         const int8_t *w, int32_t nky,
                                                         int32_t nkx, int32_t c, int8_t *out,
                                                         int right, int tail, int32_t n) {
    const uint32x4_t ev = vidupq_n_u32(0, 2), od = vidupq_n_u32(1, 2);   /* 0,2,4,6 / 1,3,5,7 */
    const mve_pred16_t p = tail ? vctp16q((uint32_t)n) : 0;
    const mve_pred16_t pe = tail ? vctp32q((uint32_t)(n + 1) >> 1) : 0;
    const mve_pred16_t po = tail ? vctp32q((uint32_t)n >> 1) : 0;
    int32x4_t ae = vdupq_n_s32(0), ao = ae;
    if (d->bias) {
        ae = tail ? vldrwq_gather_shifted_offset_z_s32(d->bias + c, ev, pe)
                  : vldrwq_gather_shifted_offset_s32(d->bias + c, ev);
        ao = tail ? vldrwq_gather_shifted_offset_z_s32(d->bias + c, od, po)
                  : vldrwq_gather_shifted_offset_s32(d->bias + c, od);
    }
    x += c;
    w += c;
    if (nky == 3 && nkx == 3) {          /* implies k_h == k_w == 3 */
        for (int i = 0; i < 3; ++i, x += d->y_step, w += d->w_row) {
            tap8(x, w, d->off, tail, p, &ae, &ao);
            tap8(x + d->x_step, w + d->out_c, d->off, tail, p, &ae, &ao);
            tap8(x + 2 * d->x_step, w + 2 * d->out_c, d->off, tail, p, &ae, &ao);
        }
    } else {
        for (int32_t i = 0; i < nky; ++i, x += d->y_step, w += d->w_row) {
            const int8_t *xp = x, *wp = w;
            for (int32_t j = 0; j < nkx; ++j, xp += d->x_step, wp += d->out_c)
                tap8(xp, wp, d->off, tail, p, &ae, &ao);
        }
    }
    const int32x4_t me = tail ? vldrwq_gather_shifted_offset_z_s32(d->mult + c, ev, pe)
                              : vldrwq_gather_shifted_offset_s32(d->mult + c, ev);
    const int32x4_t mo = tail ? vldrwq_gather_shifted_offset_z_s32(d->mult + c, od, po)
                              : vldrwq_gather_shifted_offset_s32(d->mult + c, od);
    const int32x4_t se = tail ? vldrbq_gather_offset_z_s32(d->shift + c, ev, pe)
                              : vldrbq_gather_offset_s32(d->shift + c, ev);
    const int32x4_t so = tail ? vldrbq_gather_offset_z_s32(d->shift + c, od, po)
                              : vldrbq_gather_offset_s32(d->shift + c, od);
    const int32x4_t re = right ? ed_mbqm_mve_right(ae, me, se) : ed_mbqm_mve(ae, me, se);
    const int32x4_t ro = right ? ed_mbqm_mve_right(ao, mo, so) : ed_mbqm_mve(ao, mo, so);
    const int16x8_t r = ed_pack_mve(re, ro, d->zp, d->lo, d->hi);
    if (tail)
        vstrbq_p_s16(out + c, r, p);
    else
        vstrbq_s16(out + c, r);
}

/* depth multiplier > 1: the reference loop over the clipped window */
static void dw_plain(const ed_depthwise_conv_params_t *p, const int8_t *input, int8_t *output) {
    const int32_t dm = p->depth_multiplier, off = p->input_offset;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t y0 = oy * p->stride_h - p->pad_h;
        int32_t ky0, ky1;
        ed_valid_range(y0, p->k_h, p->dil_h, p->in_h, &ky0, &ky1);
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
            const int32_t x0 = ox * p->stride_w - p->pad_w;
            int32_t kx0, kx1;
            ed_valid_range(x0, p->k_w, p->dil_w, p->in_w, &kx0, &kx1);
            int8_t *out = output + ((int64_t)oy * p->out_w + ox) * p->out_c;
            for (int32_t oc = 0; oc < p->out_c; ++oc) {
                const int32_t ic = oc / dm;
                int32_t acc = p->bias ? p->bias[oc] : 0;
                for (int32_t ky = ky0; ky < ky1; ++ky) {
                    const int32_t iy = y0 + ky * p->dil_h;
                    for (int32_t kx = kx0; kx < kx1; ++kx) {
                        const int32_t ix = x0 + kx * p->dil_w;
                        const int32_t x = input[((int64_t)iy * p->in_w + ix) * p->in_c + ic];
                        acc += (int32_t)p->filter[(ky * p->k_w + kx) * p->out_c + oc] * (x + off);
                    }
                }
                acc = ed_mbqm_dsp(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
                out[oc] = (int8_t)(acc < p->act_min ? p->act_min
                                                    : (acc > p->act_max ? p->act_max : acc));
            }
        }
    }
}

void ed_depthwise_conv(const ed_depthwise_conv_params_t *p, const int8_t *input, int8_t *output) {
    if (p->depth_multiplier != 1) {
        dw_plain(p, input, output);
        return;
    }
    const int32_t in_c = p->in_c, row = p->in_w * in_c, full = in_c & ~7, rest = in_c - full;
    const dw_t d = {p->bias, p->multiplier, p->shift, p->input_offset, p->output_offset,
                    p->act_min, p->act_max, p->dil_w * in_c, p->dil_h * row, p->k_w * in_c, in_c};
    const int8_t *filter = p->filter;
    const int right = ed_right_shifts(p->shift, in_c);
    int8_t *out = output;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t y0 = oy * p->stride_h - p->pad_h;
        int32_t ky0, ky1;
        ed_valid_range(y0, p->k_h, p->dil_h, p->in_h, &ky0, &ky1);
        for (int32_t ox = 0; ox < p->out_w; ++ox, out += in_c) {
            const int32_t x0 = ox * p->stride_w - p->pad_w;
            int32_t kx0 = 0, kx1 = p->k_w;   /* the closed form (divisions) at the borders only */
            if (x0 < 0 || x0 + (p->k_w - 1) * p->dil_w >= p->in_w)
                ed_valid_range(x0, p->k_w, p->dil_w, p->in_w, &kx0, &kx1);
            const int8_t *x = input + (y0 + ky0 * p->dil_h) * row + (x0 + kx0 * p->dil_w) * in_c;
            const int8_t *w = filter + (ky0 * p->k_w + kx0) * in_c;
            const int32_t nky = ky1 - ky0, nkx = kx1 - kx0;
            if (right) {
                for (int32_t c = 0; c < full; c += 8) group8(&d, x, w, nky, nkx, c, out, 1, 0, 8);
                if (rest) group8(&d, x, w, nky, nkx, full, out, 1, 1, rest);
            } else {
                for (int32_t c = 0; c < full; c += 8) group8(&d, x, w, nky, nkx, c, out, 0, 0, 8);
                if (rest) group8(&d, x, w, nky, nkx, full, out, 0, 1, rest);
            }
        }
    }
}
