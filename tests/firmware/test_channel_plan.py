"""dsp/conv.c's channel plan (pipeline/compiler/layouts.py): a channel outside the assembly
GEMM's fast requantization takes the C path alone while the rest of its layer stays fast, and a
dead channel (all-zero filter) whose consumer cannot drop it is not computed: the kernel stores
the constant the compiler worked out. Bit-exact with tflite-micro on the emulated M4 (and M7),
per-op instructions against the same model without the planted channels."""

import numpy as np
import pytest

from tests.compiler.tflite_edit import array, edit, ops_of

SLOW_SCALE = 4096.0     # one channel's effective scale past 0.5: shift >= 0, not rq_fast2's


@pytest.fixture(scope="module")
def base() -> bytes:
    """Four convs of one input, told apart by out_c: 24 (1x1), 28 (1x1, ReLU), 20 (3x3,
    padded), 8 (1x1, ReLU6 re-quantized to zero point -100 and twice the scale, so that its
    activation range [-100, 28] is narrower than int8 and clamps); every output a model output
    and two of them added, so no channel can be dropped (compiler/deadchannels.py): the plan
    alone handles them."""
    import keras
    from tests.compiler.convert import to_int8_tflite
    L = keras.layers
    init = keras.initializers.RandomNormal(stddev=0.3, seed=7)
    x = keras.Input((10, 10, 32), batch_size=1, name="in000")
    a = L.Conv2D(24, 1, kernel_initializer=init, bias_initializer=init)(x)
    b = L.Conv2D(28, 1, kernel_initializer=init, bias_initializer=init, activation="relu")(x)
    c = L.Conv2D(20, 3, padding="same", kernel_initializer=init, bias_initializer=init)(x)
    d = L.Conv2D(8, 1, kernel_initializer=init, bias_initializer=init, activation="relu6")(x)
    s = L.Add()([a, L.Conv2D(24, 1, kernel_initializer=init)(x)])
    tfl = to_int8_tflite(keras.Model(x, [a, b, c, d, s]), seed=3, ranges=[(-2.0, 3.0)])

    def narrow(m, g):
        for op in ops_of(m, g, "CONV_2D"):
            if int(g.tensors[op.inputs[1]].shape[0]) == 8:
                q = g.tensors[op.outputs[0]].quantization
                q.scale, q.zeroPoint = [float(q.scale[0]) * 2], [-100]
    return edit(tfl, narrow)


# out_c -> (slow channels, dead channels); 8: every channel dead (nothing to gather)
PLANTED = {24: ([9], []), 28: ([], [1, 5, 6, 20, 27]), 20: ([0, 13], [4, 19]), 8: ([], list(range(8)))}


def _plant(tfl: bytes, planted=PLANTED) -> bytes:
    """Slow channels: filter scale x SLOW_SCALE. Dead channels: filter rows zeroed, biases
    worth -8 ... 8 (real), so that their constants spread and clamp (ReLU at 0, ReLU6 at 6).
    Both 24-channel convs get the same."""
    def fn(m, g):
        for op in ops_of(m, g, "CONV_2D"):
            w_t = g.tensors[op.inputs[1]]
            slow, dead = planted.get(int(w_t.shape[0]), ([], []))
            q = w_t.quantization
            q.scale = [float(s) for s in q.scale]
            s_in = float(g.tensors[op.inputs[0]].quantization.scale[0])
            w, b = array(m, g, op.inputs[1], np.int8), array(m, g, op.inputs[2], np.int32)
            for i, ch in enumerate(dead):
                w[ch] = 0
                b[ch] = round((-8 + 16 * i / max(1, len(dead) - 1)) / (s_in * q.scale[ch]))
            for ch in slow:
                q.scale[ch] *= SLOW_SCALE
    return edit(tfl, fn)


def _conv_ops(tfl: bytes) -> dict[int, int]:
    """out_c -> op index of the (first) conv with that many channels"""
    from pipeline.compiler.reader import read
    g = read(tfl)
    out = {}
    for op in g.ops:
        if op.kind == "CONV_2D":
            out.setdefault(g.tensors[op.inputs[1]].shape[0], op.index)
    return out


def _run(tfl: bytes, target: str, optimize: str):
    """(per-op instructions, the compiled program's conv fields by out_c), bit-exact asserted"""
    from pipeline import targets
    from pipeline.compiler.sources import compile_model, random_inputs
    from pipeline.runtimes.tflm import reference_outputs
    from pipeline.firmware import emulate
    src = compile_model(tfl, targets.resolve(target), optimize=optimize)
    x = random_inputs(src, 3, seed=9)
    y, res, _, _ = emulate(src, targets.resolve(target), x, per_op=True)
    ref = reference_outputs(tfl, x).reshape(len(x), -1)
    assert np.array_equal(y, ref.astype(y.dtype)), (target, optimize, np.abs(y - ref).max())
    return {r["op"]: r["instructions"] for r in res.per_op}


def test_plan_sorts_channels(base):
    """layouts.channel_plan on the planted model: the slow and dead channels where they were
    planted, the constants of the dead ones as the reference computes them (bias requantized
    and clamped: the ReLU clamps the negative ones to the zero point)."""
    from pipeline.compiler.deadchannels import prune, requantize
    from pipeline.compiler.layouts import channel_plan
    from pipeline.compiler.lower import lower
    from pipeline.compiler.reader import read
    p = lower(read(_plant(base)))
    assert prune(p) == {}                                  # outputs and ADD: nothing dropped
    plans = {c.fields["out_c"]: (channel_plan(c.fields), c.fields) for c in p.calls
             if c.kind == "CONV_2D"}
    for out_c, (slow, dead) in PLANTED.items():
        plan, f = plans[out_c]
        assert plan.slow == slow and plan.const == dead
        assert plan.fast == [ch for ch in range(out_c) if ch not in slow + dead]
        for ch, v in zip(plan.const, plan.values):
            b = int(f["bias"].values[ch])
            assert v == requantize(b, int(f["multiplier"].values[ch]), int(f["shift"].values[ch]),
                                   f["output_offset"], f["act_min"], f["act_max"])
    f8 = plans[8][1]
    assert (f8["act_min"], f8["act_max"]) == (-100, 28)
    assert {f8["act_min"], f8["act_max"]} < set(plans[8][0].values)    # both ends clamp
    assert len(set(plans[28][0].values)) > 2


@pytest.mark.parametrize("target,optimize", [("cortex-m4", "auto"), ("cortex-m4", "size"),
                                             ("cortex-m7", "auto")])
def test_slow_and_dead_channels_bitexact_and_cheap(base, target, optimize):
    """Against the same model unplanted: one slow channel of 24 (K = 32) costs at most 30 % more
    (measured 16 %: that channel's C path; the whole layer on the C path cost 2.5x: VWW's op 14,
    1.34 M instructions against 0.47 M), 2 slow and 2 dead of 20 (K = 288) at most 20 % (7 %);
    5 dead channels of 28 save at least 8 % (13 %: 18 % less GEMM, their stores), a conv with
    every channel dead costs a fifth of its unplanted self (11 %: stores only, no gather); all
    bit-exact, both weight layouts."""
    ops = _conv_ops(base)
    plain, planted = _run(base, target, optimize), _run(_plant(base), target, optimize)
    ratio = {out_c: planted[ops[out_c]] / plain[ops[out_c]] for out_c in PLANTED}
    assert ratio[24] < 1.3 and ratio[20] < 1.2, ratio
    assert ratio[28] < 0.92 and ratio[8] < 0.2, ratio
