"""Dead channels: output channels that do not depend on the input, found and removed at compile
time, bit-exact with tflite-micro.

A trained model's filter can be all zero (pruned, or collapsed in training: the trained MLPerf
VWW has 4 of 64 up to 234 of 256 in 7 of its 14 pointwise convs). Such a channel's output is its
requantized bias, clamped by the activation, at every pixel: a constant.

prune(program) removes a constant channel from the tensor altogether where every consumer can do
without it, exactly:
  - a 1x1 conv, any conv whose windows never reach the padding, or a FULLY_CONNECTED folds it
    into its bias: w * (c - input zero point) summed over its taps (an int32 addition; a fold
    that would leave the int32 range is refused) and drops its column;
  - any conv or depthwise conv folds a constant equal to its input zero point ("a true zero":
    x + input_offset = 0, which is also what a padded tap adds) through padding too;
  - a depthwise conv (depth multiplier 1), AVERAGE_POOL_2D, MAX_POOL_2D and a RESHAPE that keeps
    the last axis carry a channel through unchanged: the channel goes from their input and output
    together, and a depthwise channel whose input is constant and foldable is constant in turn.
Anything else (ADD, CONCATENATION, a model output, a grouped conv, ...) keeps every channel. The
producer of a dropped channel loses its filter row (or its depthwise / pool channel), so the MACs
and weights of both sides go. A channel count that was a multiple of 4 stays one (the DSP
depthwise and im2col paths need it), keeping the lowest-numbered droppable channels.

Dead channels that stay (their consumer cannot fold them) are computed by nobody either: the
dsp conv's channel plan stores their constant (layouts.py).
"""

from dataclasses import replace

import numpy as np

from pipeline.compiler.lower_conv import window_overlap

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
GRANULE = 4     # a channel count that was a multiple of this stays one


def _wrap32(x: int) -> int:
    return (x + (1 << 31)) % (1 << 32) - (1 << 31)


def mbqm(x: int, m: int, shift: int) -> int:
    """reference/requant.h ed_mbqm (TFLM's MultiplyByQuantizedMultiplier), on Python ints."""
    left, right = max(shift, 0), max(-shift, 0)
    x = _wrap32(x << left)
    if x == m == INT32_MIN:
        v = INT32_MAX
    else:
        ab = x * m
        t = ab + ((1 << 30) if ab >= 0 else 1 - (1 << 30))
        v = (abs(t) >> 31) * (1 if t >= 0 else -1)        # C division truncates
    mask = (1 << right) - 1
    threshold = (mask >> 1) + (1 if v < 0 else 0)
    return (v >> right) + (1 if (v & mask) > threshold else 0)


def requantize(acc: int, m: int, shift: int, zp: int, lo: int, hi: int) -> int:
    """The int8 output of an int32 accumulator (bias included), as every conv kernel computes it."""
    return min(max(mbqm(acc, m, shift) + zp, lo), hi)


# ---- the ops a channel can go through -------------------------------------------------------
# conv: an ungrouped CONV_2D; dw: DEPTHWISE_CONV_2D with depth multiplier 1; fc:
# FULLY_CONNECTED; pool: AVERAGE_/MAX_POOL_2D; reshape: a RESHAPE (alias). A tensor's channels
# are its elements modulo its period P (its last axis for what a conv, dw, fc or pool writes;
# a RESHAPE keeps P when its output's last axis is a multiple of it).

def _kind(c) -> str | None:
    f = c.fields
    if c.kind == "CONV_2D" and f["filter_in_c"] == f["in_c"]:
        return "conv"
    if c.kind == "DEPTHWISE_CONV_2D" and f["depth_multiplier"] == 1:
        return "dw"
    if c.kind == "FULLY_CONNECTED":
        return "fc"
    if c.kind in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        return "pool"
    if c.kind == "RESHAPE" and c.alias:
        return "reshape"
    return None


def _weights(c) -> np.ndarray:
    """conv (out_c, k_h, k_w, in_c), dw (k_h, k_w, C), fc (out_depth, accum_depth); int64"""
    f = c.fields
    v = f["filter"].values.astype(np.int64)
    if c.kind == "CONV_2D":
        return v[:-3].reshape(f["out_c"], f["k_h"], f["k_w"], f["in_c"])   # lower_conv._pad3
    if c.kind == "DEPTHWISE_CONV_2D":
        return v.reshape(f["k_h"], f["k_w"], f["out_c"])
    return v.reshape(f["out_depth"], f["accum_depth"])


def _no_padding(f: dict) -> bool:
    """No window of the conv reaches past the input (every tap of every pixel reads it)."""
    return all(f[f"pad_{a}"] == 0 and (f[f"out_{a}"] - 1) * f[f"stride_{a}"]
               + (f[f"k_{a}"] - 1) * f[f"dil_{a}"] + 1 <= f[f"in_{a}"] for a in "hw")


def _bias(f: dict, n: int) -> np.ndarray:
    return (f["bias"].values.astype(np.int64) if f["bias"] is not None
            else np.zeros(n, np.int64))


class _Graph:
    """Producers, consumers and channel periods of the program's tensors."""

    def __init__(self, program):
        self.p, self.g = program, program.graph
        self.producer, self.consumers = {}, {}
        for c in program.calls:
            for t in c.outputs:
                self.producer[t] = c
            for t in c.inputs:
                if isinstance(t, int):
                    self.consumers.setdefault(t, []).append(c)
        self.period: dict[int, int] = {}
        for c in program.calls:
            k, out = _kind(c), c.outputs[0]
            if k in ("conv", "dw", "fc", "pool"):
                self.period[out] = self.g.tensors[out].shape[-1]
            elif k == "reshape" and c.inputs[0] in self.period:
                p = self.period[c.inputs[0]]
                if self.g.tensors[out].shape and self.g.tensors[out].shape[-1] % p == 0:
                    self.period[out] = p

    def reads(self, c, t: int) -> bool:
        """Consumer c reads t's channels as channels (so it can be told some are gone)."""
        k, p, f = _kind(c), self.period.get(t), c.fields
        if p is None or c.inputs[0] != t:
            return False
        return ((k in ("conv", "dw") and f["in_c"] == p) or (k == "pool" and f["channels"] == p)
                or (k == "fc" and f["accum_depth"] % p == 0)
                or (k == "reshape" and self.period.get(c.outputs[0]) == p))


def _constants(gr: _Graph) -> dict[int, dict[int, int]]:
    """tensor -> {channel: value} for the channels that hold one value whatever the input."""
    const: dict[int, dict[int, int]] = {}
    for c in gr.p.calls:
        k, f = _kind(c), c.fields
        if k is None:
            continue
        t_in, out = c.inputs[0], c.outputs[0]
        cin = const.get(t_in, {}) if gr.reads(c, t_in) else {}
        got: dict[int, int] = {}
        if k in ("pool", "reshape"):
            # an average of equal terms rounds to the term, a maximum is it: exact
            lo, hi = (f["act_min"], f["act_max"]) if k == "pool" else (-128, 127)
            got = {ch: min(max(v, lo), hi) for ch, v in cin.items()}
        else:
            w = _weights(c)
            zp_in = -f["input_offset"]
            n = w.shape[-1] if k == "dw" else w.shape[0]
            bias = _bias(f, n)
            m, sh = f["multiplier"].values, f["shift"].values
            for o in range(n):
                acc = _const_sum(k, f, w, o, cin, zp_in, gr.period.get(t_in))
                if acc is None:
                    continue
                acc += int(bias[o])
                if INT32_MIN <= acc <= INT32_MAX:
                    got[o] = requantize(acc, int(m[o]), int(sh[o]), f["output_offset"],
                                        f["act_min"], f["act_max"])
        if got:
            const[out] = got
    return const


def _const_sum(k: str, f: dict, w: np.ndarray, o: int, cin: dict, zp_in: int, period) -> int | None:
    """Output channel o's accumulator without its bias when it is the same at every pixel, else
    None: every input channel its filter touches is constant, and a true zero (= the input zero
    point) or read by windows that never reach the padding."""
    if k == "conv":
        taps = w[o].reshape(-1, w.shape[-1]).sum(axis=0)            # per input channel
        used = np.flatnonzero(np.any(w[o].reshape(-1, w.shape[-1]) != 0, axis=0))
    elif k == "dw":
        taps = {o: int(w[..., o].sum())}
        used = [o] if np.any(w[..., o] != 0) else []
    else:                                                            # fc: columns by channel
        if not np.any(w[o] != 0):
            return 0
        if period is None:
            return None
        cols = w[o].reshape(-1, period)
        taps = cols.sum(axis=0)
        used = np.flatnonzero(np.any(cols != 0, axis=0))
    pad_ok = k == "fc" or _no_padding(f)
    total = 0
    for ic in used:
        ic = int(ic)
        if ic not in cin or not (pad_ok or cin[ic] == zp_in):
            return None
        total += int(taps[ic]) * (cin[ic] - zp_in)
    return total


def _drops(gr: _Graph, const: dict) -> dict[int, set[int]]:
    """tensor -> the channels it can lose: start from every channel of every tensor whose
    producer and consumers all handle channels, and take back what some call still needs
    until nothing changes (each pass only takes back: it ends); then again with the channel
    counts rounded (_round), so that the rounding keeps channels of the final sets."""
    p = gr.p
    ends = set(p.inputs) | set(p.outputs)
    drop: dict[int, set[int]] = {}
    for t, period in gr.period.items():
        cons = gr.consumers.get(t, [])
        if t not in ends and cons and all(gr.reads(c, t) for c in cons):
            drop[t] = set(range(period))
    refused: set[int] = set()         # convs / fcs whose bias would leave int32: no folding
    for rounded in (False, True):
        changed = True
        while changed:
            changed = False
            for t in list(drop):
                new = drop[t] - _needed(gr, const, drop, refused, t)
                if rounded:
                    new = _round(new, gr.period[t])
                if new != drop[t]:
                    drop[t], changed = new, True
            for c in p.calls:
                if _kind(c) in ("conv", "fc") and id(c) not in refused and \
                        _overflows(gr, const, drop, c):
                    refused.add(id(c))
                    changed = True
    return {t: d for t, d in drop.items() if d}


def _kept(drop: dict, t: int, n: int) -> list[int]:
    return [ch for ch in range(n) if ch not in drop.get(t, ())]


def _needed(gr: _Graph, const: dict, drop: dict, refused: set, t: int) -> set[int]:
    """The channels of t some call cannot do without, given the other drops."""
    period, cin = gr.period[t], const.get(t, {})
    need: set[int] = set()
    prod = gr.producer[t]
    if _kind(prod) in ("dw", "pool", "reshape"):      # channel in = channel out
        need |= set(_kept(drop, prod.inputs[0], period))
    for c in gr.consumers[t]:
        k, f = _kind(c), c.fields
        if k in ("dw", "pool", "reshape"):
            need |= set(_kept(drop, c.outputs[0], period))
            continue
        w = _weights(c)
        rows = _kept(drop, c.outputs[0], w.shape[0])
        zp_in = -f["input_offset"]
        fold = id(c) not in refused
        pad_ok = k == "fc" or _no_padding(f)
        per_ch = np.any(w[rows].reshape(len(rows), -1, period) != 0, axis=(0, 1)) if rows \
            else np.zeros(period, bool)
        for ch in np.flatnonzero(per_ch):
            ch = int(ch)
            if not (fold and ch in cin and (pad_ok or cin[ch] == zp_in)):
                need.add(ch)
    return need


def _round(d: set[int], period: int) -> set[int]:
    """Keep a multiple of GRANULE channels if there was one, and at least one channel, by
    keeping the lowest-numbered of d."""
    d = set(d)
    keep_min = GRANULE if period % GRANULE == 0 else 1
    while d and (period - len(d) < keep_min
                 or (period % GRANULE == 0 and (period - len(d)) % GRANULE)):
        d.remove(min(d))
    return d


def _folds(gr: _Graph, const: dict, drop: dict, c) -> np.ndarray:
    """What the channels c's input loses add to each of c's biases (conv, fc)."""
    f, t = c.fields, c.inputs[0]
    w = _weights(c)
    period = gr.period.get(t)
    add = np.zeros(w.shape[0], dtype=object)
    zp_in = -f["input_offset"]
    for ch in drop.get(t, ()):
        v = const.get(t, {}).get(ch)
        if v is not None and v != zp_in:
            add += w.reshape(w.shape[0], -1, period)[:, :, ch].sum(axis=1).astype(object) * (v - zp_in)
    return add


def _overflows(gr: _Graph, const: dict, drop: dict, c) -> bool:
    f = c.fields
    rows = _kept(drop, c.outputs[0], _weights(c).shape[0])
    b = _bias(f, _weights(c).shape[0]).astype(object) + _folds(gr, const, drop, c)
    return any(not INT32_MIN <= int(b[o]) <= INT32_MAX for o in rows)


def _rewrite(gr: _Graph, const: dict, drop: dict, c) -> None:
    """c without the channels its input and output lose (biases take the folded constants)."""
    from pipeline.compiler.lower import Const
    k, f = _kind(c), c.fields
    t_in, out = c.inputs[0], c.outputs[0]
    d_in, d_out = drop.get(t_in, set()), drop.get(out, set())
    if not d_in and not d_out:
        return
    if k == "pool":
        f["channels"] -= len(d_out)
        c.overlap = {t_in: window_overlap(f, f["channels"], f["channels"])}
        return
    if k == "reshape":
        return
    w = _weights(c)
    n_out = w.shape[-1] if k == "dw" else w.shape[0]
    rows = _kept(drop, out, n_out)
    b = _bias(f, n_out).astype(object)
    if k in ("conv", "fc") and d_in:
        b = b + _folds(gr, const, drop, c)
    if f["bias"] is not None or any(b):
        f["bias"] = Const("int32_t", np.array([int(x) for x in b[rows]], np.int64))
    f["multiplier"] = Const("int32_t", f["multiplier"].values[rows])
    f["shift"] = Const("int8_t", f["shift"].values[rows])
    if k == "dw":
        f["filter"] = Const("int8_t", w[..., rows].reshape(-1))
        f["in_c"] = f["out_c"] = len(rows)
    elif k == "conv":
        cols = _kept(drop, t_in, f["in_c"])
        w = w[rows][..., cols]
        f["filter"] = Const("int8_t", np.concatenate([w.reshape(-1), np.zeros(3, np.int64)]))
        f["out_c"], f["in_c"], f["filter_in_c"] = len(rows), len(cols), len(cols)
    else:
        period = gr.period.get(t_in)
        cols = [d for d in range(f["accum_depth"]) if period is None or d % period not in d_in]
        f["filter"] = Const("int8_t", w[rows][:, cols].reshape(-1))
        f["out_depth"], f["accum_depth"] = len(rows), len(cols)
    if k in ("conv", "dw"):
        c.overlap = {t_in: window_overlap(f, f["in_c"], f["out_c"])}


def prune(program) -> dict[int, int]:
    """Drop every constant channel the program can lose exactly (module header), in place:
    calls, their weights and the graph's tensor shapes. Returns {op index: output channels
    dropped} for the ops that lost some."""
    gr = _Graph(program)
    const = _constants(gr)
    drop = _drops(gr, const)
    if not drop:
        return {}
    for c in program.calls:
        if _kind(c) is not None:
            _rewrite(gr, const, drop, c)
    g = program.graph
    for t, d in drop.items():
        shape = g.tensors[t].shape
        period = gr.period[t]
        g.tensors[t] = replace(g.tensors[t], shape=(*shape[:-1], shape[-1] // period * (period - len(d))))
    return {gr.producer[t].op_index: len(d) for t, d in drop.items()}
