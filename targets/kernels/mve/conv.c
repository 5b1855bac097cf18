/* CONV_2D, Helium (MVE) variant: same contract and bit-exact results as reference/conv.c.
 *
 * Dot products over raw int8 lanes. The input offset would make x + offset 9-bit, so each
 * output is computed as
 *     sum_k w[k] * x[k] + offset * sum_k w[k]                       (k over the whole window)
 * with VMLADAVA.S8 (w * x, 16 lanes summed into a scalar) and VADDVA.S8 (sum of w). A padded
 * tap takes x = the input zero point -offset (a VDUP vector, or the padding of a stack window):
 * it adds w * (-offset) + offset * w = 0, i.e. TFLM's padding skip, and so the sum of w runs
 * over every tap and is shared by every pixel.
 * Blocks of 2 pixels (q, q+1 in raster order; the odd last pixel is paired with itself) x 2
 * output channels (an odd last channel is paired with itself): per 16 k, 2 loads of x, 2 of w,
 * 4 VMLADAVA and 2 VADDVA for 64 MACs. A segment length that is not a multiple of 16 ends with
 * predicated loads (inactive lanes read nothing and are zero: they add nothing).
 * The windows are read in place as contiguous segments: with dil_w == 1 a window row (k_w * in_c
 * bytes, in the input and in the filter alike; with in_c % 16 == 0 one loop of whole steps per
 * row), and at the borders the runs of a row over which each pixel stays inside (or in the
 * padding); with dil_w > 1 one tap (in_c bytes). When in_c < 16 and the window has more than
 * one tap, both windows are first copied to the arena scratch (2 * K <= 2 * MAX_WIN bytes,
 * padding as the zero point) so that each is a single segment.
 * Ranges: |w * x| <= 2^14 and |offset * w| <= 2^14 per k, so every partial sum is exact in
 * int32 for K = k_h * k_w * in_c <= 2^16, and the total is the reference's integer (only the
 * order of integer additions differs). Requantization: the 2x2 block as one vector, lanes
 * (pixel a, pixel b) x (channel 0, channel 1), per-channel constants gathered and the 4 bytes
 * scattered (requant_mve.h, exact; its shorter form when every shift is a right shift).
 * Grouped convs take a plain loop: one pixel, one channel, a VMLADAVA dot per valid tap, and
 * requant_dsp.h's scalar requantization.
 *
 * Memory overlap (planner, overlap.py): pixel q's outputs may overwrite input only where no
 * window of a pixel >= q reads. Pixel q's outputs are written as they are computed; pixel q+1's
 * go to a scratch copy (out_c <= MAX_OUT, else q+1 is left for the next block) and out after the
 * whole block, since they may overwrite input that pixel q's window still reads.
 *
 * Scratch (p->scratch, conv_scratch.h): the two windows, or pixel q+1's outputs; both sizes
 * are bounded by MAX_WIN and MAX_OUT, so that a layer past them reads in place instead. */
#include <string.h>

#include "conv.h"
#include "requant_dsp.h"
#include "requant_mve.h"
#include "window.h"

#define MAX_WIN ED_MVE_CONV_MAX_WIN      /* bytes per scratch window (in_c < 16 only) */
#define MAX_OUT ED_MVE_CONV_MAX_OUT      /* bytes of pixel q+1's outputs in the scratch */
#define ROWS16 (-1)                      /* channels(): window rows of whole 16-byte steps */

/* call constants, copied out of the params once (int8 stores may alias `p`) */
typedef struct {
    const int8_t *filter;
    const int32_t *bias, *mult;
    const int8_t *shift;
    int32_t off, zp, lo, hi, K, out_c, right;
} cv_t;

/* one 2x2 block: pixels a, b x channels 0, 1; z = sums of w */
typedef struct {
    int32_t a0, a1, b0, b1, z0, z1;
} acc_t;

/* one 16-byte step of the 2x2 block: both windows against both rows, and the rows' sums */
static inline __attribute__((always_inline)) void mac2x2(int8x16_t va, int8x16_t vb, int8x16_t v0,
                                                         int8x16_t v1, int32_t *a0, int32_t *a1,
                                                         int32_t *b0, int32_t *b1, int32_t *z0,
                                                         int32_t *z1) {
    *a0 = vmladavaq_s8(*a0, v0, va);
    *b0 = vmladavaq_s8(*b0, v0, vb);
    *z0 = vaddvaq_s8(*z0, v0);
    *a1 = vmladavaq_s8(*a1, v1, va);
    *b1 = vmladavaq_s8(*b1, v1, vb);
    *z1 = vaddvaq_s8(*z1, v1);
}

/* n bytes of both windows (xa, xb) against both filter rows (w0, w1); pa / pb: 0 for a padded
 * segment, which takes the zero point instead of loads (compile-time after inlining) */
static inline __attribute__((always_inline)) void seg(const int8_t *xa, const int8_t *xb,
                                                      const int8_t *w0, const int8_t *w1,
                                                      int32_t n, int pa, int pb, int8x16_t zpv,
                                                      acc_t *s) {
    int32_t a0 = s->a0, a1 = s->a1, b0 = s->b0, b1 = s->b1, z0 = s->z0, z1 = s->z1;
    for (; n >= 16; n -= 16, xa += 16, xb += 16, w0 += 16, w1 += 16) {
        const int8x16_t va = pa ? vldrbq_s8(xa) : zpv, vb = pb ? vldrbq_s8(xb) : zpv;
        const int8x16_t v0 = vldrbq_s8(w0), v1 = vldrbq_s8(w1);
        mac2x2(va, vb, v0, v1, &a0, &a1, &b0, &b1, &z0, &z1);
    }
    if (n > 0) {
        const mve_pred16_t p = vctp8q((uint32_t)n);
        const int8x16_t va = pa ? vldrbq_z_s8(xa, p) : zpv, vb = pb ? vldrbq_z_s8(xb, p) : zpv;
        const int8x16_t v0 = vldrbq_z_s8(w0, p), v1 = vldrbq_z_s8(w1, p);
        mac2x2(va, vb, v0, v1, &a0, &a1, &b0, &b1, &z0, &z1);
    }
    *s = (acc_t){a0, a1, b0, b1, z0, z1};
}

/* seg() for windows of `rows` segments of 16 * steps bytes each, y_step apart in the input
 * and back to back in the filter: one loop of whole steps per row, no tails (in_c % 16 == 0) */
static inline __attribute__((always_inline)) void seg16(const int8_t *xa, const int8_t *xb,
                                                        const int8_t *w0, const int8_t *w1,
                                                        int32_t rows, int32_t steps,
                                                        int32_t y_step, acc_t *s) {
    int32_t a0 = 0, a1 = 0, b0 = 0, b1 = 0, z0 = 0, z1 = 0;
    const int32_t jump = y_step - 16 * steps;
    for (int32_t r = rows; r > 0; --r, xa += jump, xb += jump) {
        for (int32_t j = steps; j > 0; --j, xa += 16, xb += 16, w0 += 16, w1 += 16) {
            const int8x16_t va = vldrbq_s8(xa), vb = vldrbq_s8(xb);
            const int8x16_t v0 = vldrbq_s8(w0), v1 = vldrbq_s8(w1);
            mac2x2(va, vb, v0, v1, &a0, &a1, &b0, &b1, &z0, &z1);
        }
    }
    *s = (acc_t){a0, a1, b0, b1, z0, z1};
}

/* the window of one pixel: top-left input position and the valid tap ranges */
typedef struct {
    int32_t y0, x0, ky0, ky1, kx0, kx1;
} win_t;

static inline win_t window(const ed_conv_params_t *p, int32_t q) {
    win_t w;
    w.y0 = (q / p->out_w) * p->stride_h - p->pad_h;
    w.x0 = (q % p->out_w) * p->stride_w - p->pad_w;
    ed_valid_range(w.y0, p->k_h, p->dil_h, p->in_h, &w.ky0, &w.ky1);
    ed_valid_range(w.x0, p->k_w, p->dil_w, p->in_w, &w.kx0, &w.kx1);
    return w;
}

/* seg() with the padding flags as run-time values */
static inline void seg_any(const int8_t *xa, const int8_t *xb, const int8_t *w0, const int8_t *w1,
                           int32_t n, int va, int vb, int8x16_t zpv, acc_t *s) {
    if (va && vb)
        seg(xa, xb, w0, w1, n, 1, 1, zpv, s);
    else if (va)
        seg(xa, 0, w0, w1, n, 1, 0, zpv, s);
    else if (vb)
        seg(0, xb, w0, w1, n, 0, 1, zpv, s);
    else
        seg(0, 0, w0, w1, n, 0, 0, zpv, s);
}

/* the first k > kx at which a run [lo, hi) starts or ends, at most end */
static inline int32_t next_edge(int32_t kx, int32_t lo, int32_t hi, int32_t end) {
    if (lo > kx && lo < end) end = lo;
    if (hi > kx && hi < end) end = hi;
    return end;
}

/* the 2x2 block's sums over windows that reach into the padding, read in place: per window
 * row, with dil_w == 1, maximal runs of taps over which each pixel stays inside (or outside)
 * the input are one segment each (at most 5 per row, usually 1 or 2); else one tap each */
static void dot_inplace(const ed_conv_params_t *p, const int8_t *input, const win_t *A,
                        const win_t *B, const int8_t *w0, const int8_t *w1, int8x16_t zpv,
                        acc_t *s) {
    const int32_t in_c = p->in_c, k_w = p->k_w, row_w = k_w * in_c, row = p->in_w * in_c;
    const int32_t x_step = p->dil_w * in_c;
    for (int32_t ky = 0; ky < p->k_h; ++ky, w0 += row_w, w1 += row_w) {
        const int ya = ky >= A->ky0 && ky < A->ky1, yb = ky >= B->ky0 && ky < B->ky1;
        const int8_t *ra = input + (A->y0 + ky * p->dil_h) * row + A->x0 * in_c;
        const int8_t *rb = input + (B->y0 + ky * p->dil_h) * row + B->x0 * in_c;
        const int32_t a0 = ya ? A->kx0 : 0, a1 = ya ? A->kx1 : 0;   /* [a0, a1): A inside */
        const int32_t b0 = yb ? B->kx0 : 0, b1 = yb ? B->kx1 : 0;
        for (int32_t kx = 0, end; kx < k_w; kx = end) {
            end = p->dil_w == 1 ? next_edge(kx, b0, b1, next_edge(kx, a0, a1, k_w)) : kx + 1;
            seg_any(ra + kx * x_step, rb + kx * x_step, w0 + kx * in_c, w1 + kx * in_c,
                    (end - kx) * in_c, kx >= a0 && kx < a1, kx >= b0 && kx < b1, zpv, s);
        }
    }
}

/* n bytes from src (NULL: the value v in every byte) to dst, 16 per predicated store */
static inline void copy_bytes(int8_t *dst, const int8_t *src, int8x16_t v, int32_t n) {
    for (; n > 0; n -= 16, dst += 16) {
        const mve_pred16_t p = vctp8q((uint32_t)n);
        if (src) {
            v = vldrbq_z_s8(src, p);
            src += 16;
        }
        vstrbq_p_s8(dst, v, p);
    }
}

/* the window of pixel W as K contiguous int8 bytes, padding as the zero point: one copy per
 * window row inside the input (dil_w == 1), else one per tap */
static void copy_window(const ed_conv_params_t *p, const int8_t *input, const win_t *W,
                        int8x16_t zpv, int8_t *dst) {
    const int32_t in_c = p->in_c, row_w = p->k_w * in_c;
    for (int32_t ky = 0; ky < p->k_h; ++ky, dst += row_w) {
        const int ok = ky >= W->ky0 && ky < W->ky1;
        const int8_t *r = input + ((W->y0 + ky * p->dil_h) * p->in_w + W->x0) * in_c;
        if (ok && p->dil_w == 1 && W->kx0 == 0 && W->kx1 == p->k_w) {
            copy_bytes(dst, r, zpv, row_w);
            continue;
        }
        for (int32_t kx = 0; kx < p->k_w; ++kx) {
            const int in = ok && kx >= W->kx0 && kx < W->kx1;
            copy_bytes(dst + kx * in_c, in ? r + kx * p->dil_w * in_c : 0, zpv, in_c);
        }
    }
}

/* scalar requantization of one output (grouped convs) */
static inline int8_t rq(const cv_t *c, int32_t acc, int32_t oc) {
    acc = ed_mbqm_dsp(acc, c->mult[oc], c->shift[oc]) + c->zp;
    return (int8_t)(acc < c->lo ? c->lo : (acc > c->hi ? c->hi : acc));
}

/* (x, y, x, y): VMOV Qd[2], Qd[0], Rt, Rt2 sets lanes 0 and 2 from two core registers in one
 * instruction (GCC 12 does not emit it); both get the same register here, so the result does
 * not depend on which of Rt, Rt2 goes to which lane */
static inline int32x4_t xyxy(int32_t x, int32_t y) {
    int32x4_t v;
    __asm__("vmov %q0[2], %q0[0], %1, %1\n\t"
            "vmov %q0[3], %q0[1], %2, %2"
            : "=&w"(v)
            : "r"(x), "r"(y));
    return v;
}

/* all output channels of pixels qa, qb (qb == qa: one pixel). `rows`: the windows are `rows`
 * segments (xa, xb, n), y_step apart (1: a single segment; ROWS16: n % 16 == 0, k_h rows);
 * 0: dot_inplace walks them. Each 2x2 block is requantized as one vector, lanes (a0, a1, b0,
 * b1): per-channel constants gathered at lane offsets (0, 1, 0, 1) from channel oc (or
 * (0, 0, 0, 0) for an odd last channel), the four bytes scattered to out_a + oc + (0, 1) and
 * out_b + oc + (0, 1). */
static inline __attribute__((always_inline)) void
channels(const ed_conv_params_t *p, const cv_t *c, const int8_t *input, const win_t *A,
         const win_t *B, int32_t rows, const int8_t *xa, const int8_t *xb, int32_t n,
         int32_t y_step, int8_t *out_a, int8_t *out_b) {
    const int32_t K = c->K, out_c = c->out_c, off = c->off, zp = c->zp, lo = c->lo, hi = c->hi;
    const int32_t *bias = c->bias, *mult = c->mult;
    const int8_t *shift = c->shift, *w0 = c->filter;
    const int right = c->right;
    const int8x16_t zpv = vdupq_n_s8((int8_t)(-off));
    const uint32x4_t idx = vidupq_n_u32(0, 1), zero = vdupq_n_u32(0);
    const uint32x4_t pair = vandq_u32(idx, vdupq_n_u32(1));                      /* 0,1,0,1 */
    const uint32x4_t to_b = vdupq_m_n_u32(zero, (uint32_t)(out_b - out_a), vcmpcsq_n_u32(idx, 2));
    for (int32_t oc = 0; oc < out_c; oc += 2, w0 += 2 * K) {
        const int two = oc + 1 < out_c;
        const int8_t *w1 = two ? w0 + K : w0;
        acc_t s = {0, 0, 0, 0, 0, 0};
        if (rows == ROWS16)
            seg16(xa, xb, w0, w1, p->k_h, n >> 4, y_step, &s);
        else if (rows == 1)
            seg(xa, xb, w0, w1, n, 1, 1, zpv, &s);
        else if (rows > 1)
            for (int32_t r = 0, dx = 0; r < rows; ++r, dx += y_step)
                seg(xa + dx, xb + dx, w0 + r * n, w1 + r * n, n, 1, 1, zpv, &s);
        else
            dot_inplace(p, input, A, B, w0, w1, zpv, &s);
        const uint32x4_t lane = two ? pair : zero;
        int32x4_t acc = vsetq_lane_s32(s.a1, vdupq_n_s32(s.a0), 1);
        acc = vsetq_lane_s32(s.b1, vsetq_lane_s32(s.b0, acc, 2), 3);
        acc = vmlaq_n_s32(acc, xyxy(s.z0, s.z1), off);     /* + offset * sum w */
        if (bias) acc = vaddq_s32(acc, vldrwq_gather_shifted_offset_s32(bias + oc, lane));
        const int32x4_t m = vldrwq_gather_shifted_offset_s32(mult + oc, lane);
        const int32x4_t sh = vldrbq_gather_offset_s32(shift + oc, lane);
        acc = vaddq_n_s32(right ? ed_mbqm_mve_right(acc, m, sh) : ed_mbqm_mve(acc, m, sh), zp);
        acc = vminq_s32(vmaxq_s32(acc, vdupq_n_s32(lo)), vdupq_n_s32(hi));
        vstrbq_scatter_offset_s32(out_a + oc, vaddq_u32(lane, to_b), acc);
    }
}

static inline int inside(const ed_conv_params_t *p, const win_t *W) {
    return W->ky0 == 0 && W->ky1 == p->k_h && W->kx0 == 0 && W->kx1 == p->k_w;
}

static void block(const ed_conv_params_t *p, const cv_t *c, const int8_t *input, int32_t qa,
                  int32_t qb, int8_t *out_a, int8_t *out_b, int8_t *win) {
    const win_t A = window(p, qa), B = window(p, qb);
    const int32_t in_c = p->in_c, row = p->in_w * in_c;
    if (win) {
        const int8x16_t zpv = vdupq_n_s8((int8_t)(-c->off));
        copy_window(p, input, &A, zpv, win);
        copy_window(p, input, &B, zpv, win + c->K);
        channels(p, c, input, &A, &B, 1, win, win + c->K, c->K, 0, out_a, out_b);
    } else if (p->dil_w == 1 && inside(p, &A) && inside(p, &B)) {
        const int8_t *xa = input + A.y0 * row + A.x0 * in_c, *xb = input + B.y0 * row + B.x0 * in_c;
        if (p->k_h == 1)                 /* one segment: 1 x k_w taps */
            channels(p, c, input, &A, &B, 1, xa, xb, c->K, 0, out_a, out_b);
        else if (in_c % 16 == 0)         /* whole steps, row by row */
            channels(p, c, input, &A, &B, ROWS16, xa, xb, p->k_w * in_c, p->dil_h * row, out_a,
                     out_b);
        else
            channels(p, c, input, &A, &B, p->k_h, xa, xb, p->k_w * in_c, p->dil_h * row, out_a,
                     out_b);
    } else {
        channels(p, c, input, &A, &B, 0, 0, 0, 0, 0, out_a, out_b);
    }
}

/* grouped convs: one output at a time, a VMLADAVA dot (and sum of w) per valid tap */
static void conv_grouped(const ed_conv_params_t *p, const cv_t *c, const int8_t *input,
                         int8_t *output) {
    const int32_t fic = p->filter_in_c, out_per_group = p->out_c / (p->in_c / fic);
    for (int32_t q = 0; q < p->out_h * p->out_w; ++q) {
        const win_t W = window(p, q);
        for (int32_t oc = 0; oc < p->out_c; ++oc) {
            const int8_t *w = c->filter + (int64_t)oc * c->K;
            const int32_t group = oc / out_per_group;
            int32_t s = 0, z = 0;
            for (int32_t ky = W.ky0; ky < W.ky1; ++ky) {
                for (int32_t kx = W.kx0; kx < W.kx1; ++kx) {
                    const int32_t iy = W.y0 + ky * p->dil_h, ix = W.x0 + kx * p->dil_w;
                    const int8_t *x = input + (iy * p->in_w + ix) * p->in_c + group * fic;
                    const int8_t *wk = w + (ky * p->k_w + kx) * fic;
                    for (int32_t i = 0; i < fic; i += 16) {
                        const mve_pred16_t pr = vctp8q((uint32_t)(fic - i));
                        const int8x16_t wv = vldrbq_z_s8(wk + i, pr);
                        s = vmladavaq_s8(s, wv, vldrbq_z_s8(x + i, pr));
                        z = vaddvaq_s8(z, wv);
                    }
                }
            }
            const int32_t acc = s + c->off * z + (c->bias ? c->bias[oc] : 0);
            output[(int64_t)q * p->out_c + oc] = rq(c, acc, oc);
        }
    }
}

void ed_conv(const ed_conv_params_t *p, const int8_t *input, int8_t *output) {
    const cv_t c = {p->filter, p->bias, p->multiplier, p->shift, p->input_offset, p->output_offset,
                    p->act_min, p->act_max, p->k_h * p->k_w * p->filter_in_c, p->out_c,
                    ed_right_shifts(p->shift, p->out_c)};
    if (p->filter_in_c != p->in_c) {
        conv_grouped(p, &c, input, output);
        return;
    }
    const int32_t n = p->out_h * p->out_w, out_c = p->out_c;
    const int use_win = ED_MVE_CONV_USE_WIN(p->k_h, p->k_w, p->in_c);
    const int pairs = use_win || out_c <= MAX_OUT;
    int8_t *const win = p->scratch, *const out_b = p->scratch;   /* one or the other */
    for (int32_t q = 0; q < n; q += pairs ? 2 : 1) {
        const int32_t qb = pairs && q + 1 < n ? q + 1 : q;
        int8_t *out_a = output + (int64_t)q * out_c;
        if (qb == q) {
            block(p, &c, input, q, q, out_a, out_a, use_win ? win : 0);
        } else if (use_win) {            /* both windows are on the stack first */
            block(p, &c, input, q, qb, out_a, out_a + out_c, win);
        } else {
            block(p, &c, input, q, qb, out_a, out_b, 0);
            memcpy(out_a + out_c, out_b, (size_t)out_c);
        }
    }
}
