"""Kernel scratch: bytes a kernel variant needs beside its input and output, per call.

The planner puts one scratch region at the end of the arena, as large as the largest need
(ops run one at a time), and the emitter points the params' `scratch` field at it. Each kernel
variant states its own need in C as a macro in `<op>_scratch.h` (CMSIS-NN's *_get_buffer_size);
the generated model.c checks the figure computed here against that macro with _Static_assert, so
the two cannot drift apart without the firmware failing to build."""

from pipeline.targets import kernel_dir


def variant_of(op_file: str, variants: list[str]) -> str:
    """The variant whose file implements the op: the last folder that has it."""
    return next(v for v in reversed(variants) if (kernel_dir(v) / op_file).is_file())


def _align4(n: int) -> int:
    return (n + 3) // 4 * 4


def conv_dsp(f: dict) -> int:
    """dsp/conv.c: the pixel pair's widened window (K words, K rounded up to 4), the int8 copy
    of both windows (+ 4 bytes of slack) when in_c % 4 != 0 (else they are widened straight
    from the input), and 13 words per pair of fast rows (the channel plan's n_fast, layouts.py;
    an odd count's last row takes a whole one) of accumulator starts, the window's address,
    requantization constants and output offsets. Grouped convs need none (plain loop)."""
    if f["filter_in_c"] != f["in_c"]:
        return 0
    k4 = _align4(f["k_h"] * f["k_w"] * f["in_c"])
    return 4 * k4 + (2 * k4 + 4 if f["in_c"] % 4 else 0) + 52 * ((f["n_fast"] + 1) // 2)


def conv_mve(f: dict) -> int:
    """mve/conv.c: both int8 windows of a pixel pair (in_c < 16, more than one tap, K <= 256),
    else the second pixel's outputs (out_c <= 256). Grouped convs need none."""
    if f["filter_in_c"] != f["in_c"]:
        return 0
    k = f["k_h"] * f["k_w"] * f["in_c"]
    if f["in_c"] < 16 and f["k_h"] * f["k_w"] > 1 and k <= 256:
        return 2 * k
    return f["out_c"] if f["out_c"] <= 256 else 0


def conv_macro(f: dict) -> str:
    """The C side of the same figure (ED_CONV_SCRATCH_BYTES of the variant's conv_scratch.h;
    dsp/ counts the channel plan's fast rows where the others take out_c)."""
    return (f"ED_CONV_SCRATCH_BYTES({f['k_h']}, {f['k_w']}, {f['in_c']}, {f['filter_in_c']}, "
            f"{f.get('n_fast', f['out_c'])}, {f['pad_h']}, {f['pad_w']})")


def fc_dsp(f: dict) -> int:
    """dsp/fully_connected.c and fully_connected_wide.c: the widened input row, accum_depth
    rounded up to 4, at most 1024 entries at a time."""
    return 2 * min((f["accum_depth"] + 3) & ~3, 1024)


def add_dsp(f: dict) -> int:
    """dsp/add.c: 256 rescaled terms per input, int32."""
    return 2048


def dw_path(f: dict) -> str | None:
    """The plane path dsp/depthwise_conv.c's dispatch picks for the layer's shape: "strip" (stride_w
    1 or 2, 2 (ncols + 1) <= 32), else "ring" (tap-pair rows: out_w >= 6, stride_w 1 or 2,
    2 (ncols + 1) <= 128), else "pairs" (channel pairs, a band within 1536 B), or None (the pixel
    path). The C also asks for rq_fast's multipliers, the full activation range and
    non-overlapping buffers; those are the caller's to add (features.py)."""
    if (f["k_h"], f["k_w"], f["depth_multiplier"], f["dil_h"], f["dil_w"]) != (3, 3, 1, 1, 1) \
            or f["in_c"] % 4:
        return None
    ncols = (f["out_w"] - 1) * f["stride_w"] + 3
    if f["stride_w"] in (1, 2) and 2 * (ncols + 1) <= 32:
        return "strip"
    if f["out_w"] >= 6 and f["stride_w"] in (1, 2) and 2 * (ncols + 1) <= 128:
        return "ring"
    return "pairs" if _dw_band(f, ncols) <= 1536 else None


def _dw_band(f: dict, ncols: int) -> int:
    g = 2 if f["in_c"] % 8 == 0 and ncols * 48 <= 1536 else 1
    return ncols * 24 * g


def dw_dsp(f: dict) -> int:
    """dsp/depthwise_conv.c's plane paths (dw_path): strip: the band (4 channels x 16 rows x 32 B)
    and the weight table (160 B); ring: the band of widened rows (4 channels x 3 slots x 128 B)
    and the weight table (480 B); channel-pair: the band of widened rows, weight tables,
    constants."""
    path = dw_path(f)
    if path == "strip":
        return 4 * 16 * 32 + 160
    if path == "ring":
        return 12 * 128 + 480
    if path == "pairs":
        return _dw_band(f, (f["out_w"] - 1) * f["stride_w"] + 3) + 432 + 140
    return 0


def dw_macro(f: dict) -> str:
    return (f"ED_DEPTHWISE_CONV_SCRATCH_BYTES({f['k_h']}, {f['k_w']}, {f['in_c']}, "
            f"{f['depth_multiplier']}, {f['dil_h']}, {f['dil_w']}, {f['out_w']}, {f['stride_w']})")


NEEDS = {("CONV_2D", "dsp"): (conv_dsp, conv_macro),
         ("CONV_2D", "mve"): (conv_mve, conv_macro),
         ("FULLY_CONNECTED", "dsp"): (fc_dsp, lambda f: f"ED_FULLY_CONNECTED_SCRATCH_BYTES({f['accum_depth']})"),
         ("ADD", "dsp"): (add_dsp, lambda f: "ED_ADD_SCRATCH_BYTES()"),
         ("DEPTHWISE_CONV_2D", "dsp"): (dw_dsp, dw_macro)}
FILES = {"CONV_2D": "conv.c", "FULLY_CONNECTED": "fully_connected.c", "ADD": "add.c",
         "DEPTHWISE_CONV_2D": "depthwise_conv.c"}


def assign(program, variants: list[str]) -> None:
    """Set each call's scratch_bytes (and `scratch_check`, the C expression to assert) for the
    kernel variants the target uses (["reference"] on the host)."""
    for c in program.calls:
        if c.kind not in FILES or c.alias:
            continue
        need = NEEDS.get((c.kind, variant_of(FILES[c.kind], variants)))
        if need is None:
            continue
        size, macro = need
        c.scratch_bytes = size(c.fields)
        c.scratch_check = macro(c.fields) if c.scratch_bytes else ""
