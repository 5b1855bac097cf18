/* gemmlowp fixedpoint.h semantics in C99 (see fixedpoint_math.h). Raw int32 throughout;
 * "F<I>" in comments is a fixed-point value with I integer bits and 31 - I fraction bits. */
#include "fixedpoint_math.h"
#include "requant.h"

#define ED_ONE_Q0 INT32_MAX /* F<0>::One() saturates to the largest raw value */

int32_t ed_fp_mul_pot(int32_t x, int exponent) {
    if (exponent <= 0) return ed_rdbpot(x, -exponent);
    /* saturate when x would leave int32 after the shift */
    const int32_t threshold = (int32_t)((1u << (31 - exponent)) - 1u);
    if (x > threshold) return INT32_MAX;
    if (x < -threshold) return INT32_MIN;
    return ed_shl_wrap(x, exponent);
}

/* exp(a) for a in [-1/4, 0), a and result F<0>: Taylor series around -1/8 */
static int32_t exp_on_interval_minus_quarter_to_zero(int32_t a) {
    const int32_t constant_term = 1895147668;  /* exp(-1/8) */
    const int32_t constant_1_over_3 = 715827883;
    const int32_t x = a + (1 << 28);            /* a + 1/8 */
    const int32_t x2 = ed_srdhm(x, x);
    const int32_t x3 = ed_srdhm(x2, x);
    const int32_t x4 = ed_srdhm(x2, x2);
    const int32_t x4_over_4 = ed_fp_mul_pot(x4, -2);
    const int32_t poly = ed_fp_mul_pot(ed_srdhm(x4_over_4 + x3, constant_1_over_3) + x2, -1);
    return constant_term + ed_srdhm(constant_term, x + poly);
}

int32_t ed_fp_exp_on_negative_values(int32_t a, int integer_bits) {
    /* exp(-2^k) in F<0> for k = -2 .. 4 */
    static const int32_t multipliers[7] = {1672461947, 1302514674, 790015084, 290630308,
                                           39332535, 720401, 242};
    const int fractional_bits = 31 - integer_bits;
    const int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
    const int32_t mask = one_quarter - 1;
    const int32_t a_mod_quarter_minus_quarter = (a & mask) - one_quarter;
    int32_t result = exp_on_interval_minus_quarter_to_zero(
        ed_fp_mul_pot(a_mod_quarter_minus_quarter, integer_bits)); /* rescale to F<0> */
    const int32_t remainder = a_mod_quarter_minus_quarter - a;
    for (int k = -2; k <= 4; ++k) {
        if (integer_bits > k) {
            const int32_t bit = (int32_t)1 << (fractional_bits + k);
            if (remainder & bit) result = ed_srdhm(result, multipliers[k + 2]);
        }
    }
    if (integer_bits > 5) {
        const int32_t clamp = -((int32_t)1 << (36 - integer_bits)); /* -32.0 */
        if (a < clamp) result = 0;
    }
    if (a == 0) result = ED_ONE_Q0;
    return result;
}

/* Newton-Raphson for 1 / (1 + a) with a in [0, 1): returns x in F<2> approximating 2/(1+a) */
static int32_t newton_reciprocal_f2(int32_t a) {
    const int64_t sum = (int64_t)a + ED_ONE_Q0;  /* RoundingHalfSum(a, 1) */
    const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    const int32_t constant_48_over_17 = 1515870810;
    const int32_t constant_neg_32_over_17 = -1010580540;
    const int32_t one_f2 = (int32_t)1 << 29;
    int32_t x = constant_48_over_17 + ed_srdhm(half_denominator, constant_neg_32_over_17);
    for (int i = 0; i < 3; ++i) {
        const int32_t half_denominator_times_x = ed_srdhm(half_denominator, x);
        const int32_t one_minus = one_f2 - half_denominator_times_x;
        x = x + ed_fp_mul_pot(ed_srdhm(x, one_minus), 2); /* F<4> -> F<2> */
    }
    return x;
}

int32_t ed_fp_one_over_one_plus_x(int32_t a) {
    /* ExactMulByPot<-1> turns F<2> into F<1> with the same raw; rescale F<1> -> F<0> */
    return ed_fp_mul_pot(newton_reciprocal_f2(a), 1);
}

static int32_t one_minus_x_over_one_plus_x(int32_t a) {
    const int32_t x = newton_reciprocal_f2(a);
    return ed_fp_mul_pot(x - ((int32_t)1 << 29), 2); /* (x - 1) in F<2> -> F<0> */
}

int32_t ed_fp_logistic(int32_t a, int integer_bits) {
    if (a == 0) return (int32_t)1 << 30; /* 0.5 */
    const int32_t abs_a = a > 0 ? a : -a;
    const int32_t positive = ed_fp_one_over_one_plus_x(
        ed_fp_exp_on_negative_values(-abs_a, integer_bits));
    return a > 0 ? positive : ED_ONE_Q0 - positive;
}

int32_t ed_fp_tanh(int32_t a, int integer_bits) {
    if (a == 0) return 0;
    const int32_t n = a < 0 ? a : -a;
    /* exp(2n): same raw read with one more integer bit */
    const int32_t t = one_minus_x_over_one_plus_x(ed_fp_exp_on_negative_values(n, integer_bits + 1));
    return a < 0 ? -t : t;
}
