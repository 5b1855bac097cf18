"""Lowering of the windowed and reducing ops: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED,
AVERAGE_POOL_2D, MAX_POOL_2D, MEAN. Parameters follow TFLM's Prepare for each op."""

import numpy as np

from pipeline.compiler import overlap
from pipeline.compiler.errors import UnsupportedOptionError
from pipeline.compiler.lower import (Call, Const, Ctx, bias_const, fused_range,
                                     per_channel_multipliers)


def _out_size(padding: str, size: int, k: int, stride: int, dil: int) -> int:
    eff = (k - 1) * dil + 1
    return (size + stride - 1) // stride if padding == "SAME" else (size + stride - eff) // stride


def _pad(size: int, k: int, stride: int, dil: int, out: int) -> int:
    """ComputePaddingWithOffset: the leading pad (the odd extra pixel goes at the end)."""
    eff = (k - 1) * dil + 1
    return max((out - 1) * stride + eff - size, 0) // 2


def _geometry(ctx: Ctx, inp, out, k_h, k_w, dil_h=1, dil_w=1):
    ctx.rank(inp, (4,))
    ctx.rank(out, (4,))
    ctx.batch1(inp)
    padding = ctx.opt("padding", "SAME")
    if padding not in ("SAME", "VALID"):
        ctx.fail(UnsupportedOptionError, f"padding {padding}", inp)
    s_h, s_w = ctx.opt("strideH", 1), ctx.opt("strideW", 1)
    if min(s_h, s_w, dil_h, dil_w) < 1:
        ctx.fail(UnsupportedOptionError, "stride or dilation below 1", inp)
    _, h, w, _ = inp.shape
    o_h, o_w = _out_size(padding, h, k_h, s_h, dil_h), _out_size(padding, w, k_w, s_w, dil_w)
    if (o_h, o_w) != tuple(out.shape[1:3]) or o_h < 1 or o_w < 1:
        ctx.fail(UnsupportedOptionError, f"output {out.shape[1:3]} does not match {padding} "
                 f"padding with stride ({s_h},{s_w}) (expected ({o_h},{o_w}))", out)
    return dict(in_h=h, in_w=w, out_h=o_h, out_w=o_w, stride_h=s_h, stride_w=s_w,
                pad_h=_pad(h, k_h, s_h, dil_h, o_h), pad_w=_pad(w, k_w, s_w, dil_w, o_w))


def window_overlap(f: dict, in_c: int, out_c: int) -> int:
    return overlap.window(f["in_h"], f["in_w"], in_c, f["out_h"], f["out_w"], out_c, f["k_h"],
                          f["k_w"], f["stride_h"], f["stride_w"], f.get("dil_h", 1),
                          f.get("dil_w", 1), f["pad_h"], f["pad_w"])


def _pad3(w: np.ndarray) -> np.ndarray:
    """The filter and 3 zero bytes: SIMD kernels may load the last K % 4 weights of a row as a
    whole word, against zero inputs, and must not read past the array to do so."""
    return np.concatenate([w, np.zeros(3, w.dtype)])


def conv_2d(ctx: Ctx) -> Call:
    inp, out = ctx.act(0), ctx.act(0, outputs=True)
    w = ctx.const(1, "INT8")
    ctx.rank(w, (4,))
    out_c, k_h, k_w, f_in_c = w.shape
    in_c = inp.shape[-1]
    if in_c % f_in_c or out_c % (in_c // f_in_c) or out.shape[-1] != out_c:
        ctx.fail(UnsupportedOptionError, f"filter {w.shape} does not fit input channels {in_c}", w)
    dil_h, dil_w = ctx.opt("dilationHFactor", 1), ctx.opt("dilationWFactor", 1)
    f = _geometry(ctx, inp, out, k_h, k_w, dil_h, dil_w)
    mult, shift = per_channel_multipliers(ctx, inp, w, out, out_c)
    lo, hi = fused_range(ctx, out)
    f.update(in_c=in_c, out_c=out_c, k_h=k_h, k_w=k_w, filter_in_c=f_in_c, dil_h=dil_h, dil_w=dil_w,
             input_offset=-inp.zero_point[0], output_offset=out.zero_point[0], act_min=lo, act_max=hi,
             filter=Const("int8_t", _pad3(w.data.reshape(-1))), bias=bias_const(ctx, 2, out_c),
             multiplier=mult, shift=shift, scratch=None)
    return Call(ctx.op.index, ctx.op.kind, "ed_conv", "ed_conv_params_t", f, [inp.index],
                [out.index], overlap={inp.index: window_overlap(f, in_c, out_c)})


def depthwise_conv_2d(ctx: Ctx) -> Call:
    inp, out = ctx.act(0), ctx.act(0, outputs=True)
    w = ctx.const(1, "INT8")
    ctx.rank(w, (4,))
    _, k_h, k_w, out_c = w.shape
    in_c = inp.shape[-1]
    if out_c % in_c or out.shape[-1] != out_c or w.shape[0] != 1:
        ctx.fail(UnsupportedOptionError, f"filter {w.shape} does not fit input channels {in_c}", w)
    dil_h, dil_w = ctx.opt("dilationHFactor", 1), ctx.opt("dilationWFactor", 1)
    f = _geometry(ctx, inp, out, k_h, k_w, dil_h, dil_w)
    mult, shift = per_channel_multipliers(ctx, inp, w, out, out_c)
    lo, hi = fused_range(ctx, out)
    f.update(in_c=in_c, out_c=out_c, k_h=k_h, k_w=k_w, depth_multiplier=out_c // in_c,
             dil_h=dil_h, dil_w=dil_w, input_offset=-inp.zero_point[0],
             output_offset=out.zero_point[0], act_min=lo, act_max=hi,
             filter=Const("int8_t", w.data.reshape(-1)), bias=bias_const(ctx, 2, out_c),
             multiplier=mult, shift=shift, scratch=None)
    return Call(ctx.op.index, ctx.op.kind, "ed_depthwise_conv", "ed_depthwise_conv_params_t", f,
                [inp.index], [out.index], overlap={inp.index: window_overlap(f, in_c, out_c)})


def fully_connected(ctx: Ctx) -> Call:
    inp, out = ctx.act(0), ctx.act(0, outputs=True)
    w = ctx.const(1, "INT8")
    ctx.rank(w, (2,))
    out_depth, accum = w.shape
    if ctx.opt("weightsFormat", 0) != 0:
        ctx.fail(UnsupportedOptionError, "shuffled weights format", w)
    if out.shape[-1] != out_depth or inp.size % accum or out.size != (inp.size // accum) * out_depth:
        ctx.fail(UnsupportedOptionError, f"input {inp.shape} / output {out.shape} do not fit "
                 f"weights {w.shape}", inp)
    mult, shift = per_channel_multipliers(ctx, inp, w, out, out_depth)
    lo, hi = fused_range(ctx, out)
    f = dict(batches=inp.size // accum, accum_depth=accum, out_depth=out_depth,
             scratch=None, input_offset=-inp.zero_point[0], filter_offset=0, output_offset=out.zero_point[0],
             act_min=lo, act_max=hi, filter=Const("int8_t", w.data.reshape(-1)),
             bias=bias_const(ctx, 2, out_depth), multiplier=mult, shift=shift,
             filter16=None)    # dsp/: layouts.py may widen the weights (paths.py: _wide)
    return Call(ctx.op.index, ctx.op.kind, "ed_fully_connected", "ed_fully_connected_params_t",
                f, [inp.index], [out.index])


def _pool(ctx: Ctx, func: str) -> Call:
    inp, out = ctx.act(0), ctx.act(0, outputs=True)
    k_h, k_w = ctx.opt("filterHeight", 1), ctx.opt("filterWidth", 1)
    f = _geometry(ctx, inp, out, k_h, k_w)
    c = inp.shape[-1]
    if out.shape[-1] != c:
        ctx.fail(UnsupportedOptionError, "pooling that changes the channel count", out)
    for o, size, k, s, p in ((f["out_h"], f["in_h"], k_h, f["stride_h"], f["pad_h"]),
                             (f["out_w"], f["in_w"], k_w, f["stride_w"], f["pad_w"])):
        starts = np.arange(o) * s - p
        if np.any(starts + k <= 0) or np.any(starts >= size):
            ctx.fail(UnsupportedOptionError, "a pooling window entirely in the padding", inp)
    lo, hi = fused_range(ctx, out)
    f.update(channels=c, k_h=k_h, k_w=k_w, act_min=lo, act_max=hi)
    d = window_overlap(f, c, c)
    field_order = ("in_h", "in_w", "channels", "out_h", "out_w", "k_h", "k_w", "stride_h",
                   "stride_w", "pad_h", "pad_w", "act_min", "act_max")
    return Call(ctx.op.index, ctx.op.kind, func, "ed_pool_params_t",
                {k: f[k] for k in field_order}, [inp.index], [out.index], overlap={inp.index: d})


def average_pool_2d(ctx: Ctx) -> Call:
    return _pool(ctx, "ed_avg_pool")


def max_pool_2d(ctx: Ctx) -> Call:
    return _pool(ctx, "ed_max_pool")


def mean(ctx: Ctx) -> Call:
    from pipeline.compiler.quant import mean_multiplier
    inp, out = ctx.act(0), ctx.act(0, outputs=True)
    axis_t = ctx.const(1, "INT32")
    rank = len(inp.shape)
    axes = sorted({int(a) + rank if int(a) < 0 else int(a) for a in axis_t.data.reshape(-1)})
    if not axes or any(a < 0 or a >= rank for a in axes) or axes != list(range(axes[0], axes[-1] + 1)):
        ctx.fail(UnsupportedOptionError, f"reduction axes {axes} (need one contiguous block)", axis_t)
    outer = int(np.prod(inp.shape[:axes[0]], dtype=np.int64))
    reduce = int(np.prod(inp.shape[axes[0]:axes[-1] + 1], dtype=np.int64))
    inner = int(np.prod(inp.shape[axes[-1] + 1:], dtype=np.int64))
    if out.size != outer * inner:
        ctx.fail(UnsupportedOptionError, f"output {out.shape} does not match the reduction", out)
    if reduce == 0:
        ctx.fail(UnsupportedOptionError, "reduction over an empty axis", inp)
    mult, shift = mean_multiplier(inp.scale[0], out.scale[0], reduce)
    f = dict(outer=outer, reduce=reduce, inner=inner, input_zero_point=inp.zero_point[0],
             output_zero_point=out.zero_point[0], multiplier=mult, shift=shift)
    return Call(ctx.op.index, ctx.op.kind, "ed_mean", "ed_mean_params_t", f, [inp.index], [out.index])
