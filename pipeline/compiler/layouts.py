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

optimize: "size" keeps int8 everywhere; "speed" widens every ungrouped conv; "auto" (default)
widens them when the widened model still fits the target's flash budget."""

import numpy as np

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


def _widenable(c) -> bool:
    return c.kind == "CONV_2D" and not c.alias and c.fields["filter_in_c"] == c.fields["in_c"]


def extra_flash(program) -> int:
    """Bytes widening every widenable conv would add."""
    total = 0
    for c in program.calls:
        if _widenable(c):
            f = c.fields
            k = f["k_h"] * f["k_w"] * f["in_c"]
            total += 2 * filter16_size(f["out_c"], k) - f["filter"].values.size
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
