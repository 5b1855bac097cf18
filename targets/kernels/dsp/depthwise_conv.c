/* DEPTHWISE_CONV_2D, ARMv7E-M DSP variant: bit-exact with reference/depthwise_conv.c.
 *
 * Plane path (plane3x3 below): 3x3 layers with dilation 1, depth multiplier 1, in_c % 4 == 0,
 * the full activation range, rq_fast's requantization, a band within PLANE_BAND_BYTES, and
 * input and output apart or overlapping by a multiple of in_c (the MLPerf Tiny depthwise
 * layers): one or two channel groups of 4 at a time over the whole image, inputs and weights
 * widened to int16 pairs once into tables in the arena scratch (depthwise_conv_scratch.h), so the 9
 * taps of any pixel, border or not, run as LDRD / LDRD / 4 SMLAxy with immediate offsets
 * (84 instructions for 36 MACs, requantization included, in assembly).
 *
 * Pixel path, everything else: with depth multiplier 1, four channels per step: one 32-bit
 * load of 4 inputs and one of 4 weights per tap, widened to int16 pairs with the input offset
 * folded in (SXTAB16), then SMLABB/SMLATT accumulate each channel on its own. The window is
 * clipped once per pixel (closed form), so the tap loops run only over valid taps: TFLM's
 * padding skip, no tests in the loop. The channel tail and depth multiplier > 1 take the plain
 * loop. Pixels are written in raster order, each after its whole window is read.
 *
 * Accumulators start from the bias. Requantization is rq_fast below when every channel allows
 * it (one SMMLAR and three ALU instructions), else requant_dsp.h's (exact).
 * Ranges: x + offset in [-255, 255], w in [-128, 127]; |acc| <= k_h * k_w * 128 * 255 + |bias|,
 * exact in int32 as in the reference (only the order of integer additions differs). */
#include <string.h>

#include "depthwise_conv.h"
#include "requant_dsp.h"
#include "simd.h"
#include "window.h"

static inline int8_t clamp8(int32_t v, int32_t lo, int32_t hi) {
    return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
}

/* acc already holds the bias; zp/lo/hi are locals of the caller (int8 stores may alias `p`) */
static inline int8_t requant(int32_t acc, int32_t m, int32_t shift, int32_t zp, int32_t lo,
                             int32_t hi) {
    return clamp8(ed_mbqm_dsp(acc, m, shift) + zp, lo, hi);
}

/* (acc << 32) + a * b + 2^31, high word (SMMLAR) */
static inline int32_t smmlar(int32_t a, int32_t b, int32_t acc) {
    int32_t r;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}

/* Requantization plus output zero point, exact when (checked once per call, fast_rq_ok):
 * m in (2^30, 2^31), e = -shift in [1, 22], |x| < 2^30, zp in [-128, 127]. With
 * e1 = e - 1 = ~shift and half = (2 zp + 1) * 2^e1, the result is rq_fast(...) >> 1;
 * rq_fast2 takes 2x (an accumulator of doubled weights and bias).
 * requant_dsp.h: SRDHM(x, m) = floor((x m + 2^30) / 2^31) = floor((2x m + 2^31) / 2^32), which
 * SMMLAR computes exactly (2x fits: |x| < 2^30); its sign is x's (m > 2^30), so RDBPOT gives
 * floor((SRDHM - [x < 0] + 2^e1) / 2^e); adding zp * 2^e inside the floor adds zp, and
 * floor(floor(v / 2^e1) / 2) = floor(v / 2^e) (the final halving is SSAT's ASR #1). SMMLAR
 * adds `half` to the high word: |SRDHM| < 2^30 and |half| < 2^29, so no sum wraps. */
static inline int32_t rq_fast2(int32_t x2, int32_t m, int32_t half, int32_t e1) {
    return (smmlar(x2, m, half) + (x2 >> 31)) >> e1;   /* x2 = 2x: same sign as x */
}

static inline int32_t rq_fast(int32_t x, int32_t m, int32_t half, int32_t e1) {
    return rq_fast2((int32_t)((uint32_t)x << 1), m, half, e1);
}

/* clamp(v >> 1) to [-128, 127] in one instruction */
static inline int32_t ssat8_half(int32_t v) {
    int32_t r;
    __asm__("ssat %0, #8, %1, asr #1" : "=r"(r) : "r"(v));
    return r;
}

static inline int fast_rq_ok(const ed_depthwise_conv_params_t *p) {
    const int32_t taps = p->k_h * p->k_w;
    if (taps > 4096 || p->output_offset < -128 || p->output_offset > 127) return 0;
    const int32_t bmax = (1 << 30) - 1 - taps * 128 * 255;   /* |acc| < 2^30 */
    for (int32_t i = 0; i < p->out_c; ++i) {
        if (p->shift[i] > -1 || p->shift[i] < -22 || p->multiplier[i] <= (1 << 30)) return 0;
        if (p->bias && (p->bias[i] > bmax || p->bias[i] < -bmax)) return 0;
    }
    return 1;
}

/* Constants of a call, copied out of the params once (int8 stores may alias `p`). */
typedef struct {
    const int32_t *bias, *mult;
    const int8_t *shift;
    int32_t zp21, lo, hi;          /* zp21 = 2 * output_offset + 1 (rq_fast's half) */
    int32_t c_step, y_step, w_row; /* next tap column / row in the input, next filter row */
} dw_t;

/* 4 outputs of rq_fast; `full`: act range [-128, 127], where SSAT alone clamps */
static inline __attribute__((always_inline)) void store4(const dw_t *d, const int32_t a[4],
                                                         int32_t c, int8_t *out, int full) {
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) {
        const int32_t e1 = ~(int32_t)d->shift[c + i];
        const int32_t v = rq_fast(a[i], d->mult[c + i], (int32_t)((uint32_t)d->zp21 << e1), e1);
        out[c + i] = (int8_t)(full ? ssat8_half(v) : clamp8(v >> 1, d->lo, d->hi));
    }
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

/* One pixel of the pixel path, channel groups c < simd_c, rq_fast: nky x nkx valid taps from
 * x0 / w0 (the first valid tap) on a local copy of *dp (which the int8 output stores cannot
 * alias); `full` (act range [-128, 127]) constant after inlining. */
static inline __attribute__((always_inline)) void pixel4(const dw_t *dp, const int8_t *x0,
                                                         const int8_t *w0, int32_t nky,
                                                         int32_t nkx, int32_t simd_c,
                                                         int32_t out_c, uint32_t off2,
                                                         int8_t *out, int full) {
    const dw_t d = *dp;
    for (int32_t c = 0; c < simd_c; c += 4) {
        int32_t a[4] = {0, 0, 0, 0};
        if (d.bias) {
            a[0] = d.bias[c];
            a[1] = d.bias[c + 1];
            a[2] = d.bias[c + 2];
            a[3] = d.bias[c + 3];
        }
        const int8_t *xr = x0 + c, *wr = w0 + c;
        for (int32_t i = 0; i < nky; ++i, xr += d.y_step, wr += d.w_row) {
            const int8_t *xp = xr, *wp = wr;
            for (int32_t j = 0; j < nkx; ++j, xp += d.c_step, wp += out_c) tap4(xp, wp, off2, a);
        }
        store4(&d, a, c, out, full);
    }
}

static void __attribute__((noinline)) pixel_fast(const dw_t *dp, const int8_t *x0,
                                                 const int8_t *w0, int32_t nky, int32_t nkx,
                                                 int32_t simd_c, int32_t out_c, uint32_t off2,
                                                 int8_t *out, int full) {
    if (full)
        pixel4(dp, x0, w0, nky, nkx, simd_c, out_c, off2, out, 1);
    else
        pixel4(dp, x0, w0, nky, nkx, simd_c, out_c, off2, out, 0);
}

/* Plane path (3x3, dilation 1, depth multiplier 1, in_c % 4 == 0, rq_fast, full act range):
 * G channel groups of 4 at a time (G = 2 on narrow images, halving the per-row work; else 1)
 * over the whole image. The groups' 9 weight words are widened once per call, and every input
 * row once per group (x + offset, SXTAB16) into a band of 3 row slots (input row iy in slot
 * iy mod 3): per column and slot, G (x02, x13) word pairs; padding as 0 words (w * 0 adds
 * nothing: TFLM's padding skip). wt[g][b] holds group g's weights, doubled (rq_fast2 takes
 * 2 acc), with their rows rotated to match the slots when the window's top row is in slot b. Every
 * pixel, border or not, then runs the same 9 taps with immediate offsets only: LDRD weights,
 * LDRD inputs and 4 SMLAxy per tap, 6 instructions per 4 MACs. */
#define PLANE_BAND_BYTES ED_DW_BAND_BYTES /* band: 3 slots * ncols * G * 8 B at most */

#define BTAP(K, J)                                                                                \
    "ldrd    %[w0], %[w1], [%[w], #" #K "]\n\t"                                                   \
    "ldrd    %[x0], %[x1], [%[x], #" #J "]\n\t"                                                   \
    "smlabb  %[a0], %[w0], %[x0], %[a0]\n\t"                                                      \
    "smlatt  %[a2], %[w0], %[x0], %[a2]\n\t"                                                      \
    "smlabb  %[a1], %[w1], %[x1], %[a1]\n\t"                                                      \
    "smlatt  %[a3], %[w1], %[x1], %[a3]\n\t"

/* channel C of the pixel: rq_fast2 of accumulator A with k's (m, half) pair at byte MH and e1
 * at byte E, SSAT, byte store at o + C */
#define BRQ(A, MH, E, C)                                                                          \
    "ldrd    %[w0], %[w1], [%[k], #" #MH "]\n\t"                                                  \
    "smmlar  %[w0], %[" #A "], %[w0], %[w1]\n\t"                                                  \
    "ldr     %[w1], [%[k], #" #E "]\n\t"                                                          \
    "add     %[w0], %[w0], %[" #A "], asr #31\n\t"                                                \
    "asr     %[w0], %[w0], %[w1]\n\t"                                                             \
    "ssat    %[w0], #8, %[w0], asr #1\n\t"                                                        \
    "strb    %[w0], [%[o], #" #C "]\n\t"

/* One pixel, one group of 4 channels: accumulators from k's doubled bias, the 9 taps (slot r,
 * column kx: weight pair 3r + kx at byte 8 (3r + kx) of w, band pair at byte 8G (3kx + r) from
 * the window's first column x), then rq_fast2 into o[0..3]. k: doubled bias [0, 4),
 * (multiplier, half) pairs [4, 12), e1 [12, 16) (int32 words). 84 instructions for 36 MACs.
 * G == 2: group 1's band pairs are 8 bytes after group 0's, its weights 216 bytes (wt[1] -
 * wt[0]), its constants 64 bytes, its outputs 4 bytes; all offsets are immediates. */
#define RQ4_ASM(B, O)                                                                             \
    BRQ(a0, B + 16, B + 48, O) BRQ(a1, B + 24, B + 52, O + 1)                                     \
    BRQ(a2, B + 32, B + 56, O + 2) BRQ(a3, B + 40, B + 60, O + 3)
#define BIAS_ASM(B)                                                                               \
    "ldrd    %[a0], %[a1], [%[k], #" #B "]\n\t"                                                   \
    "ldrd    %[a2], %[a3], [%[k], #" #B " + 8]\n\t"
#define G1_ASM                                                                                    \
    BIAS_ASM(0)                                                                                   \
    BTAP(0, 0) BTAP(8, 24) BTAP(16, 48) BTAP(24, 8) BTAP(32, 32) BTAP(40, 56)                     \
    BTAP(48, 16) BTAP(56, 40) BTAP(64, 64) RQ4_ASM(0, 0)
#define G2_ASM                                                                                    \
    BIAS_ASM(0)                                                                                   \
    BTAP(0, 0) BTAP(8, 48) BTAP(16, 96) BTAP(24, 16) BTAP(32, 64) BTAP(40, 112)                   \
    BTAP(48, 32) BTAP(56, 80) BTAP(64, 128) RQ4_ASM(0, 0)                                         \
    BIAS_ASM(64)                                                                                  \
    BTAP(216, 8) BTAP(224, 56) BTAP(232, 104) BTAP(240, 24) BTAP(248, 72) BTAP(256, 120)          \
    BTAP(264, 40) BTAP(272, 88) BTAP(280, 136) RQ4_ASM(64, 4)

/* the pixel's G groups (1 or 2, a constant after inlining) */
static inline __attribute__((always_inline)) void band_pixels(const uint32_t *x, const uint32_t *w,
                                                              const int32_t *k, int8_t *o,
                                                              int G) {
    int32_t a0, a1, a2, a3;
    uint32_t w0, w1, x0, x1;
#define BAND_OPERANDS                                                                             \
    : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [w0] "=&r"(w0),            \
      [w1] "=&r"(w1), [x0] "=&r"(x0), [x1] "=&r"(x1)                                              \
    : [x] "r"(x), [w] "r"(w), [k] "r"(k), [o] "r"(o)                                              \
    : "memory"
    if (G == 1)
        __asm__ volatile(G1_ASM BAND_OPERANDS);   /* volatile: its only effect is the stores */
    else
        __asm__ volatile(G2_ASM BAND_OPERANDS);
#undef BAND_OPERANDS
}

/* n > 0 columns of one band slot from the input pixels at src, C bytes apart: G (x02, x13)
 * + offset pairs per column, 24 G bytes apart from t. 7 instructions a column with G == 1
 * (GCC 12's loop: 11), 11 with G == 2. */
static inline void band_cols(const int8_t *src, int32_t C, uint32_t off2, uint32_t *t, int32_t n,
                             int G) {
    uint32_t v, u, x02, x13;
    if (G == 1)
        __asm__ volatile("1:\n\t"   /* volatile: its only effect is the stores */
                "ldr     %[v], [%[src]]\n\t"
                "add     %[src], %[src], %[C]\n\t"
                "sxtab16 %[x02], %[off2], %[v]\n\t"
                "sxtab16 %[x13], %[off2], %[v], ror #8\n\t"
                "strd    %[x02], %[x13], [%[t]], #24\n\t"
                "subs    %[n], %[n], #1\n\t"
                "bne     1b"
                : [src] "+r"(src), [t] "+r"(t), [n] "+r"(n), [v] "=&r"(v), [x02] "=&r"(x02),
                  [x13] "=&r"(x13)
                : [C] "r"(C), [off2] "r"(off2)
                : "memory", "cc");
    else
        __asm__ volatile("1:\n\t"
                "ldr     %[v], [%[src]]\n\t"
                "ldr     %[u], [%[src], #4]\n\t"
                "add     %[src], %[src], %[C]\n\t"
                "sxtab16 %[x02], %[off2], %[u]\n\t"
                "sxtab16 %[x13], %[off2], %[u], ror #8\n\t"
                "strd    %[x02], %[x13], [%[t], #8]\n\t"
                "sxtab16 %[x02], %[off2], %[v]\n\t"
                "sxtab16 %[x13], %[off2], %[v], ror #8\n\t"
                "strd    %[x02], %[x13], [%[t]], #48\n\t"
                "subs    %[n], %[n], #1\n\t"
                "bne     1b"
                : [src] "+r"(src), [t] "+r"(t), [n] "+r"(n), [v] "=&r"(v), [u] "=&r"(u),
                  [x02] "=&r"(x02), [x13] "=&r"(x13)
                : [C] "r"(C), [off2] "r"(off2)
                : "memory", "cc");
}

/* One output row of G groups from o: k[16 G] pixels, band words k[16 G + 1] apart, outputs
 * k[16 G + 2] bytes apart (k: band_pixels' constants per group, then these three; four
 * arguments in registers). */
static inline __attribute__((always_inline)) void plane_row(const uint32_t *x, const uint32_t *w,
                                                            const int32_t *k, int8_t *o, int G) {
    const int32_t n = k[16 * G], x_step = k[16 * G + 1], C = k[16 * G + 2];
    for (int32_t i = 0; i < n; ++i, x += x_step, o += C) band_pixels(x, w, k, o, G);
}

static void __attribute__((noinline)) plane_row1(const uint32_t *x, const uint32_t *w,
                                                 const int32_t *k, int8_t *o) {
    plane_row(x, w, k, o, 1);
}

static void __attribute__((noinline)) plane_row2(const uint32_t *x, const uint32_t *w,
                                                 const int32_t *k, int8_t *o) {
    plane_row(x, w, k, o, 2);
}

/* Write order (planner, overlap.py): pixel o's outputs may overwrite input below the first
 * input byte any pixel >= o reads. Here all pixels' channels c..c+4G-1 are written before the
 * next ones are read, so the caller requires input and output disjoint, or output - input a
 * multiple of in_c: then output channel c lands on input channel c of a pixel no later pixel
 * reads (rows widened later lie beyond it), and the band already holds what is left to read of
 * channel c. G: 1 or 2, band: ncols * 6 G words. */
static void __attribute__((noinline)) plane3x3(const ed_depthwise_conv_params_t *p,
                                               const dw_t *dp, const int8_t *input,
                                               int8_t *output, uint32_t off2, int32_t ncols,
                                               int32_t G, uint32_t *band) {
    const dw_t d = *dp;
    const int32_t C = p->in_c, sh = p->stride_h, out_w = p->out_w, in_h = p->in_h;
    const int32_t cw = 6 * G;                            /* band words per column */
    uint32_t (*wt)[3][18] = (uint32_t (*)[3][18])(band + ncols * cw);   /* 2 groups: 432 B */
    int32_t *k = (int32_t *)(wt + 2);                    /* plane_row's constants: 35 words */
    k[16 * G] = out_w;
    k[16 * G + 1] = cw * p->stride_w;
    k[16 * G + 2] = C;
    /* band columns [j0, j1) are inside the image, the same for every row: the others stay 0 */
    int32_t j0, j1;
    ed_valid_range(-p->pad_w, ncols, 1, p->in_w, &j0, &j1);
    memset(band, 0, (size_t)(ncols * cw) * sizeof *band);
    const int32_t row_bytes = p->in_w * C;
    const int8_t *in_j0 = input + (j0 - p->pad_w) * C;   /* column j0 of row 0 */
    for (int32_t c0 = 0; c0 < C; c0 += 4 * G) {
        for (int32_t gi = 0; gi < G; ++gi) {
            const int32_t g = c0 + 4 * gi;
            /* wt[gi][0]: tap (ky, kx) at pair 3 ky + kx; wt[gi][b] rotates rows down b slots */
            uint32_t *w0 = wt[gi][0], *w1 = wt[gi][1], *w2 = wt[gi][2];
            for (int32_t t = 0; t < 9; ++t) {
                const uint32_t v = ed_load4(p->filter + t * C + g);
                const uint32_t w02 = __sxtb16(v), w13 = ed_sxtb16_ror8(v);
                w0[2 * t] = __sadd16(w02, w02);
                w0[2 * t + 1] = __sadd16(w13, w13);
            }
            memcpy(&w1[6], &w0[0], 12 * sizeof(uint32_t));    /* slots 1, 2: rows 0, 1 */
            memcpy(&w1[0], &w0[12], 6 * sizeof(uint32_t));    /* slot 0: row 2 */
            memcpy(&w2[0], &w0[6], 12 * sizeof(uint32_t));    /* slots 0, 1: rows 1, 2 */
            memcpy(&w2[12], &w0[0], 6 * sizeof(uint32_t));    /* slot 2: row 0 */
            int32_t *kg = k + 16 * gi;
            for (int i = 0; i < 4; ++i) {
                const int32_t e1 = ~(int32_t)d.shift[g + i];
                kg[i] = d.bias ? 2 * d.bias[g + i] : 0;
                kg[4 + 2 * i] = d.mult[g + i];
                kg[5 + 2 * i] = (int32_t)((uint32_t)d.zp21 << e1);
                kg[12 + i] = e1;
            }
        }
        /* `next`: the next input row to widen, into slot sn; after the widening loop
         * next == y0 + 3, so rows y0, y0 + 1, y0 + 2 sit in slots sn, sn + 1, sn + 2 (mod 3).
         * Rows a stride > 3 skips are stepped over. */
        int32_t next = -p->pad_h, sn = 0;
        int8_t *o = output + c0;
        for (int32_t oy = 0, y0 = -p->pad_h; oy < p->out_h; ++oy, y0 += sh, o += out_w * C) {
            for (; next < y0 + 3; ++next, sn = sn == 2 ? 0 : sn + 1) {
                if (next < y0) continue;
                uint32_t *t = band + 2 * G * sn + cw * j0;
                if (next >= 0 && next < in_h && j1 > j0) {
                    const int8_t *src = in_j0 + next * row_bytes + c0;
                    if (G == 1)
                        band_cols(src, C, off2, t, j1 - j0, 1);
                    else
                        band_cols(src, C, off2, t, j1 - j0, 2);
                } else {
                    for (int32_t j = j0; j < j1; ++j, t += cw) memset(t, 0, 8 * (size_t)G);
                }
            }
            if (G == 1)
                plane_row1(band, wt[0][sn], k, o);
            else
                plane_row2(band, wt[0][sn], k, o);
        }
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
    const int fast = fast_rq_ok(p);
    const int right = !fast && ed_right_requant_ok(mult, shift, out_c);
    const int full = lo == -128 && hi == 127;
    const dw_t d = {bias, mult, shift, 2 * zp + 1, lo, hi, x_step, y_step, w_row};
    const int32_t ncols = (p->out_w - 1) * p->stride_w + 3;   /* plane3x3's band columns */
    const int32_t G = p->in_c % 8 == 0 && ncols * 48 <= PLANE_BAND_BYTES ? 2 : 1;
    /* the plane path (dm == 1 also makes the filter's column step in_c, like the input's) */
    if (fast && full && dm == 1 && p->k_h == 3 && p->k_w == 3 && p->dil_h == 1 &&
        p->dil_w == 1 && simd_c == p->in_c && ncols * 24 * G <= PLANE_BAND_BYTES) {
        const uintptr_t in0 = (uintptr_t)input, out0 = (uintptr_t)output;
        const uintptr_t in_size = (uintptr_t)p->in_h * (uintptr_t)row;
        const uintptr_t out_size = (uintptr_t)p->out_h * (uintptr_t)p->out_w * (uintptr_t)out_c;
        const int apart = out0 + out_size <= in0 || in0 + in_size <= out0;
        if (apart || (intptr_t)(out0 - in0) % p->in_c == 0) {
            /* the arena scratch (depthwise_conv_scratch.h): band, weight tables, constants */
            plane3x3(p, &d, input, output, off2, ncols, G, (uint32_t *)(void *)p->scratch);
            return;
        }
    }
    int8_t *out = output;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t y0 = oy * p->stride_h - p->pad_h;
        int32_t ky0, ky1;
        ed_valid_range(y0, p->k_h, p->dil_h, p->in_h, &ky0, &ky1);
        const int32_t nky = ky1 - ky0;
        for (int32_t ox = 0; ox < p->out_w; ++ox, out += p->out_c) {
            const int32_t x0 = ox * p->stride_w - p->pad_w;
            int32_t kx0, kx1;
            ed_valid_range(x0, p->k_w, p->dil_w, p->in_w, &kx0, &kx1);
            const int32_t nkx = kx1 - kx0;
            const int8_t *x_first = input + (y0 + ky0 * p->dil_h) * row + (x0 + kx0 * p->dil_w) * p->in_c;
            const int8_t *w_first = filter + (ky0 * p->k_w + kx0) * out_c;
            if (fast && simd_c)
                pixel_fast(&d, x_first, w_first, nky, nkx, simd_c, out_c, off2, out, full);
            for (int32_t c = fast ? simd_c : 0; c < simd_c; c += 4) {   /* other multipliers */
                int32_t a[4] = {0, 0, 0, 0};
                if (bias) {
                    a[0] = bias[c];
                    a[1] = bias[c + 1];
                    a[2] = bias[c + 2];
                    a[3] = bias[c + 3];
                }
                const int8_t *xr = x_first + c, *wr = w_first + c;
                for (int32_t i = 0; i < nky; ++i, xr += y_step, wr += w_row) {
                    const int8_t *xp = xr, *wp = wr;
                    for (int32_t j = 0; j < nkx; ++j, xp += x_step, wp += out_c)
                        tap4(xp, wp, off2, a);
                }
                for (int i = 0; i < 4; ++i) {
                    const int32_t m = mult[c + i], sh = shift[c + i];
                    out[c + i] = right ? clamp8(ed_mbqm_right(a[i], m, -sh) + zp, lo, hi)
                                       : requant(a[i], m, sh, zp, lo, hi);
                }
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
