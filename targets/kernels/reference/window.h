/* Window clipping shared by the optimized conv and depthwise kernels (dsp/, mve/): the taps of
 * a window that fall inside the input, in closed form, so tap loops run over valid taps only
 * (TFLM's padding skip) with no test inside them. */
#ifndef ED_WINDOW_H
#define ED_WINDOW_H

#include <stdint.h>

/* taps k in [lo, hi) with 0 <= origin + k * dil < size (lo == hi: none); dil >= 1 */
static inline void ed_valid_range(int32_t origin, int32_t k, int32_t dil, int32_t size,
                                  int32_t *lo, int32_t *hi) {
    int32_t a = origin < 0 ? (-origin + dil - 1) / dil : 0;
    int32_t b = size - origin <= 0 ? 0 : (size - origin + dil - 1) / dil;
    if (b > k) b = k;
    if (a > b) a = b;
    *lo = a;
    *hi = b;
}

#endif
