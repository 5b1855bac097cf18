"""How far a kernel's output may overlap its input (diagonal memory reuse).

Kernels write their output in raster order. If every write lands below every input byte that
is still to be read, input and output may share memory. With out_start - in_start = d, that
holds when, for each output unit o (in write order):

    d + end_of_writes(o) <= first_input_byte_still_needed(o)

so the largest safe d is min over o of (needed(o) - end(o)). The planner may place the output
at any offset <= in_start + d (or anywhere not overlapping). d is in bytes and may be negative.
"""

import numpy as np


def _suffix_min(a: np.ndarray) -> np.ndarray:
    return np.minimum.accumulate(a[::-1])[::-1]


def _first_valid(origin: np.ndarray, k: int, dil: int, size: int) -> np.ndarray:
    """Smallest in-image coordinate origin + j*dil (j < k) per origin; `size` when none."""
    j = np.where(origin < 0, (-origin + dil - 1) // dil, 0)   # ceil(-origin / dil)
    first = origin + j * dil
    ok = (j < k) & (first < size)
    return np.where(ok, first, size)


def window(in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w, stride_h, stride_w,
           dil_h, dil_w, pad_h, pad_w) -> int:
    """Conv / depthwise / pooling: pixel o writes out_c bytes after reading its whole window,
    and re-reads the window for each channel, so o's own reads count as still needed."""
    iy = _first_valid(np.arange(out_h) * stride_h - pad_h, k_h, dil_h, in_h)
    ix = _first_valid(np.arange(out_w) * stride_w - pad_w, k_w, dil_w, in_w)
    inf = in_h * in_w * in_c
    first_read = np.where((iy[:, None] < in_h) & (ix[None, :] < in_w),
                          (iy[:, None] * in_w + ix[None, :]) * in_c, inf).reshape(-1)
    needed = _suffix_min(first_read.astype(np.int64))
    ends = (np.arange(out_h * out_w, dtype=np.int64) + 1) * out_c
    return int(min(np.min(needed - ends), inf))


def elementwise() -> int:
    """Element i is read before element i is written, and later reads are above: same start."""
    return 0


def gather(read_index: np.ndarray, in_size: int) -> int:
    """Each output element e reads at most input element read_index[e] (-1: none) first."""
    r = np.where(read_index < 0, in_size, read_index).astype(np.int64)
    later = np.append(_suffix_min(r)[1:], in_size)   # reads of elements after e
    ends = np.arange(len(r), dtype=np.int64) + 1
    return int(min(np.min(later - ends), in_size))
