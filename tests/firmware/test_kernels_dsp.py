"""The ARMv7E-M DSP kernels (targets/kernels/dsp/) bit-exact with tflite-micro on the emulated
Cortex-M4 and M7: randomized single-op families (the per-op suite's generators, fixed seeds,
many branches per model so one QEMU run covers dozens of shapes), plus hand-picked shapes that
reach each kernel path: pixel pairs with an odd pixel count and odd channel counts, 1x1 with
stride, K % 4 tails, windows too large for the stack (the plain path), depth
multiplier > 1, 3x3 depthwise planes with stride 1 and 2, padded or not, 4-row fully
connected tails."""

import pytest

from tests.firmware.conftest import assert_bitexact, op_families

DSP_TARGETS = ("cortex-m4", "cortex-m7")
SAMPLES = 6


def _check(tfl: bytes, target: str, optimize: str = "auto"):
    assert_bitexact(tfl, target, SAMPLES, 11, optimize)


@pytest.fixture(scope="module")
def families() -> dict:
    return op_families(7000)


@pytest.fixture(scope="module")
def paths_model() -> bytes:
    """One input, branches that each stress one kernel path (shapes in the comments)."""
    import keras
    from tests.compiler.convert import to_int8_tflite
    L = keras.layers
    init = keras.initializers.RandomNormal(stddev=0.3, seed=1)
    x = keras.Input((7, 9, 12), batch_size=1, name="in000")                   # 63 pixels: odd
    outs = [
        L.Conv2D(7, 1, kernel_initializer=init, bias_initializer=init, activation="relu")(x),
        L.Conv2D(5, 1, strides=2, kernel_initializer=init)(x),                  # 1x1 strided
        L.Conv2D(9, 3, padding="same", kernel_initializer=init, bias_initializer=init)(x),
        L.Conv2D(4, (2, 3), strides=(2, 1), padding="same", kernel_initializer=init)(x),
        L.Conv2D(3, 3, dilation_rate=2, padding="same", kernel_initializer=init)(x),
        L.Conv2D(5, 3, padding="same", kernel_initializer=init)(L.Conv2D(132, 1)(x)),  # K=1188: plain
        L.DepthwiseConv2D(3, padding="same", depthwise_initializer=init, bias_initializer=init)(x),
        L.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2,
                          depthwise_initializer=init)(x),
        L.DepthwiseConv2D((3, 2), dilation_rate=2, padding="same", depthwise_initializer=init)(x),
        L.DepthwiseConv2D(3, strides=2, padding="same", depthwise_initializer=init,   # plane path:
                          bias_initializer=init)(x),                                # stride 2
        L.DepthwiseConv2D(3, padding="valid", activation="relu",                      # no padding
                          depthwise_initializer=init)(x),
        L.Dense(11, kernel_initializer=init, bias_initializer=init)(L.Flatten()(x)),  # 756 deep
        L.Dense(6, kernel_initializer=init, activation="relu")(L.Dense(13)(L.Flatten()(x))),
    ]
    model = keras.Model(x, outs)           # one output each: TFLM's concat takes at most 10
    return to_int8_tflite(model, seed=3, ranges=[(-3.0, 2.0)])


@pytest.mark.parametrize("target", DSP_TARGETS)
@pytest.mark.parametrize("family", ("conv", "depthwise", "dense"))
def test_family_bitexact(families, family, target):
    _check(families[family], target)


@pytest.mark.parametrize("target", DSP_TARGETS)
def test_kernel_paths_bitexact(paths_model, target):
    _check(paths_model, target)


@pytest.mark.parametrize("model", ("conv", "paths"))
def test_int8_weight_layout_bitexact(families, paths_model, model):
    """--optimize size: the convs keep int8 weights (auto widens them on these targets)."""
    _check(families["conv"] if model == "conv" else paths_model, "cortex-m4", optimize="size")


def test_requantization_matches_reference(tmp_path):
    """ed_mbqm_dsp == reference ed_mbqm on ~10^6 (x, multiplier, shift) triples, edge values
    included, built for the host with UBSan (plain C: same integer semantics as on the M4)."""
    import shutil
    import subprocess
    from pipeline.targets import kernel_dir
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no host C compiler")
    src = tmp_path / "rq.c"
    src.write_text(r'''
#include <stdio.h>
#include "requant.h"
#include "requant_dsp.h"
static unsigned long long s = 88172645463325252ull;
static uint32_t rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return (uint32_t)s; }
int main(void) {
    static const int32_t edge[] = {0, 1, -1, 2, -2, INT32_MIN, INT32_MAX, INT32_MIN + 1,
                                   INT32_MAX - 1, 1 << 30, -(1 << 30), 127, -128, 255, -255};
    long bad = 0;
    for (int sh = -31; sh <= 30; ++sh)
        for (int it = 0; it < 16000; ++it) {
            const int k = it % 8;
            int32_t x = k == 0 ? edge[rnd() % 15] : k < 4 ? (int32_t)rnd() : (int32_t)rnd() >> (rnd() % 31);
            int32_t m = it % 5 == 0 ? (int32_t[]){0, INT32_MAX, 1 << 30}[rnd() % 3]
                                    : (int32_t)((rnd() >> 1) | (1u << 30));
            if (ed_mbqm(x, m, sh) != ed_mbqm_dsp(x, m, sh)) ++bad;
        }
    printf("bad %ld\n", bad);
    return bad != 0;
}
''')
    exe = tmp_path / "rq"
    r = subprocess.run([cc, "-O2", "-std=c11", "-fsanitize=undefined", "-fno-sanitize-recover",
                        "-I", str(kernel_dir("reference")), "-I", str(kernel_dir("dsp")), str(src),
                        "-o", str(exe)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([str(exe)], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "bad 0", r.stdout + r.stderr


@pytest.fixture(scope="module")
def im2col_model() -> bytes:
    """Branches for each of dsp/conv_im2col.h's gather paths and their borders: 3x3x3 windows
    (stride 1 and 2, row dilation, an odd width so pairs straddle rows), runs of k_w * in_c
    bytes with in_c % 4 != 0 (10x4x1 as KWS, 3x2x2), taps of in_c % 4 == 0 with column
    dilation (runs of in_c), in_c % 8 == 4 (the 4-k tail of the 8-k loop) in 1x1 and 3x3, a
    dilated window larger than its input."""
    import keras
    from tests.compiler.convert import to_int8_tflite
    L = keras.layers
    init = keras.initializers.RandomNormal(stddev=0.3, seed=2)
    xs = [keras.Input(s, batch_size=1, name=f"in{i:03d}") for i, s in
          enumerate([(9, 11, 3), (13, 6, 1), (8, 7, 2), (7, 9, 4), (5, 7, 12), (6, 5, 20),
                     (3, 8, 4)])]
    rgb, kws, c2, c4, c12, c20, tiny = xs
    outs = [
        L.Conv2D(5, 3, padding="same", kernel_initializer=init, bias_initializer=init)(rgb),
        L.Conv2D(4, 3, strides=2, padding="same", kernel_initializer=init)(rgb),
        L.Conv2D(3, 3, padding="valid", activation="relu", kernel_initializer=init)(rgb),
        L.Conv2D(4, 3, dilation_rate=(2, 1), padding="same", kernel_initializer=init)(rgb),
        L.Conv2D(6, (10, 4), strides=2, padding="same", kernel_initializer=init)(kws),
        L.Conv2D(5, (3, 2), padding="same", kernel_initializer=init)(c2),
        L.Conv2D(3, 3, dilation_rate=(1, 2), padding="same", kernel_initializer=init)(c4),
        L.Conv2D(7, 1, kernel_initializer=init, bias_initializer=init)(c12),
        L.Conv2D(4, 3, padding="same", kernel_initializer=init)(c12),
        L.Conv2D(5, 3, strides=2, padding="same", kernel_initializer=init)(c20),
        L.Conv2D(3, 3, dilation_rate=2, padding="same", kernel_initializer=init)(tiny),  # > input
    ]
    return to_int8_tflite(keras.Model(xs, outs), seed=5, ranges=[(-2.0, 3.0)] * len(xs))


@pytest.mark.parametrize("target,optimize", [(t, "auto") for t in DSP_TARGETS] + [("cortex-m4", "size")])
def test_im2col_paths_bitexact(im2col_model, target, optimize):
    """size: int8 weights, whose k in [K, K4) are the next row's weights (the gathered zeros
    there matter; filter16 pads them with zero weights to K4)."""
    _check(im2col_model, target, optimize)


def _patch_convs(tfl: bytes, patch) -> bytes:
    """tfl with patch(subgraph, op) applied to every CONV_2D op (the flatbuffer unpacked and
    packed again)."""
    import flatbuffers
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as S
    m = S.ModelT.InitFromPackedBuf(bytearray(tfl), 0)
    g = m.subgraphs[0]
    for op in g.operators:
        code = m.operatorCodes[op.opcodeIndex]
        if max(code.builtinCode, code.deprecatedBuiltinCode) == S.BuiltinOperator.CONV_2D:
            patch(g, op)
    b = flatbuffers.Builder(0)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def _narrow_conv_activations(tfl: bytes) -> bytes:
    """The convs with a fused ReLU/ReLU6 re-quantized to zero point -100 and twice the scale:
    their activation range becomes narrower than int8 (the converter alone gives [-128, 127]).
    TFLM and the compiler read the same patched model, so the check stays exact."""
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as S

    def patch(g, op):
        if op.builtinOptions.fusedActivationFunction != S.ActivationFunctionType.NONE:
            q = g.tensors[op.outputs[0]].quantization
            q.scale, q.zeroPoint = [float(q.scale[0]) * 2], [-100]
    return _patch_convs(tfl, patch)


@pytest.mark.parametrize("optimize", ("auto", "size"))
def test_conv_gemm_loops_bitexact(optimize):
    """dsp/conv.c's assembly loops, one branch per variant (both weight layouts): K4 / 4 = 2, 4
    and 8 passes (K = 8, 16, 32), K4 / 4 odd (K = 4, 12, 27: the _odd entries, filter16's
    2x3 loops with K = 27 and the clamp), odd out_c (the C path's last pair) and
    out_c = 1 (the C path only), biases far from zero, activation ranges narrower than int8 (the
    _clamp loops, _narrow_conv_activations); 35 pixels: the odd last pixel."""
    import keras
    from tests.compiler.convert import to_int8_tflite
    L = keras.layers
    init = keras.initializers.RandomNormal(stddev=0.3, seed=5)
    big = keras.initializers.RandomNormal(stddev=40.0, seed=6)
    x = keras.Input((5, 7, 8), batch_size=1, name="in000")
    c4 = L.Conv2D(4, 1, kernel_initializer=init)(x)
    c3 = L.Conv2D(3, 1, kernel_initializer=init)(x)
    outs = [
        L.Conv2D(5, 1, kernel_initializer=init, bias_initializer=init)(x),           # K = 8
        L.Conv2D(1, 1, kernel_initializer=init, bias_initializer=init)(x),           # out_c = 1
        L.Conv2D(3, 1, kernel_initializer=init, bias_initializer=big)(c4),           # K = 4
        L.Conv2D(6, 3, padding="same", kernel_initializer=init)(c3),                 # K = 27
        L.Conv2D(16, 2, padding="same", kernel_initializer=init, bias_initializer=init)(x),  # 32
        L.Conv2D(8, (1, 2), kernel_initializer=init, bias_initializer=big)(x),       # K = 16
        L.Conv2D(7, (3, 1), padding="same", kernel_initializer=init)(c4),            # K = 12
        # clamped (ReLU6 with large biases: some channels at 6, past the range's top)
        L.Conv2D(6, 1, kernel_initializer=init, bias_initializer=big, activation="relu6")(x),
        L.Conv2D(5, 3, padding="same", kernel_initializer=init, activation="relu")(c3),
        L.Conv2D(4, (3, 1), padding="same", kernel_initializer=init, bias_initializer=big,
                 activation="relu6")(c4),
    ]
    model = keras.Model(x, outs)
    tfl = _narrow_conv_activations(to_int8_tflite(model, seed=4, ranges=[(-2.0, 3.0)]))
    _check(tfl, "cortex-m4", optimize)


def _general_requant_convs(tfl: bytes, out_cs: tuple) -> bytes:
    """The convs with out_c in out_cs get channel 0's filter scale times 2^12: its effective
    scale passes 0.5 (shift >= 0), so rq_fast2 does not apply and the whole conv takes
    dsp/conv.c's C path with the general requantization (channel 0 saturates; the others
    stay in range). TFLM and the compiler read the same patched model."""
    def patch(g, op):
        w = g.tensors[op.inputs[1]]
        if int(w.shape[0]) in out_cs:
            w.quantization.scale = [float(s) for s in w.quantization.scale]
            w.quantization.scale[0] *= 4096.0
    return _patch_convs(tfl, patch)


@pytest.mark.parametrize("target,optimize", [(t, "auto") for t in DSP_TARGETS] + [("cortex-m4", "size")])
def test_conv_triple_loops_bitexact(target, optimize):
    """dsp/conv.c's 2x3 loops (filter16 with K4 >= 12: channel triples, then 0, 1 or 2 pairs in
    the same call): out_c % 3 == 0, 1 (2 tail pairs), 2 (1 tail pair); out_c = 3 (no pair) and 4
    (pairs only); K4 / 4 = 4, 6, 8 and 16 passes (U = 4, 2, 8, 8), K = 12 (3: the _odd entry)
    and 27 (7: the u8_odd entry); the _clamp loop (_narrow_conv_activations) with tail pairs; the
    general requantization of triples and pairs in the C path (_general_requant_convs:
    out_c 11 and 13); 35 pixels: the odd last pixel. size: the same shapes on int8 rows."""
    import keras
    from tests.compiler.convert import to_int8_tflite
    L = keras.layers
    init = keras.initializers.RandomNormal(stddev=0.3, seed=7)
    big = keras.initializers.RandomNormal(stddev=40.0, seed=8)
    x = keras.Input((5, 7, 8), batch_size=1, name="in000")
    c3 = L.Conv2D(3, 1, kernel_initializer=init)(x)
    c4 = L.Conv2D(4, 1, kernel_initializer=init)(x)
    outs = [
        L.Conv2D(6, (1, 2), kernel_initializer=init, bias_initializer=init)(x),       # K = 16
        L.Conv2D(7, (1, 3), padding="same", kernel_initializer=init)(x),              # K = 24
        L.Conv2D(8, 2, padding="same", kernel_initializer=init, bias_initializer=big)(x),  # 32
        L.Conv2D(10, (2, 4), padding="same", kernel_initializer=init)(x),             # K = 64
        L.Conv2D(3, (1, 2), kernel_initializer=init, bias_initializer=init)(x),       # T = 1
        L.Conv2D(4, (1, 2), kernel_initializer=init)(x),                              # pairs
        L.Conv2D(5, 3, padding="same", kernel_initializer=init, bias_initializer=init)(c3),  # 27
        L.Conv2D(9, (3, 1), padding="same", kernel_initializer=init)(c4),             # K = 12
        L.Conv2D(7, 2, padding="same", kernel_initializer=init, bias_initializer=big,
                 activation="relu6")(x),                                              # clamp
        L.Conv2D(11, (1, 2), kernel_initializer=init, bias_initializer=init)(x),      # general
        L.Conv2D(13, 3, padding="same", kernel_initializer=init)(c3),                 # general
    ]
    model = keras.Model(x, outs)
    tfl = to_int8_tflite(model, seed=6, ranges=[(-2.0, 3.0)])
    tfl = _general_requant_convs(_narrow_conv_activations(tfl), (11, 13))
    _check(tfl, target, optimize)


def test_add_entries_bitexact():
    """dsp/add.c's entries, one branch each, as the compiler picks them
    (pipeline/compiler/paths.py): flat with the one-SMMLAR requantization and the full range
    (5 channels), flat with a ReLU re-quantized to zero point -100 (6: clamps inside int8),
    flat with an output scale that makes TFLM's output multiplier 0.75 (7: shift 0, the general
    requantization; the outputs mostly saturate), broadcast over (1, 1, C) (8), and broadcast
    with that scale (9);
    35 elements per channel: the flat loop's tail."""
    import re
    import keras
    from pipeline.compiler.sources import compile_model
    from tests.compiler.convert import to_int8_tflite
    from tests.compiler.tflite_edit import edit, ops_of
    xs, outs = [], []
    for c in (5, 6, 7, 8, 9):
        a = keras.Input((5, 7, c), batch_size=1, name=f"in{len(xs):03d}")
        b = keras.Input((5, 7, c) if c < 8 else (1, 1, c), batch_size=1, name=f"in{len(xs) + 1:03d}")
        xs += [a, b]
        y = keras.ops.add(a, b)
        outs.append(keras.layers.Activation("relu")(y) if c == 6 else y)
    tfl = to_int8_tflite(keras.Model(xs, outs), seed=3, ranges=[(-2.0, 3.0), (-4.0, 1.0)] * 5)

    def fn(m, g):
        for op in ops_of(m, g, "ADD"):
            q = g.tensors[op.outputs[0]].quantization
            c = int(g.tensors[op.outputs[0]].shape[-1])
            if c == 6:
                q.scale, q.zeroPoint = [float(q.scale[0]) * 2], [-100]
            if c in (7, 9):                  # TFLM's output multiplier 0.75: shift 0
                twice_max = 2 * max(float(g.tensors[t].quantization.scale[0]) for t in op.inputs)
                q.scale = [twice_max / (0.75 * (1 << 20))]
    tfl = edit(tfl, fn)
    calls = re.findall(r"(ed_add\w*)\(&op\d+_params", compile_model(tfl, "cortex-m4").files["model.c"])
    assert sorted(calls) == ["ed_add", "ed_add_fast", "ed_add_flat", "ed_add_flat_fast",
                             "ed_add_flat_fast_full"], calls
    _check(tfl, "cortex-m4")
