"""Lowering of the elementwise, shape and edge ops: ADD, MUL, CONCATENATION, RESHAPE, PAD(V2),
SOFTMAX, LOGISTIC, TANH, RELU, RELU6, QUANTIZE, DEQUANTIZE. Parameters follow TFLM's Prepare."""

import numpy as np

from pipeline.compiler import overlap
from pipeline.compiler.errors import UnsupportedOptionError, UnsupportedTypeError
from pipeline.compiler.lower import Call, Const, Ctx, fused_range
from pipeline.compiler.quant import (INT8_MAX, INT8_MIN, frexp_multiplier, input_radius,
                                     quantize_float32, quantize_multiplier, softmax_scaling)


def _operand(ctx: Ctx, position: int):
    """Activation tensor, or a constant int8 operand (passed to the kernel as a const array)."""
    t = ctx.tensor(position)
    if t is not None and t.data is not None:
        if t.dtype != "INT8" or len(t.scale) != 1:
            ctx.fail(UnsupportedTypeError, f"constant operand of type {t.dtype}", t)
        return t, Const("int8_t", t.data.reshape(-1).astype(np.int64))
    t = ctx.act(position)
    return t, t.index


def _broadcast(ctx: Ctx, a, b, out):
    """4-D output shape and element strides of a and b (0 on broadcast axes)."""
    if max(len(a.shape), len(b.shape), len(out.shape)) > 4:
        ctx.fail(UnsupportedOptionError, "broadcasting beyond 4 dimensions", out)
    shape = [1] * (4 - len(out.shape)) + list(out.shape)

    def strides(t):
        s = [1] * (4 - len(t.shape)) + list(t.shape)
        if any(d not in (1, o) for d, o in zip(s, shape)):
            ctx.fail(UnsupportedOptionError, f"shape {t.shape} does not broadcast to {out.shape}", t)
        st, acc = [0] * 4, 1
        for i in range(3, -1, -1):
            st[i] = acc if s[i] == shape[i] and s[i] != 1 else 0
            acc *= s[i]
        return st, s == shape
    (s1, full1), (s2, full2) = strides(a), strides(b)
    return shape, s1, s2, full1, full2


def _binary(ctx: Ctx, func: str, ptype: str, params) -> Call:
    (a, a_ref), (b, b_ref) = _operand(ctx, 0), _operand(ctx, 1)
    out = ctx.act(0, outputs=True)
    shape, s1, s2, full1, full2 = _broadcast(ctx, a, b, out)
    lo, hi = fused_range(ctx, out)
    f = dict(shape=shape, stride1=s1, stride2=s2, **params(a, b, out), act_min=lo, act_max=hi)
    ov = {ref: overlap.elementwise() for ref, full in ((a_ref, full1), (b_ref, full2))
          if full and isinstance(ref, int)}
    return Call(ctx.op.index, ctx.op.kind, func, ptype, f, [a_ref, b_ref], [out.index],
                style="binary", overlap=ov)


def add(ctx: Ctx) -> Call:
    def params(a, b, out):   # add_common.cc CalculateOpDataAdd, int8: left_shift 20
        twice_max = 2 * max(a.scale[0], b.scale[0])
        m1, sh1 = quantize_multiplier(a.scale[0] / twice_max)
        m2, sh2 = quantize_multiplier(b.scale[0] / twice_max)
        mo, sho = quantize_multiplier(twice_max / ((1 << 20) * out.scale[0]))
        return dict(input1_offset=-a.zero_point[0], input2_offset=-b.zero_point[0],
                    output_offset=out.zero_point[0], left_shift=20, input1_multiplier=m1,
                    input1_shift=sh1, input2_multiplier=m2, input2_shift=sh2,
                    output_multiplier=mo, output_shift=sho, scratch=None)
    return _binary(ctx, "ed_add", "ed_add_params_t", params)


def mul(ctx: Ctx) -> Call:
    def params(a, b, out):
        m, sh = quantize_multiplier(a.scale[0] * b.scale[0] / out.scale[0])
        return dict(input1_offset=-a.zero_point[0], input2_offset=-b.zero_point[0],
                    output_offset=out.zero_point[0], output_multiplier=m, output_shift=sh)
    return _binary(ctx, "ed_mul", "ed_mul_params_t", params)


def concatenation(ctx: Ctx) -> Call:
    out = ctx.act(0, outputs=True)
    ins = [ctx.act(i) for i in range(len(ctx.op.inputs))]
    if ctx.opt("activation", "NONE") != "NONE":
        ctx.fail(UnsupportedOptionError, f"fused activation {ctx.opt('activation')}", out)
    rank = len(out.shape)
    axis = ctx.opt("axis", 0)
    axis = axis + rank if axis < 0 else axis
    for t in ins:   # TFLM copies int8 bytes without requantizing; we do the same
        if len(t.shape) != rank or t.shape[:axis] != out.shape[:axis] or t.shape[axis + 1:] != out.shape[axis + 1:]:
            ctx.fail(UnsupportedOptionError, f"shape {t.shape} does not concatenate into {out.shape}", t)
    chunks = [int(np.prod(t.shape[axis:], dtype=np.int64)) for t in ins]
    f = dict(num_inputs=len(ins), outer=int(np.prod(out.shape[:axis], dtype=np.int64)),
             chunk=Const("int32_t", np.array(chunks, np.int64)))
    return Call(ctx.op.index, ctx.op.kind, "ed_concatenation", "ed_concatenation_params_t", f,
                [t.index for t in ins], [out.index], style="list")


def reshape(ctx: Ctx) -> Call:
    inp, out = ctx.act(0), ctx.act(0, outputs=True)
    if inp.size != out.size:
        ctx.fail(UnsupportedOptionError, f"reshape {inp.shape} -> {out.shape} changes the size", out)
    return Call(ctx.op.index, ctx.op.kind, "", "", {}, [inp.index], [out.index], alias=True)


def pad(ctx: Ctx) -> Call:
    inp, out = ctx.act(0), ctx.act(0, outputs=True)
    p = ctx.tensor(1)
    if p is None or p.data is None or p.dtype not in ("INT32", "INT64"):
        ctx.fail(UnsupportedOptionError, "paddings must be a constant int32 tensor", p or out)
    rank = len(inp.shape)
    if rank > 4 or p.data.shape != (rank, 2) or np.any(p.data < 0):
        ctx.fail(UnsupportedOptionError, f"paddings {p.data.tolist()} for rank {rank}", p)
    value = out.zero_point[0]
    if ctx.tensor(2) is not None:
        c = ctx.const(2, "INT8")
        value = int(c.data.reshape(-1)[0])
    lead = 4 - rank
    in_shape = [1] * lead + list(inp.shape)
    before = [0] * lead + [int(x) for x in p.data[:, 0]]
    out_shape = [1] * lead + list(out.shape)
    if [i + int(a) + int(b) for i, (a, b) in zip(inp.shape, p.data)] != list(out.shape):
        ctx.fail(UnsupportedOptionError, f"output {out.shape} does not match the paddings", out)
    idx = np.indices(out_shape).reshape(4, -1) - np.array(before)[:, None]
    inside = np.all((idx >= 0) & (idx < np.array(in_shape)[:, None]), axis=0)
    flat = np.ravel_multi_index(np.where(inside, idx, 0), in_shape)
    d = overlap.gather(np.where(inside, flat, -1), inp.size)
    f = dict(in_shape=in_shape, out_shape=out_shape, before=before, pad_value=value)
    return Call(ctx.op.index, ctx.op.kind, "ed_pad", "ed_pad_params_t", f, [inp.index],
                [out.index], overlap={inp.index: d})


def softmax(ctx: Ctx) -> Call:
    inp, out = ctx.act(0), ctx.act(0, outputs=True)
    if out.zero_point[0] != -128 or np.float32(out.scale[0]) != np.float32(1 / 256):
        ctx.fail(UnsupportedTypeError, "int8 softmax output must have scale 1/256, zero point -128", out)
    depth = inp.shape[-1]
    beta = ctx.opt("beta", 1.0)
    if not beta * inp.scale[0] * (1 << 26) > 1.0:   # TFLM: QuantizeMultiplierGreaterThanOne CHECK
        ctx.fail(UnsupportedTypeError, f"softmax input scale {inp.scale[0]!r} is too small "
                 "(TFLite-Micro aborts on it as well)", inp, "check the model: its logits are "
                 "nearly constant (dead activations?)")
    mult, shift, diff_min = softmax_scaling(beta, inp.scale[0])
    f = dict(outer=inp.size // depth, depth=depth, input_multiplier=mult, input_left_shift=shift,
             diff_min=diff_min)
    return Call(ctx.op.index, ctx.op.kind, "ed_softmax", "ed_softmax_params_t", f, [inp.index],
                [out.index], overlap={inp.index: overlap.elementwise()})


def _fixed_point_unary(ctx: Ctx, func: str, ptype: str) -> Call:
    """LOGISTIC / TANH Prepare: input rescaled to Q4.27 (4 integer bits)."""
    inp, out = ctx.act(0), ctx.act(0, outputs=True)
    if func == "ed_logistic" and out.zero_point[0] != -128:
        ctx.fail(UnsupportedTypeError, "int8 logistic output must have zero point -128", out)
    mult, shift = frexp_multiplier(inp.scale[0] * (1 << 27))
    f = dict(size=inp.size, input_zero_point=inp.zero_point[0],
             input_range_radius=input_radius(4, shift, 31), input_multiplier=mult,
             input_left_shift=shift)
    return Call(ctx.op.index, ctx.op.kind, func, ptype, f, [inp.index], [out.index],
                overlap={inp.index: overlap.elementwise()})


def logistic(ctx: Ctx) -> Call:
    return _fixed_point_unary(ctx, "ed_logistic", "ed_logistic_params_t")


def tanh(ctx: Ctx) -> Call:
    return _fixed_point_unary(ctx, "ed_tanh", "ed_tanh_params_t")


def relu(ctx: Ctx) -> Call:
    inp, out = ctx.act(0), ctx.act(0, outputs=True)
    mult, shift = quantize_multiplier(inp.scale[0] / out.scale[0])
    f = dict(size=inp.size, input_zero_point=inp.zero_point[0],
             output_zero_point=out.zero_point[0], multiplier=mult, shift=shift,
             act_min=max(INT8_MIN, quantize_float32(0.0, out.scale[0], out.zero_point[0])),
             act_max=INT8_MAX)
    return Call(ctx.op.index, ctx.op.kind, "ed_relu", "ed_relu_params_t", f, [inp.index],
                [out.index], overlap={inp.index: overlap.elementwise()})


def relu6(ctx: Ctx) -> Call:
    inp, out = ctx.act(0), ctx.act(0, outputs=True)
    six = quantize_float32(6.0, inp.scale[0], inp.zero_point[0])
    f = dict(size=inp.size, lower=inp.zero_point[0], upper=min(max(six, INT8_MIN), INT8_MAX))
    return Call(ctx.op.index, ctx.op.kind, "ed_relu6", "ed_relu6_params_t", f, [inp.index],
                [out.index], overlap={inp.index: overlap.elementwise()})


def quantize(ctx: Ctx) -> Call:
    out = ctx.act(0, outputs=True)
    inp = ctx.tensor(0)
    if inp is not None and inp.dtype == "FLOAT32":
        if inp.index not in ctx.g.inputs:
            ctx.fail(UnsupportedTypeError, "float QUANTIZE inside the graph (only at model inputs)", inp)
        f = dict(size=out.size, scale=float(np.float32(out.scale[0])), zero_point=out.zero_point[0])
        return Call(ctx.op.index, ctx.op.kind, "ed_quantize", "ed_quantize_params_t", f,
                    [inp.index], [out.index])
    inp = ctx.act(0)
    mult, shift = quantize_multiplier(inp.scale[0] / out.scale[0])
    f = dict(size=inp.size, input_zero_point=inp.zero_point[0], output_zero_point=out.zero_point[0],
             multiplier=mult, shift=shift)
    return Call(ctx.op.index, ctx.op.kind, "ed_requantize", "ed_requantize_params_t", f,
                [inp.index], [out.index], overlap={inp.index: overlap.elementwise()})


def dequantize(ctx: Ctx) -> Call:
    inp = ctx.act(0)
    out = ctx.tensor(0, outputs=True)
    if out.dtype != "FLOAT32" or out.index not in ctx.g.outputs:
        ctx.fail(UnsupportedTypeError, "DEQUANTIZE inside the graph (only at model outputs)", out)
    f = dict(size=inp.size, scale=float(inp.scale[0]), zero_point=inp.zero_point[0])
    return Call(ctx.op.index, ctx.op.kind, "ed_dequantize", "ed_dequantize_params_t", f,
                [inp.index], [out.index])


def transpose(ctx: Ctx) -> Call:
    inp, out = ctx.act(0), ctx.act(0, outputs=True)
    perm_t = ctx.const(1, "INT32")
    rank = len(inp.shape)
    perm = [int(p) + rank if int(p) < 0 else int(p) for p in perm_t.data.reshape(-1)]
    if rank > 4 or sorted(perm) != list(range(rank)):
        ctx.fail(UnsupportedOptionError, f"permutation {perm} of rank {rank}", perm_t)
    strides = [int(np.prod(inp.shape[i + 1:], dtype=np.int64)) for i in range(rank)]
    lead = 4 - rank
    f = dict(out_shape=[1] * lead + [inp.shape[p] for p in perm],
             in_stride=[0] * lead + [strides[p] for p in perm])
    return Call(ctx.op.index, ctx.op.kind, "ed_transpose", "ed_transpose_params_t", f,
                [inp.index], [out.index])
