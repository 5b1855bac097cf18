/* Scratch bytes of dsp/depthwise_conv.c, for the 3x3 layers (dilation 1, depth multiplier 1,
 * in_c % 4 == 0) its plane paths can take; ncols = (out_w - 1) * stride_w + 3.
 * - strip path (stride_w 1 or 2, 2 (ncols + 1) <= 32): the band (4 channels x 16 rows x 32 B)
 *   and the weight table (4 channels x 10 words: 160 B);
 * - else tap-pair path (out_w >= 6, stride_w 1 or 2, 2 (ncols + 1) <= 128): the band (4
 *   channels x 3 slots x 128 B) and the weight table (480 B);
 * - else the channel-pair path (a band within ED_DW_BAND_BYTES): the band of widened rows
 *   (3 slots x ncols columns x G channel groups x 8 B, G = 2 when in_c % 8 == 0 and the band
 *   still fits, else 1), the widened weight tables (432 B) and plane_row's constants (140 B).
 * Other layers: none. Mirrored by pipeline/compiler/scratch.py dw_dsp. */
#ifndef ED_DEPTHWISE_CONV_SCRATCH_H
#define ED_DEPTHWISE_CONV_SCRATCH_H

#define ED_DW_BAND_BYTES 1536
#define ED_DW_NCOLS(out_w, stride_w) (((out_w) - 1) * (stride_w) + 3)
#define ED_DW_STRIP(out_w, stride_w)                                                           \
    (((stride_w) == 1 || (stride_w) == 2) && 2 * (ED_DW_NCOLS(out_w, stride_w) + 1) <= 32)
#define ED_DW_WIDE(out_w, stride_w)                                                            \
    ((out_w) >= 6 && ((stride_w) == 1 || (stride_w) == 2)                                      \
     && 2 * (ED_DW_NCOLS(out_w, stride_w) + 1) <= 128)
#define ED_DW_G(in_c, out_w, stride_w)                                                         \
    ((in_c) % 8 == 0 && ED_DW_NCOLS(out_w, stride_w) * 48 <= ED_DW_BAND_BYTES ? 2 : 1)
#define ED_DW_BAND(in_c, out_w, stride_w)                                                      \
    (ED_DW_NCOLS(out_w, stride_w) * 24 * ED_DW_G(in_c, out_w, stride_w))
#define ED_DEPTHWISE_CONV_SCRATCH_BYTES(k_h, k_w, in_c, dm, dil_h, dil_w, out_w, stride_w)      \
    (!((k_h) == 3 && (k_w) == 3 && (dm) == 1 && (dil_h) == 1 && (dil_w) == 1                   \
       && (in_c) % 4 == 0)                                                                     \
         ? 0                                                                                   \
     : ED_DW_STRIP(out_w, stride_w)                                                            \
         ? 4 * 16 * 32 + 160                                                                   \
     : ED_DW_WIDE(out_w, stride_w)                                                             \
         ? 12 * 128 + 480                                                                      \
     : ED_DW_BAND(in_c, out_w, stride_w) <= ED_DW_BAND_BYTES                                   \
         ? ED_DW_BAND(in_c, out_w, stride_w) + 432 + 140                                       \
         : 0)

#endif
