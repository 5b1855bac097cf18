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
    from pipeline.compiler.host import kernel_dir
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
