/* ADD, int8, dsp-target variant: bit-exact with reference/add.c.
 * Each input's rescaled term t(x) = ed_mbqm((x + offset) << left_shift, multiplier, shift)
 * depends only on the int8 value x, so both are tabulated once per call (2 x 256 int32 in the
 * arena scratch, add_scratch.h; 512 evaluations against one per element before); an element then costs two table
 * loads, one add, one requantization and a clamp. Inputs are int8 by contract: the tables are
 * indexed by the signed byte around their middle entry.
 *
 * The requantization of s = t1 + t2 has a fast form when the output multiplier M and shift -e
 * meet ed_mbqm_right's conditions (requant_dsp.h): there the result is
 *     floor((s*M + 2^30 + 2^(30+e) - [s<0] * 2^31) / 2^(31+e))
 *   = floor((2s*M + 2^31 + 2^32 * (2^(e-1) - [s<0])) / 2^(32+e)),
 * which is SMMLAR (Rd = floor((Ra*2^32 + Rn*Rm + 2^31) / 2^32)) of 2s and M with Ra =
 * 2^(e-1) - [s<0], followed by an arithmetic shift by e (floor(floor(q/2^32)/2^e) =
 * floor(q/2^(32+e))). The output zero point joins Ra as zp * 2^e (an integer moves out of the
 * floor). The tables then hold 2t, so that 2s is one add. The compiler checks that 2s and the
 * SMMLAR result fit in int32 (|t| <= |t(-128)| or |t(127)|: t is monotone in x) and then calls
 * a _fast entry (pipeline/compiler/paths.py, add_fast). With the full int8 activation range
 * the clamp is one SSAT (_full).
 *
 * Non-broadcast inputs (the residual adds) run one flat loop (the ed_add_flat entries);
 * broadcasting keeps the reference's 4-D walk (ed_add, ed_add_fast). model.c calls the entry
 * the compiler chose, so a firmware links only the forms its layers take. Output order is the reference's: element i is written after element i
 * of each input is read (in place stays safe). */
#include "add.h"
#include "requant_dsp.h"
#include "simd.h"

/* Requantization and clamp constants, copied out of the params once: int8 stores may alias
 * any object, so fields read through `p` would be reloaded after every output byte. */
typedef struct {
    int32_t m, shift;          /* output multiplier and shift */
    int32_t e, ra;             /* fast form: e = -shift, ra = 2^(e-1) + zp * 2^e */
    int32_t zp, lo, hi;
} rq_t;

static inline int32_t smmlar(int32_t a, int32_t b, int32_t acc) {
    int32_t r;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}

/* s: t1 + t2 as tabulated (2s when fast); full: act range [-128, 127] */
static inline int8_t requant(const rq_t *r, int32_t s, int fast, int full) {
    int32_t v;
    if (fast) v = smmlar(s, r->m, r->ra + (s >> 31)) >> r->e;   /* s >> 31: -[s<0] */
    else v = ed_mbqm_dsp(s, r->m, r->shift) + r->zp;
    if (full) return (int8_t)__ssat(v, 8);
    return (int8_t)(v < r->lo ? r->lo : (v > r->hi ? r->hi : v));
}

/* n elements, both inputs contiguous; t1, t2 point at the tables' middle (x = 0). Four
 * elements per pass, each read before it is written (in place safe). */
static inline __attribute__((always_inline)) void flat_loop(const rq_t *r, const int32_t *t1,
        const int32_t *t2, const int8_t *a, const int8_t *b, int8_t *out, int32_t n, int fast,
        int full) {
    for (; n >= 4; n -= 4, a += 4, b += 4, out += 4) {
        out[0] = requant(r, t1[a[0]] + t2[b[0]], fast, full);
        out[1] = requant(r, t1[a[1]] + t2[b[1]], fast, full);
        out[2] = requant(r, t1[a[2]] + t2[b[2]], fast, full);
        out[3] = requant(r, t1[a[3]] + t2[b[3]], fast, full);
    }
    for (; n > 0; --n) *out++ = requant(r, t1[*a++] + t2[*b++], fast, full);
}

/* an input's rescaled term for the int8 value x */
static inline int32_t term(int32_t x, int32_t offset, int32_t left_shift, int32_t m,
                           int32_t shift) {
    /* (x + offset) in [-255, 255]; << 20 stays below 2^28, as in the reference */
    return ed_mbqm_dsp((x + offset) * (1 << left_shift), m, shift);
}

/* term(x) << dbl at t[x] (t: a table's middle). Parameters as arguments: read through `p`,
 * they would be reloaded after every int32 store into the table. */
static void __attribute__((noinline)) tabulate(int32_t *t, int32_t offset, int32_t left_shift,
                                               int32_t m, int32_t shift, int dbl) {
    for (int32_t x = -128; x < 128; ++x)
        t[x] = (int32_t)((uint32_t)term(x, offset, left_shift, m, shift) << dbl);
}

/* the requantization constants (fast: e = -shift, ra = 2^(e-1) + zp * 2^e, which the compiler
 * checked to fit) and both tables of terms in the scratch (add_scratch.h), 2t when fast; the
 * tables' middles (x = 0) at *m1, *m2 */
static rq_t __attribute__((noinline)) prepare(const ed_add_params_t *p, int fast,
                                             const int32_t **m1, const int32_t **m2) {
    rq_t r = {p->output_multiplier, p->output_shift, 0, 0, p->output_offset, p->act_min,
              p->act_max};
    if (fast) {
        r.e = -r.shift;
        r.ra = (int32_t)(((int64_t)1 << (r.e - 1)) + (int64_t)r.zp * ((int64_t)1 << r.e));
    }
    int32_t *t1 = (int32_t *)(void *)p->scratch + 128, *t2 = t1 + 256;
    tabulate(t1, p->input1_offset, p->left_shift, p->input1_multiplier, p->input1_shift, fast);
    tabulate(t2, p->input2_offset, p->left_shift, p->input2_multiplier, p->input2_shift, fast);
    *m1 = t1;
    *m2 = t2;
    return r;
}

static inline int32_t count(const ed_add_params_t *p) {
    return p->shape[0] * p->shape[1] * p->shape[2] * p->shape[3];
}

/* Both inputs contiguous (no broadcast). One loop instance per entry, out of line with r
 * copied in: inlined into the entry, the loop's constants went to the stack. */
static void __attribute__((noinline)) flat_fast_full(rq_t r, const int32_t *t1,
        const int32_t *t2, const int8_t *a, const int8_t *b, int8_t *out, int32_t n) {
    flat_loop(&r, t1, t2, a, b, out, n, 1, 1);
}

static void __attribute__((noinline)) flat_fast(rq_t r, const int32_t *t1, const int32_t *t2,
                                                const int8_t *a, const int8_t *b, int8_t *out,
                                                int32_t n) {
    flat_loop(&r, t1, t2, a, b, out, n, 1, 0);
}

static void __attribute__((noinline)) flat_general(rq_t r, const int32_t *t1, const int32_t *t2,
                                                   const int8_t *a, const int8_t *b, int8_t *out,
                                                   int32_t n) {
    flat_loop(&r, t1, t2, a, b, out, n, 0, 0);
}

void ed_add_flat_fast_full(const ed_add_params_t *p, const int8_t *input1, const int8_t *input2,
                           int8_t *output) {
    const int32_t *m1, *m2;
    const rq_t r = prepare(p, 1, &m1, &m2);
    flat_fast_full(r, m1, m2, input1, input2, output, count(p));
}

void ed_add_flat_fast(const ed_add_params_t *p, const int8_t *input1, const int8_t *input2,
                      int8_t *output) {
    const int32_t *m1, *m2;
    const rq_t r = prepare(p, 1, &m1, &m2);
    flat_fast(r, m1, m2, input1, input2, output, count(p));
}

void ed_add_flat(const ed_add_params_t *p, const int8_t *input1, const int8_t *input2,
                 int8_t *output) {
    const int32_t *m1, *m2;
    const rq_t r = prepare(p, 0, &m1, &m2);
    flat_general(r, m1, m2, input1, input2, output, count(p));
}

/* broadcasting: the reference's 4-D walk */
static inline __attribute__((always_inline)) void walk(const ed_add_params_t *p,
        const int8_t *input1, const int8_t *input2, int8_t *output, int fast) {
    const int32_t *m1, *m2;
    const rq_t r = prepare(p, fast, &m1, &m2);
    int32_t out = 0;
    for (int32_t a = 0; a < p->shape[0]; ++a)
    for (int32_t b = 0; b < p->shape[1]; ++b)
    for (int32_t c = 0; c < p->shape[2]; ++c)
    for (int32_t d = 0; d < p->shape[3]; ++d) {
        const int32_t i1 = a * p->stride1[0] + b * p->stride1[1] + c * p->stride1[2] + d * p->stride1[3];
        const int32_t i2 = a * p->stride2[0] + b * p->stride2[1] + c * p->stride2[2] + d * p->stride2[3];
        output[out++] = requant(&r, m1[input1[i1]] + m2[input2[i2]], fast, 0);
    }
}

void ed_add_fast(const ed_add_params_t *p, const int8_t *input1, const int8_t *input2,
                 int8_t *output) {
    walk(p, input1, input2, output, 1);
}

void ed_add(const ed_add_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
    walk(p, input1, input2, output, 0);
}
