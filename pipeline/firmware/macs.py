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


def count_macs(tflite: bytes) -> int:
    from pipeline.compiler.lower import lower
    from pipeline.compiler.reader import read
    program = lower(read(bytes(tflite)))
    return int(sum(_call_macs(c.kind, c.fields) for c in program.calls))
