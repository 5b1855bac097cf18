/* Scratch bytes of mve/conv.c: none (it reads the input in place, or copies small windows to
 * the stack). Replaces dsp/conv_scratch.h on MVE targets, as mve/conv.c replaces dsp/conv.c;
 * pipeline/compiler/scratch.py has no entry for ("CONV_2D", "mve"), i.e. 0 as well.
 * Arguments: k_h, k_w, in_c, filter_in_c, out_c, pad_h, pad_w. */
#ifndef ED_CONV_SCRATCH_H
#define ED_CONV_SCRATCH_H

#define ED_CONV_SCRATCH_BYTES(k_h, k_w, in_c, filter_in_c, out_c, pad_h, pad_w) 0

#endif
