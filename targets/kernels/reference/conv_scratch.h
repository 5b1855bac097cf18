/* Scratch bytes the reference CONV_2D needs: none. A variant that needs some replaces this file
 * (same name in its folder); pipeline/compiler/scratch.py computes the same figure and model.c
 * asserts it against this macro. Arguments: k_h, k_w, in_c, filter_in_c, out_c, pad_h, pad_w. */
#ifndef ED_CONV_SCRATCH_H
#define ED_CONV_SCRATCH_H

#define ED_CONV_SCRATCH_BYTES(k_h, k_w, in_c, filter_in_c, out_c, pad_h, pad_w) 0

#endif
