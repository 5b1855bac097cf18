/* Scratch bytes of dsp/conv.c (see its header): for the ungrouped GEMM path, the pixel pair's
 * widened window (K words, K = k_h * k_w * in_c rounded up to 4), the int8 copy of both windows
 * (2 K + 4 bytes) when in_c % 4 != 0 (otherwise they are widened straight from the input), and
 * the requantization table: ED_CONV_PAIR_BYTES per pair of the conv's `rows` fast rows (its
 * channel plan's n_fast, conv.h; an odd count's last row takes a whole entry). Grouped convs
 * run the plain loop: none. Mirrored by pipeline/compiler/scratch.py conv_dsp. */
#ifndef ED_CONV_SCRATCH_H
#define ED_CONV_SCRATCH_H

#define ED_CONV_PAIR_BYTES 52
#define ED_CONV_K4(k_h, k_w, in_c) (((k_h) * (k_w) * (in_c) + 3) / 4 * 4)
#define ED_CONV_SCRATCH_BYTES(k_h, k_w, in_c, filter_in_c, rows, pad_h, pad_w)                  \
    ((filter_in_c) != (in_c) ? 0                                                              \
     : 4 * ED_CONV_K4(k_h, k_w, in_c) + ((in_c) % 4 ? 2 * ED_CONV_K4(k_h, k_w, in_c) + 4 : 0)     \
       + ED_CONV_PAIR_BYTES * (((rows) + 1) / 2))

#endif
