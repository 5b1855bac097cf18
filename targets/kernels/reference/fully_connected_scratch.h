/* Scratch bytes the reference FULLY_CONNECTED needs: none. A variant that needs some replaces
 * this file (pipeline/compiler/scratch.py mirrors it; model.c asserts the two agree). */
#ifndef ED_FULLY_CONNECTED_SCRATCH_H
#define ED_FULLY_CONNECTED_SCRATCH_H

#define ED_FULLY_CONNECTED_SCRATCH_BYTES(accum_depth) 0

#endif
