"""The Helium (MVE) kernels (targets/kernels/mve/) bit-exact with tflite-micro on the emulated
Cortex-M55: randomized single-op families (the per-op suite's generators, fixed seeds, many
branches per model so one QEMU run covers dozens of shapes), hand-picked shapes that reach each
kernel path (channel tails not a multiple of 8 / 16, odd pixel and channel counts, padding,
stride 2, dilation, depth multiplier 2, windows copied to the scratch or read in place, grouped
convs, fully connected depth tails and row remainders), and the vector requantization against
the reference on ~10^6 (x, multiplier, shift) triples, run on the emulated M55 itself."""

import pytest

from tests.firmware.conftest import assert_bitexact, op_families

TARGET = "cortex-m55"
SAMPLES = 4


def _check(tfl: bytes):
    assert_bitexact(tfl, TARGET, SAMPLES, 13)


@pytest.fixture(scope="module")
def families() -> dict:
    return op_families(7100)


def _paths_model() -> bytes:
    """One input, branches that each stress one kernel path (shapes in the comments)."""
    import keras
    from tests.compiler.convert import to_int8_tflite
    L = keras.layers
    init = keras.initializers.RandomNormal(stddev=0.3, seed=1)
    x = keras.Input((7, 9, 21), batch_size=1, name="in000")                   # 63 pixels: odd
    wide = L.Conv2D(40, 1, kernel_initializer=init)(x)                        # in_c 40: 16-tails
    outs = [
        # depthwise: 21 = 2 groups of 8 + a tail of 5; 40 = 5 full groups
        L.DepthwiseConv2D(3, padding="same", depthwise_initializer=init, bias_initializer=init)(x),
        L.DepthwiseConv2D(3, strides=2, padding="same", depthwise_initializer=init,
                          activation="relu")(wide),
        L.DepthwiseConv2D((3, 2), dilation_rate=2, padding="same", depthwise_initializer=init)(x),
        L.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2,
                          depthwise_initializer=init)(x),                      # plain loop
        # conv: in place (in_c >= 16), window rows, padding, stride, dilation, odd out_c
        L.Conv2D(7, 1, kernel_initializer=init, bias_initializer=init, activation="relu")(x),
        L.Conv2D(5, 1, strides=2, kernel_initializer=init)(wide),
        L.Conv2D(9, 3, padding="same", kernel_initializer=init, bias_initializer=init)(wide),
        L.Conv2D(4, (2, 3), strides=(2, 1), padding="same", kernel_initializer=init)(x),
        L.Conv2D(3, 3, dilation_rate=2, padding="same", kernel_initializer=init)(x),
        # conv: scratch windows (in_c < 16), grouped (plain loop)
        L.Conv2D(6, 3, padding="same", kernel_initializer=init)(L.Conv2D(3, 1)(x)),
        L.Conv2D(5, (3, 2), strides=2, padding="same", kernel_initializer=init)(L.Conv2D(10, 1)(x)),
        L.Conv2D(8, 3, padding="same", groups=4, kernel_initializer=init)(L.Conv2D(12, 1)(x)),
        # fully connected: 1323 deep (16-tail 11), 3-row blocks + 2 rows; 13 deep, 1 row
        L.Dense(11, kernel_initializer=init, bias_initializer=init)(L.Flatten()(x)),
        L.Dense(1, kernel_initializer=init, activation="relu")(L.Dense(13)(L.Flatten()(x))),
    ]
    model = keras.Model(x, outs[:10])      # TFLM's concat takes at most 10 outputs
    model2 = keras.Model(x, outs[10:])
    return [to_int8_tflite(m, seed=3, ranges=[(-3.0, 2.0)]) for m in (model, model2)]


@pytest.fixture(scope="module")
def paths_models() -> list:
    return _paths_model()


@pytest.mark.parametrize("family", ("conv", "depthwise", "dense"))
def test_family_bitexact(families, family):
    _check(families[family])


@pytest.mark.parametrize("part", (0, 1))
def test_kernel_paths_bitexact(paths_models, part):
    _check(paths_models[part])


_REQUANT_MAIN = r'''
#include <stdint.h>
#include "board.h"
#include "requant.h"
#include "requant_mve.h"

static uint32_t s = 2463534242u;
static uint32_t rnd(void) { s ^= s << 13; s ^= s >> 17; s ^= s << 5; return s; }
static const int32_t edge[] = {0, 1, -1, 2, -2, INT32_MIN, INT32_MAX, INT32_MIN + 1,
                               INT32_MAX - 1, 1 << 30, -(1 << 30), 127, -128, 255, -255};

static int32_t rnd_x(int k) {
    return k == 0 ? edge[rnd() % 15] : k < 4 ? (int32_t)rnd() : (int32_t)rnd() >> (rnd() % 31);
}

static int32_t rnd_m(int it) {
    static const int32_t special[] = {0, INT32_MAX, 1 << 30};
    return it % 5 == 0 ? special[rnd() % 3] : (int32_t)((rnd() >> 1) | (1u << 30));
}

int main(void) {
    int32_t bad = 0;
    for (int32_t sh = -31; sh <= 30; ++sh) {
        for (int it = 0; it < 4000; ++it) {
            int32_t x[4], m[4], e[4], r[4], shv[4];
            for (int l = 0; l < 4; ++l) {
                x[l] = rnd_x((it + l) % 8);
                m[l] = rnd_m(it + l);
                shv[l] = l == 0 ? sh : (int32_t)(rnd() % 62) - 31;   /* mixed shifts per vector */
                e[l] = ed_mbqm(x[l], m[l], shv[l]);
            }
            vst1q_s32(r, ed_mbqm_mve(vld1q_s32(x), vld1q_s32(m), vld1q_s32(shv)));
            for (int l = 0; l < 4; ++l) bad += r[l] != e[l];
            if (sh <= -1) {                       /* the right-shift-only form */
                for (int l = 0; l < 4; ++l) {
                    shv[l] = sh;
                    e[l] = ed_mbqm(x[l], m[l], sh);
                }
                vst1q_s32(r, ed_mbqm_mve_right(vld1q_s32(x), vld1q_s32(m), vld1q_s32(shv)));
                for (int l = 0; l < 4; ++l) bad += r[l] != e[l];
            }
            /* pack: 8 lanes of arbitrary int32 (after requantization) + zp, clamped */
            const int32_t zp = (int32_t)(rnd() % 256) - 128;
            int32_t lo = (int32_t)(rnd() % 256) - 128, hi = (int32_t)(rnd() % 256) - 128;
            if (lo > hi) { const int32_t t = lo; lo = hi; hi = t; }
            int32_t a[4], b[4];
            int16_t got[8];
            for (int l = 0; l < 4; ++l) {
                a[l] = rnd_x((it + l) % 8);
                b[l] = (int32_t)rnd() >> (rnd() % 32);
            }
            vst1q_s16(got, ed_pack_mve(vld1q_s32(a), vld1q_s32(b), zp, lo, hi));
            for (int l = 0; l < 4; ++l) {
                const int64_t va = (int64_t)a[l] + zp, vb = (int64_t)b[l] + zp;
                const int32_t ca = va < lo ? lo : (va > hi ? hi : (int32_t)va);
                const int32_t cb = vb < lo ? lo : (vb > hi ? hi : (int32_t)vb);
                bad += got[2 * l] != ca;
                bad += got[2 * l + 1] != cb;
            }
        }
    }
    char line[32] = "bad ";
    int n = 4;
    for (int32_t v = bad, d = 1000000000; d > 0; d /= 10) {
        if (v / d || n > 4 || d == 1) line[n++] = (char)('0' + v / d);
        v %= d;
    }
    line[n] = 0;
    ed_puts(line);
    return bad != 0;
}
'''


def test_requantization_on_target(tmp_path):
    """requant_mve.h == reference ed_mbqm (and ed_pack_mve == clamp(v + zp)) on the emulated
    M55: every shift, edge and random x, multipliers 0, 2^30, INT32_MAX and random in
    [2^30, 2^31), mixed shifts across the lanes of one vector."""
    import shutil
    import subprocess
    from pipeline.targets import kernel_dir
    from pipeline.firmware import boards, build
    from pipeline import targets
    if shutil.which(build.GCC) is None or shutil.which("qemu-system-arm") is None:
        pytest.skip("no arm-none-eabi-gcc or qemu-system-arm")
    target = targets.load(TARGET)
    board = boards.for_target(target)
    common = boards.common_dir()
    for f in common.iterdir():
        if f.suffix in (".c", ".h", ".ld"):
            shutil.copyfile(f, tmp_path / f.name)
    shutil.copyfile(board.dir / "link.ld", tmp_path / "link.ld")
    (tmp_path / "rq_main.c").write_text(_REQUANT_MAIN)
    elf = tmp_path / "rq.elf"
    srcs = [str(tmp_path / n) for n in ("rq_main.c", "startup.c", "fault.c", "io_semihost.c")]
    cmd = [build.GCC, *boards.cflags(target), *build.OPT, *build.WARN, "-I", str(tmp_path),
           "-I", str(kernel_dir("reference")), "-I", str(kernel_dir("mve")), *srcs,
           "-T", str(tmp_path / "link.ld"), "-L", str(tmp_path), "-Wl,--gc-sections",
           "--specs=nano.specs", "-nostartfiles", "-o", str(elf), "-lm"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run(["qemu-system-arm", "-M", board.machine, "-display", "none", "-nodefaults",
                        "-no-reboot", "-semihosting-config", "enable=on,target=native",
                        "-serial", "null", "-kernel", str(elf)],
                       capture_output=True, text=True, timeout=300, cwd=tmp_path)
    lines = (r.stdout + r.stderr).splitlines()         # semihosting writes to QEMU's stderr
    assert r.returncode == 0 and "bad 0" in lines, r.stdout + r.stderr
