/* Scratch bytes the reference DEPTHWISE_CONV_2D needs: none. A variant that needs some
 * replaces this file (pipeline/compiler/scratch.py mirrors it; model.c asserts the two agree).
 * Arguments: k_h, k_w, in_c, depth_multiplier, dil_h, dil_w, out_w, stride_w. */
#ifndef ED_DEPTHWISE_CONV_SCRATCH_H
#define ED_DEPTHWISE_CONV_SCRATCH_H

#define ED_DEPTHWISE_CONV_SCRATCH_BYTES(k_h, k_w, in_c, dm, dil_h, dil_w, out_w, stride_w) 0

#endif
