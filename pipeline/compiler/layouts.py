"""Target-specific weight layouts: trading flash for instructions where the target allows.

dsp/conv.c's GEMM multiplies int16 pairs with SMLAD. From int8 weights each 4-byte weight word
is widened in the loop (one load and two SXTB16 per word per pixel pair). Widened once, here,
into the order the loop consumes, a weight word costs one LDRD and no SXTB16: the 2x2 block
drops from 16 to 12 instructions per 16 MACs, and the conv's weights take twice the flash
(K rounded up to 8, out_c to 2).

`filter16` layout, per pair of output channels (oc, oc+1; the odd last one pairs with a zero
row), per 4 k: row oc as (w0, w2), (w1, w3), then row oc+1 the same: four int16 pairs, 16
bytes, lined up with the (x0, x2), (x1, x3) words dsp/conv.c widens the inputs into. k >= K is
zero, up to K8 = K rounded up to 8: the kernel's K loop then always runs whole 8-k passes (the
zero weights cancel whatever input words it reads past K4). With it set, the int8 `filter` is not emitted (grouped convs keep it: they take the plain
loop).

optimize: "size" keeps int8 everywhere; "speed" widens every ungrouped conv; "auto" (default)
widens them when the widened model still fits the target's flash budget."""

import numpy as np

from pipeline.compiler.lower import Const

OPTIMIZE = ("auto", "speed", "size")


def filter16(w: np.ndarray, out_c: int, k: int) -> np.ndarray:
    """(out_c * k,) int8 filter -> the int16 layout above."""
    k8 = (k + 7) // 8 * 8
    rows = np.zeros((out_c + out_c % 2, k8), np.int16)
    rows[:out_c, :k] = w[:out_c * k].reshape(out_c, k)
    g = rows.reshape(-1, 2, k8 // 4, 2, 2)          # (pair, row, group, hi/lo half, lane)
    # within a group of 4 k: (w0, w2) then (w1, w3): lane j of word i holds k = 2j + i
    g = g.transpose(0, 1, 2, 4, 3)                  # (pair, row, group, word i, lane j)
    return np.ascontiguousarray(g.transpose(0, 2, 1, 3, 4)).reshape(-1)   # pair, group, row, ...


def const_bytes(program) -> int:
    """Flash of the program's constant arrays as emitted (emit.py counts the same)."""
    from pipeline.compiler.emit import CTYPE_BYTES
    return sum(v.values.size * CTYPE_BYTES[v.ctype] for c in program.calls
               for v in c.fields.values() if isinstance(v, Const))


def _widenable(c) -> bool:
    return c.kind == "CONV_2D" and not c.alias and c.fields["filter_in_c"] == c.fields["in_c"]


def extra_flash(program) -> int:
    """Bytes widening every widenable conv would add."""
    total = 0
    for c in program.calls:
        if _widenable(c):
            f = c.fields
            k = f["k_h"] * f["k_w"] * f["in_c"]
            total += 2 * (f["out_c"] + f["out_c"] % 2) * ((k + 7) // 8 * 8) - f["filter"].values.size
    return total


def apply(program, conv_variant: str, optimize: str, flash_room: int | None) -> bool:
    """Widen the conv weights when the target's conv kernel is dsp/ and `optimize` asks for it
    (auto: when `flash_room`, the flash left beside the int8 model, holds the extra bytes).
    Returns whether any conv was widened."""
    if optimize not in OPTIMIZE:
        raise ValueError(f"optimize must be one of {OPTIMIZE}, not {optimize!r}")
    if conv_variant != "dsp" or optimize == "size":
        for c in program.calls:
            if _widenable(c):
                c.fields["filter16"] = None
        return False
    if optimize == "auto" and flash_room is not None and extra_flash(program) > flash_room:
        return apply(program, conv_variant, "size", None)
    widened = False
    for c in program.calls:
        if _widenable(c):
            f = c.fields
            k = f["k_h"] * f["k_w"] * f["in_c"]
            c.fields["filter16"] = Const("int16_t", filter16(f["filter"].values, f["out_c"], k))
            c.fields["filter"] = None
            widened = True
    return widened
