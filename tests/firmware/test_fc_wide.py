"""dsp/fully_connected_wide.c and its layout (pipeline/compiler/layouts.py fc16): int16 weight
blocks of 4 rows, called directly by model.c when the compiler widens a fully connected layer;
bit-exact with tflite-micro on the emulated M4 for the shapes the kernel pads (depth % 4, out %
4, several batches), a clamping activation, no bias and a layer whose requantization is not the
zero-point-folded form, next to the int8 kernel (--optimize size). The trained MLPerf Tiny AD
model stays at <= 0.6x X-CUBE-AI's published 0.63 M cycles, counted as instructions (issue 14)."""

from pathlib import Path

import numpy as np
import pytest

from tests.compiler.tflite_edit import edit, ops_of
from tests.firmware.conftest import assert_bitexact

AD = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "mlperf-tiny" / "ad01_int8.tflite"
BIG_SCALE = 4096.0       # a weight scale x this: shift >= 0, not the zero-point-folded form


def test_fc16_layout_by_hand():
    """5 rows x 6 depth -> 8 rows x 8 depth (zero padded), per block of 4 rows, per 4 depth,
    each row's (w0, w2), (w1, w3) int16 pairs."""
    from pipeline.compiler.layouts import fc16, fc16_size
    w = np.arange(1, 31, dtype=np.int64).reshape(5, 6)       # row r, depth k: 6r + k + 1
    got = fc16(w.reshape(-1), 5, 6).reshape(2, 2, 4, 4)     # (block, 4-depth group, row, lanes)
    assert fc16_size(5, 6) == got.size == 64
    assert got[0, 0, 0].tolist() == [1, 3, 2, 4]            # row 0, k 0..3: (w0, w2), (w1, w3)
    assert got[0, 1, 0].tolist() == [5, 0, 6, 0]            # k 4, 5 then the zero padding
    assert got[0, 0, 3].tolist() == [19, 21, 20, 22]
    assert got[1, 0, 0].tolist() == [25, 27, 26, 28]         # row 4 opens the second block
    assert not got[1, :, 1:].any()                           # rows 5..7: zero rows


@pytest.fixture(scope="module")
def dense_model() -> bytes:
    """One input per layer shape: 37 -> 7 (ReLU), 640 -> 16, 12 -> 4 (ReLU6, its output
    re-quantized to zero point -100 so that it clamps inside int8), 3 x 10 -> 3 x 9 (batches 3), 64 -> 6 without bias; the 16-row
    layer's weight scale x BIG_SCALE (shift >= 0: the general requantization)."""
    import keras
    from tests.compiler.convert import to_int8_tflite
    L = keras.layers
    init = keras.initializers.RandomNormal(stddev=0.3, seed=5)
    ins = [keras.Input(s, batch_size=1, name=f"in{i}") for i, s in
           enumerate([(37,), (640,), (12,), (3, 10), (64,)])]
    outs = [L.Dense(7, activation="relu", kernel_initializer=init, bias_initializer=init)(ins[0]),
            L.Dense(16, kernel_initializer=init, bias_initializer=init)(ins[1]),
            L.Dense(4, activation="relu6", kernel_initializer=init, bias_initializer=init)(ins[2]),
            L.Dense(9, kernel_initializer=init, bias_initializer=init)(ins[3]),
            L.Dense(6, use_bias=False, kernel_initializer=init)(ins[4])]
    tfl = to_int8_tflite(keras.Model(ins, outs), seed=2, ranges=[(-2.0, 3.0)] * len(ins))

    def fn(m, g):
        for op in ops_of(m, g, "FULLY_CONNECTED"):
            w = g.tensors[op.inputs[1]]
            if int(w.shape[0]) == 16:
                w.quantization.scale = [float(s) * BIG_SCALE for s in w.quantization.scale]
            if int(w.shape[0]) == 4:                     # activation range from -100
                q = g.tensors[op.outputs[0]].quantization
                q.scale, q.zeroPoint = [float(q.scale[0]) * 2], [-100]
    return edit(tfl, fn)


def _fcs(tfl: bytes, optimize: str) -> dict:
    """out_depth -> (kernel entry, fields) of the model compiled for the M4"""
    from pipeline import targets
    from pipeline.compiler.sources import compile_model
    from pipeline.compiler import paths
    seen = {}
    real_choose = paths.choose

    def spy(program, *a, **k):
        r = real_choose(program, *a, **k)
        seen.update({c.fields["out_depth"]: (c.func, c.fields) for c in program.calls
                     if c.kind == "FULLY_CONNECTED"})
        return r
    paths.choose = spy
    try:
        compile_model(tfl, targets.resolve("cortex-m4"), optimize=optimize)
    finally:
        paths.choose = real_choose
    return seen


def test_compiler_picks_the_kernel(dense_model):
    """auto: every layer widened and called through an ed_fully_connected_wide entry, _folded
    where every row allows it (not the BIG_SCALE layer), _full where the activation is all of
    int8 (not the layer with act_min -100); size: the int8 rows' entry of the same form."""
    wide, size = _fcs(dense_model, "auto"), _fcs(dense_model, "size")
    assert sorted(wide) == [4, 6, 7, 9, 16]
    for out_depth, (func, f) in wide.items():
        form = ("" if out_depth == 16 else "_folded" if f["act_min"] > -128 or f["act_max"] < 127
                else "_folded_full")
        assert func == "ed_fully_connected_wide" + form and f["filter"] is None, out_depth
        assert f["filter16"].values.size == (out_depth + 3) // 4 * 4 * ((f["accum_depth"] + 3) // 4 * 4)
        assert size[out_depth][0] == "ed_fully_connected_rows" + form
        assert size[out_depth][1]["filter16"] is None
    assert wide[4][1]["act_min"] == -100          # narrower than int8: the clamping requantization
    assert wide[9][1]["batches"] == 3 and wide[6][1]["bias"] is None


@pytest.mark.parametrize("optimize", ["auto", "size"])
def test_dense_shapes_bitexact_on_m4(dense_model, optimize):
    assert_bitexact(dense_model, "cortex-m4", samples=20, seed=4, optimize=optimize)


@pytest.mark.skipif(not AD.is_file(), reason="the trained MLPerf Tiny models are not checked out")
def test_trained_ad_under_six_tenths_of_x_cube_ai():
    """438,429 instructions before the int16 blocks (0.70x of 0.63 M), 271,089 after (0.43x);
    the issue asks <= 0.6x, 378,000. Bit-exact on 20 random inputs."""
    from pipeline.firmware import bench_mcu
    tfl = AD.read_bytes()
    r = bench_mcu(tfl, "cortex-m4")
    assert r["instructions"] <= 378_000, r["instructions"]
    assert_bitexact(tfl, "cortex-m4", samples=20, seed=1)


@pytest.fixture(scope="module")
def k8_model() -> bytes:
    """ed_fully_connected_wide_k8's shapes: 8 -> 128 (the AD model's op 5), 2 x 6 -> 2 x 12 (depth
    padded to 8, out_depth % 8 == 4, batches 2), and 8 -> 6 (out_depth % 4 != 0: the general
    wide entry)."""
    import keras
    from tests.compiler.convert import to_int8_tflite
    L = keras.layers
    init = keras.initializers.RandomNormal(stddev=0.4, seed=7)
    ins = [keras.Input(s, batch_size=1, name=f"in{i}") for i, s in enumerate([(8,), (2, 6), (8,)])]
    outs = [L.Dense(128, activation="relu", kernel_initializer=init, bias_initializer=init)(ins[0]),
            L.Dense(12, kernel_initializer=init, bias_initializer=init)(ins[1]),
            L.Dense(6, kernel_initializer=init, bias_initializer=init)(ins[2])]
    tfl = to_int8_tflite(keras.Model(ins, outs), seed=3, ranges=[(-2.0, 3.0)] * len(ins))

    def per_tensor(m, g):                 # the converter's AD model is per-tensor, ours per-channel
        for op in ops_of(m, g, "FULLY_CONNECTED"):
            for i in op.inputs[1:]:
                if i >= 0:
                    q = g.tensors[i].quantization
                    q.scale, q.zeroPoint = [max(float(x) for x in q.scale)], [0]
    return edit(tfl, per_tensor)


def test_compiler_picks_k8(k8_model):
    """auto: K4 == 8 with out_depth % 4 == 0 takes the short-row entry; --optimize size keeps
    the int8 rows (no filter16)."""
    wide, size = _fcs(k8_model, "auto"), _fcs(k8_model, "size")
    assert wide[128][0] == wide[12][0] == "ed_fully_connected_wide_k8"
    assert wide[12][1]["batches"] == 2 and wide[12][1]["accum_depth"] == 6
    assert wide[6][0] == "ed_fully_connected_wide_folded_full"     # out_depth 6: not the k8 entry
    assert all(not func.endswith("_k8") for func, _ in size.values())


def test_k8_bitexact_on_m4(k8_model):
    assert_bitexact(k8_model, "cortex-m4", samples=20, seed=5)
