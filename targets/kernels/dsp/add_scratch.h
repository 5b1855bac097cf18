/* Scratch bytes of dsp/add.c: both inputs' rescaled terms tabulated for the 256 int8 values,
 * 2 x 256 int32. Mirrored by pipeline/compiler/scratch.py add_dsp. */
#ifndef ED_ADD_SCRATCH_H
#define ED_ADD_SCRATCH_H

#define ED_ADD_SCRATCH_BYTES() 2048

#endif
