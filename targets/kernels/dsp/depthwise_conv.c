/* DEPTHWISE_CONV_2D, ARMv7E-M DSP variant: bit-exact with reference/depthwise_conv.c.
 *
 * Plane paths: 3x3 layers with dilation 1, depth multiplier 1, in_c % 4 == 0, the full
 * activation range, rq_fast's requantization, and input and output apart or overlapping by a
 * multiple of in_c (the MLPerf Tiny depthwise layers). The compiler checks these and calls the
 * path's entry (ed_depthwise_conv_strips, _ring, _pairs: pipeline/compiler/paths.py), so a
 * firmware links only the paths its layers take; one channel group over the whole image
 * at a time, input rows widened once per group into a band in the arena scratch
 * (depthwise_conv_scratch.h), padding as 0 words, so border pixels run the same code.
 * Tap-pair paths (stride_w 1 or 2): each channel its own int16 plane row, so SMLAD takes two
 * horizontal taps of one channel; steps of N outputs of a row, requantization included, in
 * assembly: N = 6: 87 instructions for 54 MACs at stride 1 (84 at stride 2), N = 4: 64 for 36
 * (61), N = 5: 75 for 45, N = 3: 49 for 27.
 * - Strip path (plane_strips; narrow images, band rows of <= 15 columns: VWW's 12-, 6- and
 *   3-wide planes, KWS's 5-wide): a band of 16 rows per channel holds a strip of the image,
 *   one weight table, one assembly call per strip and 4 channels runs all of its rows; out_w 3,
 *   5, 6 (and 12 at stride 1) in N-output steps, others in 4-, 2- and 1-output ones.
 * - Ring path (plane3x3; wider rows, out_w >= 6): 3 row slots per channel (input row iy in slot
 *   iy mod 3), weight tables per rotation, one call per output row; 6-output steps when
 *   out_w % 6 == 0, else 4-, 2- and 1-output ones.
 * - Channel-pair path (plane3x3_pairs; stride_w > 2): (x02, x13) channel-pair words, 9 taps as
 *   LDRD / LDRD / 4 SMLAxy, 84 instructions for 36 MACs.
 *
 * Pixel path (ed_depthwise_conv), everything else: with depth multiplier 1, four channels per step: one 32-bit
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

/* Which step kernels of the plane paths this build links (ED_USE_DW_*: 0 or 1). `edgedistill
 * compile` writes kernel_features.h beside model.c with the ones the model's layers can take
 * (pipeline/compiler/features.py mirrors plane_strips' / plane3x3's choice); without it,
 * everything. A step kernel compiled out falls through to the 4-, 2- and 1-output kernels of
 * its path, so a wrong flag costs speed, never correctness. */
#if __has_include("kernel_features.h")
#include "kernel_features.h"
#endif
#ifndef ED_USE_DW_STRIP_S1_3
#define ED_USE_DW_STRIP_S1_3 1
#endif
#ifndef ED_USE_DW_STRIP_S1_5
#define ED_USE_DW_STRIP_S1_5 1
#endif
#ifndef ED_USE_DW_STRIP_S1_6
#define ED_USE_DW_STRIP_S1_6 1
#endif
#ifndef ED_USE_DW_STRIP_S1_12
#define ED_USE_DW_STRIP_S1_12 1
#endif
#ifndef ED_USE_DW_STRIP_S2_3
#define ED_USE_DW_STRIP_S2_3 1
#endif
#ifndef ED_USE_DW_STRIP_S2_5
#define ED_USE_DW_STRIP_S2_5 1
#endif
#ifndef ED_USE_DW_STRIP_S2_6
#define ED_USE_DW_STRIP_S2_6 1
#endif
#ifndef ED_USE_DW_RING6_S1
#define ED_USE_DW_RING6_S1 1
#endif
#ifndef ED_USE_DW_RING6_S2
#define ED_USE_DW_RING6_S2 1
#endif
/* a step kernel when its flag is on, else 0 (its path's general kernels); constant-folded, so
 * an unused kernel is not referenced and --gc-sections drops it */
#define ED_DW_KERNEL(flag, fn) ((flag) ? (fn) : 0)

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

/* Ring path (3x3, dilation 1, depth multiplier 1, in_c % 4 == 0, stride_w 1 or 2, rq_fast,
 * full act range, band rows wider than the strip path's): one group of 4 channels at a time
 * over the whole image, each channel as its own int16 plane so that horizontally adjacent taps
 * of ONE channel share a word and SMLAD takes two taps at once.
 *
 * Band (scratch): per channel 3 row slots of PLANE_R bytes (input row iy in slot iy mod 3),
 * channel q's slots at 3 q PLANE_R; plane column j holds x + offset of input column j - pad_w,
 * padding as 0 (w * 0 adds nothing: TFLM's padding skip). Each input row is widened once per
 * group (dw_widen_row: two pixels' words of 4 channels, PKHBT / PKHTB then SXTAB16 give each
 * channel's (x[j], x[j+1]) pair). The weight table (scratch, after the band) holds per channel
 * and per rotation b (the window's top row in slot b) a 10-word block: the doubled bias, the
 * slots' (2 w0, 2 w1) and (2 w2) words in slot order, m, half, e1 (rq_fast2 takes 2 acc).
 *
 * Per channel, output row and 4 outputs (dw_rows_*, assembly, all 14 registers): per kernel
 * row, stride 1: LDRD (x0,x1) (x2,x3), LDR of the unaligned (x1,x2) (x3,x4) and of (x4,x5), 4
 * SMLAD (w0,w1) and 4 SMLABB / SMLABT w2; stride 2: LDRD (x0..x3), LDRD (x4..x7), LDR (x8,x9),
 * 4 SMLAD and 4 SMLABB. The accumulators start from the bias as the first tap's addend; then
 * rq_fast2 and a byte store per output (5 instructions). Stride 1: 64 instructions for 36 MACs,
 * stride 2: 61. Rows of out_w % 4 end with 2- and 1-output steps of the same form. When
 * out_w % 6 == 0 the rows run in 6-output steps instead (ed_dw_ring6_*, below, with the strip
 * path's). Reads go at most one column past ncols: PLANE_R >= 2 (ncols + 1). */
#define PLANE_TBL_BYTES 480 /* 4 channels x 3 rotations x 10 words */

/* one output row of 4 channels; order of the words as the assembly's LDMs read them */
typedef struct {
    int32_t tails;                /* out_w & 3: bit 1 a 2-output step, bit 0 a 1-output step */
    int32_t xadj, oadj;           /* to the next channel's band row / output from a row's end */
    const uint32_t *kend;         /* k of channel 4 (the end) */
    int32_t n4;                   /* 4-output steps */
    const uint8_t *x;             /* channel 0's slot 0, column 0 */
    const uint32_t *k;            /* channel 0's block of the row's rotation */
    int8_t *o;                    /* channel 0's first output */
    int32_t C, C3;                /* output pixel step, 3 times it */
} dw_rows_t;

void ed_dw_rows_s1_r128(const dw_rows_t *a);
void ed_dw_rows_s2_r128(const dw_rows_t *a);

/* Registers: r0-r3 accumulators (r3 holds the bias until its own first tap), r4/r5 the row's
 * weight words, then m / half, r6/r7 inputs, then e1 / result, r8 band, r9 weight block, r10
 * output, r11 C, r12 3C, lr the step count. Block words: 0 bias, 1-2 slot 0, 3-4 slot 1, 5-6
 * slot 2, 7 m, 8 half, 9 e1. */
__asm__(
    ".syntax unified\n"
    ".thumb\n"
    /* rq_fast2 of ACC, SSAT, store: (smmlar(2x, m, half) + [x < 0] fix) >> e1, >> 1 in SSAT */
    ".macro DW_RQ acc, addr:vararg\n"
    "    smmlar  r7, \\acc, r4, r5\n"
    "    add     r7, r7, \\acc, asr #31\n"
    "    asr     r7, r7, r6\n"
    "    ssat    r7, #8, r7, asr #1\n"
    "    strb    r7, \\addr\n"
    ".endm\n"
    ".macro DW_RQ_LOAD\n"
    "    ldrd    r4, r5, [r9, #28]\n"
    "    ldr     r6, [r9, #36]\n"
    ".endm\n"
    /* stride 1, 4 outputs, kernel row 0 (starts the accumulators; band pointer += 8) */
    ".macro DW_S1_ROW0\n"
    "    ldm     r9, {r3, r4, r5}\n"
    "    ldrd    r6, r7, [r8], #8\n"     /* (x0,x1) (x2,x3) */
    "    smlad   r0, r4, r6, r3\n"
    "    smlad   r2, r4, r7, r3\n"
    "    smlabb  r0, r5, r7, r0\n"
    "    smlabt  r1, r5, r7, r3\n"
    "    ldr     r6, [r8, #-6]\n"         /* (x1,x2) */
    "    smlad   r1, r4, r6, r1\n"
    "    ldr     r7, [r8]\n"              /* (x4,x5) */
    "    ldr     r6, [r8, #-2]\n"         /* (x3,x4) */
    "    smlad   r3, r4, r6, r3\n"
    "    smlabb  r2, r5, r7, r2\n"
    "    smlabt  r3, r5, r7, r3\n"
    ".endm\n"
    /* stride 1, 4 outputs, a later kernel row: weights at KW in the block, (x0,x1) at B */
    ".macro DW_S1_ROW kw, b\n"
    "    ldrd    r4, r5, [r9, #\\kw]\n"
    "    ldrd    r6, r7, [r8, #\\b]\n"
    "    smlad   r0, r4, r6, r0\n"
    "    smlad   r2, r4, r7, r2\n"
    "    smlabb  r0, r5, r7, r0\n"
    "    smlabt  r1, r5, r7, r1\n"
    "    ldr     r6, [r8, #\\b + 2]\n"
    "    smlad   r1, r4, r6, r1\n"
    "    ldr     r6, [r8, #\\b + 6]\n"
    "    smlad   r3, r4, r6, r3\n"
    "    ldr     r7, [r8, #\\b + 8]\n"
    "    smlabb  r2, r5, r7, r2\n"
    "    smlabt  r3, r5, r7, r3\n"
    ".endm\n"
    /* stride 1, 2 outputs (band pointer not moved); FIRST: weights and bias by LDM, the bias
     * (r3) as both accumulators' first addend */
    ".macro DW_W first, kw\n"
    "  .if \\first\n"
    "    ldm     r9, {r3, r4, r5}\n"
    "  .else\n"
    "    ldrd    r4, r5, [r9, #\\kw]\n"
    "  .endif\n"
    ".endm\n"
    ".macro DW_S1_ROW2 kw, b, first, s0, s1\n"
    "    DW_W    \\first, \\kw\n"
    "    ldrd    r6, r7, [r8, #\\b]\n"
    "    smlad   r0, r4, r6, \\s0\n"
    "    smlabb  r0, r5, r7, r0\n"
    "    smlabt  r1, r5, r7, \\s1\n"
    "    ldr     r6, [r8, #\\b + 2]\n"
    "    smlad   r1, r4, r6, r1\n"
    ".endm\n"
    /* stride 2, 4 outputs, kernel row 0 (band pointer += 16) */
    ".macro DW_S2_ROW0\n"
    "    ldm     r9, {r3, r4, r5}\n"
    "    ldrd    r6, r7, [r8], #16\n"    /* (x0,x1) (x2,x3) */
    "    smlad   r0, r4, r6, r3\n"
    "    smlad   r1, r4, r7, r3\n"
    "    smlabb  r0, r5, r7, r0\n"
    "    ldrd    r6, r7, [r8, #-8]\n"     /* (x4,x5) (x6,x7) */
    "    smlabb  r1, r5, r6, r1\n"
    "    smlad   r2, r4, r6, r3\n"
    "    smlad   r3, r4, r7, r3\n"
    "    smlabb  r2, r5, r7, r2\n"
    "    ldr     r6, [r8]\n"              /* (x8,x9) */
    "    smlabb  r3, r5, r6, r3\n"
    ".endm\n"
    ".macro DW_S2_ROW kw, b\n"
    "    ldrd    r4, r5, [r9, #\\kw]\n"
    "    ldrd    r6, r7, [r8, #\\b]\n"
    "    smlad   r0, r4, r6, r0\n"
    "    smlad   r1, r4, r7, r1\n"
    "    smlabb  r0, r5, r7, r0\n"
    "    ldrd    r6, r7, [r8, #\\b + 8]\n"
    "    smlabb  r1, r5, r6, r1\n"
    "    smlad   r2, r4, r6, r2\n"
    "    smlad   r3, r4, r7, r3\n"
    "    smlabb  r2, r5, r7, r2\n"
    "    ldr     r6, [r8, #\\b + 16]\n"
    "    smlabb  r3, r5, r6, r3\n"
    ".endm\n"
    /* stride 2, 2 outputs (band pointer not moved) */
    ".macro DW_S2_ROW2 kw, b, first, s0, s1\n"
    "    DW_W    \\first, \\kw\n"
    "    ldrd    r6, r7, [r8, #\\b]\n"
    "    smlad   r0, r4, r6, \\s0\n"
    "    smlad   r1, r4, r7, \\s1\n"
    "    smlabb  r0, r5, r7, r0\n"
    "    ldr     r6, [r8, #\\b + 8]\n"
    "    smlabb  r1, r5, r6, r1\n"
    ".endm\n"
    /* 1 output, either stride: (x0,x1) (x2,x3) */
    ".macro DW_ROW1 kw, b, first, s0\n"
    "    DW_W    \\first, \\kw\n"
    "    ldrd    r6, r7, [r8, #\\b]\n"
    "    smlad   r0, r4, r6, \\s0\n"
    "    smlabb  r0, r5, r7, r0\n"
    ".endm\n"
    /* a global Thumb function NAME in its own section (--gc-sections drops it when unused) */
    ".macro DW_FUNC name\n"
    "    .section .text.\\name,\"ax\",%progbits\n"
    "    .global \\name\n"
    "    .p2align 2\n"
    "    .thumb_func\n"
    "    .type \\name, %function\n"
    "\\name:\n"
    ".endm\n"
    /* one output row of a channel from r8 (band) / r10 (output): lr 4-output steps, then
     * the 2- and 1-output steps the tails word at [sp] asks for (bit 1, bit 0); without a
     * 1-output step it branches to the caller's label 5 */
    ".macro DW_ROW_STEPS s, R\n"
    "    cmp     lr, #0\n"
    "    beq     3f\n"
    "2:\n"
    "  .if \\s == 1\n"
    "    DW_S1_ROW0\n"
    "    DW_S1_ROW 12, \\R-8\n"
    "    DW_S1_ROW 20, 2*\\R-8\n"
    "  .else\n"
    "    DW_S2_ROW0\n"
    "    DW_S2_ROW 12, \\R-16\n"
    "    DW_S2_ROW 20, 2*\\R-16\n"
    "  .endif\n"
    "    DW_RQ_LOAD\n"
    "    DW_RQ   r0, [r10]\n"
    "    DW_RQ   r1, [r10, r11]\n"
    "    DW_RQ   r2, [r10, r11, lsl #1]\n"
    "    DW_RQ   r3, [r10, r12]\n"
    "    add     r10, r10, r11, lsl #2\n"
    "    subs    lr, lr, #1\n"
    "    bne     2b\n"
    "3:\n"
    "    ldr     r1, [sp]\n"
    "    lsls    r1, r1, #31\n"          /* C: a 2-output step, N: a 1-output step */
    "    bcc     4f\n"
    "  .if \\s == 1\n"
    "    DW_S1_ROW2 4, 0, 1, r3, r3\n"
    "    DW_S1_ROW2 12, \\R, 0, r0, r1\n"
    "    DW_S1_ROW2 20, 2*\\R, 0, r0, r1\n"
    "    add     r8, r8, #4\n"
    "  .else\n"
    "    DW_S2_ROW2 4, 0, 1, r3, r3\n"
    "    DW_S2_ROW2 12, \\R, 0, r0, r1\n"
    "    DW_S2_ROW2 20, 2*\\R, 0, r0, r1\n"
    "    add     r8, r8, #8\n"
    "  .endif\n"
    "    DW_RQ_LOAD\n"
    "    DW_RQ   r0, [r10]\n"
    "    DW_RQ   r1, [r10, r11]\n"
    "    add     r10, r10, r11, lsl #1\n"
    "4:\n"
    "    bpl     5f\n"
    "    DW_ROW1 4, 0, 1, r3\n"
    "    DW_ROW1 12, \\R, 0, r0\n"
    "    DW_ROW1 20, 2*\\R, 0, r0\n"
    "    DW_RQ_LOAD\n"
    "    DW_RQ   r0, [r10]\n"
    ".endm\n"
    /* the function: 4 channels of one output row */
    ".macro DW_ROWS name, s, R\n"
    "    DW_FUNC \\name\n"
    "    push    {r4-r11, lr}\n"
    "    ldm     r0!, {r1-r5}\n"
    "    push    {r1-r5}\n"            /* [sp]: tails, xadj, oadj, kend, n4 */
    "    ldm     r0, {r8-r12}\n"
    "    mov     lr, r5\n"
    "1:\n"
    "    DW_ROW_STEPS \\s, \\R\n"
    "5:\n"
    "    ldrd    r1, r2, [sp, #4]\n"
    "    add     r8, r8, r1\n"
    "    add     r10, r10, r2\n"
    "    add     r9, r9, #120\n"
    "    ldrd    r1, lr, [sp, #12]\n"
    "    cmp     r9, r1\n"
    "    bne     1b\n"
    "    add     sp, sp, #20\n"
    "    pop     {r4-r11, pc}\n"
    "    .size \\name, . - \\name\n"
    ".endm\n"
    /* the strip function: 4 channels, each over nrows output rows (rows R * stride_h apart in
     * the band, channels' planes xadj + nrows R stride_h apart); every step moves r10 on */
    ".macro DW_STRIP name, s, R\n"
    "    DW_FUNC \\name\n"
    "    push    {r4-r11, lr}\n"
    "    sub     sp, sp, #32\n"
    "    ldm     r0!, {r1-r7}\n"
    "    stm     sp, {r1-r7}\n"          /* [sp]: tails, radj, xadj, oadj, nrows, n4, kend, rows */
    "    ldm     r0, {r8-r12}\n"
    "6:\n"
    "    ldr     r1, [sp, #16]\n"
    "    str     r1, [sp, #28]\n"
    "1:\n"
    "    ldr     lr, [sp, #20]\n"
    "    DW_ROW_STEPS \\s, \\R\n"
    "    add     r10, r10, r11\n"
    "5:\n"
    "    ldr     r1, [sp, #4]\n"
    "    add     r8, r8, r1\n"
    "    ldr     r1, [sp, #28]\n"
    "    subs    r1, r1, #1\n"
    "    str     r1, [sp, #28]\n"
    "    bne     1b\n"
    "    ldrd    r1, r2, [sp, #8]\n"
    "    add     r8, r8, r1\n"
    "    add     r10, r10, r2\n"
    "    add     r9, r9, #40\n"
    "    ldr     r1, [sp, #24]\n"
    "    cmp     r9, r1\n"
    "    bne     6b\n"
    "    add     sp, sp, #32\n"
    "    pop     {r4-r11, pc}\n"
    "    .size \\name, . - \\name\n"
    ".endm\n"
    "DW_ROWS ed_dw_rows_s1_r128, 1, 128\n"
    "DW_ROWS ed_dw_rows_s2_r128, 2, 128\n"
    "DW_STRIP ed_dw_strip_s1, 1, 32\n"
    "DW_STRIP ed_dw_strip_s2, 2, 32\n"
    ".purgem DW_RQ\n.purgem DW_RQ_LOAD\n.purgem DW_S1_ROW0\n.purgem DW_S1_ROW\n"
    ".purgem DW_S1_ROW2\n.purgem DW_S2_ROW0\n.purgem DW_S2_ROW\n.purgem DW_S2_ROW2\n"
    ".purgem DW_ROW1\n.purgem DW_ROWS\n.purgem DW_STRIP\n.purgem DW_W\n.purgem DW_ROW_STEPS\n"
    ".text\n");

/* Two pixels' 4 channels widened with the input offset into the 4 channel planes of a widened
 * band: the pair's c0 words go to [t] (t advances 4 bytes), c1, c2 and c3 to the three addresses
 * P1, P2, P3 (an asm operand string each: the plane stride in a register for dw_widen_row, as
 * immediates for the strip band). DW_WIDEN_ODD_ASM: the same for one odd last column, by halves. */
#define DW_WIDEN_PAIR_ASM(P1, P2, P3)                                                             \
    "ldr     %[v0], [%[src]]\n\t"                                                               \
    "ldr     %[v1], [%[src], %[C]]\n\t"                                                         \
    "add     %[src], %[src], %[C], lsl #1\n\t"                                                  \
    "pkhbt   %[u], %[v0], %[v1], lsl #16\n\t"  /* c0 c1 c0' c1' */                              \
    "pkhtb   %[v1], %[v1], %[v0], asr #16\n\t" /* c2 c3 c2' c3' */                              \
    "sxtab16 %[v0], %[off2], %[u]\n\t"                                                          \
    "sxtab16 %[u], %[off2], %[u], ror #8\n\t"                                                   \
    "str     %[u], " P1 "\n\t"                                                                  \
    "sxtab16 %[u], %[off2], %[v1]\n\t"                                                          \
    "str     %[u], " P2 "\n\t"                                                                  \
    "sxtab16 %[u], %[off2], %[v1], ror #8\n\t"                                                  \
    "str     %[u], " P3 "\n\t"                                                                  \
    "str     %[v0], [%[t]], #4\n\t"
#define DW_WIDEN_ODD_ASM(P1, P2, P3)                                                              \
    "ldr     %[v0], [%[src]]\n\t"                                                               \
    "sxtab16 %[u], %[off2], %[v0]\n\t"                                                          \
    "strh    %[u], [%[t]]\n\t"                                                                  \
    "lsrs    %[u], %[u], #16\n\t"                                                               \
    "strh    %[u], " P2 "\n\t"                                                                  \
    "sxtab16 %[u], %[off2], %[v0], ror #8\n\t"                                                  \
    "strh    %[u], " P1 "\n\t"                                                                  \
    "lsrs    %[u], %[u], #16\n\t"                                                               \
    "strh    %[u], " P3 "\n\t"

/* n > 0 columns of one input row, 4 channels from src (pixels C bytes apart), into the 4
 * channels' band rows from t (CP bytes apart): per pixel pair, PKHBT / PKHTB gather the two
 * pixels' channels 0, 1 and 2, 3 bytes, SXTAB16 widens (x[j] + offset, x[j+1] + offset) of one
 * channel: 15 instructions for 8 values; an odd last column by halfword stores. t may be 2 mod
 * 4 (unaligned STR: allowed on ARMv7E-M). */
static inline void dw_widen_row(const int8_t *src, int32_t C, uint32_t off2, uint8_t *t,
                                int32_t CP, int32_t n) {
    uint32_t v0, v1, u, odd = 0;
    const int32_t CP3 = 3 * CP;
#define DW_PAIR_ROW DW_WIDEN_PAIR_ASM("[%[t], %[CP]]", "[%[t], %[CP], lsl #1]", "[%[t], %[CP3]]")
    __asm__ volatile(   /* volatile: its only effect is the stores */
        "lsrs    %[n], %[n], #1\n\t"      /* pixel pairs; C: an odd last column */
        "it      cs\n\t"
        "movcs   %[odd], #1\n\t"
        "lsrs    %[n], %[n], #1\n\t"      /* pairs of pairs; C: one pair more */
        "bcc     2f\n\t"
        DW_PAIR_ROW
        "2:\n\t"
        "cbz     %[n], 3f\n\t"
        "1:\n\t"
        DW_PAIR_ROW DW_PAIR_ROW
        "subs    %[n], %[n], #1\n\t"
        "bne     1b\n\t"
        "3:\n\t"
        "cmp     %[odd], #0\n\t"
        "beq     4f\n\t"
        DW_WIDEN_ODD_ASM("[%[t], %[CP]]", "[%[t], %[CP], lsl #1]", "[%[t], %[CP3]]")
        "4:"
        : [src] "+r"(src), [t] "+r"(t), [n] "+l"(n), [v0] "=&r"(v0), [v1] "=&r"(v1),
          [u] "=&r"(u), [odd] "+r"(odd)
        : [C] "r"(C), [off2] "r"(off2), [CP] "r"(CP), [CP3] "r"(CP3)
        : "memory", "cc");
#undef DW_PAIR_ROW
}

/* (lo's low half, hi's low half) and (lo's high half, hi's high half) */
static inline uint32_t pkhbt16(uint32_t lo, uint32_t hi) {
    uint32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(lo), "r"(hi));
    return r;
}

static inline uint32_t pkhtb16(uint32_t hi, uint32_t lo) {
    uint32_t r;
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(hi), "r"(lo));
    return r;
}

/* The weight table of channels c0..c0+3 (f: their taps, C bytes apart): per channel, for each
 * rotation b the block bias2, slots' (2 w0, 2 w1) (2 w2) words, m, half, e1 (slot s holds window
 * row (s - b) mod 3). The 9 tap words of the 4 channels are widened and doubled at once:
 * e = (c0, c2), o = (c1, c3) lanes; PKHBT / PKHTB pair a channel's two taps. */
static void __attribute__((noinline)) dw_table(const int8_t *f, int32_t C, const dw_t *d,
                                               int32_t c0, uint32_t *tbl) {
    uint32_t e[9], o[9];
    for (int32_t t = 0; t < 9; ++t, f += C) {
        const uint32_t v = ed_load4(f), ev = __sxtb16(v), ov = ed_sxtb16_ror8(v);
        e[t] = __sadd16(ev, ev);
        o[t] = __sadd16(ov, ov);
    }
    uint32_t w01[4][3], w2[4][3];
    for (int32_t r = 0; r < 3; ++r) {
        w01[0][r] = pkhbt16(e[3 * r], e[3 * r + 1]);
        w01[1][r] = pkhbt16(o[3 * r], o[3 * r + 1]);
        w01[2][r] = pkhtb16(e[3 * r + 1], e[3 * r]);
        w01[3][r] = pkhtb16(o[3 * r + 1], o[3 * r]);
        w2[0][r] = e[3 * r + 2];   /* only the low half is read (SMLABx) */
        w2[1][r] = o[3 * r + 2];
        w2[2][r] = e[3 * r + 2] >> 16;
        w2[3][r] = o[3 * r + 2] >> 16;
    }
    for (int32_t q = 0; q < 4; ++q, tbl += 30) {
        const int32_t c = c0 + q, e1 = ~(int32_t)d->shift[c];
        const uint32_t b2 = d->bias ? 2 * (uint32_t)d->bias[c] : 0;
        const uint32_t m = (uint32_t)d->mult[c], half = (uint32_t)d->zp21 << e1;
        const uint32_t a0 = w01[q][0], a1 = w01[q][1], a2 = w01[q][2];
        const uint32_t b0 = w2[q][0], b1 = w2[q][1], bb2 = w2[q][2];
        const uint32_t e1u = (uint32_t)e1;
        uint32_t *k = tbl;   /* rotations 0, 1, 2: slot rows (0 1 2), (2 0 1), (1 2 0) */
        k[0] = b2, k[1] = a0, k[2] = b0, k[3] = a1, k[4] = b1, k[5] = a2, k[6] = bb2;
        k[7] = m, k[8] = half, k[9] = e1u;
        k[10] = b2, k[11] = a2, k[12] = bb2, k[13] = a0, k[14] = b0, k[15] = a1, k[16] = b1;
        k[17] = m, k[18] = half, k[19] = e1u;
        k[20] = b2, k[21] = a1, k[22] = b1, k[23] = a2, k[24] = bb2, k[25] = a0, k[26] = b0;
        k[27] = m, k[28] = half, k[29] = e1u;
    }
}

/* The strip path's weight table of channels c0..c0+3 (f: their taps, C bytes apart): per
 * channel the 10-word block bias2, rows' (2 w0, 2 w1) (2 w2) words, m, half, e1; dw_table's
 * widening, unrolled, for one rotation. */
static void __attribute__((noinline)) dw_table1(const int8_t *f, int32_t C, const dw_t *d,
                                                int32_t c0, uint32_t *k) {
    uint32_t e[9], o[9];
#pragma GCC unroll 9
    for (int32_t t = 0; t < 9; ++t) {
        const uint32_t v = ed_load4(f + t * C), ev = __sxtb16(v), ov = ed_sxtb16_ror8(v);
        e[t] = __sadd16(ev, ev);
        o[t] = __sadd16(ov, ov);
    }
#pragma GCC unroll 3
    for (int32_t r = 0; r < 3; ++r) {   /* only the low half of a w2 word is read (SMLABx) */
        k[1 + 2 * r] = pkhbt16(e[3 * r], e[3 * r + 1]);
        k[2 + 2 * r] = e[3 * r + 2];
        k[11 + 2 * r] = pkhbt16(o[3 * r], o[3 * r + 1]);
        k[12 + 2 * r] = o[3 * r + 2];
        k[21 + 2 * r] = pkhtb16(e[3 * r + 1], e[3 * r]);
        k[22 + 2 * r] = e[3 * r + 2] >> 16;
        k[31 + 2 * r] = pkhtb16(o[3 * r + 1], o[3 * r]);
        k[32 + 2 * r] = o[3 * r + 2] >> 16;
    }
    const int32_t *bias = d->bias, *mult = d->mult + c0;
    const int8_t *shift = d->shift + c0;
    const uint32_t zp21 = (uint32_t)d->zp21;
#pragma GCC unroll 4
    for (int32_t q = 0; q < 4; ++q, k += 10) {
        const int32_t e1 = ~(int32_t)shift[q];
        k[0] = bias ? 2 * (uint32_t)bias[c0 + q] : 0;
        k[7] = (uint32_t)mult[q];
        k[8] = zp21 << e1;
        k[9] = (uint32_t)e1;
    }
}

/* n > 0 words from z, and the same words of the next 3 channel rows (CP bytes apart), to 0
 * (assembly: GCC turns the loop into 4 memset calls) */
static inline void dw_zero(uint8_t *z, int32_t CP, int32_t n) {
    const uint32_t zero = 0;
    const int32_t CP3 = 3 * CP;
    __asm__ volatile("1:\n\t"
                     "str     %[zero], [%[z], %[CP]]\n\t"
                     "str     %[zero], [%[z], %[CP], lsl #1]\n\t"
                     "str     %[zero], [%[z], %[CP3]]\n\t"
                     "str     %[zero], [%[z]], #4\n\t"
                     "subs    %[n], %[n], #1\n\t"
                     "bne     1b"
                     : [z] "+r"(z), [n] "+r"(n)
                     : [zero] "r"(zero), [CP] "r"(CP), [CP3] "r"(CP3)
                     : "memory", "cc");
}

/* the arguments of the N-output step functions (ed_dw_strip_s*_N, ed_dw_ring6_s*, below), in
 * the order their LDM reads them */
typedef struct {
    int32_t xadj, oadj;           /* to the next channel's plane / output from the last row's end */
    int32_t row_bytes;            /* nrows * stride_h * STRIP_R */
    const uint32_t *kend;         /* k of channel 4 (the end) */
    const uint8_t *x;             /* channel 0's plane, row 0, column 0 */
    const uint32_t *k;            /* channel 0's block */
    int8_t *o;                    /* channel 0's first output */
    int32_t C;                    /* output pixel step */
} dw_strip6_t;

void ed_dw_strip_s1_3(const dw_strip6_t *a);
void ed_dw_strip_s1_5(const dw_strip6_t *a);
void ed_dw_strip_s1_6(const dw_strip6_t *a);
void ed_dw_strip_s1_12(const dw_strip6_t *a);
void ed_dw_strip_s2_3(const dw_strip6_t *a);
void ed_dw_strip_s2_5(const dw_strip6_t *a);
void ed_dw_strip_s2_6(const dw_strip6_t *a);
void ed_dw_ring6_s1(const dw_strip6_t *a);
void ed_dw_ring6_s2(const dw_strip6_t *a);

/* Write order (planner, overlap.py): pixel o's outputs may overwrite input below the first
 * input byte any pixel >= o reads. Here all pixels' channels c..c+3 are written before the
 * next ones are read, so the caller requires input and output disjoint, or output - input a
 * multiple of in_c: then output channel c lands on input channel c of a pixel no later pixel
 * reads (rows widened later lie beyond it), and the band already holds what is left to read of
 * channel c. R: the band's row pitch (32 or 128 bytes). */
static void __attribute__((noinline)) plane3x3(const ed_depthwise_conv_params_t *p,
                                               const dw_t *dp, const int8_t *input,
                                               int8_t *output, uint32_t off2, int32_t ncols,
                                               int32_t R, uint8_t *band) {
    const dw_t d = *dp;
    const int32_t C = p->in_c, sh = p->stride_h, sw = p->stride_w, out_w = p->out_w;
    const int32_t in_h = p->in_h, CP = 3 * R;
    uint32_t *tbl = (uint32_t *)(void *)(band + 12 * R);
    void (*rows)(const dw_rows_t *) = sw == 1 ? ed_dw_rows_s1_r128 : ed_dw_rows_s2_r128;
    void (*ring6)(const dw_strip6_t *) =   /* 6-output steps when out_w % 6 == 0 */
        out_w % 6 ? 0 : sw == 1 ? ED_DW_KERNEL(ED_USE_DW_RING6_S1, ed_dw_ring6_s1)
                                : ED_DW_KERNEL(ED_USE_DW_RING6_S2, ed_dw_ring6_s2);
    const int32_t step6 = out_w / 6 * 12 * sw;   /* band bytes of a row's 6-output steps */
    const int32_t n4 = out_w >> 2, t2 = (out_w >> 1) & 1;
    dw_rows_t a;
    a.tails = out_w & 3;
    a.xadj = CP - (n4 * 8 + t2 * 4) * sw;
    a.oadj = 1 - (out_w & ~1) * C;
    a.n4 = n4;
    a.C = C;
    a.C3 = 3 * C;
    /* band columns [j0, j1) are inside the image, the same for every row: the others stay 0 */
    int32_t j0, j1;
    ed_valid_range(-p->pad_w, ncols, 1, p->in_w, &j0, &j1);
    dw_zero(band, CP, 3 * R / 4);   /* the 4 channels' 3 slots */
    const int32_t row_bytes = p->in_w * C;
    const int8_t *in_j0 = input + (j0 - p->pad_w) * C;   /* column j0 of row 0 */
    for (int32_t c0 = 0; c0 < C; c0 += 4) {
        dw_table(p->filter + c0, C, &d, c0, tbl);
        /* `next`: the next input row to widen, into slot sn; after the widening loop
         * next == y0 + 3, so rows y0, y0 + 1, y0 + 2 sit in slots sn, sn + 1, sn + 2 (mod 3).
         * Rows a stride > 3 skips are stepped over. */
        int32_t next = -p->pad_h, sn = 0;
        int8_t *o = output + c0;
        for (int32_t oy = 0, y0 = -p->pad_h; oy < p->out_h; ++oy, y0 += sh, o += out_w * C) {
            for (; next < y0 + 3; ++next, sn = sn == 2 ? 0 : sn + 1) {
                if (next < y0) continue;
                uint8_t *t = band + sn * R + 2 * j0;
                if (next >= 0 && next < in_h && j1 > j0) {
                    dw_widen_row(in_j0 + next * row_bytes + c0, C, off2, t, CP, j1 - j0);
                } else if (j1 > j0) {   /* words of columns [j0, j1) */
                    dw_zero(band + sn * R + 4 * (j0 >> 1), CP, ((j1 + 1) >> 1) - (j0 >> 1));
                }
            }
            if (ring6) {
                const dw_strip6_t a6 = {CP - step6, 1 - out_w * C, step6, tbl + 120 + 10 * sn,
                                        band, tbl + 10 * sn, o, C};
                ring6(&a6);
                continue;
            }
            a.x = band;
            a.k = tbl + 10 * sn;
            a.kend = tbl + 120 + 10 * sn;
            a.o = o;
            rows(&a);
        }
    }
}

/* Strip path (the tap-pair steps on narrow images: 2 (ncols + 1) <= STRIP_R, stride_w 1 or 2,
 * any out_w): each channel's band is a plane of STRIP_SLOTS rows of STRIP_R bytes holding a
 * strip of consecutive input rows (padding rows as 0), so the window's rows are always R and 2R
 * past its top (one weight table, no rotations) and ONE call (ed_dw_strip_*) runs all of the
 * strip's output rows of the 4 channels: kmax = (STRIP_SLOTS - 3) / stride_h + 1 rows per
 * strip (14 at stride 1: VWW's 6x6 and 12x12 planes in one strip, KWS's 25 rows in two). A
 * strip re-widens the 3 - stride_h input rows it shares with the one before.
 * Write order: as plane3x3's; besides, a strip's rows are widened after the outputs of the
 * strips before it are written, which the planner allows: every byte of pixel o's output lies
 * below every input byte any pixel >= o reads (overlap.py), and a strip only reads for pixels
 * after the ones already written. */
#define STRIP_R 32
#define STRIP_SLOTS 16

/* the strip function's arguments, in the order its LDMs read them */
typedef struct {
    int32_t tails;                /* out_w & 3: bit 1 a 2-output step, bit 0 a 1-output step */
    int32_t radj;                 /* band: to the next row from a row's end */
    int32_t xadj, oadj;           /* to the next channel's plane / output from the last row's end */
    int32_t nrows, n4;            /* output rows, 4-output steps per row */
    const uint32_t *kend;         /* k of channel 4 (the end) */
    const uint8_t *x;             /* channel 0's plane, row 0, column 0 */
    const uint32_t *k;            /* channel 0's block */
    int8_t *o;                    /* channel 0's first output */
    int32_t C, C3;                /* output pixel step, 3 times it */
} dw_strip_t;

void ed_dw_strip_s1(const dw_strip_t *a);
void ed_dw_strip_s2(const dw_strip_t *a);

/* rows > 0 input rows of n > 0 columns (4 channels from src, pixels C bytes apart, rows
 * row_bytes = src_adj + 2 C (n / 2) apart) into consecutive rows of the strip band (STRIP_R
 * bytes apart, the 4 channels' planes STRIP_SLOTS * STRIP_R = 512 bytes apart) from t:
 * dw_widen_row's pairs and odd column, the band offsets as immediates, all rows in one loop. */
static inline void strip_widen(const int8_t *src, int32_t C, uint32_t off2, uint8_t *t,
                               int32_t n, int32_t rows, int32_t src_adj) {
    uint32_t v0, v1, u, k;
#define DW_PAIR_STRIP DW_WIDEN_PAIR_ASM("[%[t], #512]", "[%[t], #1024]", "[%[t], #1536]")
    __asm__ volatile(   /* volatile: its only effect is the stores */
        "5:\n\t"
        "lsrs    %[k], %[n], #2\n\t"      /* pairs of pairs; C: one pair more */
        "bcc     2f\n\t"
        DW_PAIR_STRIP
        "2:\n\t"
        "cbz     %[k], 3f\n\t"
        "1:\n\t"
        DW_PAIR_STRIP DW_PAIR_STRIP
        "subs    %[k], %[k], #1\n\t"
        "bne     1b\n\t"
        "3:\n\t"
        "tst     %[n], #1\n\t"
        "beq     4f\n\t"
        DW_WIDEN_ODD_ASM("[%[t], #512]", "[%[t], #1024]", "[%[t], #1536]")   /* the odd last column */
        "4:\n\t"
        "add     %[src], %[src], %[src_adj]\n\t"
        "bic     %[k], %[n], #1\n\t"
        "sub     %[t], %[t], %[k], lsl #1\n\t"   /* back to column 0, then the next row */
        "add     %[t], %[t], #32\n\t"
        "subs    %[rows], %[rows], #1\n\t"
        "bne     5b"
        : [src] "+r"(src), [t] "+r"(t), [rows] "+r"(rows), [k] "=&l"(k), [v0] "=&r"(v0),
          [v1] "=&r"(v1), [u] "=&r"(u)
        : [C] "r"(C), [off2] "r"(off2), [n] "r"(n), [src_adj] "r"(src_adj)
        : "memory", "cc");
#undef DW_PAIR_STRIP
}

/* Strip path, out_w == N n (N = 3, 5 or 6 outputs per step, n steps a row: 1, or 2 when N = 6
 * at stride 1), the row's steps unrolled. Registers: r0-r5 accumulators (r(N-1) holds the bias
 * until its own first tap), r6/r7 the row's weight words, then m / half, r8/r9 inputs, then
 * e1 / result, r10 band (the row's column 0), r11 weight block, r12 output, lr C. Per kernel
 * row of 6 outputs, stride 1: LDRD (x0,x1) (x2,x3), LDR (x1,x2), LDR (x3,x4), LDRD (x4,x5)
 * (x6,x7), LDR (x5,x6) and 6 SMLAD, 6 SMLABB / SMLABT; stride 2: LDRD x3, LDR (x12,x13), 6
 * SMLAD, 6 SMLABB; N = 3 and 5 take the first outputs' parts. Per 54 MACs: 87 instructions at
 * stride 1 (84 at stride 2), requantization and the output pointer included; 3 outputs: 49,
 * 5 outputs: 75. Rows are stride_w * STRIP_R bytes apart (the caller: stride_h == stride_w). */
__asm__(
    ".syntax unified\n"
    ".thumb\n"
    ".macro DWN_RQ acc, addr:vararg\n"
    "    smmlar  r9, \\acc, r6, r7\n"
    "    add     r9, r9, \\acc, asr #31\n"
    "    asr     r9, r9, r8\n"
    "    ssat    r9, #8, r9, asr #1\n"
    "    strb    r9, \\addr\n"
    ".endm\n"
    /* one kernel row: weights at KW in the block (FIRST: the bias into r(N-1), then them, by
     * LDM), (x0,x1) at B in the band; S0-S4: the accumulators' addends (the bias on the first
     * row; r(N-1)'s is always itself) */
    ".macro DWN_ROW s, N, kw, b, first, s0, s1, s2, s3, s4\n"
    "  .if \\first\n"
    "    ldm     r11, {\\s0, r6, r7}\n"
    "  .else\n"
    "    ldrd    r6, r7, [r11, #\\kw]\n"
    "  .endif\n"
    "  .if \\s == 1\n"
    "    ldrd    r8, r9, [r10, #\\b]\n"         /* (x0,x1) (x2,x3) */
    "    smlad   r0, r6, r8, \\s0\n"
    "    smlabb  r0, r7, r9, r0\n"
    "    smlabt  r1, r7, r9, \\s1\n"
    "    smlad   r2, r6, r9, \\s2\n"
    "    ldr     r8, [r10, #\\b + 2]\n"         /* (x1,x2) */
    "    smlad   r1, r6, r8, r1\n"
    "   .if \\N >= 4\n"
    "    ldr     r8, [r10, #\\b + 6]\n"         /* (x3,x4) */
    "    smlad   r3, r6, r8, \\s3\n"
    "   .endif\n"
    "   .if \\N >= 5\n"
    "    ldrd    r8, r9, [r10, #\\b + 8]\n"     /* (x4,x5) (x6,x7) */
    "   .else\n"
    "    ldr     r8, [r10, #\\b + 8]\n"
    "   .endif\n"
    "    smlabb  r2, r7, r8, r2\n"
    "   .if \\N >= 4\n"
    "    smlabt  r3, r7, r8, r3\n"
    "   .endif\n"
    "   .if \\N >= 5\n"
    "    smlad   r4, r6, r8, \\s4\n"
    "    smlabb  r4, r7, r9, r4\n"
    "   .endif\n"
    "   .if \\N >= 6\n"
    "    smlabt  r5, r7, r9, r5\n"
    "    ldr     r8, [r10, #\\b + 10]\n"        /* (x5,x6) */
    "    smlad   r5, r6, r8, r5\n"
    "   .endif\n"
    "  .else\n"
    "    ldrd    r8, r9, [r10, #\\b]\n"         /* (x0,x1) (x2,x3) */
    "    smlad   r0, r6, r8, \\s0\n"
    "    smlabb  r0, r7, r9, r0\n"
    "    smlad   r1, r6, r9, \\s1\n"
    "    ldrd    r8, r9, [r10, #\\b + 8]\n"     /* (x4,x5) (x6,x7) */
    "    smlabb  r1, r7, r8, r1\n"
    "    smlad   r2, r6, r8, \\s2\n"
    "    smlabb  r2, r7, r9, r2\n"
    "   .if \\N >= 4\n"
    "    smlad   r3, r6, r9, \\s3\n"
    "    ldrd    r8, r9, [r10, #\\b + 16]\n"    /* (x8,x9) (x10,x11) */
    "    smlabb  r3, r7, r8, r3\n"
    "   .endif\n"
    "   .if \\N >= 5\n"
    "    smlad   r4, r6, r8, \\s4\n"
    "    smlabb  r4, r7, r9, r4\n"
    "   .endif\n"
    "   .if \\N >= 6\n"
    "    smlad   r5, r6, r9, r5\n"
    "    ldr     r8, [r10, #\\b + 24]\n"        /* (x12,x13) */
    "    smlabb  r5, r7, r8, r5\n"
    "   .endif\n"
    "  .endif\n"
    ".endm\n"
    /* N outputs from band byte B of the row; r12 moves on N C */
    ".macro DWN_STEP s, N, b, R=32\n"
    "  .if \\N == 3\n"
    "    DWN_ROW \\s, 3, 4, \\b, 1, r2, r2, r2, r2, r2\n"
    "  .elseif \\N == 5\n"
    "    DWN_ROW \\s, 5, 4, \\b, 1, r4, r4, r4, r4, r4\n"
    "  .else\n"
    "    DWN_ROW \\s, 6, 4, \\b, 1, r5, r5, r5, r5, r5\n"
    "  .endif\n"
    "    DWN_ROW \\s, \\N, 12, \\b + \\R, 0, r0, r1, r2, r3, r4\n"
    "    DWN_ROW \\s, \\N, 20, \\b + 2 * \\R, 0, r0, r1, r2, r3, r4\n"
    "    ldrd    r6, r7, [r11, #28]\n"
    "    ldr     r8, [r11, #36]\n"
    "    DWN_RQ  r0, [r12]\n"
    "    DWN_RQ  r1, [r12, lr]\n"
    "    DWN_RQ  r2, [r12, lr, lsl #1]\n"
    "    add     r12, r12, lr, lsl #1\n"     /* output 2 */
    "  .if \\N == 3\n"
    "    add     r12, r12, lr\n"
    "  .else\n"
    "    DWN_RQ  r3, [r12, lr]\n"
    "    DWN_RQ  r4, [r12, lr, lsl #1]\n"
    "    add     r12, r12, lr, lsl #1\n"     /* output 4 */
    "   .if \\N == 5\n"
    "    add     r12, r12, lr\n"
    "   .else\n"
    "    DWN_RQ  r5, [r12, lr]\n"
    "    add     r12, r12, lr, lsl #1\n"
    "   .endif\n"
    "  .endif\n"
    ".endm\n"
    /* the function: 4 channels in N-output steps, n per pass, each pass ADV band bytes on
     * until the row end (row bytes from the args); then the next channel (blocks BLK bytes
     * apart). Strips (DW_STRIPN): a pass is one output row (ADV = 32 stride_h, BLK = 40);
     * ring rows (DW_RING6, band rows R = 128 apart): a pass is one 6-output step along the row
     * (ADV = 12 stride_w, BLK = 120) */
    ".macro DWN_FUNC name, s, N, n, R, adv, blk\n"
    "    DW_FUNC \\name\n"
    "    push    {r4-r11, lr}\n"
    "    ldm     r0, {r1-r4, r10, r11, r12, lr}\n"
    "    sub     sp, sp, #20\n"
    "    stm     sp, {r1-r4}\n"          /* [sp]: xadj, oadj, row bytes, kend; [sp, #16] row end */
    "6:\n"
    "    ldr     r9, [sp, #8]\n"
    "    add     r9, r9, r10\n"
    "    str     r9, [sp, #16]\n"
    "1:\n"
    "    DWN_STEP \\s, \\N, 0, \\R\n"
    "  .if \\n == 2\n"
    "    DWN_STEP \\s, \\N, 2 * \\N * \\s, \\R\n"
    "  .endif\n"
    "    add     r10, r10, #\\adv\n"
    "    ldr     r9, [sp, #16]\n"
    "    cmp     r10, r9\n"
    "    bne     1b\n"
    "    ldrd    r8, r9, [sp]\n"
    "    add     r10, r10, r8\n"
    "    add     r12, r12, r9\n"
    "    add     r11, r11, #\\blk\n"
    "    ldr     r9, [sp, #12]\n"
    "    cmp     r11, r9\n"
    "    bne     6b\n"
    "    add     sp, sp, #20\n"
    "    pop     {r4-r11, pc}\n"
    "    .size \\name, . - \\name\n"
    ".endm\n"
    /* out_w == N n, stride_h == stride_w */
    ".macro DW_STRIPN name, s, N, n\n"
    "    DWN_FUNC \\name, \\s, \\N, \\n, 32, 32 * \\s, 40\n"
    ".endm\n"
    /* the ring band's (plane3x3) row of 4 channels in 6-output steps: out_w % 6 == 0 */
    ".macro DW_RING6 name, s\n"
    "    DWN_FUNC \\name, \\s, 6, 1, 128, 12 * \\s, 120\n"
    ".endm\n"
    "DW_RING6 ed_dw_ring6_s1, 1\n"
    "DW_RING6 ed_dw_ring6_s2, 2\n"
    "DW_STRIPN ed_dw_strip_s1_3, 1, 3, 1\n"
    "DW_STRIPN ed_dw_strip_s1_5, 1, 5, 1\n"
    "DW_STRIPN ed_dw_strip_s1_6, 1, 6, 1\n"
    "DW_STRIPN ed_dw_strip_s1_12, 1, 6, 2\n"
    "DW_STRIPN ed_dw_strip_s2_3, 2, 3, 1\n"
    "DW_STRIPN ed_dw_strip_s2_5, 2, 5, 1\n"
    "DW_STRIPN ed_dw_strip_s2_6, 2, 6, 1\n"
    ".purgem DWN_RQ\n.purgem DWN_ROW\n.purgem DWN_STEP\n.purgem DWN_FUNC\n.purgem DW_STRIPN\n"
    ".purgem DW_RING6\n.purgem DW_FUNC\n"
    ".text\n");


static void __attribute__((noinline)) plane_strips(const ed_depthwise_conv_params_t *p,
                                                   const dw_t *dp, const int8_t *input,
                                                   int8_t *output, uint32_t off2, int32_t ncols,
                                                   uint8_t *band) {
    const dw_t d = *dp;
    const int32_t C = p->in_c, sh = p->stride_h, sw = p->stride_w, out_w = p->out_w;
    const int32_t in_h = p->in_h, out_h = p->out_h, CP = STRIP_SLOTS * STRIP_R;
    uint32_t *tbl = (uint32_t *)(void *)(band + 4 * CP);   /* 4 channels x 10 words */
    void (*strip)(const dw_strip_t *) = sw == 1 ? ed_dw_strip_s1 : ed_dw_strip_s2;
    void (*strip6)(const dw_strip6_t *) =   /* N-output steps: out_w 3, 5, 6, 12 at stride 1; */
        sh != sw     ? 0                      /* they step rows stride_w * STRIP_R */
        : out_w == 3 ? (sw == 1 ? ED_DW_KERNEL(ED_USE_DW_STRIP_S1_3, ed_dw_strip_s1_3)
                                : ED_DW_KERNEL(ED_USE_DW_STRIP_S2_3, ed_dw_strip_s2_3))
        : out_w == 5 ? (sw == 1 ? ED_DW_KERNEL(ED_USE_DW_STRIP_S1_5, ed_dw_strip_s1_5)
                                : ED_DW_KERNEL(ED_USE_DW_STRIP_S2_5, ed_dw_strip_s2_5))
        : out_w == 6 ? (sw == 1 ? ED_DW_KERNEL(ED_USE_DW_STRIP_S1_6, ed_dw_strip_s1_6)
                                : ED_DW_KERNEL(ED_USE_DW_STRIP_S2_6, ed_dw_strip_s2_6))
        : out_w == 12 && sw == 1 ? ED_DW_KERNEL(ED_USE_DW_STRIP_S1_12, ed_dw_strip_s1_12) : 0;
    const int32_t n4 = out_w >> 2, t2 = (out_w >> 1) & 1;
    const int32_t kmax = (STRIP_SLOTS - 3) / sh + 1;
    dw_strip_t a;
    a.tails = out_w & 3;
    a.radj = sh * STRIP_R - (n4 * 8 + t2 * 4) * sw;
    a.n4 = n4;
    a.kend = tbl + 40;
    a.C = C;
    a.C3 = 3 * C;
    /* band columns [j0, j1) are inside the image, the same for every row: the others stay 0 */
    int32_t j0, j1;
    ed_valid_range(-p->pad_w, ncols, 1, p->in_w, &j0, &j1);
    dw_zero(band, CP, CP / 4);   /* the 4 channels' planes */
    const int32_t row_bytes = p->in_w * C;
    const int8_t *in_j0 = input + (j0 - p->pad_w) * C;   /* column j0 of row 0 */
    for (int32_t c0 = 0; c0 < C; c0 += 4) {
        dw_table1(p->filter + c0, C, &d, c0, tbl);
        for (int32_t oy = 0; oy < out_h; oy += kmax) {
            const int32_t nrows = out_h - oy < kmax ? out_h - oy : kmax;
            const int32_t y0 = oy * sh - p->pad_h, nin = (nrows - 1) * sh + 3;
            /* band rows [s0, s1) inside the image; the others padding, 0 (already, when the
             * image is one strip: no input row ever lands in them) */
            const int32_t s0 = y0 < 0 ? -y0 : 0, s1 = in_h - y0 < nin ? in_h - y0 : nin;
            for (int32_t s = 0; s < nin && j1 > j0; ++s) {
                if (s == s0 && s1 > s0) {
                    strip_widen(in_j0 + (y0 + s0) * row_bytes + c0, C, off2,
                                band + s0 * STRIP_R + 2 * j0, j1 - j0, s1 - s0,
                                row_bytes - ((j1 - j0) & ~1) * C);
                    s = s1 - 1;
                } else if (out_h > kmax) {   /* words of columns [j0, j1) */
                    dw_zero(band + s * STRIP_R + 4 * (j0 >> 1), CP, ((j1 + 1) >> 1) - (j0 >> 1));
                }
            }
            int8_t *o = output + c0 + oy * out_w * C;
            if (strip6) {
                const dw_strip6_t a6 = {CP - nrows * sh * STRIP_R, 1 - nrows * out_w * C,
                                        nrows * sh * STRIP_R, tbl + 40, band, tbl, o, C};
                strip6(&a6);
                continue;
            }
            a.xadj = CP - nrows * sh * STRIP_R;
            a.oadj = 1 - nrows * out_w * C;
            a.nrows = nrows;
            a.x = band;
            a.k = tbl;
            a.o = o;
            strip(&a);
        }
    }
}

/* Channel-pair plane path, for the layers the tap-pair paths do not take (stride_w > 2); 3x3,
 * dilation 1, depth multiplier 1, in_c % 4 == 0, rq_fast, full act range:
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
static void __attribute__((noinline)) plane3x3_pairs(const ed_depthwise_conv_params_t *p,
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

/* The plane paths' entries (header: the compiler checked their conditions). */
static dw_t plane_constants(const ed_depthwise_conv_params_t *p) {
    return (dw_t){p->bias, p->multiplier, p->shift, 2 * p->output_offset + 1, p->act_min,
                  p->act_max, p->in_c, p->in_w * p->in_c, p->k_w * p->out_c};
}

static inline int32_t plane_cols(const ed_depthwise_conv_params_t *p) {
    return (p->out_w - 1) * p->stride_w + 3;                  /* the band's columns */
}

/* stride_w 1 or 2, 2 (ncols + 1) <= STRIP_R */
void ed_depthwise_conv_strips(const ed_depthwise_conv_params_t *p, const int8_t *input,
                              int8_t *output) {
    const dw_t d = plane_constants(p);
    plane_strips(p, &d, input, output, ed_dup16(p->input_offset), plane_cols(p),
                 (uint8_t *)p->scratch);
}

/* not the strip path's, stride_w 1 or 2, out_w >= 6, 2 (ncols + 1) <= 128 */
void ed_depthwise_conv_ring(const ed_depthwise_conv_params_t *p, const int8_t *input,
                            int8_t *output) {
    const dw_t d = plane_constants(p);
    plane3x3(p, &d, input, output, ed_dup16(p->input_offset), plane_cols(p), 128,
             (uint8_t *)p->scratch);
}

/* neither, the band (ncols * 24 * G, G = 2 when in_c % 8 == 0 and that fits) in
 * PLANE_BAND_BYTES */
void ed_depthwise_conv_pairs(const ed_depthwise_conv_params_t *p, const int8_t *input,
                             int8_t *output) {
    const dw_t d = plane_constants(p);
    const int32_t ncols = plane_cols(p);
    const int32_t G = p->in_c % 8 == 0 && ncols * 48 <= PLANE_BAND_BYTES ? 2 : 1;
    plane3x3_pairs(p, &d, input, output, ed_dup16(p->input_offset), ncols, G,
                   (uint32_t *)(void *)p->scratch);
}

/* the pixel path: every layer */
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
