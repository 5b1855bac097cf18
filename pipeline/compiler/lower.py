"""Graph -> Program: one kernel call per op, with every parameter computed here (TFLM's Prepare,
done once at compile time). Each op kind has a small lowering function in lower_conv.py or
lower_elementwise.py; everything they do not accept raises a CompileError naming op and tensor.
"""

from dataclasses import dataclass, field

import numpy as np

from pipeline.compiler.errors import (CompileError, UnsupportedOpError, UnsupportedOptionError,
                                      UnsupportedTypeError)
from pipeline.compiler.reader import Graph, Op, Tensor


@dataclass(frozen=True)
class Const:
    """A constant array the params struct points to (weights, bias, per-channel multipliers)."""
    ctype: str                 # "int8_t" | "int32_t"
    values: np.ndarray


class Symbol(str):
    """A C function a params struct points to: a kernel path the compiler chose (paths.py)."""


@dataclass(eq=False)
class Call:
    op_index: int
    kind: str                  # tflite op, for comments and errors
    func: str                  # C kernel, e.g. "ed_conv"; "" for a pure alias (RESHAPE)
    ptype: str                 # C params struct type
    fields: dict               # struct field -> int | float | list[int] | Const | Symbol
    inputs: list[int]          # activation tensors read, in kernel argument order
    outputs: list[int]
    style: str = "unary"       # "unary" (p, in, out) | "binary" (p, a, b, out) | "list" (p, ins[], out)
    overlap: dict = field(default_factory=dict)  # input tensor -> max (out_start - in_start)
    alias: bool = False        # output shares the input's bytes (RESHAPE)
    scratch_bytes: int = 0     # the target's kernel variant's need (scratch.py), 0 for most
    scratch_check: str = ""    # C expression model.c asserts to be <= the scratch it gets


@dataclass(eq=False)
class Program:
    graph: Graph
    calls: list[Call]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    io_dtype: str              # "int8" | "float32": the type of model_invoke's in/out pointers


class Ctx:
    """What a lowering function sees: the graph, the op, and checked accessors."""

    def __init__(self, g: Graph, op: Op):
        self.g, self.op = g, op

    def fail(self, cls, reason: str, tensor: Tensor | None = None, fix: str = ""):
        raise cls(reason, op=self.op.kind, op_index=self.op.index,
                  tensor=tensor.name if tensor is not None else None, fix=fix)

    def tensor(self, position: int, outputs: bool = False) -> Tensor | None:
        ids = self.op.outputs if outputs else self.op.inputs
        if position >= len(ids) or ids[position] < 0:
            return None
        return self.g.tensors[ids[position]]

    def act(self, position: int, outputs: bool = False) -> Tensor:
        """An int8 activation with per-tensor quantization."""
        t = self.tensor(position, outputs)
        if t is None:
            self.fail(CompileError, f"{'output' if outputs else 'input'} {position} is missing")
        if t.data is not None and not outputs:
            self.fail(UnsupportedOptionError, "a constant where an activation is expected", t)
        if t.dtype != "INT8":
            fix = ("convert with full-integer quantization (int8 ops, int8 or float edges)"
                   if t.dtype == "FLOAT32" else "")
            self.fail(UnsupportedTypeError, f"tensor type {t.dtype} (only int8 compute)", t, fix)
        if len(t.scale) != 1:
            self.fail(UnsupportedTypeError, "activation without per-tensor quantization", t)
        return t

    def const(self, position: int, dtype: str) -> Tensor:
        """A constant input of `dtype`; optional ones are checked with tensor() first."""
        t = self.tensor(position)
        if t is None:
            self.fail(CompileError, f"input {position} is missing (expected a constant)")
        if t.data is None:
            self.fail(UnsupportedOptionError, "weights computed at run time (expected a constant)", t)
        if t.dtype != dtype:
            self.fail(UnsupportedTypeError, f"constant of type {t.dtype} (expected {dtype})", t)
        return t

    def opt(self, name: str, default=None):
        return self.op.options.get(name, default)

    def batch1(self, t: Tensor):
        if len(t.shape) >= 2 and t.shape[0] != 1:
            self.fail(UnsupportedOptionError, f"batch {t.shape[0]} (export with batch 1)", t)

    def rank(self, t: Tensor, ranks: tuple[int, ...]):
        if len(t.shape) not in ranks:
            self.fail(UnsupportedOptionError, f"rank {len(t.shape)} (supported: {ranks})", t)


def per_channel_multipliers(ctx: Ctx, inp: Tensor, w: Tensor, out: Tensor, channels: int):
    """TFLM PopulateConvolutionQuantizationParams: (s_in * s_w[c]) / s_out for each channel."""
    from pipeline.compiler.quant import quantize_multiplier
    scales = w.scale
    if len(scales) not in (1, channels):
        ctx.fail(UnsupportedTypeError, f"{len(scales)} weight scales for {channels} channels", w)
    if any(z != 0 for z in w.zero_point):
        ctx.fail(UnsupportedTypeError, "weights with a non-zero zero point", w)
    if len(scales) == 1:
        scales = scales * channels
    mults, shifts = zip(*(quantize_multiplier(inp.scale[0] * s / out.scale[0]) for s in scales))
    return Const("int32_t", np.array(mults, np.int64)), Const("int8_t", np.array(shifts, np.int64))


def bias_const(ctx: Ctx, position: int, channels: int) -> Const | None:
    b = ctx.tensor(position)
    if b is None:
        return None
    b = ctx.const(position, "INT32")
    if b.size != channels:
        ctx.fail(UnsupportedOptionError, f"bias of {b.size} values for {channels} channels", b)
    return Const("int32_t", b.data.reshape(-1).astype(np.int64))


def fused_range(ctx: Ctx, out: Tensor) -> tuple[int, int]:
    from pipeline.compiler.quant import activation_range
    act = ctx.opt("activation", "NONE")
    r = activation_range(act, out.scale[0], out.zero_point[0])
    if r is None:
        ctx.fail(UnsupportedOptionError, f"fused activation {act}", out)
    return r


def _lowerers() -> dict:
    from pipeline.compiler import lower_conv as c
    from pipeline.compiler import lower_elementwise as e
    return {"CONV_2D": c.conv_2d, "DEPTHWISE_CONV_2D": c.depthwise_conv_2d,
            "FULLY_CONNECTED": c.fully_connected, "AVERAGE_POOL_2D": c.average_pool_2d,
            "MAX_POOL_2D": c.max_pool_2d, "MEAN": c.mean,
            "ADD": e.add, "MUL": e.mul, "CONCATENATION": e.concatenation, "RESHAPE": e.reshape,
            "PAD": e.pad, "PADV2": e.pad, "SOFTMAX": e.softmax, "LOGISTIC": e.logistic,
            "TANH": e.tanh, "RELU": e.relu, "RELU6": e.relu6, "QUANTIZE": e.quantize,
            "DEQUANTIZE": e.dequantize, "TRANSPOSE": e.transpose}


SUPPORTED = (
    "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEQUANTIZE",
    "FULLY_CONNECTED", "LOGISTIC", "MAX_POOL_2D", "MEAN", "MUL", "PAD", "PADV2", "QUANTIZE",
    "RELU", "RELU6", "RESHAPE", "SOFTMAX", "TANH", "TRANSPOSE")


def _io_dtype(g: Graph) -> str:
    kinds = {g.tensors[t].dtype for t in (*g.inputs, *g.outputs)}
    if kinds == {"INT8"}:
        return "int8"
    if kinds == {"FLOAT32"}:
        return "float32"
    bad = next(g.tensors[t] for t in (*g.inputs, *g.outputs) if g.tensors[t].dtype not in ("INT8", "FLOAT32")) \
        if kinds - {"INT8", "FLOAT32"} else g.tensors[g.inputs[0]]
    raise UnsupportedTypeError(f"model inputs/outputs of types {sorted(kinds)} "
                               "(all int8, or all float32 around QUANTIZE/DEQUANTIZE)", tensor=bad.name)


def lower(g: Graph) -> Program:
    if not g.ops:
        raise CompileError("the graph has no operators")
    for t in (*g.inputs, *g.outputs):
        if g.tensors[t].data is not None:
            raise UnsupportedOptionError("a constant model input/output", tensor=g.tensors[t].name)
    io = _io_dtype(g)
    table = _lowerers()
    calls = []
    for op in g.ops:
        fn = table.get(op.kind)
        if fn is None:
            raise UnsupportedOpError(f"operator {op.kind} is not supported (supported: "
                                     f"{', '.join(SUPPORTED)})", op=op.kind, op_index=op.index,
                                     tensor=g.tensors[op.outputs[0]].name if op.outputs else None)
        try:
            calls.append(fn(Ctx(g, op)))
        except ArithmeticError as e:   # ScaleRangeError, or a float overflow from a scale near 0
            raise UnsupportedOptionError(f"quantization scales out of range ({e})", op=op.kind,
                                         op_index=op.index,
                                         fix="the scales are corrupt: re-export the model with the "
                                             "TFLite converter") from None
    return Program(g, calls, g.inputs, g.outputs, io)
