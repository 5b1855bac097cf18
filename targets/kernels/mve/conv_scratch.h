/* Scratch bytes of mve/conv.c (see its header): both windows of a pixel pair, 2 * K bytes,
 * when in_c < 16 and the window has more than one tap (K = k_h * k_w * in_c <= MAX_WIN);
 * otherwise pixel q+1's outputs, out_c bytes, when out_c <= MAX_OUT. Grouped convs: none.
 * Replaces dsp/conv_scratch.h on MVE targets, as mve/conv.c replaces dsp/conv.c. Mirrored by
 * pipeline/compiler/scratch.py conv_mve. */
#ifndef ED_CONV_SCRATCH_H
#define ED_CONV_SCRATCH_H

#define ED_MVE_CONV_MAX_WIN 256
#define ED_MVE_CONV_MAX_OUT 256
#define ED_MVE_CONV_USE_WIN(k_h, k_w, in_c)                                                    \
    ((in_c) < 16 && (k_h) * (k_w) > 1 && (k_h) * (k_w) * (in_c) <= ED_MVE_CONV_MAX_WIN)

#define ED_CONV_SCRATCH_BYTES(k_h, k_w, in_c, filter_in_c, out_c, pad_h, pad_w)               \
    ((filter_in_c) != (in_c) ? 0                                                              \
     : ED_MVE_CONV_USE_WIN(k_h, k_w, in_c) ? 2 * (k_h) * (k_w) * (in_c)                        \
     : (out_c) <= ED_MVE_CONV_MAX_OUT ? (out_c) : 0)

#endif
