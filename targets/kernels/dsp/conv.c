/* CONV_2D, ARMv7E-M DSP variant: same contract and bit-exact results as reference/conv.c.
 *
 * The compiler sorts the output channels of an ungrouped conv (conv.h's channel plan,
 * pipeline/compiler/layouts.py): the fast ones (rq_fast2's conditions below, checked there per
 * channel) run in the assembly GEMM, the slow ones (a shift or a bias outside them) in the C
 * path with the general requantization, and a channel whose filter is all zero (a dead channel:
 * its output is its requantized bias at every pixel) is not computed at all: the compiler
 * computed its value, the kernel stores it. One slow channel costs its own C path, never the
 * whole layer's. The filter holds only the fast and slow rows, in plan order.
 *
 * Ungrouped convs run as a GEMM over pixel pairs (q, q+1 in raster order; the odd last pixel
 * is paired with itself), with K = k_h * k_w * in_c rounded up to K4 (a multiple of 4):
 *   1. both windows are widened into the scratch as int16 2 * (x + input_offset) (im2col,
 *      conv_im2col.h), interleaved per 4 k so that SXTB16 of a weight word and of that word
 *      ROR 8 line up with them. The filter array ends with 3 spare bytes (lower_conv.py) so the
 *      last row's whole-word load stays inside it; k in [K, K4) are zero inputs.
 *   2. two output channels at a time, a 2x2 output block per pass: per 4 k, 2 LDRD of inputs,
 *      then either 2 LDRD of widened weights (filter16, pipeline/compiler/layouts.py) and 8 SMLAD
 *      (12 instructions per 16 MACs, MAC16_ASM) or 2 LDR of int8 weights, 4 SXTB16 and 8 SMLAD
 *      (16, MAC8_ASM). filter16 rows are padded with zero weights to K4; with K4 / 4 odd the
 *      loops (the _odd variants, as for int8 rows) enter their first 8-k pass halfway.
 *   3. rq_fast2 requantization of the 4 outputs from a per-call table (pair_t, one entry per
 *      pair of fast rows), stored at the rows' channels (the table holds each row's offset).
 * Steps 2 and 3 of all fast row pairs of a pixel pair run as one assembly loop
 * (GEMM16_ASM, GEMM8_ASM: no call, no spill per block): per block one LDM of the table entry
 * straight into the 4 accumulators and the x pointer, the K loop (U = 2, 4 or 8 groups of 4 k
 * per pass, one CMP/BNE each), one LDM of the 6 requantization constants, 4 x (SMMLAR, ADD,
 * ASR, SSAT), the output pointers, the 2 channel offsets, 4 STRB and the pair loop:
 * 26 + 12 * K4 / 4 + 2 * K4 / (4 U) instructions with filter16 (1 more with K4 / 4 odd: the
 * branch into the first pass) (4 more with int8 rows, whose K loop is 16 per 4 k).
 * filter16 from K4 = 12 on (layouts.py triples()) blocks the fast rows 3 at a time: n_fast =
 * 3 T + 2 P, and GEMM24_ASM runs the T 2x3 blocks (17 instructions per 4 k and 24 MACs, per
 * block 40 + 17 * K4 / 4 + 3 * K4 / (4 U)), then the P pairs as GEMM16_ASM in the same call.
 * An odd number of pair rows ends with a zero row that names the channel before it: the loops
 * store row 1 of a block before row 0, so the real row's output is the one that stays.
 * The C path (gemm_c, row by row) takes the slow rows with the general requantization.
 * The compiler chooses the loop (its unroll, the clamp, the odd entry: pipeline/compiler/paths.py)
 * and names it in the params (conv.h's gemm), with ed_conv_dsp_rest when the layer has slow or
 * constant channels: a firmware links only the loops its layers name.
 * Steps 1 and 2 accumulate 2 * acc (doubled inputs). The fast table holds the doubled bias;
 * the general form starts from 0 and adds the bias after halving, so any int32 bias wraps as
 * in the reference. |2 * sum| <= 2 * K * 128 * 255: exact in int32 for K < 32768, and the
 * summation order differs only in integer additions. Grouped convs take the plain per-tap loop.
 *
 * rq_fast2 (as dsp/depthwise_conv.c), on the doubled accumulator a2 = 2 acc, exact when
 * m in (2^30, 2^31), e = -shift in [1, 22], |acc| < 2^30 (the bias bounded per channel:
 * |b| < 2^30 - K * 128 * 255) and zp in [-128, 127] (layouts.py fast_channel). With e1 = e - 1 and
 * half = (2 zp + 1) * 2^e1:
 *     out = SSAT8(((SMMLAR(a2, m, half) + (a2 >> 31)) >> e1) >> 1)
 * requant_dsp.h: SRDHM(acc, m) = floor((acc m + 2^30) / 2^31) = floor((a2 m + 2^31) / 2^32),
 * which SMMLAR computes exactly (a2 fits int32: |acc| < 2^30), adding `half` to the high word;
 * its sign is acc's (m > 2^30), so RDBPOT is floor((SRDHM - [acc < 0] + 2^e1) / 2^e); zp * 2^e
 * inside the floor adds zp, and floor(floor(v / 2^e1) / 2) = floor(v / 2^e) (the final halving
 * is SSAT's ASR #1). |SRDHM| < 2^30 and |half| <= 255 * 2^21 < 2^29: no sum wraps.
 * A fused activation narrower than int8 adds two compares per output (the _clamp variants).
 *
 * Scratch (p->scratch, conv_scratch.h): K4 words for step 1, 2 * K4 + 4 bytes of int8 windows
 * when in_c % 4 != 0 (see conv_im2col.h), then 52 bytes per pair of fast rows for step 3
 * (76 per triple: never more in all).
 *
 * Memory overlap (planner, overlap.py): pixel q's outputs may overwrite input only where no
 * window of a pixel >= q reads. Both windows of a pair are in the scratch before either pixel's
 * outputs are written, so writing B's outputs cannot clobber A's window while it is in use. */
#include <stddef.h>

#include "conv.h"
#include "conv_im2col.h"
#include "requant_dsp.h"
#include "simd.h"

/* Step 3's table, one entry per pair of fast rows (r, r+1: channels c0, c1), in the order the
 * assembly loads it: the 4 accumulators' start (s00, s01: row r of pixels A, B; s10, s11: row
 * r+1) and the step-1 words, then (multiplier, half, e1) of c0 and of c1, then the byte offsets
 * c0 and c1 of the two outputs in a pixel. */
typedef struct {
    int32_t acc[4];                  /* 2 b0, 2 b0, 2 b1, 2 b1 */
    const uint32_t *x;               /* step 1's words (the same for every pair) */
    int32_t m0, half0, e1_0, m1, half1, e1_1;
    int32_t o0, o1;
} pair_t;
_Static_assert(sizeof(pair_t) == ED_CONV_PAIR_BYTES, "conv_scratch.h's table entry size");
_Static_assert(offsetof(pair_t, x) == 16 && offsetof(pair_t, m0) == 20 &&
               offsetof(pair_t, o0) == 44, "the assembly's LDMs");

/* The same per triple of fast rows (filter16 with triples: these entries come first, the
 * pairs' follow): the 6 accumulators' start (row r + i of pixels A, B at acc[2 i],
 * acc[2 i + 1]), the triple's weights (the x pointer is in the frame), (multiplier, half, e1)
 * per row, the 3 channel offsets. 76 bytes per 3 rows: never more than the pairs' 52 per 2
 * that conv_scratch.h counts. */
typedef struct {
    int32_t acc[6];
    const int16_t *w;
    int32_t mhe[9];
    int32_t o[3];
} triple_t;
_Static_assert(sizeof(triple_t) == 76 && offsetof(triple_t, mhe) == 28 &&
               offsetof(triple_t, o) == 64, "the assembly's LDMs");

/* The assembly loops' first argument (with the pixel pair's outputs pa, pb as the second and
 * third); pa, pb and its first 6 words (8 in the 2x3 loops) make their stack frame. */
typedef struct ed_conv_gemm_args {
    const void *tend;                /* [sp, #8]: the end of the full channel pairs (triples) */
    const void *tab;                 /* #12: the first pair (triple) */
    int32_t lo, hi;                  /* #16, #20: activation range (_clamp variants) */
    union {
        int32_t wadj;                /* #24: int8 rows: from row 0's end to the next pair */
        const pair_t *tend2;         /* #24: 2x3 loops: the end of the pairs after the triples */
    };
    const uint32_t *xend;            /* #28: the end of the K loop in step 1's words */
    const uint32_t *x;               /* #32: 2x3 loops: step 1's words */
    const int16_t *w2;               /* #36: 2x3 loops: the weights of the pairs */
    const void *w;                   /* weights of pair 0 */
    int32_t d1;                      /* int8 rows: row 1 at row 0 + d1 (= K) */
} gemm_args_t;
_Static_assert(offsetof(gemm_args_t, w) == 32 && offsetof(gemm_args_t, d1) == 36, "ENTER_ASM");

static inline int32_t half_of(int32_t zp, int32_t e1) { return (2 * zp + 1) * (1 << e1); }

/* the output channel of filter row r (conv.h: no channels[] means rows in channel order, the
 * zero row of an odd pair count repeating the last) */
static inline int32_t row_channel(const ed_conv_params_t *p, int32_t r) {
    return p->channels ? p->channels[r] : r < p->n_fast ? r : p->n_fast - 1;
}

/* the table for the `rows` fast rows (header; rows = n_fast and its zero row, if any): t3
 * triple_t entries (filter16 rows at w16), then pair_t entries. Every row meets rq_fast2's
 * conditions: the compiler put it there for that. */
static void __attribute__((noinline)) fill_table(const ed_conv_params_t *p, void *tab,
        const uint32_t *buf, int32_t k4, int32_t t3, int32_t rows, const int16_t *w16) {
    const int32_t zp = p->output_offset;
    triple_t *tt = (triple_t *)tab;
    for (int32_t i = 0; i < t3; ++i, ++tt) {
        for (int32_t j = 0; j < 3; ++j) {
            const int32_t oc = row_channel(p, 3 * i + j), e1 = -p->shift[oc] - 1;
            tt->acc[2 * j] = tt->acc[2 * j + 1] = p->bias ? 2 * p->bias[oc] : 0;
            tt->mhe[3 * j] = p->multiplier[oc];
            tt->mhe[3 * j + 1] = half_of(zp, e1);
            tt->mhe[3 * j + 2] = e1;
            tt->o[j] = oc;
        }
        tt->w = w16 + 3 * i * k4;
    }
    pair_t *t = (pair_t *)(void *)tt;
    for (int32_t r = 3 * t3; r < rows; r += 2, ++t) {
        const int32_t oc = row_channel(p, r), oc1 = row_channel(p, r + 1);
        const int32_t e1_0 = -p->shift[oc] - 1, e1_1 = -p->shift[oc1] - 1;
        t->acc[0] = t->acc[1] = p->bias ? 2 * p->bias[oc] : 0;
        t->acc[2] = t->acc[3] = p->bias ? 2 * p->bias[oc1] : 0;
        t->x = buf;
        t->m0 = p->multiplier[oc];
        t->half0 = half_of(zp, e1_0);
        t->e1_0 = e1_0;
        t->m1 = p->multiplier[oc1];
        t->half1 = half_of(zp, e1_1);
        t->e1_1 = e1_1;
        t->o0 = oc;
        t->o1 = oc1;
    }
}

/* SSAT to int8, then the activation's range (the C path always clamps: it is the rare one) */
static inline int8_t clamp8(int32_t v, int32_t lo, int32_t hi) {
    v = __ssat(v, 8);
    v = v < lo ? lo : v;
    return (int8_t)(v > hi ? hi : v);
}

static inline int8_t rq_general(int32_t s, int32_t m, int32_t shift, int32_t zp, int32_t lo,
                                int32_t hi) {
    return clamp8(ed_mbqm_dsp(s, m, shift) + zp, lo, hi);
}

typedef uint32_t __attribute__((may_alias)) ed_word_t;

/* The C path, row by row: filter rows [r0, r1) of the pixel pair (channels row_channel),
 * `groups` passes of 4 k over step 1's words x0 (filter16: its rows in triples, then pairs;
 * int8 rows of K), the general requantization: the doubled sums halved, the bias added with
 * int32 wrap as in the reference, ed_mbqm_dsp. */
static void __attribute__((noinline)) gemm_c(const ed_conv_params_t *p, int32_t r0, int32_t r1,
        int32_t groups, int32_t t3, const uint32_t *x0, int8_t *out_a, int8_t *out_b) {
    const int32_t K = p->k_h * p->k_w * p->in_c, k4 = 4 * groups;
    const int32_t zp = p->output_offset, lo = p->act_min, hi = p->act_max;
    for (int32_t row = r0; row < r1; ++row) {
        const int32_t oc = row_channel(p, row);
        const int32_t b = p->bias ? p->bias[oc] : 0;
        int32_t sa = 0, sb = 0;
        const uint32_t *x = x0;
        if (p->filter16) {
            const int16_t *r;
            int32_t step;                                     /* words from group to group */
            if (row < 3 * t3) {
                r = p->filter16 + (row / 3) * 3 * k4 + (row % 3) * 4;
                step = 6;
            } else {
                const int32_t j = row - 3 * t3;
                r = p->filter16 + 3 * t3 * k4 + (j / 2) * 2 * k4 + (j % 2) * 4;
                step = 4;
            }
            const ed_word_t *w = (const ed_word_t *)(const void *)r;
            for (int32_t g = groups; g > 0; --g, x += 4, w += step) {
                sa = __smlad(w[0], x[0], __smlad(w[1], x[1], sa));
                sb = __smlad(w[0], x[2], __smlad(w[1], x[3], sb));
            }
        } else {
            const int8_t *w = p->filter + (int64_t)row * K;
            for (int32_t g = groups; g > 0; --g, x += 4, w += 4) {
                const uint32_t v = ed_load4(w), e02 = __sxtb16(v), e13 = ed_sxtb16_ror8(v);
                sa = __smlad(e02, x[0], __smlad(e13, x[1], sa));
                sb = __smlad(e02, x[2], __smlad(e13, x[3], sb));
            }
        }
        const int32_t m = p->multiplier[oc], sh = p->shift[oc];
        out_a[oc] = rq_general((int32_t)((uint32_t)(sa >> 1) + (uint32_t)b), m, sh, zp, lo, hi);
        out_b[oc] = rq_general((int32_t)((uint32_t)(sb >> 1) + (uint32_t)b), m, sh, zp, lo, hi);
    }
}

/* ---- The assembly loops: all fast rows of a pixel pair, fast requantization. ----
 * void name(const gemm_args_t *a, int8_t *pa, int8_t *pb), pa and pb the outputs of pixels
 * A and B at channel 0 (in the frame, [sp, #0] and [sp, #4]; each block stores at its table
 * entry's channel offsets). Registers: r0-r3 the accumulators s00, s01, s10, s11,
 * r4 the x pointer (the requantization's temporary after the K loop), r5 the weights, r6 the
 * K loop's end, r7-r12 the K loop's x and weight words, then the requantization constants;
 * lr the table pointer (filter16) or d1 (int8 rows; the table pointer is then in the frame at
 * [sp, #12] and in r6 between the K loops). */

/* One filter16 row's 4 k (two words (w0, w2), (w1, w3) loaded from W into WA, WB) into pixel A's
 * accumulator ACCA and pixel B's ACCB, the pixels' inputs in XA0/XA1 and XB0/XB1: 5 instructions.
 * MAC16_ASM and MAC24_ASM are it for 2 and 3 rows in their own registers. */
#define MAC_ROW16_ASM(W, WA, WB, XA0, XA1, XB0, XB1, ACCA, ACCB)                                  \
    "ldrd   " WA ", " WB ", [" W "], #8\n\t"                                                     \
    "smlad  " ACCA ", " WA ", " XA0 ", " ACCA "\n\t"                                             \
    "smlad  " ACCB ", " WA ", " XB0 ", " ACCB "\n\t"                                             \
    "smlad  " ACCA ", " WB ", " XA1 ", " ACCA "\n\t"                                             \
    "smlad  " ACCB ", " WB ", " XB1 ", " ACCB "\n\t"

/* 4 k of the block, filter16: rows oc, oc+1 as (w0, w2), (w1, w3) int16 pairs */
#define MAC16_ASM                                                                                 \
    "ldrd   r7, r8, [r4], #8\n\t"             /* A: (x0, x2), (x1, x3) */                         \
    "ldrd   r9, r10, [r4], #8\n\t"            /* B */                                             \
    MAC_ROW16_ASM("r5", "r11", "r12", "r7", "r8", "r9", "r10", "r0", "r1")   /* row oc */          \
    MAC_ROW16_ASM("r5", "r11", "r12", "r7", "r8", "r9", "r10", "r2", "r3")   /* row oc + 1 */

/* 4 k of the block, int8 rows w (r5) and w + d1 (lr): SXTB16 gives (w0, w2), ROR 8 (w1, w3) */
#define MAC8_ASM                                                                                  \
    "ldrd   r7, r8, [r4], #8\n\t"             /* A: (x0, x2), (x1, x3) */                         \
    "ldrd   r9, r10, [r4], #8\n\t"            /* B */                                             \
    "ldr    r11, [r5, lr]\n\t"                /* row oc + 1 */                                    \
    "sxtb16 r12, r11\n\t"                                                                         \
    "smlad  r2, r12, r7, r2\n\t"                                                                  \
    "smlad  r3, r12, r9, r3\n\t"                                                                  \
    "sxtb16 r12, r11, ror #8\n\t"                                                                 \
    "smlad  r2, r12, r8, r2\n\t"                                                                  \
    "smlad  r3, r12, r10, r3\n\t"                                                                 \
    "ldr    r11, [r5], #4\n\t"                /* row oc */                                        \
    "sxtb16 r12, r11\n\t"                                                                         \
    "smlad  r0, r12, r7, r0\n\t"                                                                  \
    "smlad  r1, r12, r9, r1\n\t"                                                                  \
    "sxtb16 r12, r11, ror #8\n\t"                                                                 \
    "smlad  r0, r12, r8, r0\n\t"                                                                  \
    "smlad  r1, r12, r10, r1\n\t"

/* rq_fast2 of accumulator A with (multiplier M, half H, e1 E), SSAT to int8; T temporary */
#define RQT_ASM(A, M, H, E, T)                                                                    \
    "smmlar " T ", " A ", " M ", " H "\n\t"                                                       \
    "add    " A ", " T ", " A ", asr #31\n\t"                                                     \
    "asr    " A ", " A ", " E "\n\t"                                                              \
    "ssat   " A ", #8, " A ", asr #1\n\t"
#define RQ_ASM(A, M, H, E) RQT_ASM(A, M, H, E, "r4")

/* the 4 outputs from the constants in r7-r12 */
#define RQ4_ASM                                                                                   \
    RQ_ASM("r0", "r7", "r8", "r9") RQ_ASM("r1", "r7", "r8", "r9")                                 \
    RQ_ASM("r2", "r10", "r11", "r12") RQ_ASM("r3", "r10", "r11", "r12")

/* _clamp variants: the activation range [lo, hi] (frame) on the 4 outputs */
#define CLAMPR_ASM(A, LO, HI)                                                                     \
    "cmp    " A ", " LO "\n\t"                                                                    \
    "it     lt\n\t"                                                                               \
    "movlt  " A ", " LO "\n\t"                                                                    \
    "cmp    " A ", " HI "\n\t"                                                                    \
    "it     gt\n\t"                                                                               \
    "movgt  " A ", " HI "\n\t"
#define CLAMP_ASM(A) CLAMPR_ASM(A, "r7", "r8")
#define CLAMP4_ASM                                                                                \
    "ldrd   r7, r8, [sp, #16]\n\t"                                                                \
    CLAMP_ASM("r0") CLAMP_ASM("r1") CLAMP_ASM("r2") CLAMP_ASM("r3")
#define NO_CLAMP_ASM ""

/* the 4 stores (pa + c0, c1, pb + c0, c1), the offsets c0, c1 from the table entry at TAB
 * (advanced past them); row 1 first: a zero pad row names its row 0's channel */
#define STORE4_ASM(TAB)                                                                           \
    "ldm    sp, {r7, r8, r9}\n\t"             /* pa, pb, tend */                                  \
    "ldrd   r10, r11, [" TAB "], #8\n\t"      /* c0, c1 */                                        \
    "strb   r2, [r7, r11]\n\t"                                                                    \
    "strb   r0, [r7, r10]\n\t"                                                                    \
    "strb   r3, [r8, r11]\n\t"                                                                    \
    "strb   r1, [r8, r10]\n\t"

/* function frame: the callee-saved registers, then the argument's first 8 words at [sp] */
#define ENTER_ASM(name)                                                                           \
    ".syntax unified\n\t"                                                                         \
    ".thumb\n\t"                                                                                  \
    ".pushsection .text." #name ",\"ax\",%progbits\n\t"                                           \
    ".p2align 2\n\t"                                                                              \
    ".global " #name "\n\t"                                                                       \
    ".type " #name ", %function\n\t"                                                              \
    ".thumb_func\n"                                                                               \
    #name ":\n\t"                                                                                 \
    "push   {r4-r11, lr}\n\t"                                                                     \
    "ldm    r0, {r3-r8}\n\t"                                                                      \
    "push   {r1-r8}\n\t"                  /* pa, pb, tend, tab, lo, hi, wadj, xend */             \
    "ldr    r5, [r0, #32]\n\t"            /* w */                                                 \
    "mov    r6, r8\n\t"                   /* xend */
#define LEAVE_ASM(name)                                                                           \
    "add    sp, sp, #32\n\t"                                                                      \
    "pop    {r4-r11, pc}\n\t"                                                                     \
    ".size " #name ", . - " #name "\n\t"                                                          \
    ".popsection\n"

/* filter16: per block 1 LDM (accumulators, x), the K loop (K4 / 4 MAC16_ASM, U per pass:
 * U = 2, or 4 or 8 when they divide K4 / 4, one CMP/BNE per pass; K4 / 4 odd: U = 2 and ODD
 * enters the first pass at its second MAC16_ASM), 1 LDM of the constants,
 * 4 x RQ_ASM, the stores, the pair loop */
#define MAC16_U2_ASM MAC16_ASM MAC16_ASM
#define MAC16_U4_ASM MAC16_U2_ASM MAC16_U2_ASM
#define MAC16_U8_ASM MAC16_U4_ASM MAC16_U4_ASM
#define GEMM16_ASM(name, CLAMP, ODD, UNROLLED)                                                    \
    ENTER_ASM(name)                                                                               \
    "mov    lr, r4\n"                         /* tab */                                           \
    "1:\n\t"                                                                                      \
    "ldm    lr!, {r0-r4}\n\t"                 /* 2 b0, 2 b0, 2 b1, 2 b1, x */                     \
    ODD                                                                                           \
    "2:\n\t"                                                                                      \
    UNROLLED                                                                                      \
    "cmp    r4, r6\n\t"                                                                           \
    "bne    2b\n\t"                                                                               \
    "ldm    lr!, {r7-r12}\n\t"                /* m0, half0, e1_0, m1, half1, e1_1 */              \
    RQ4_ASM CLAMP STORE4_ASM("lr")                                                                \
    "cmp    lr, r9\n\t"                                                                           \
    "bne    1b\n\t"                                                                               \
    LEAVE_ASM(name)

/* int8 rows: the table pointer moves between r6 (outside the K loop) and the frame; after a
 * block, w advances by wadj to the next pair's row 0. The K loop: U = 2, 4 or 8 MAC8_ASM per
 * pass as for filter16; with K4 / 4 odd (U = 2), ODD_ASM enters the first pass at its second
 * MAC8_ASM. */
#define MAC8_U4_ASM MAC8_ASM MAC8_ASM MAC8_ASM MAC8_ASM
#define MAC8_U8_ASM MAC8_U4_ASM MAC8_U4_ASM
#define GEMM8_ASM(name, CLAMP, ODD, UNROLLED)                                                     \
    ENTER_ASM(name)                                                                               \
    "mov    r6, r4\n\t"                       /* tab */                                           \
    "ldr    lr, [r0, #36]\n"                  /* d1 */                                            \
    "1:\n\t"                                                                                      \
    "ldm    r6!, {r0-r4}\n\t"                 /* 2 b0, 2 b0, 2 b1, 2 b1, x */                     \
    "str    r6, [sp, #12]\n\t"                                                                    \
    "ldr    r6, [sp, #28]\n\t"                /* xend */                                          \
    ODD                                                                                           \
    "2:\n\t"                                                                                      \
    UNROLLED                                                                                      \
    "cmp    r4, r6\n\t"                                                                           \
    "bne    2b\n\t"                                                                               \
    "ldr    r6, [sp, #12]\n\t"                                                                    \
    "ldm    r6!, {r7-r12}\n\t"                /* m0, half0, e1_0, m1, half1, e1_1 */              \
    "ldr    r4, [sp, #24]\n\t"                                                                    \
    "add    r5, r5, r4\n\t"                   /* next pair's row 0 */                             \
    RQ4_ASM CLAMP STORE4_ASM("r6")                                                                \
    "cmp    r6, r9\n\t"                                                                           \
    "bne    1b\n\t"                                                                               \
    LEAVE_ASM(name)
#define MAC8_U2_ASM MAC8_ASM "3:\n\t" MAC8_ASM
#define EVEN_ASM ""
#define ODD_ASM "b      3f\n"
#define MAC16_O2_ASM MAC16_ASM "3:\n\t" MAC16_ASM

/* ---- The 2x3 loops (filter16 with triples): all triples, then the P pairs after them. ----
 * Registers in the triple loop: r0-r5 the accumulators (channel oc + i of pixels A, B in
 * r(2 i), r(2 i + 1)), r6 the x pointer, r7 the weights, r8-r11 the x words, r12 and lr the
 * weight words: all 14, so the K loop's end is loaded from the frame into r12 (free at the end
 * of a pass), and the table pointer waits in the frame ([sp, #12]) during the K loop. Per
 * triple: 1 LDM (accumulators, w), the x pointer and the table pointer (3), the K loop (17 per
 * 4 k, 3 per pass), 2 LDM of the 9 constants and the table pointer (3), 6 x RQT_ASM, the output
 * pointers, the 3 channel offsets and 6 STRB (8), the loop (2): 40 + 17 * K4 / 4 + 3 * K4 / (4 U), 13.3 + 5.67 * K4 / 4
 * (+ K4 / (4 U)) per channel against the 2x2 block's 13 + 6 * K4 / 4 (+ K4 / (4 U)). With
 * K4 / 4 odd (U = 2) ODD3 and ODD2 branch into the first pass's second half (labels 5, 6).
 * The pairs then run GEMM16_ASM's loop (r5 = w2, r6 = xend, [sp, #8] = tend2). Frame: pa, pb,
 * tend, tab, lo, hi, tend2, xend, x, w2. */
#define MAC24_ASM                                                                                 \
    "ldrd   r8, r9, [r6], #8\n\t"             /* A: (x0, x2), (x1, x3) */                         \
    "ldrd   r10, r11, [r6], #8\n\t"           /* B */                                             \
    MAC_ROW16_ASM("r7", "r12", "lr", "r8", "r9", "r10", "r11", "r0", "r1")   /* row oc */          \
    MAC_ROW16_ASM("r7", "r12", "lr", "r8", "r9", "r10", "r11", "r2", "r3")   /* row oc + 1 */      \
    MAC_ROW16_ASM("r7", "r12", "lr", "r8", "r9", "r10", "r11", "r4", "r5")   /* row oc + 2 */
#define MAC24_U2_ASM MAC24_ASM MAC24_ASM
#define MAC24_O2_ASM MAC24_ASM "5:\n\t" MAC24_ASM       /* odd entries: the triples at 5, */
#define MAC16_O6_ASM MAC16_ASM "6:\n\t" MAC16_ASM       /* the pairs after them at 6 */
#define MAC24_O8_ASM MAC24_O2_ASM MAC24_U2_ASM MAC24_U4_ASM  /* K4 / 4 % 8 == 7: one */
#define MAC16_O8_ASM MAC16_O6_ASM MAC16_U2_ASM MAC16_U4_ASM  /* pass of 7 first (RGB's K4 28) */
#define ODD5_ASM "b      5f\n\t"
#define ODD6_ASM "b      6f\n\t"
#define MAC24_U4_ASM MAC24_U2_ASM MAC24_U2_ASM
#define MAC24_U8_ASM MAC24_U4_ASM MAC24_U4_ASM
#define CLAMP6_ASM                                                                                \
    "ldrd   r6, r7, [sp, #16]\n\t"                                                                \
    CLAMPR_ASM("r0", "r6", "r7") CLAMPR_ASM("r1", "r6", "r7") CLAMPR_ASM("r2", "r6", "r7")       \
    CLAMPR_ASM("r3", "r6", "r7") CLAMPR_ASM("r4", "r6", "r7") CLAMPR_ASM("r5", "r6", "r7")
#define GEMM24_ASM(name, CLAMP3, CLAMP2, ODD3, ODD2, UNROLLED3, UNROLLED2)                                    \
    ".syntax unified\n\t"                                                                         \
    ".thumb\n\t"                                                                                  \
    ".pushsection .text." #name ",\"ax\",%progbits\n\t"                                           \
    ".p2align 2\n\t"                                                                              \
    ".global " #name "\n\t"                                                                       \
    ".type " #name ", %function\n\t"                                                              \
    ".thumb_func\n"                                                                               \
    #name ":\n\t"                                                                                 \
    "push   {r4-r11, lr}\n\t"                                                                     \
    "ldm    r0, {r3-r10}\n\t"                                                                     \
    "push   {r1-r10}\n\t"                 /* pa, pb, tend, tab, lo, hi, tend2, xend, x, w2 */     \
    "mov    lr, r4\n"                         /* tab */                                           \
    "1:\n\t"                                                                                      \
    "ldm    lr!, {r0-r5, r7}\n\t"             /* 2 b0, 2 b0, 2 b1, 2 b1, 2 b2, 2 b2, w */         \
    "str    lr, [sp, #12]\n\t"                                                                    \
    "ldr    r6, [sp, #32]\n\t"                /* x */                                             \
    ODD3                                                                                          \
    "2:\n\t"                                                                                      \
    UNROLLED3                                                                                     \
    "ldr    r12, [sp, #28]\n\t"               /* xend */                                          \
    "cmp    r6, r12\n\t"                                                                          \
    "bne    2b\n\t"                                                                               \
    "ldr    lr, [sp, #12]\n\t"                                                                    \
    "ldm    lr!, {r6-r11}\n\t"                /* m0, half0, e1_0, m1, half1, e1_1 */              \
    RQT_ASM("r0", "r6", "r7", "r8", "r12") RQT_ASM("r1", "r6", "r7", "r8", "r12")                 \
    RQT_ASM("r2", "r9", "r10", "r11", "r12") RQT_ASM("r3", "r9", "r10", "r11", "r12")             \
    "ldm    lr!, {r6-r8}\n\t"                 /* m2, half2, e1_2 */                               \
    RQT_ASM("r4", "r6", "r7", "r8", "r12") RQT_ASM("r5", "r6", "r7", "r8", "r12")                 \
    CLAMP3                                                                                        \
    "ldm    sp, {r6, r7, r8}\n\t"             /* pa, pb, tend */                                  \
    "ldm    lr!, {r9, r10, r11}\n\t"          /* c0, c1, c2 */                                    \
    "strb   r2, [r6, r10]\n\t"                                                                    \
    "strb   r4, [r6, r11]\n\t"                                                                    \
    "strb   r0, [r6, r9]\n\t"                                                                     \
    "strb   r3, [r7, r10]\n\t"                                                                    \
    "strb   r5, [r7, r11]\n\t"                                                                    \
    "strb   r1, [r7, r9]\n\t"                                                                     \
    "cmp    lr, r8\n\t"                                                                           \
    "bne    1b\n\t"                                                                               \
    "ldr    r9, [sp, #24]\n\t"                /* tend2 */                                         \
    "cmp    lr, r9\n\t"                                                                           \
    "beq    9f\n\t"                                                                               \
    "str    r9, [sp, #8]\n\t"                                                                     \
    "ldr    r5, [sp, #36]\n\t"                /* w2 */                                            \
    "ldr    r6, [sp, #28]\n"                  /* xend */                                          \
    "3:\n\t"                                                                                      \
    "ldm    lr!, {r0-r4}\n\t"                 /* 2 b0, 2 b0, 2 b1, 2 b1, x */                     \
    ODD2                                                                                          \
    "4:\n\t"                                                                                      \
    UNROLLED2                                                                                     \
    "cmp    r4, r6\n\t"                                                                           \
    "bne    4b\n\t"                                                                               \
    "ldm    lr!, {r7-r12}\n\t"                /* m0, half0, e1_0, m1, half1, e1_1 */              \
    RQ4_ASM CLAMP2 STORE4_ASM("lr")                                                               \
    "cmp    lr, r9\n\t"                                                                           \
    "bne    3b\n"                                                                                 \
    "9:\n\t"                                                                                      \
    "add    sp, sp, #40\n\t"                                                                      \
    "pop    {r4-r11, pc}\n\t"                                                                     \
    ".size " #name ", . - " #name "\n\t"                                                          \
    ".popsection\n"

#define NO_ODD ""
__asm__(GEMM24_ASM(ed_conv_dsp_gemm24, NO_CLAMP_ASM, NO_CLAMP_ASM, NO_ODD, NO_ODD, MAC24_U2_ASM,
                   MAC16_U2_ASM)
        GEMM24_ASM(ed_conv_dsp_gemm24_u4, NO_CLAMP_ASM, NO_CLAMP_ASM, NO_ODD, NO_ODD, MAC24_U4_ASM,
                   MAC16_U4_ASM)
        GEMM24_ASM(ed_conv_dsp_gemm24_u8, NO_CLAMP_ASM, NO_CLAMP_ASM, NO_ODD, NO_ODD, MAC24_U8_ASM,
                   MAC16_U8_ASM)
        GEMM24_ASM(ed_conv_dsp_gemm24_clamp, CLAMP6_ASM, CLAMP4_ASM, NO_ODD, NO_ODD, MAC24_U2_ASM,
                   MAC16_U2_ASM)
        GEMM24_ASM(ed_conv_dsp_gemm24_odd, NO_CLAMP_ASM, NO_CLAMP_ASM, ODD5_ASM, ODD6_ASM,
                   MAC24_O2_ASM, MAC16_O6_ASM)
        GEMM24_ASM(ed_conv_dsp_gemm24_u8_odd, NO_CLAMP_ASM, NO_CLAMP_ASM, ODD5_ASM, ODD6_ASM,
                   MAC24_O8_ASM, MAC16_O8_ASM)
        GEMM24_ASM(ed_conv_dsp_gemm24_clamp_odd, CLAMP6_ASM, CLAMP4_ASM, ODD5_ASM, ODD6_ASM,
                   MAC24_O2_ASM, MAC16_O6_ASM));

/* the variants: filter16 or int8 rows, unrolled 2, 4 or 8 (odd: K4 / 4 odd), the clamp
 * (rare: an activation narrower than int8) only in the general U = 2 forms */

__asm__(GEMM16_ASM(ed_conv_dsp_gemm16, NO_CLAMP_ASM, EVEN_ASM, MAC16_U2_ASM)
        GEMM16_ASM(ed_conv_dsp_gemm16_u4, NO_CLAMP_ASM, EVEN_ASM, MAC16_U4_ASM)
        GEMM16_ASM(ed_conv_dsp_gemm16_u8, NO_CLAMP_ASM, EVEN_ASM, MAC16_U8_ASM)
        GEMM16_ASM(ed_conv_dsp_gemm16_clamp, CLAMP4_ASM, EVEN_ASM, MAC16_U2_ASM)
        GEMM16_ASM(ed_conv_dsp_gemm16_odd, NO_CLAMP_ASM, ODD_ASM, MAC16_O2_ASM)
        GEMM16_ASM(ed_conv_dsp_gemm16_clamp_odd, CLAMP4_ASM, ODD_ASM, MAC16_O2_ASM)
        GEMM8_ASM(ed_conv_dsp_gemm8, NO_CLAMP_ASM, EVEN_ASM, MAC8_U2_ASM)
        GEMM8_ASM(ed_conv_dsp_gemm8_odd, NO_CLAMP_ASM, ODD_ASM, MAC8_U2_ASM)
        GEMM8_ASM(ed_conv_dsp_gemm8_u4, NO_CLAMP_ASM, EVEN_ASM, MAC8_U4_ASM)
        GEMM8_ASM(ed_conv_dsp_gemm8_u8, NO_CLAMP_ASM, EVEN_ASM, MAC8_U8_ASM)
        GEMM8_ASM(ed_conv_dsp_gemm8_clamp, CLAMP4_ASM, EVEN_ASM, MAC8_U2_ASM)
        GEMM8_ASM(ed_conv_dsp_gemm8_clamp_odd, CLAMP4_ASM, ODD_ASM, MAC8_U2_ASM));


/* grouped convs: one SIMD dot per valid tap (filter_in_c contiguous bytes in input and
 * filter), TFLM's padding skip as in the reference */
void ed_conv_grouped(const ed_conv_params_t *p, const int8_t *input, int8_t *output) {
    const int32_t fic = p->filter_in_c, out_per_group = p->out_c / (p->in_c / fic);
    const uint32_t off2 = ed_dup16(p->input_offset);
    for (int32_t q = 0; q < p->out_h * p->out_w; ++q) {
        const int32_t y0 = (q / p->out_w) * p->stride_h - p->pad_h;
        const int32_t x0 = (q % p->out_w) * p->stride_w - p->pad_w;
        for (int32_t oc = 0; oc < p->out_c; ++oc) {
            const int8_t *w = p->filter + (int64_t)oc * p->k_h * p->k_w * fic;
            const int32_t group = oc / out_per_group;
            int32_t acc = p->bias ? p->bias[oc] : 0;
            for (int32_t ky = 0; ky < p->k_h; ++ky) {
                const int32_t iy = y0 + ky * p->dil_h;
                for (int32_t kx = 0; kx < p->k_w; ++kx) {
                    const int32_t ix = x0 + kx * p->dil_w;
                    if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) continue;
                    const int8_t *x = input + ((int64_t)iy * p->in_w + ix) * p->in_c + group * fic;
                    const int8_t *wk = w + (ky * p->k_w + kx) * fic;
                    acc = ed_dot_offset(wk, x, fic, off2, p->input_offset, acc);
                }
            }
            output[(int64_t)q * p->out_c + oc] =
                rq_general(acc, p->multiplier[oc], p->shift[oc], p->output_offset, p->act_min, p->act_max);
        }
    }
}

/* the constant channels (plan order after the slow rows: cch) of two pixels (or one twice) */
static void put_consts(const ed_conv_params_t *p, const int16_t *cch, int8_t *out_a,
                       int8_t *out_b) {
    const int8_t *const v = p->const_values;   /* locals: int8 stores may alias `p` */
    const int32_t n = p->n_const;
    for (int32_t i = 0; i < n; ++i) {
        const int32_t c = cch[i];
        const int8_t x = v[i];
        out_a[c] = x;
        out_b[c] = x;
    }
}

/* what the assembly loop leaves of a pixel pair: the slow rows [rows, rows + n_slow), the
 * constant channels (conv.h's rest: model.c names it only for a layer that has them) */
void ed_conv_dsp_rest(const ed_conv_params_t *p, int32_t rows, const int16_t *cch,
                      const uint32_t *buf, int8_t *out_a, int8_t *out_b) {
    const int32_t groups = ED_CONV_K4(p->k_h, p->k_w, p->in_c) / 4, t3 = p->gemm_triples;
    if (p->n_slow) gemm_c(p, rows, rows + p->n_slow, groups, t3, buf, out_a, out_b);
    put_consts(p, cch, out_a, out_b);
}

/* ungrouped convs (grouped ones: ed_conv_grouped) */
void ed_conv(const ed_conv_params_t *p, const int8_t *input, int8_t *output) {
    const int32_t K = p->k_h * p->k_w * p->in_c, k4 = ED_CONV_K4(p->k_h, p->k_w, p->in_c);
    const int32_t out_c = p->out_c, n = p->out_h * p->out_w;
    const int32_t groups = k4 / 4;                         /* passes of 4 k */
    /* the plan (conv.h): fast rows [0, rows) with the zero row of an odd pair count, slow
     * rows [rows, rows + ns), then the constant channels */
    const int32_t t3 = p->gemm_triples, nf = p->n_fast, ns = p->n_slow, nc = p->n_const;
    const int32_t rows = nf + ((nf - 3 * t3) & 1);
    const int16_t *const cch = nc ? p->channels + rows + ns : NULL;
    uint32_t *buf = (uint32_t *)(void *)p->scratch;       /* word aligned (conv.h) */
    int8_t *tmp = p->scratch + 4 * k4;                     /* used when in_c % 4 != 0 */
    void *tab = tmp + (p->in_c % 4 ? 2 * k4 + 4 : 0);
    if (nf) fill_table(p, tab, buf, k4, t3, rows, p->filter16);
    ed_conv_gemm_fn *const gemm = p->gemm;
    ed_conv_rest_fn *const rest = p->rest;
    const pair_t *const pairs = (const pair_t *)(void *)((triple_t *)tab + t3);
    const int32_t npairs = (rows - 3 * t3) / 2;
    gemm_args_t a = {.tend = t3 ? (const void *)pairs : (const void *)(pairs + npairs),
                           .tab = tab, .lo = p->act_min, .hi = p->act_max,
                           .tend2 = pairs + npairs, .xend = buf + 4 * groups, .x = buf,
                           .w2 = p->filter16 ? p->filter16 + 3 * t3 * k4 : NULL,
                           .w = p->filter16 ? (const void *)p->filter16 : (const void *)p->filter,
                           .d1 = K};
    if (!p->filter16) a.wadj = 2 * K - 4 * groups;
    if (nf + ns == 0) {                                    /* every channel constant */
        for (int32_t q = 0; q < n; q += 2) {
            int8_t *out_a = output + (int64_t)q * out_c;
            put_consts(p, cch, out_a, q + 1 < n ? out_a + out_c : out_a);
        }
        return;
    }
    for (int32_t q = 0; q < n; q += 2) {
        const int32_t qb = q + 1 < n ? q + 1 : q;
        int8_t *out_a = output + (int64_t)q * out_c, *out_b = qb != q ? out_a + out_c : out_a;
        gather_pair(p, input, q, qb, k4, tmp, buf);
        if (gemm) gemm(&a, out_a, out_b);
        if (rest) rest(p, rows, cch, buf, out_a, out_b);
    }
}
