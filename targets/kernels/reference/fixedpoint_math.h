/* gemmlowp fixed-point transcendental functions on int32 raw values, as TFLite-Micro's int8
 * SOFTMAX, LOGISTIC and TANH call them. A value with I integer bits is raw / 2^(31 - I). */
#ifndef ED_FIXEDPOINT_MATH_H
#define ED_FIXEDPOINT_MATH_H

#include <stdint.h>

/* exp(a) for a <= 0 given with `integer_bits` integer bits; result Q0.31 */
int32_t ed_fp_exp_on_negative_values(int32_t a, int integer_bits);
/* 1 / (1 + a) for a in [0, 1) Q0.31; result Q0.31 */
int32_t ed_fp_one_over_one_plus_x(int32_t a);
/* logistic(a), a with `integer_bits` integer bits; result Q0.31 */
int32_t ed_fp_logistic(int32_t a, int integer_bits);
/* tanh(a), a with `integer_bits` integer bits; result Q0.31 */
int32_t ed_fp_tanh(int32_t a, int integer_bits);
/* saturating x * 2^exponent (exponent > 0) or rounding x / 2^-exponent (exponent <= 0) */
int32_t ed_fp_mul_pot(int32_t x, int exponent);

#endif
