"""Hand-checkable units: multipliers, the memory planner, deterministic emission, float edges."""

import numpy as np

from pipeline.compiler.quant import mean_multiplier, quantize_multiplier, round_away


def test_quantize_multiplier_golden():
    assert quantize_multiplier(0.5) == (1 << 30, 0)
    assert quantize_multiplier(1.0) == (1 << 30, 1)
    assert quantize_multiplier(0.0) == (0, 0)
    assert quantize_multiplier(2.0 ** -40) == (0, 0)          # flushed like TFLM
    m, s = quantize_multiplier(0.1)
    assert abs(m * 2.0 ** (s - 31) - 0.1) < 1e-9
    assert round_away(2.5) == 3 and round_away(-2.5) == -3


def test_mean_multiplier_folds_count():
    m, s = mean_multiplier(0.5, 0.5, 4)
    assert abs(m * 2.0 ** (s - 31) - 0.25) < 1e-9


def _program(sizes_lifetimes, overlap=None):
    """A fake chain program: tensor i of `size` bytes, produced by call i-1, read by call i."""
    from pipeline.compiler.lower import Call, Program
    from pipeline.compiler.reader import Graph, Tensor
    tensors = [Tensor(i, f"t{i}", (s,), "INT8", (1.0,), (0,)) for i, s in enumerate(sizes_lifetimes)]
    calls = [Call(i, "X", "f", "p", {}, [i], [i + 1], overlap=(overlap or {}).get(i, {}))
             for i in range(len(tensors) - 1)]
    g = Graph(tensors, [], (0,), (len(tensors) - 1,))
    return Program(g, calls, (0,), (len(tensors) - 1,), "int8")


def test_planner_reuses_dead_buffers():
    from pipeline.compiler.planner import plan
    p = plan(_program([12, 20, 12]))  # t0 -> t1 -> t2: t0 and t2 never live together
    assert p.arena_bytes == 32
    assert p.offsets[0] == p.offsets[2]


def test_planner_overlaps_when_kernel_allows():
    from pipeline.compiler.planner import plan
    p = plan(_program([20, 20], overlap={0: {0: 0}}))   # elementwise: in place
    assert p.arena_bytes == 20
    p = plan(_program([20, 20], overlap={0: {0: -8}}))  # output must start 8 bytes below its input
    assert p.arena_bytes == 28
    assert "arena 28 bytes" in p.format()


def test_overlap_window_matches_hand_count():
    from pipeline.compiler import overlap
    # 3x3 SAME stride 1 on 4x4x1 -> 4x4x1: pixel (1,1) first reads pixel (0,0); safe shift is
    # one row + one pixel below the input (-5 bytes), limited by pixel 0 needing pixel 0.
    assert overlap.window(4, 4, 1, 4, 4, 1, 3, 3, 1, 1, 1, 1, 1, 1) == -(4 + 1 + 1)
    # 1x1 conv, same channels: out may start one pixel below the input
    assert overlap.window(4, 4, 8, 4, 4, 8, 1, 1, 1, 1, 1, 1, 0, 0) == -8


def test_emission_is_deterministic_and_float_edges_work(tmp_path):
    import keras
    import tensorflow as tf
    from pipeline.stages.verify import compare
    from pipeline.runtimes.host import build_host, run_host
    from pipeline.compiler.sources import compile_model, random_inputs
    from pipeline.runtimes.tflm import reference_outputs
    x = keras.Input((5, 5, 2), batch_size=1, name="in000")
    m = keras.Model(x, keras.layers.Conv2D(3, 3, activation="tanh")(x))
    rng = np.random.default_rng(0)

    def rep():
        for _ in range(8):
            yield [rng.uniform(-1, 1, (1, 5, 5, 2)).astype(np.float32)]
    c = tf.lite.TFLiteConverter.from_keras_model(m)
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    c.representative_dataset = rep
    c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    tfl = c.convert()    # float input/output: QUANTIZE and DEQUANTIZE at the edges
    a, b = compile_model(tfl, "host"), compile_model(tfl, "host")
    assert a.files == b.files
    assert a.io_dtype == "float32" and "QUANTIZE" in a.ops and "DEQUANTIZE" in a.ops
    exe = build_host(a, tmp_path, sanitize=True)
    xin = random_inputs(a, 6, seed=1)
    ours = run_host(exe, xin, 0, a.output_elements, np.float32)
    r = compare(ours, reference_outputs(tfl, xin))
    assert r["bitexact"] == 1.0 and r["max_abs_diff"] == 0.0


def test_filter16_layout():
    """layouts.filter16: per block of channels (triples from K4 = 12 on, then pairs; an odd
    out_c without triples pairs its last row with zeros) and per 4-k group, each row's
    (w0, w2), (w1, w3); k >= K zero up to K4. Rebuilt here from that description."""
    from pipeline.compiler.layouts import filter16, filter16_size, triples
    rng = np.random.default_rng(0)
    for out_c in range(1, 14):
        for k in (3, 4, 8, 12, 16, 27, 64):
            w = rng.integers(-128, 128, out_c * k).astype(np.int8)
            f = filter16(w, out_c, k)
            k8 = (k + 3) // 4 * 4             # K4
            t = triples(out_c, k)
            assert f.size == filter16_size(out_c, k) and f.dtype == np.int16
            pairs = (0, 2, 1)[out_c % 3]
            if k8 >= 12 and out_c >= 2 * pairs + 3:
                assert 3 * t + 2 * pairs == out_c
            else:
                assert t == 0
            rows = np.zeros((out_c + 1, k8), np.int16)
            rows[:out_c, :k] = w.reshape(out_c, k)
            pos = 0
            blocks = [(3 * i, 3) for i in range(t)] + \
                [(oc, 2) for oc in range(3 * t, out_c, 2)]
            for oc0, n in blocks:
                for g in range(k8 // 4):
                    for r in range(n):
                        row = rows[oc0 + r] if oc0 + r < out_c else np.zeros(k8, np.int16)
                        q = row[4 * g:4 * g + 4]
                        assert list(f[pos:pos + 4]) == [q[0], q[2], q[1], q[3]]
                        pos += 4
            assert pos == f.size
