/* Scratch bytes of dsp/fully_connected.c and dsp/fully_connected_wide.c: the input row widened
 * to int16, CHUNK (1024) depth entries at most at a time: 2 bytes per entry of accum_depth
 * rounded up to 4 (the wide kernel widens the last 1-3 entries too), capped at 2 KiB.
 * Mirrored by pipeline/compiler/scratch.py fc_dsp. */
#ifndef ED_FULLY_CONNECTED_SCRATCH_H
#define ED_FULLY_CONNECTED_SCRATCH_H

#define ED_FC_CHUNK 1024
#define ED_FULLY_CONNECTED_SCRATCH_BYTES(accum_depth)                                          \
    (2 * ((((accum_depth) + 3) & ~3) < ED_FC_CHUNK ? (((accum_depth) + 3) & ~3) : ED_FC_CHUNK))

#endif
