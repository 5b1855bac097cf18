/* Step 1 of dsp/conv.c's GEMM (im2col): a pixel pair's windows as int16 words, per 4 k
 * [A(x0,x2), A(x1,x3), B(x0,x2), B(x1,x3)], each lane 2 * (x + input_offset), so that SXTB16 of
 * a weight word and of that word ROR 8 (or the widened filter16 words) line up with them.
 *
 * Doubled: the GEMM then accumulates 2 * acc, the form the SMMLAR requantization takes
 * (requant_dsp.h); 2 * (x + offset) lies in [-510, 510], so with w in [-128, 127] every int16
 * lane, product and SMLAD pair sum is still exact.
 *
 * TFLM's padding skip becomes zero entries (w * 0 adds nothing), and so do the k in [K, K4).
 * A zero entry is also what an input byte equal to the zero point widens to (x + offset == 0),
 * so padding is read as zero-point bytes wherever that is cheaper than a zero store.
 *
 * Cost per 4 k of the pair: 8 ALU + one STM of the 4 words + the loads. That is the floor for
 * these words: SXTAB16 (or UXTAB16) is the only lane-wise widening of bytes and adds x once,
 * so 2 * x + 2 * offset takes a second instruction per word (SADD16 of the word with itself);
 * a 32-bit LSL or MLA instead would carry a negative low lane's borrow into the high lane.
 * The paths, chosen once per conv (ed_g, set at the pair with qa == 0); "interior" means both
 * windows of the pair lie wholly inside the input:
 *   - runs (k_w * in_c % 4 == 0 with dil_w == 1, or in_c % 4 == 0): a window is k_h rows of
 *     runs of L bytes, L % 4 == 0 (dil_w == 1: one run of k_w * in_c per row; else one of in_c
 *     per tap), so no 4-k group straddles two runs and interior pairs widen straight from the
 *     input: 8 k per LDRD pair when the runs are word aligned (in_c % 4 == 0 and a word-aligned
 *     input, checked), 4 k per LDR pair otherwise (KWS's 10x4x1 first conv). 1x1 stride-1
 *     convs without padding are one run at input + q * in_c: no coordinates at all (pw1).
 *   - rgb (in_c == 3, 3x3, dil_w == 1: the usual first layer): 27 k in 7 words per window
 *     from unaligned loads of the 3 row runs of 9 bytes; the groups that straddle two rows
 *     take the upper row's last byte / 2 bytes by BFI into a load that starts 1 / 2 bytes
 *     before the lower row's run (still inside the input: that row is not the first), and
 *     k = 27 is a zero-point byte ORed into the top of the last word.
 *   - border pairs with in_c % 4 == 0: tap by tap, a tap inside the input for both windows as
 *     in runs, otherwise 4 k at a time with a padded tap reading ed_g.zp4 with step 0.
 *   - everything else (border pairs with in_c % 4 != 0, other windows of in_c % 4 != 0): both
 *     windows are first copied as int8 into tmp (window_int8: per window row one word copy of
 *     the taps inside the input, zero-point fills around it), then widened from there.
 * Unaligned accesses are single LDR/LDRH/STR (allowed on ARMv7E-M); LDRD/STM only on word
 * aligned addresses (the input as above, the scratch). */
#ifndef ED_DSP_CONV_IM2COL_H
#define ED_DSP_CONV_IM2COL_H

#include <string.h>

#include "conv.h"
#include "simd.h"

/* Per-conv choices, set at the pair with qa == 0: every ed_conv call starts its pixel loop
 * there (a caller that does not must call gather_setup first). They depend only on the params
 * and the input pointer, never on the pixel, so pairs may come in any order after that. */
enum { ED_G_PW1, ED_G_RUNS, ED_G_RGB, ED_G_INT8 };   /* the paths above (pw1, runs, rgb, else) */
static struct {
    int32_t kind;
    int32_t aligned;              /* runs start on word addresses: LDRD */
    uint32_t off2;                /* input_offset in both int16 lanes */
    uint32_t zp4;                 /* the zero point in every byte: widens to 0 */
    uint32_t zp24;                /* the zero point in the top byte */
    uint32_t ylim, xlim;          /* window inside the input iff y0 < ylim, x0 < xlim (unsigned) */
    int32_t run, nrun, rstep;     /* per window row: nrun runs of run bytes, rstep apart */
    int32_t rskip;                /* from the end of a row's last run to the next row's first */
} ed_g;

/* Widen the input words in operands A and B (4 int8 each) to 2 (x + offset) and store the 4
 * words at d (post-increment): the asm text shared by ED_PUT4, ED_RUN8 and ED_RUN4 (operands
 * t0..t3 in r8..r11, o = off2, d). */
#define ED_WIDEN_PUT_ASM(A, B)                                                                     \
    "sxtab16 %[t0], %[o], %[" A "]\n\t"                                                            \
    "sxtab16 %[t1], %[o], %[" A "], ror #8\n\t"                                                    \
    "sxtab16 %[t2], %[o], %[" B "]\n\t"                                                            \
    "sxtab16 %[t3], %[o], %[" B "], ror #8\n\t"                                                    \
    "sadd16  %[t0], %[t0], %[t0]\n\t"                                                              \
    "sadd16  %[t1], %[t1], %[t1]\n\t"                                                              \
    "sadd16  %[t2], %[t2], %[t2]\n\t"                                                              \
    "sadd16  %[t3], %[t3], %[t3]\n\t"                                                              \
    "stmia   %[d]!, {%[t0], %[t1], %[t2], %[t3]}"

/* The 4 words of one 4-k group of the pair from the input words av, bv (4 int8 each), stored
 * with one STM: its registers must ascend, hence the fixed registers r8..r11 (asm operands
 * only). av and bv come in through r9 and r11 (each is read before it is overwritten), so
 * GCC loads them there directly instead of loading and moving. */
#define ED_PUT4(d, av, bv, off2)                                                                  \
    do {                                                                                          \
        register uint32_t t0_ __asm__("r8"), t1_ __asm__("r9") = (av), t2_ __asm__("r10"),       \
            t3_ __asm__("r11") = (bv);                                                            \
        __asm__ volatile(ED_WIDEN_PUT_ASM("t1", "t3")                                              \
                         : [d] "+r"(d), [t0] "=&r"(t0_), [t1] "+r"(t1_), [t2] "=&r"(t2_),         \
                           [t3] "+r"(t3_)                                                         \
                         : [o] "r"(off2)                                                          \
                         : "memory");                                                             \
    } while (0)

/* 8 k of both runs from word-aligned pa, pb (LDRD, post-increment): 2 + 16 + 2 instructions */
#define ED_RUN8(d, src_a, src_b, off2)                                                                  \
    do {                                                                                          \
        register uint32_t t0_ __asm__("r8"), t1_ __asm__("r9"), t2_ __asm__("r10"),              \
            t3_ __asm__("r11");                                                                   \
        uint32_t a1_, b1_;                                                                        \
        __asm__ volatile("ldrd    %[t1], %[a1], [%[pa]], #8\n\t"                                           \
                "ldrd    %[t3], %[b1], [%[pb]], #8\n\t"                                           \
                ED_WIDEN_PUT_ASM("t1", "t3") "\n\t"                                                \
                ED_WIDEN_PUT_ASM("a1", "b1")                                                       \
                : [d] "+r"(d), [pa] "+r"(src_a), [pb] "+r"(src_b), [t0] "=&r"(t0_), [t1] "=&r"(t1_),   \
                  [t2] "=&r"(t2_), [t3] "=&r"(t3_), [a1] "=&r"(a1_), [b1] "=&r"(b1_)              \
                : [o] "r"(off2)                                                                   \
                : "memory");                                                                      \
    } while (0)

/* 4 k of both runs (LDR, any alignment, post-increment): 2 + 8 + 1 instructions */
#define ED_RUN4(d, src_a, src_b, off2)                                                            \
    do {                                                                                          \
        register uint32_t t0_ __asm__("r8"), t1_ __asm__("r9"), t2_ __asm__("r10"),              \
            t3_ __asm__("r11");                                                                   \
        __asm__ volatile("ldr     %[t1], [%[pa]], #4\n\t"                                         \
                         "ldr     %[t3], [%[pb]], #4\n\t"                                         \
                         ED_WIDEN_PUT_ASM("t1", "t3")                                              \
                         : [d] "+r"(d), [pa] "+r"(src_a), [pb] "+r"(src_b), [t0] "=&r"(t0_),      \
                           [t1] "=&r"(t1_), [t2] "=&r"(t2_), [t3] "=&r"(t3_)                      \
                         : [o] "r"(off2)                                                          \
                         : "memory");                                                             \
    } while (0)

/* n bytes (n % 4 == 0) of runs a and b into the interleaved words; LDRD when `aligned` (a
 * constant at each call site) */
static inline __attribute__((always_inline)) uint32_t *widen_runs(const int8_t *a,
        const int8_t *b, int32_t n, uint32_t off2, uint32_t *d, int aligned) {
    if (aligned) {
        for (int32_t i = n >> 3; i > 0; --i) ED_RUN8(d, a, b, off2);
        if (n & 4) ED_RUN4(d, a, b, off2);
    } else {
        for (int32_t i = n >> 2; i > 0; --i) ED_RUN4(d, a, b, off2);
    }
    return d;
}

/* The int8 windows are assembled in whole words: a copy or fill of n bytes moves ceil(n/4)
 * words, so it may write up to 3 bytes past its end (the next piece of the window overwrites
 * them, in order; past the second window the scratch has 4 bytes of slack) and read up to 3
 * bytes past an input row (still inside the arena: the scratch region follows every activation
 * buffer, and conv inputs are always arena buffers). No library call for these short pieces. */
static inline void copy_words(int8_t *dst, const int8_t *src, int32_t n) {
    for (int32_t i = 0; i < n; i += 4) {
        uint32_t v;
        memcpy(&v, src + i, 4);
        memcpy(dst + i, &v, 4);
    }
}

static inline void fill_words(int8_t *dst, uint32_t v4, int32_t n) {
    for (int32_t i = 0; i < n; i += 4) memcpy(dst + i, &v4, 4);
}

/* int8 window of the pixel whose top-left tap is (y0, x0): K bytes, then zp up to K4. With
 * dil_w == 1 the taps inside the input form one span [lo, hi) of every row: a fill of the left
 * padding, one copy, a fill of the right padding, in that order (each piece overwrites the
 * previous one's overrun). */
static void window_int8(const ed_conv_params_t *p, const int8_t *input, int32_t y0, int32_t x0,
                        int32_t k4, int8_t *dst) {
    const uint32_t zp4 = ed_g.zp4;
    const int32_t c = p->in_c, row_bytes = p->k_w * c;
    int32_t lo = 0, hi = row_bytes;                          /* dil_w == 1: bytes of the span */
    if (p->dil_w == 1) {
        if (x0 < 0) lo = (x0 < -p->k_w ? p->k_w : -x0) * c;
        if (x0 + p->k_w > p->in_w) hi = (p->in_w - x0 < 0 ? 0 : p->in_w - x0) * c;
        if (hi < lo) hi = lo;
    }
    int8_t *const start = dst;
    for (int32_t ky = 0; ky < p->k_h; ++ky, dst += row_bytes) {
        const int32_t iy = y0 + ky * p->dil_h;
        if (iy < 0 || iy >= p->in_h) {
            fill_words(dst, zp4, row_bytes);
            continue;
        }
        const int8_t *row = input + ((int64_t)iy * p->in_w + x0) * c;
        if (p->dil_w == 1) {
            if (lo) fill_words(dst, zp4, lo);
            copy_words(dst + lo, row + lo, hi - lo);
            if (hi < row_bytes) fill_words(dst + hi, zp4, row_bytes - hi);
            continue;
        }
        for (int32_t kx = 0; kx < p->k_w; ++kx) {
            const int32_t ix = x0 + kx * p->dil_w;
            if (ix < 0 || ix >= p->in_w)
                fill_words(dst + kx * c, zp4, c);
            else
                copy_words(dst + kx * c, row + kx * p->dil_w * c, c);
        }
    }
    if (dst - start < k4) fill_words(dst, zp4, 4);           /* K..K4: fewer than 4 bytes */
}

/* in_c % 4 == 0, a window in the padding: tap by tap, a padded tap reading ed_g.zp4 (step 0) */
static void __attribute__((noinline)) gather_taps_border(const ed_conv_params_t *p,
        const int8_t *input, int32_t ya, int32_t xa, int32_t yb, int32_t xb, uint32_t *d) {
    const uint32_t off2 = ed_g.off2;
    const int8_t *const zp = (const int8_t *)&ed_g.zp4;
    const int32_t c = p->in_c;
    for (int32_t ky = 0; ky < p->k_h; ++ky) {
        const int32_t iya = ya + ky * p->dil_h, iyb = yb + ky * p->dil_h;
        const int ra = iya >= 0 && iya < p->in_h, rb = iyb >= 0 && iyb < p->in_h;
        for (int32_t kx = 0; kx < p->k_w; ++kx) {
            const int32_t ixa = xa + kx * p->dil_w, ixb = xb + kx * p->dil_w;
            const int va = ra && ixa >= 0 && ixa < p->in_w, vb = rb && ixb >= 0 && ixb < p->in_w;
            const int8_t *a = va ? input + (iya * p->in_w + ixa) * c : zp;
            const int8_t *b = vb ? input + (iyb * p->in_w + ixb) * c : zp;
            if (va && vb) {                          /* as gather_runs: word aligned */
                for (int32_t i = c >> 3; i > 0; --i) ED_RUN8(d, a, b, off2);
                if (c & 4) ED_RUN4(d, a, b, off2);
                continue;
            }
            const int32_t sa = va ? 4 : 0, sb = vb ? 4 : 0;
            for (int32_t i = c >> 2; i > 0; --i, a += sa, b += sb)
                ED_PUT4(d, ed_load4(a), ed_load4(b), off2);
        }
    }
}

/* interior pair, runs: k_h rows of nrun runs of `run` bytes (all % 4 == 0). The run loops
 * leave a, b at the run's end: the next run is rstep - run further, the next row rskip. */
static inline __attribute__((always_inline)) void gather_runs(const ed_conv_params_t *p,
        const int8_t *a, const int8_t *b, uint32_t *d, int aligned) {
    const uint32_t off2 = ed_g.off2;
    const int32_t run = ed_g.run, nrun = ed_g.nrun, rskip = ed_g.rskip, gap = ed_g.rstep - run;
    for (int32_t ky = p->k_h; ky > 0; --ky, a += rskip, b += rskip) {
        for (int32_t r = nrun;;) {
            if (aligned) {
                for (int32_t i = run >> 3; i > 0; --i) ED_RUN8(d, a, b, off2);
                if (run & 4) ED_RUN4(d, a, b, off2);
            } else {
                for (int32_t i = run >> 2; i > 0; --i) ED_RUN4(d, a, b, off2);
            }
            if (--r == 0) break;
            a += gap;
            b += gap;
        }
    }
}

/* the 7 words of a 3x3x3 window (dil_w == 1) whose top row starts at a, rows rs apart:
 * k = 9 ky + 3 kx + c, word j holds k 4j..4j+3 */
/* BFI in one instruction (GCC 12 emits BIC + ORR) */
static inline uint32_t bfi_lo8(uint32_t w, uint32_t b) {
    __asm__("bfi %0, %1, #0, #8" : "+r"(w) : "r"(b));
    return w;
}
static inline uint32_t bfi_lo16(uint32_t w, uint32_t h) {
    __asm__("bfi %0, %1, #0, #16" : "+r"(w) : "r"(h));
    return w;
}
static inline uint32_t ed_load2(const int8_t *p) {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static inline __attribute__((always_inline)) void gather_rgb(const int8_t *a, const int8_t *b,
        int32_t rs, uint32_t *d) {
    const uint32_t off2 = ed_g.off2, zp24 = ed_g.zp24;
    const int8_t *a1 = a + rs, *b1 = b + rs, *a2 = a1 + rs, *b2 = b1 + rs;
    ED_PUT4(d, ed_load4(a), ed_load4(b), off2);                                     /* r0 0..3 */
    ED_PUT4(d, ed_load4(a + 4), ed_load4(b + 4), off2);                             /* r0 4..7 */
    ED_PUT4(d, bfi_lo8(ed_load4(a1 - 1), (uint8_t)a[8]),                      /* r0 8, r1 0..2 */
            bfi_lo8(ed_load4(b1 - 1), (uint8_t)b[8]), off2);
    ED_PUT4(d, ed_load4(a1 + 3), ed_load4(b1 + 3), off2);                           /* r1 3..6 */
    ED_PUT4(d, bfi_lo16(ed_load4(a2 - 2), ed_load2(a1 + 7)),                  /* r1 7..8, r2 0..1 */
            bfi_lo16(ed_load4(b2 - 2), ed_load2(b1 + 7)), off2);
    ED_PUT4(d, ed_load4(a2 + 2), ed_load4(b2 + 2), off2);                           /* r2 2..5 */
    ED_PUT4(d, zp24 | (ed_load4(a2 + 5) >> 8), zp24 | (ed_load4(b2 + 5) >> 8), off2); /* r2 6..8, zp */
}

static void __attribute__((noinline)) gather_setup(const ed_conv_params_t *p, const int8_t *input) {
    const int32_t c = p->in_c;
    const int32_t run = p->dil_w == 1 ? p->k_w * c : c;
    ed_g.off2 = ed_dup16(p->input_offset);
    ed_g.zp4 = 0x01010101u * (uint8_t)(-p->input_offset);
    ed_g.zp24 = ed_g.zp4 & 0xFF000000u;
    const int32_t ylim = p->in_h - (p->k_h - 1) * p->dil_h, xlim = p->in_w - (p->k_w - 1) * p->dil_w;
    ed_g.ylim = ylim > 0 ? (uint32_t)ylim : 0;           /* a window taller than the input: none */
    ed_g.xlim = xlim > 0 ? (uint32_t)xlim : 0;
    ed_g.run = run;
    ed_g.nrun = p->dil_w == 1 ? 1 : p->k_w;
    ed_g.rstep = p->dil_w * c;
    ed_g.rskip = p->dil_h * p->in_w * c - (ed_g.nrun - 1) * ed_g.rstep - run;
    ed_g.aligned = c % 4 == 0 && ((uintptr_t)input & 3) == 0;
    if (run % 4 == 0) {
        ed_g.kind = ED_G_RUNS;
        if (p->k_h == 1 && p->k_w == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_h == 0 &&
            p->pad_w == 0 && p->in_w == p->out_w && ed_g.aligned)
            ed_g.kind = ED_G_PW1;
    } else if (c == 3 && p->k_h == 3 && p->k_w == 3 && p->dil_w == 1) {
        ed_g.kind = ED_G_RGB;
    } else {
        ed_g.kind = ED_G_INT8;
    }
}

/* step 1 for pixels qa, qb: fills buf (K4 words); tmp holds 2 * K4 + 4 bytes when in_c % 4 != 0 */
static inline __attribute__((always_inline)) void gather_pair(const ed_conv_params_t *p,
        const int8_t *input, int32_t qa, int32_t qb, int32_t k4, int8_t *tmp, uint32_t *buf) {
    if (qa == 0) gather_setup(p, input);
    const int32_t kind = ed_g.kind;
    if (kind == ED_G_PW1) {
        const int32_t c = p->in_c;
        widen_runs(input + qa * c, input + qb * c, c, ed_g.off2, buf, 1);
        return;
    }
    const int32_t ow = p->out_w;
    const int32_t ya = (qa / ow) * p->stride_h - p->pad_h, xa = (qa % ow) * p->stride_w - p->pad_w;
    const int32_t yb = (qb / ow) * p->stride_h - p->pad_h, xb = (qb % ow) * p->stride_w - p->pad_w;
    const int inside = (uint32_t)ya < ed_g.ylim && (uint32_t)yb < ed_g.ylim &&
                       (uint32_t)xa < ed_g.xlim && (uint32_t)xb < ed_g.xlim;
    const int32_t rs = p->in_w * p->in_c;
    if (inside && kind != ED_G_INT8) {
        const int8_t *a = input + ya * rs + xa * p->in_c, *b = input + yb * rs + xb * p->in_c;
        if (kind == ED_G_RGB)
            gather_rgb(a, b, p->dil_h * rs, buf);
        else if (ed_g.aligned)
            gather_runs(p, a, b, buf, 1);
        else
            gather_runs(p, a, b, buf, 0);
        return;
    }
    if (p->in_c % 4 == 0) {
        gather_taps_border(p, input, ya, xa, yb, xb, buf);
        return;
    }
    window_int8(p, input, ya, xa, k4, tmp);
    window_int8(p, input, yb, xb, k4, tmp + k4);
    widen_runs(tmp, tmp + k4, k4, ed_g.off2, buf, 1);
}

#endif
