"""Target-specific weight layouts: trading flash for instructions where the target allows.

dsp/conv.c's GEMM multiplies int16 pairs with SMLAD. From int8 weights each 4-byte weight word
is widened in the loop (one load and two SXTB16 per word per pixel pair). Widened once, here,
into the order the loop consumes, a weight word costs one LDRD and no SXTB16: the 2x2 block
drops from 16 to 12 instructions per 16 MACs, and the conv's weights take twice the flash
(K rounded up to 4, an odd out_c without triples to even).

`filter16` layout: k >= K is zero, up to K4 = K rounded up to 4 (the kernel's K loops enter
their first 8-k pass halfway when K4 / 4 is odd). Each row's 4-k groups hold (w0, w2), (w1, w3):
int16 pairs lined up with the (x0, x2), (x1, x3) words dsp/conv.c widens the inputs into. Rows
are interleaved per group in blocks of output channels, the block the kernel's loop computes
at once:
  - with K4 >= 12: T = triples(out_c, K) blocks of 3 (oc, oc+1, oc+2), then P = 0, 1 or 2
    pairs with 3 T + 2 P = out_c (P = 2 when out_c % 3 == 1, 1 when it is 2; T = 0 when out_c
    is too small for that). Per 4 k a triple holds its 3 rows' words (24 bytes), a pair 2 rows'
    (16 bytes). The kernel's 2x3 block takes 17 instructions per 24 MACs against the 2x2
    block's 12 per 16, but a longer requantization per block: it pays from K4 = 12 on.
  - otherwise pairs only (the odd last channel pairs with a zero row).
With it set, the int8 `filter` is not emitted (grouped convs keep it: they take the plain loop).

Channel plan (conv.h's `channels`, every ungrouped conv on dsp/, either layout): the compiler
sorts the output channels, and the rows of either layout follow that order:
  - fast: rq_fast2's conditions hold for the channel (fast_channel: dsp/conv.c's header). These
    rows are the layout above with n_fast in place of out_c; the assembly GEMM computes them.
  - slow: a nonzero filter outside those conditions (a shift past 22, a multiplier below 2^30
    from a tiny scale, a large bias): the C path with the general requantization, row by row,
    so that one such channel no longer sends the whole layer there. Their rows follow the fast
    ones (filter16: as pairs, an odd count padded with a zero row).
  - const: an all-zero filter (a dead channel: a trained model's pruned or collapsed filter). Its
    output is its requantized bias, clamped, at every pixel (deadchannels.requantize): the
    kernel stores that value and the channel has no row at all.
When every channel is fast the plan is the identity and `channels` is not emitted (NULL).

FULLY_CONNECTED on dsp/ (`fc16`, dsp/fully_connected_wide.c): the GEMV reads every weight once,
so widening in the loop costs 2 SXTB16 per weight word, 21 instructions per 16 MACs; from int16
rows, 13. Layout: the rows padded with zero rows to a multiple of 4 and zero entries to K4; per
block of 4 rows, per 4 k, the 4 rows' (w0, w2), (w1, w3) words (_blocks). The int8 `filter` is
not emitted and model.c calls an ed_fully_connected_wide entry (paths.py). Only for K4 <= 1024
(the kernel widens the input row once, into at most ED_FC_CHUNK entries of scratch) and
out_depth >= 4.

optimize: "size" keeps int8 everywhere; "speed" widens every ungrouped conv and every fully
connected layer; "auto" (default) widens them when the widened model still fits the target's
flash budget."""

from dataclasses import dataclass

import numpy as np

from pipeline.compiler.deadchannels import requantize
from pipeline.compiler.lower import Const

OPTIMIZE = ("auto", "speed", "size")


def triples(out_c: int, k: int) -> int:
    """T, the channel triples of filter16 (dsp/conv.c's ed_triples computes the same)."""
    if (k + 3) // 4 * 4 < 12:
        return 0
    pairs = (0, 2, 1)[out_c % 3]
    return (out_c - 2 * pairs) // 3 if out_c >= 2 * pairs + 3 else 0


def _blocks(rows: np.ndarray, n: int) -> np.ndarray:
    """(blocks * n, K4) rows -> per block, per 4-k group, its n rows as (w0, w2), (w1, w3)."""
    k4 = rows.shape[1]
    g = rows.reshape(-1, n, k4 // 4, 2, 2)          # (block, row, group, hi/lo half, lane)
    # within a group of 4 k: (w0, w2) then (w1, w3): lane j of word i holds k = 2j + i
    g = g.transpose(0, 1, 2, 4, 3)                  # (block, row, group, word i, lane j)
    return np.ascontiguousarray(g.transpose(0, 2, 1, 3, 4)).reshape(-1)   # block, group, row


def filter16(w: np.ndarray, out_c: int, k: int) -> np.ndarray:
    """(out_c * k,) int8 filter -> the int16 layout above."""
    k4 = (k + 3) // 4 * 4
    t = triples(out_c, k)
    rows = np.zeros((out_c + (out_c - 3 * t) % 2, k4), np.int16)
    rows[:out_c, :k] = w[:out_c * k].reshape(out_c, k)
    return np.concatenate([_blocks(rows[:3 * t], 3), _blocks(rows[3 * t:], 2)])


def filter16_size(out_c: int, k: int) -> int:
    """int16 entries of filter16(w, out_c, k)."""
    t = triples(out_c, k)
    return (out_c + (out_c - 3 * t) % 2) * ((k + 3) // 4 * 4)


def const_bytes(program) -> int:
    """Flash of the program's constant arrays as emitted (emit.py counts the same)."""
    from pipeline.compiler.emit import CTYPE_BYTES
    return sum(v.values.size * CTYPE_BYTES[v.ctype] for c in program.calls
               for v in c.fields.values() if isinstance(v, Const))


def fast_channel(m: int, shift: int, bias: int, k: int, zp: int) -> bool:
    """dsp/conv.c's rq_fast2 conditions for one output channel (its header): m in (2^30, 2^31),
    e = -shift in [1, 22], |bias| <= 2^30 - 1 - K * 128 * 255 (so that |acc| < 2^30), zp in
    [-128, 127]."""
    bmax = (1 << 30) - 1 - k * 128 * 255
    return (bmax > 0 and -128 <= zp <= 127 and m > (1 << 30) and 1 <= -shift <= 22
            and -bmax <= bias <= bmax)


@dataclass(frozen=True)
class ChannelPlan:
    fast: list[int]            # output channels, ascending, in the order of their rows
    slow: list[int]
    const: list[int]
    values: list[int]          # the const channels' outputs


def channel_plan(f: dict) -> ChannelPlan:
    """The plan of an ungrouped conv's fields (header)."""
    out_c, k = f["out_c"], f["k_h"] * f["k_w"] * f["in_c"]
    rows = f["filter"].values[:out_c * k].reshape(out_c, k)
    bias = f["bias"].values if f["bias"] is not None else np.zeros(out_c, np.int64)
    m, sh = f["multiplier"].values, f["shift"].values
    fast, slow, const, values = [], [], [], []
    for oc in range(out_c):
        b = int(bias[oc])
        if not rows[oc].any():
            const.append(oc)
            values.append(requantize(b, int(m[oc]), int(sh[oc]), f["output_offset"],
                                     f["act_min"], f["act_max"]))
        elif fast_channel(int(m[oc]), int(sh[oc]), b, k, f["output_offset"]):
            fast.append(oc)
        else:
            slow.append(oc)
    return ChannelPlan(fast, slow, const, values)


def _sizes(plan: ChannelPlan, k: int) -> tuple[int, int]:
    """(int8 bytes, filter16 entries) of a plan's rows."""
    nf, ns = len(plan.fast), len(plan.slow)
    return (nf + nf % 2 + ns) * k + 3, filter16_size(nf, k) + (ns + ns % 2) * ((k + 3) // 4 * 4)


def _widenable(c) -> bool:
    return c.kind == "CONV_2D" and not c.alias and c.fields["filter_in_c"] == c.fields["in_c"]


FC_MAX_K4 = 1024          # dsp/fully_connected_scratch.h ED_FC_CHUNK


def _fc_widenable(c) -> bool:
    f = c.fields
    # under 4 rows, a block of 4 would be mostly zero rows: the int8 kernel's row loop is shorter
    return (c.kind == "FULLY_CONNECTED" and f["filter_offset"] == 0 and f["out_depth"] >= 4
            and (f["accum_depth"] + 3) // 4 * 4 <= FC_MAX_K4)


def fc16(w: np.ndarray, out_depth: int, depth: int) -> np.ndarray:
    """(out_depth * depth,) int8 weights -> the fc16 layout above (int16)."""
    rows = np.zeros(((out_depth + 3) // 4 * 4, (depth + 3) // 4 * 4), np.int16)
    rows[:out_depth, :depth] = w.reshape(out_depth, depth)
    return _blocks(rows, 4)


def fc16_size(out_depth: int, depth: int) -> int:
    """int16 entries of fc16(w, out_depth, depth)."""
    return (out_depth + 3) // 4 * 4 * ((depth + 3) // 4 * 4)


def extra_flash(program, plans: dict | None = None, fc: bool = False) -> int:
    """Bytes widening every widenable conv would add (to its int8 rows in plan order), and with
    `fc` every widenable fully connected layer."""
    total = 0
    for c in program.calls:
        f = c.fields
        if _widenable(c):
            k = f["k_h"] * f["k_w"] * f["in_c"]
            int8, wide = _sizes(plans[id(c)] if plans else channel_plan(f), k)
            total += 2 * wide - int8
        elif fc and _fc_widenable(c):
            total += 2 * fc16_size(f["out_depth"], f["accum_depth"]) - f["filter"].values.size
    return total


def _lay_out(f: dict, plan: ChannelPlan, wide: bool) -> None:
    """Replace the conv's filter by its plan's rows (filter16 or int8) and add the plan's fields."""
    out_c, k = f["out_c"], f["k_h"] * f["k_w"] * f["in_c"]
    rows = f["filter"].values[:out_c * k].reshape(out_c, k)
    nf, ns = len(plan.fast), len(plan.slow)
    t = triples(nf, k) if wide else 0
    fast = rows[plan.fast]
    pad = [plan.fast[-1]] if (nf - 3 * t) % 2 else []     # the zero row names its row 0's channel
    if wide:
        k4 = (k + 3) // 4 * 4
        slow = np.zeros((ns + ns % 2, k4), np.int16)
        slow[:ns, :k] = rows[plan.slow]
        w16 = np.concatenate([filter16(fast.reshape(-1), nf, k), _blocks(slow, 2)])
        f["filter16"], f["filter"] = Const("int16_t", w16.astype(np.int64)), None
    else:
        w8 = np.concatenate([fast.reshape(-1), np.zeros(len(pad) * k, np.int64),
                             rows[plan.slow].reshape(-1), np.zeros(3, np.int64)])
        f["filter16"], f["filter"] = None, Const("int8_t", w8.astype(np.int64))
    identity = not plan.slow and not plan.const          # then conv.c needs no channels[]
    f["channels"] = None if identity else \
        Const("int16_t", np.array(plan.fast + pad + plan.slow + plan.const, np.int64))
    f["const_values"] = Const("int8_t", np.array(plan.values, np.int64)) if plan.const else None
    f.update(gemm_triples=t, n_fast=nf, n_slow=ns, n_const=len(plan.const))


def _fc_lay_out(c) -> None:
    """The fully connected layer's weights as fc16 (paths.py then calls a _wide entry)."""
    f = c.fields
    w16 = fc16(f["filter"].values, f["out_depth"], f["accum_depth"])
    f["filter16"], f["filter"] = Const("int16_t", w16.astype(np.int64)), None


def apply(program, conv_variant: str, optimize: str, flash_room: int | None,
          fc_variant: str = "reference") -> bool:
    """On dsp/ (the target's conv kernel), give every ungrouped conv its channel plan and its
    rows in plan order, widened when `optimize` asks for it (auto: when `flash_room`, the flash
    left beside the int8 model, holds the extra bytes); on dsp/ (the target's fully connected
    kernel) the fully connected layers too. Returns whether any layer was widened."""
    if optimize not in OPTIMIZE:
        raise ValueError(f"optimize must be one of {OPTIMIZE}, not {optimize!r}")
    convs = [c for c in program.calls if _widenable(c)]
    fcs = [c for c in program.calls if fc_variant == "dsp" and _fc_widenable(c)]
    if conv_variant != "dsp":
        for c in convs:
            c.fields["filter16"] = None
        convs = []
    plans = {id(c): channel_plan(c.fields) for c in convs}
    if not convs and not fcs:
        return False
    wide = optimize == "speed" or (optimize == "auto" and (
        flash_room is None or extra_flash(program, plans, fc=bool(fcs)) <= flash_room))
    for c in convs:
        _lay_out(c.fields, plans[id(c)], wide)
    if wide:
        for c in fcs:
            _fc_lay_out(c)
    return wide
