"""Kernel paths: which entry of the target's kernel each call runs, chosen here once.

The dsp/ kernels have several forms of an op (a requantization proved exact for every row, an
activation range that needs no clamp, ...). The compiler knows every shape and constant, so it
picks the form and model.c calls that entry by name: the kernels do not look again at run
time, and -ffunction-sections / --gc-sections leave out of the firmware every form no layer
names. Other variants (reference/, mve/) keep their one entry per op.

Runs after the planner: a depthwise plane path needs its input and output apart, or overlapping
by a multiple of in_c (and after layouts.apply: the weight layout decides between int8 and
widened rows).

| op             | entry (dsp/)                                 | when                                    |
|----------------|----------------------------------------------|-----------------------------------------|
| CONV_2D        | ed_conv_grouped                              | filter_in_c < in_c                      |
|                | ed_conv, params .gemm = ed_conv_dsp_<loop>   | the fast rows' assembly loop (gemm_loop)|
|                |          params .rest = ed_conv_dsp_rest     | slow or constant channels               |
| DEPTHWISE_CONV | ed_depthwise_conv_strips / _ring / _pairs    | scratch.py dw_path's plane path, rq_fast|
|                |                                              | (dw_fast), the full range, and the      |
|                |                                              | buffers apart or a multiple of in_c     |
|                | ed_depthwise_conv                            | else: the pixel path                    |
| FULLY_CONNECTED| ed_fully_connected_wide_k8                   | filter16, K4 == 8, fc_k8                |
|                | ed_fully_connected_wide[_folded[_full]]      | filter16 (layouts.py widened it)        |
|                | ed_fully_connected_rows[_folded[_full]]      | out_depth >= 4, filter_offset 0         |
|                | ed_fully_connected                           | else: row by row                        |
| ADD            | ed_add_flat[_fast[_full]]                    | neither input broadcast                 |
|                | ed_add[_fast]                                | else: the 4-D walk                      |

_folded: every row meets requant_dsp.h's ed_zp_folded_ok (zp_folded); _fast: the sum's
one-SMMLAR requantization fits (add_fast); _full: also the activation range is all of int8, so
the requantization saturates and clamps no further. The general form (no suffix) is exact for
any layer."""

import numpy as np

from pipeline.compiler.deadchannels import mbqm
from pipeline.compiler.lower import Symbol
from pipeline.compiler.scratch import dw_path, variant_of


def _full_range(f: dict) -> bool:
    return f["act_min"] == -128 and f["act_max"] == 127


def gemm_loop(f: dict) -> str:
    """dsp/conv.c's assembly loop for the fast rows of an ungrouped conv (the channel plan,
    layouts.py): 2x3 blocks when the rows come in triples (gemm24), else widened (gemm16) or
    int8 rows (gemm8); _clamp for an activation narrower than int8; K4 / 4 groups of 4 k per
    row, unrolled by 8 or 4 when they divide it (u8, u4), else 2, entering the first pass
    halfway when odd (_odd; gemm24's u8_odd: groups % 8 == 7)."""
    k = f["k_h"] * f["k_w"] * f["in_c"]
    groups = (k + 3) // 4
    odd = "_odd" if groups % 2 else ""
    if f["gemm_triples"]:
        if not _full_range(f):
            return "gemm24_clamp" + odd
        return ("gemm24_u8" if groups % 8 == 0 else "gemm24_u4" if groups % 4 == 0
                else "gemm24_u8_odd" if groups % 8 == 7 else "gemm24" + odd)
    fam = "gemm16" if f["filter16"] is not None else "gemm8"
    if not _full_range(f):
        return fam + "_clamp" + odd
    return fam + ("_u8" if groups % 8 == 0 else "_u4" if groups % 4 == 0 else odd)


def dw_fast(f: dict) -> bool:
    """dsp/depthwise_conv.c's rq_fast holds for every channel (its fast_rq_ok): m in (2^30, 2^31),
    shift in [-22, -1], the output zero point in int8, |bias| < 2^30 - taps * 128 * 255."""
    taps = f["k_h"] * f["k_w"]
    if taps > 4096 or not -128 <= f["output_offset"] <= 127:
        return False
    m, sh = f["multiplier"].values, f["shift"].values
    bmax = (1 << 30) - 1 - taps * 128 * 255
    bias_ok = f["bias"] is None or bool(np.all(np.abs(f["bias"].values) <= bmax))
    return bool(np.all((m > (1 << 30)) & (sh <= -1) & (sh >= -22))) and bias_ok


def depthwise(c, plan) -> str:
    """The dsp/ entry of a depthwise conv (table above)."""
    f = c.fields
    path = dw_path(f)
    if path is None or not dw_fast(f) or not _full_range(f):
        return "ed_depthwise_conv"
    src, dst = c.inputs[0], c.outputs[0]
    if src in plan.offsets and dst in plan.offsets:    # else: different buffers
        i0, o0 = plan.offsets[src], plan.offsets[dst]
        n_in, n_out = f["in_h"] * f["in_w"] * f["in_c"], f["out_h"] * f["out_w"] * f["out_c"]
        if not (o0 + n_out <= i0 or i0 + n_in <= o0) and (o0 - i0) % f["in_c"]:
            return "ed_depthwise_conv"
    return {"strip": "ed_depthwise_conv_strips", "ring": "ed_depthwise_conv_ring",
            "pairs": "ed_depthwise_conv_pairs"}[path]


def conv(f: dict) -> str:
    """The dsp/ entry of a conv (table above); sets the params' gemm and rest."""
    if f["filter_in_c"] != f["in_c"]:
        return "ed_conv_grouped"
    f["gemm"] = Symbol("ed_conv_dsp_" + gemm_loop(f)) if f["n_fast"] else None
    f["rest"] = Symbol("ed_conv_dsp_rest") if f["n_slow"] or f["n_const"] else None
    return "ed_conv"


def zp_folded(f: dict) -> bool:
    """Every row of a fully connected layer meets requant_dsp.h's ed_zp_folded_ok (multiplier in
    (2^30, 2^31), shift in [-23, -2]): the dsp/ kernels then requantize with one SMLAL
    (fully_connected_rq.h)."""
    m, sh = f["multiplier"].values, f["shift"].values
    return bool(np.all((m > (1 << 30)) & (sh <= -2) & (sh >= -23)))


def fc_k8(f: dict) -> bool:
    """dsp/fully_connected_wide.c's ed_fully_connected_wide_k8 holds: accum_depth 5..8 (K4 == 8),
    out_depth % 4 == 0, a bias, the activation range all of int8, and one multiplier and shift
    for every row meeting the one-SMMLAR requantization's conditions (add_fast's, with
    s = bias + w . (x + input_offset), |s| at most |bias| + 8 * 128 * 255)."""
    m, sh = f["multiplier"].values, f["shift"].values
    if not ((f["accum_depth"] + 3) // 4 == 2 and f["out_depth"] % 4 == 0
            and f["bias"] is not None and _full_range(f)
            and np.all(m == m[0]) and np.all(sh == sh[0])):
        return False
    m, sh = int(m[0]), int(sh[0])
    if not (m > (1 << 30) and -31 <= sh <= -1):
        return False
    e = -sh
    ra = (1 << (e - 1)) + f["output_offset"] * (1 << e)
    s2 = 2 * (int(np.max(np.abs(f["bias"].values.astype(np.int64)))) + 8 * 128 * 255)
    return s2 < INT32_MAX and abs(ra) + 2 + ((s2 * m) >> 32) < INT32_MAX


def fully_connected(f: dict) -> str:
    """The dsp/ entry of a fully connected layer (table above)."""
    if f["filter16"] is not None and fc_k8(f):
        return "ed_fully_connected_wide_k8"
    if f["filter16"] is not None:
        base = "ed_fully_connected_wide"
    elif f["filter_offset"] == 0 and f["out_depth"] >= 4:
        base = "ed_fully_connected_rows"
    else:
        return "ed_fully_connected"
    if not zp_folded(f):
        return base
    return base + ("_folded_full" if _full_range(f) else "_folded")


INT32_MAX = (1 << 31) - 1


def _contiguous(shape: list, stride: list) -> bool:
    s = 1
    for n, st in zip(reversed(shape), reversed(stride)):
        if n != 1 and st != s:
            return False
        s *= n
    return True


def add_fast(f: dict) -> bool:
    """dsp/add.c's one-SMMLAR requantization of s = t1 + t2 holds: the output multiplier and
    shift meet ed_mbqm_right's conditions (m in (2^30, 2^31), shift in [-31, -1]), and 2s and the
    SMMLAR result fit in int32: with ra = 2^(e-1) + zp 2^e and |t| at most its value at x = -128
    or 127 (t is monotone in x), |2s| < 2^31 - 1 and |ra| + 2 + (|2s| m >> 32) < 2^31 - 1."""
    m, sh = f["output_multiplier"], f["output_shift"]
    if not (m > (1 << 30) and -31 <= sh <= -1):
        return False
    e = -sh
    ra = (1 << (e - 1)) + f["output_offset"] * (1 << e)

    def bound(i: int) -> int:
        off, mi, si = f[f"input{i}_offset"], f[f"input{i}_multiplier"], f[f"input{i}_shift"]
        return max(abs(mbqm((x + off) << f["left_shift"], mi, si)) for x in (-128, 127))
    s2 = 2 * (bound(1) + bound(2))
    return s2 < INT32_MAX and abs(ra) + 2 + ((s2 * m) >> 32) < INT32_MAX


def add(f: dict) -> str:
    """The dsp/ entry of an ADD (table above)."""
    fast = "_fast" if add_fast(f) else ""
    if _contiguous(f["shape"], f["stride1"]) and _contiguous(f["shape"], f["stride2"]):
        return "ed_add_flat" + fast + ("_full" if fast and _full_range(f) else "")
    return "ed_add" + fast


CHOOSERS = {"ADD": ("add.c", lambda c, plan: add(c.fields)),
            "CONV_2D": ("conv.c", lambda c, plan: conv(c.fields)),
            "DEPTHWISE_CONV_2D": ("depthwise_conv.c", depthwise),
            "FULLY_CONNECTED": ("fully_connected.c", lambda c, plan: fully_connected(c.fields))}


def choose(program, variants: list[str], plan) -> None:
    """Set each call's `func` to the entry its layer takes on the target's kernel variants,
    with the planner's `plan` (pipeline/compiler/planner.py)."""
    for c in program.calls:
        if c.kind not in CHOOSERS or c.alias:
            continue
        file, chooser = CHOOSERS[c.kind]
        if variant_of(file, variants) == "dsp":
            c.func = chooser(c, plan)
