/* The requantization and the input widening shared by dsp/fully_connected.c (int8 rows) and
 * dsp/fully_connected_wide.c (int16 rows): bit-exact with reference/fully_connected.c's
 * ed_mbqm + clamp (requant_dsp.h says why), the widened words laid out as simd.h says. */
#ifndef ED_FULLY_CONNECTED_RQ_H
#define ED_FULLY_CONNECTED_RQ_H

#include "fully_connected.h"
#include "requant_dsp.h"
#include "simd.h"

/* Requantization constants, copied out of the params once: int8 stores may alias any
 * object, so fields read through `p` would be reloaded after every output byte. */
typedef struct {
    const int32_t *bias, *mult;
    const int8_t *shift;
    int32_t zp, lo, hi;
    int32_t z1;                          /* 2 * zp + 1 (right form, below) */
} ed_fc_rq_t;

/* The layer's requantization fields, gathered once per call. */
static inline ed_fc_rq_t ed_fc_rq_of(const ed_fully_connected_params_t *p) {
    return (ed_fc_rq_t){p->bias, p->multiplier, p->shift, p->output_offset, p->act_min,
                        p->act_max, 2 * p->output_offset + 1};
}

/* acc with multiplier m and shift sh */
static inline int8_t ed_fc_requant(const ed_fc_rq_t *r, int32_t acc, int32_t m, int32_t sh, int right,
                             int full) {
    int32_t v;
    if (right) {
        /* one block per output: GCC interleaved four of these in C and spilled their values */
        uint32_t lo, e1;
        __asm__("mvn    %[e1], %[sh]\n\t"                          /* e - 1 = -shift - 1 */
                "lsl    %[v], %[z1], %[e1]\n\t"                    /* |z1 << (e-1)| < 2^31 */
                "asr    %[v], %[v], #1\n\t"
                "add    %[v], %[v], %[acc], asr #31\n\t"           /* high word */
                "and    %[lo], %[acc], #0x80000000\n\t"
                "orr    %[lo], %[lo], #0x40000000\n\t"             /* low word */
                "smlal  %[lo], %[v], %[acc], %[m]\n\t"
                "asr    %[v], %[v], %[e1]"
                : [v] "=&r"(v), [lo] "=&r"(lo), [e1] "=&r"(e1)
                : [sh] "r"(sh), [z1] "r"(r->z1), [acc] "r"(acc), [m] "r"(m));
    } else {
        v = ed_mbqm_dsp(acc, m, sh) + r->zp;
    }
    if (full) return (int8_t)__ssat(v, 8);
    return (int8_t)(v < r->lo ? r->lo : (v > r->hi ? r->hi : v));
}

/* Four outputs' accumulators requantized, then stored: all four computed before the first store
 * (an int8 store may alias anything, so a store between them reloads the constants). Called with
 * literal `right` and `full`, so each call site inlines one specialised copy. */
static inline __attribute__((always_inline)) void ed_fc_store4(const ed_fc_rq_t *r, int32_t s0, int32_t s1,
                                                               int32_t s2, int32_t s3, const int32_t *m,
                                                               const int8_t *sh, int8_t *y, int right,
                                                               int full) {
    const int8_t r0 = ed_fc_requant(r, s0, m[0], sh[0], right, full);
    const int8_t r1 = ed_fc_requant(r, s1, m[1], sh[1], right, full);
    const int8_t r2 = ed_fc_requant(r, s2, m[2], sh[2], right, full);
    const int8_t r3 = ed_fc_requant(r, s3, m[3], sh[3], right, full);
    y[0] = r0;
    y[1] = r1;
    y[2] = r2;
    y[3] = r3;
}

/* ed_fc_store4 with `right` and `full` passed on as literals, whatever the caller's are: the
 * rows loops take them as arguments and are inlined into one copy per requantization form. */
static inline __attribute__((always_inline)) void ed_fc_store4_as(const ed_fc_rq_t *r, int32_t s0,
                                                                  int32_t s1, int32_t s2, int32_t s3,
                                                                  const int32_t *m, const int8_t *sh,
                                                                  int8_t *y, int right, int full) {
    if (right && full)
        ed_fc_store4(r, s0, s1, s2, s3, m, sh, y, 1, 1);
    else if (right)
        ed_fc_store4(r, s0, s1, s2, s3, m, sh, y, 1, 0);
    else
        ed_fc_store4(r, s0, s1, s2, s3, m, sh, y, 0, 0);
}

/* The three entries model.c calls for a rows loop ROWS(p, rq, input, output, right, full), one
 * per requantization form (pipeline/compiler/paths.py picks one): ed_fully_connected_NAME
 * (general), _NAME_folded (input offset folded into the bias, the right form) and
 * _NAME_folded_full (that, and the output range the whole of int8). Each calls a noinline copy
 * of the loop specialised for its form, with the requantization fields gathered once. */
#define ED_FC_ENTRIES(NAME, ROWS)                                                                 \
    static void __attribute__((noinline)) NAME##_general(const ed_fully_connected_params_t *p,    \
            ed_fc_rq_t rq, const int8_t *input, int8_t *output) {                                 \
        ROWS(p, rq, input, output, 0, 0);                                                         \
    }                                                                                             \
    static void __attribute__((noinline)) NAME##_folded(const ed_fully_connected_params_t *p,     \
            ed_fc_rq_t rq, const int8_t *input, int8_t *output) {                                 \
        ROWS(p, rq, input, output, 1, 0);                                                         \
    }                                                                                             \
    static void __attribute__((noinline)) NAME##_folded_full(const ed_fully_connected_params_t *p,\
            ed_fc_rq_t rq, const int8_t *input, int8_t *output) {                                 \
        ROWS(p, rq, input, output, 1, 1);                                                         \
    }                                                                                             \
    void ed_fully_connected_##NAME(const ed_fully_connected_params_t *p, const int8_t *input,      \
                                   int8_t *output) {                                              \
        NAME##_general(p, ed_fc_rq_of(p), input, output);                                         \
    }                                                                                             \
    void ed_fully_connected_##NAME##_folded(const ed_fully_connected_params_t *p,                 \
                                            const int8_t *input, int8_t *output) {                \
        NAME##_folded(p, ed_fc_rq_of(p), input, output);                                          \
    }                                                                                             \
    void ed_fully_connected_##NAME##_folded_full(const ed_fully_connected_params_t *p,            \
                                                 const int8_t *input, int8_t *output) {           \
        NAME##_folded_full(p, ed_fc_rq_of(p), input, output);                                     \
    }

/* the n entries (n % 4 == 0) of x, widened with the offset, into words */
static inline void ed_fc_widen(const int8_t *x, int32_t n, uint32_t off2, uint32_t *dst) {
    for (int32_t i = 0; i < n; i += 4, dst += 2) {
        const uint32_t v = ed_load4(x + i);
        dst[0] = __sxtab16(off2, v);
        dst[1] = ed_sxtab16_ror8(off2, v);
    }
}

#endif
