/* Scratch bytes the reference ADD needs: none. A variant that needs some replaces this file
 * (pipeline/compiler/scratch.py mirrors it; model.c asserts the two agree). */
#ifndef ED_ADD_SCRATCH_H
#define ED_ADD_SCRATCH_H

#define ED_ADD_SCRATCH_BYTES() 0

#endif
