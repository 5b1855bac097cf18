"""Multiply-accumulates per inference, from the compiler's lowered program (the same numbers
the kernels execute: padding taps counted, as MLPerf Tiny and TFLM's profilers count them)."""


def _call_macs(kind: str, f: dict) -> int:
    if kind == "CONV_2D":
        return f["out_h"] * f["out_w"] * f["out_c"] * f["k_h"] * f["k_w"] * f["filter_in_c"]
    if kind == "DEPTHWISE_CONV_2D":
        return f["out_h"] * f["out_w"] * f["out_c"] * f["k_h"] * f["k_w"]
    if kind == "FULLY_CONNECTED":
        return f["batches"] * f["out_depth"] * f["accum_depth"]
    return 0


def macs_per_op(tflite: bytes) -> dict:
    """{op index: MACs} for every op of the model (0 for ops without multiply-accumulates), as
    compiled: without the dead channels the compiler drops (compiler/deadchannels.py)."""
    from pipeline.compiler.deadchannels import prune
    from pipeline.compiler.lower import lower
    from pipeline.compiler.reader import read
    out: dict = {}
    program = lower(read(bytes(tflite)))
    prune(program)
    for c in program.calls:
        out[c.op_index] = out.get(c.op_index, 0) + int(_call_macs(c.kind, c.fields))
    return out


def count_macs(tflite: bytes) -> int:
    return int(sum(macs_per_op(tflite).values()))
