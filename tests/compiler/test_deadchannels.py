"""compiler/deadchannels.py: constant channels dropped where that is exact, kept where it is not,
bit-exact with tflite-micro on the host and the emulated M4. One model plants dead channels
(all-zero filters) before each kind of consumer:

    x (6x6x8) -> P1 1x1 (16)  -> B 1x1 (20) -> P2 3x3 same (16) -> D 3x3 same (12) -+-> ADD
                                                                  P3 1x1 (12) <-----+    |
    ADD -> P4 1x1 (16) -> Flatten -> FC (10)                                              |
    x -> P5 1x1 (24) -> DW 3x3 same (24) -> Q 1x1 (8)

  P1: 4 dead, any constant, before a 1x1 conv: dropped (B folds them into its bias).
  P2: 4 dead whose constant is the zero point (ReLU of a negative bias) and 4 whose constant is
      not, before a padded 3x3 conv: the first 4 dropped, the other 4 stay (a padded border
      reads the zero point, not the constant).
  P3: 4 dead before the residual ADD: they stay.
  P4: 4 dead before Flatten + FC: dropped (the FC folds their 36 columns each).
  P5: 4 zero-point and 4 other dead before a padded depthwise conv and a 1x1 conv: the first 4
      go from P5, DW and Q (DW's channel is then its constant bias, which Q folds); the others
      stay."""

import numpy as np
import pytest

from tests.compiler.tflite_edit import array, edit, ops_of

HW = 36                                   # 6x6 pixels everywhere
# filter shape -> (zero-point dead channels, other dead channels)
SHAPES = {"P1": (16, 1, 1, 8), "B": (20, 1, 1, 16), "P2": (16, 3, 3, 20), "D": (12, 3, 3, 16),
          "P3": (12, 1, 1, 12), "P4": (16, 1, 1, 12), "P5": (24, 1, 1, 8), "Q": (8, 1, 1, 24)}
DEAD = {"P1": ([0, 7], [3, 12]), "P2": ([1, 2, 9, 15], [5, 6, 10, 11]), "P3": ([], [0, 4, 8, 11]),
        "P4": ([2, 3], [10, 14]), "P5": ([0, 5, 17, 23], [8, 20, 21, 22])}


@pytest.fixture(scope="module")
def plain() -> bytes:
    import keras
    from tests.compiler.convert import to_int8_tflite
    L = keras.layers
    init = keras.initializers.RandomNormal(stddev=0.3, seed=11)
    kw = dict(kernel_initializer=init, bias_initializer=init)
    x = keras.Input((6, 6, 8), batch_size=1, name="in000")
    b = L.Conv2D(20, 1, activation="relu", **kw)(L.Conv2D(16, 1, activation="relu", **kw)(x))
    d = L.Conv2D(12, 3, padding="same", activation="relu", **kw)(
        L.Conv2D(16, 3, padding="same", activation="relu", **kw)(b))
    r = L.Add()([d, L.Conv2D(12, 1, **kw)(d)])
    fc = L.Dense(10, **kw)(L.Flatten()(L.Conv2D(16, 1, activation="relu", **kw)(r)))
    dw = L.DepthwiseConv2D(3, padding="same", activation="relu", depthwise_initializer=init,
                           bias_initializer=init)(L.Conv2D(24, 1, activation="relu", **kw)(x))
    q = L.Conv2D(8, 1, **kw)(dw)
    return to_int8_tflite(keras.Model(x, [fc, q]), seed=4, ranges=[(-2.0, 3.0)])


def _plant(tfl: bytes, extra=None) -> bytes:
    """DEAD's filter rows zeroed; biases: -4 (real) for the zero-point ones (ReLU: the zero
    point), 1.5 + 0.5 i for the others (P3: no ReLU, so all of them spread). `extra(name, weights, bias)` edits further."""
    def fn(m, g):
        for op in ops_of(m, g, "CONV_2D"):
            w_t = g.tensors[op.inputs[1]]
            name = next(n for n, s in SHAPES.items() if tuple(int(d) for d in w_t.shape) == s)
            w, b = array(m, g, op.inputs[1], np.int8), array(m, g, op.inputs[2], np.int32)
            s_in = float(g.tensors[op.inputs[0]].quantization.scale[0])
            zero, other = DEAD.get(name, ([], []))
            for i, ch in enumerate(zero + other):
                w[ch] = 0
                real = -4.0 if ch in zero else 1.5 + 0.5 * i
                b[ch] = round(real / (s_in * float(w_t.quantization.scale[ch])))
            if extra:
                extra(name, w, b)
    return edit(tfl, fn)


def _lowered(tfl: bytes):
    from pipeline.compiler.lower import lower
    from pipeline.compiler.reader import read
    return lower(read(tfl))


def _names(program) -> dict:
    """op index -> SHAPES name (convs), "DW", "FC" """
    g, out = program.graph, {}
    for op in g.ops:
        if op.kind in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            s = g.tensors[op.inputs[1]].shape
            out[op.index] = next((n for n, v in SHAPES.items() if v == s),
                                 "FC" if op.kind == "FULLY_CONNECTED" else "DW")
    return out


def test_mbqm_matches_the_c(tmp_path):
    """deadchannels.mbqm (the constants' requantization) == reference/requant.h ed_mbqm on
    ~250,000 (x, multiplier, shift) triples, edge values included."""
    import shutil
    import subprocess
    from pipeline.compiler.deadchannels import mbqm
    from pipeline.targets import kernel_dir
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no host C compiler")
    rng = np.random.default_rng(3)
    n = 250_000
    edge = np.array([0, 1, -1, 2, -2, -(1 << 31), (1 << 31) - 1, 1 << 30, -(1 << 30), 127, -128])
    x = rng.integers(-(1 << 31), 1 << 31, n)
    x[::3] >>= rng.integers(0, 31, len(x[::3]))
    x[::7] = rng.choice(edge, len(x[::7]))
    m = rng.integers(1 << 30, 1 << 31, n)
    m[::11] = rng.choice([0, (1 << 31) - 1, 1 << 30], len(m[::11]))
    sh = rng.integers(-31, 31, n)
    triples = np.stack([x, m, sh], 1).astype(np.int32)
    (tmp_path / "in.bin").write_bytes(triples.tobytes())
    src = tmp_path / "rq.c"
    src.write_text(r'''
#include <stdio.h>
#include "requant.h"
int main(int argc, char **argv) {
    FILE *f = fopen(argv[1], "rb"), *o = fopen(argv[2], "wb");
    int32_t t[3];
    while (fread(t, 4, 3, f) == 3) { int32_t r = ed_mbqm(t[0], t[1], t[2]); fwrite(&r, 4, 1, o); }
    fclose(o);
    return 0;
}''')
    exe = tmp_path / "rq"
    r = subprocess.run([cc, "-O2", "-std=c11", "-I", str(kernel_dir("reference")), str(src),
                        "-o", str(exe)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    subprocess.run([str(exe), str(tmp_path / "in.bin"), str(tmp_path / "out.bin")], check=True)
    c = np.frombuffer((tmp_path / "out.bin").read_bytes(), np.int32)
    py = np.array([mbqm(int(a), int(b), int(s)) for a, b, s in triples], np.int64)
    assert np.array_equal(c, py), np.flatnonzero(c != py)[:5]


def test_drops_exactly_the_droppable(plain):
    """Per op, the MACs and the weights (filter, bias, multiplier, shift: 9 bytes per output
    channel beside its row) go down by exactly what the dropped channels account for: rows of
    the producers, columns of the consumers, depthwise channels; P2's and P5's other dead
    channels and P3's stay (and so do their MACs)."""
    from pipeline.compiler.deadchannels import prune
    from pipeline.compiler.layouts import const_bytes
    from pipeline.firmware.macs import _call_macs
    p = _lowered(_plant(plain))
    names = _names(p)
    macs0 = {names[c.op_index]: _call_macs(c.kind, c.fields) for c in p.calls if c.op_index in names}
    w0 = const_bytes(p)
    dropped = {names[i]: n for i, n in prune(p).items() if i in names}
    assert dropped == {"P1": 4, "P2": 4, "P4": 4, "P5": 4, "DW": 4}
    macs1 = {names[c.op_index]: _call_macs(c.kind, c.fields) for c in p.calls if c.op_index in names}
    expect = {"P1": HW * 4 * 8, "B": HW * 20 * 4, "P2": HW * 4 * 9 * 20, "D": HW * 12 * 9 * 4,
              "P3": 0, "P4": HW * 4 * 12, "FC": 10 * HW * 4,
              "P5": HW * 4 * 8, "DW": HW * 4 * 9, "Q": HW * 8 * 4}
    assert {n: macs0[n] - macs1[n] for n in macs0} == expect
    rows = 9 * 4    # bias, multiplier, shift of 4 output channels
    assert w0 - const_bytes(p) == sum([4 * 8 + rows, 20 * 4, 4 * 9 * 20 + rows, 12 * 9 * 4,
                                       4 * 12 + rows, 10 * HW * 4, 4 * 8 + rows, 4 * 9 + rows,
                                       8 * 4])


def test_a_fold_past_int32_is_refused(plain):
    """B's bias at INT32_MAX - 5 with a positive weight on one of P1's dead channels: folding
    its constant would leave int32, so B keeps all of P1's channels (P1 drops none)."""
    from pipeline.compiler.deadchannels import prune

    def big_bias(name, w, b):
        if name == "B":
            w[0, 0, 0, 12] = 100                # P1's channel 12: constant well above zero point
            b[0] = (1 << 31) - 6
    p = _lowered(_plant(plain, big_bias))
    names = _names(p)
    dropped = {names[i]: n for i, n in prune(p).items() if i in names}
    assert "P1" not in dropped and dropped["P2"] == 4


@pytest.mark.parametrize("target", ["host", "cortex-m4"])
def test_planted_model_bitexact(plain, target):
    """The planted model compiled with its channels dropped (and, on M4, the dead ones that
    stay left to the conv's channel plan) against tflite-micro on the unchanged model."""
    tfl = _plant(plain)
    if target == "host":
        from pipeline.runtimes.host import verify_host
        r = verify_host(tfl, None, 40, seed=2)
    else:
        from pipeline.firmware import verify_mcu
        r = verify_mcu(tfl, target, None, samples=10, seed=2)
    assert r["bitexact"] == 1.0 and r["max_abs_diff"] == 0, r


def _kill_channels(tfl: bytes, seed: int, frac: float) -> bytes:
    """`frac` of the output channels of every conv, depthwise conv and FC dead (filter zeroed),
    their biases anywhere in +-2^30."""
    rng = np.random.default_rng(seed)

    def fn(m, g):
        for kind, axis in (("CONV_2D", 0), ("DEPTHWISE_CONV_2D", 3), ("FULLY_CONNECTED", 0)):
            for op in ops_of(m, g, kind):
                w = array(m, g, op.inputs[1], np.int8)
                has_bias = len(op.inputs) > 2 and op.inputs[2] >= 0 and \
                    m.buffers[g.tensors[op.inputs[2]].buffer].data is not None
                b = array(m, g, op.inputs[2], np.int32) if has_bias else None
                for ch in rng.choice(w.shape[axis], int(w.shape[axis] * frac), replace=False):
                    np.moveaxis(w, axis, 0)[ch] = 0
                    if b is not None:
                        b[ch] = int(rng.choice([-1, 1]) * rng.integers(0, 1 << int(rng.integers(4, 31))))
    return edit(tfl, fn)


MLPERF = ["kws_dscnn", "ic_resnet8", "vww_mobilenet_v1_025", "ad_autoencoder"]


@pytest.fixture(scope="module")
def dead_mlperf(tmp_path_factory, mlperf_models):
    """The four architectures with dead channels, compiled into ONE executable built with
    AddressSanitizer and UndefinedBehaviorSanitizer (one build, not one per architecture)."""
    from tests.compiler.hostbuild import HostBuild
    tfls = {name: _kill_channels(mlperf_models[name], seed=5, frac=0.4) for name in MLPERF}
    return HostBuild(tfls, tmp_path_factory.mktemp("dead_mlperf"), sanitize=True)


@pytest.mark.parametrize("name", MLPERF)
def test_mlperf_architectures_with_dead_channels_bitexact(dead_mlperf, name):
    """The four MLPerf Tiny architectures (random weights) with 40 % of every layer's channels
    dead: depthwise chains, residual ADDs, pooling, Flatten + FC and an FC autoencoder; what the
    compiler drops (dozens to thousands of channels) leaves every output bit-exact, built with
    AddressSanitizer and UndefinedBehaviorSanitizer."""
    from pipeline.compiler.deadchannels import prune
    tfl = dead_mlperf.tflites[name]
    assert sum(prune(_lowered(tfl)).values()) > 0
    r = dead_mlperf.verify(name, None, 8, seed=1)
    assert r["bitexact"] == 1.0 and r["max_abs_diff"] == 0, r
