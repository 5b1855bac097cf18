"""#15: the smallest model that crashes tflite-runtime 2.14 on the emulated rpi-armv7 is one int8
FULLY_CONNECTED with per-channel weights and no bias (the TF 2.21 converter quantizes Dense per
channel and drops an all-zero bias). The crash is real (the emulated runtime dies with SIGSEGV),
is named before anything runs, and verify / bench / bundle keep working on the reference kernels."""

import json

import numpy as np
import pytest

from pipeline import targets
from pipeline.errors import UserError
from pipeline.linux import bench_linux, hazards, qemu_user, verify_linux, write_bundle
from pipeline.linux.guest import run
from pipeline.linux.verify import random_inputs, run_emulated


def dense(units, depth, rows=1, bias=False, per_channel=True) -> bytes:
    """int8 .tflite of one Keras Dense layer, converted like a user's float model (PTQ)."""
    import keras
    import tensorflow as tf
    keras.utils.set_random_seed(0)
    shape = (depth,) if rows == 1 else (rows, depth)
    inp = keras.Input(shape, batch_size=1)
    model = keras.Model(inp, keras.layers.Dense(units, bias_initializer="ones" if bias else "zeros")(inp))
    rep = np.random.default_rng(0).standard_normal((20, *shape)).astype(np.float32)
    fn = tf.function(lambda x: model(x, training=False))
    conv = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function(
        tf.TensorSpec((1, *shape), tf.float32))])
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([r[None]] for r in rep)
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = conv.inference_output_type = tf.int8
    # TF 2.21 quantizes Dense per channel by default; this is the per-tensor switch
    conv._experimental_disable_per_channel_quantization_for_dense_layers = not per_channel
    return conv.convert()


@pytest.fixture(scope="module")
def crasher():
    return dense(2, 32)        # the MobileNet-style block's classifier head, alone


ARMV7 = "rpi-armv7"


@pytest.mark.parametrize("case, expected", [
    # (units, depth, rows, bias, per_channel) -> hazard paths; crash grid measured in the armhf userland
    ((2, 32, 1, False, True), ["default"]),       # the head
    ((4, 4, 1, False, True), ["default"]),        # depth < 8: not the NEON GEMV
    ((4, 8, 1, False, True), []),                 # the GEMV takes it, and handles no bias
    ((2, 32, 1, True, True), []),                 # a bias: nothing missing to read
    ((2, 32, 1, False, False), []),               # per-tensor: the uniform path checks the bias
    ((8, 32, 2, False, True), ["default", "reference"]),
])
def test_hazards_named_from_the_model_alone(case, expected):
    units, depth, rows, bias, pc = case
    found = hazards.find(dense(units, depth, rows, bias, pc), targets.load(ARMV7))
    assert [h.path for h in found] == expected
    for h in found:
        assert (h.op, h.kind, h.units, h.depth, h.rows) == (0, "FULLY_CONNECTED", units, depth, rows)
    assert hazards.find(dense(units, depth, rows, bias, pc), targets.load("rpi4")) == []   # LiteRT: ruy


def test_the_default_path_really_crashes_and_the_error_does_not_blame_the_userland(crasher):
    target = targets.load(ARMV7)
    x = random_inputs(crasher, 2)
    with pytest.raises(UserError) as e:
        run_emulated(crasher, target, x, modes=("default",))
    msg = str(e.value)
    assert "tflite-runtime==2.14.0 in the emulated rpi-armv7 (cortex-a15) crashed on this model (killed by SIGSEGV" in msg
    assert "not the userland" in msg and "rebuild" not in msg
    # (the reference kernels run it: the CLI verify and bundle runner tests below)
    ok = dense(4, 8)                                                    # control: GEMV shape runs
    assert run_emulated(ok, target, random_inputs(ok, 2), modes=("default",))[0]["default"].shape == (2, 4)


def test_cli_verify_and_bundle_warn_naming_the_op_verify_keeps_the_reference_result(cli, tmp_path, crasher):
    model = tmp_path / "head.tflite"
    model.write_bytes(crasher)
    r = cli("verify", model, "--target", ARMV7, "--samples", "4", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["bitexact"] == 1.0 and out["reference"] == "tflite-runtime-2.14-builtin-ref"
    assert out["default_path_max_abs_diff"] is None
    assert ("warning: op 0 FULLY_CONNECTED (weights 2x32 per-channel, no bias, 1 row) crashes the default "
            "kernels") in r.stderr and "rebuild" not in r.stderr
    r = cli("bundle", model, "--target", ARMV7, "--out", tmp_path / "b")
    assert r.returncode == 0 and "warning: op 0 FULLY_CONNECTED (weights 2x32" in r.stderr
    assert "run_model.py runs the reference kernels" in r.stderr


def test_bench_names_it_and_the_bundle_runner_falls_back_under_emulation(tmp_path, crasher):
    b = bench_linux(crasher, ARMV7)
    assert len(b["warnings"]) == 1 and "op 0 FULLY_CONNECTED (weights 2x32" in b["warnings"][0]
    out = tmp_path / "bundle"
    write_bundle(crasher, ARMV7, out, ["a", "b"])
    meta = json.loads((out / "metadata.json").read_text())
    assert [(h["op"], h["path"]) for h in meta["runtime_hazards"]] == [(0, "default")]
    x = np.random.default_rng(1).standard_normal((6, 32))
    np.save(out / "samples.npy", x)
    res = qemu_user.run_python(targets.load(ARMV7), out / "run_model.py",
                               [str(out / "samples.npy"), "--json"], timeout=120)   # no --reference
    assert "running the reference kernels instead" in res.stderr
    from pipeline.stages.convert import quantize_inputs
    golden = np.argmax(run(crasher, quantize_inputs(crasher, x).reshape(6, -1), "ref"), -1)
    assert [p["class"] for p in json.loads(res.stdout)["predictions"]] == golden.tolist()


def test_no_trustworthy_path_is_refused_with_the_reason(tmp_path):
    both = dense(8, 32, rows=2)      # default path crashes, reference outputs undefined past row 0
    with pytest.raises(UserError, match=r"op 0 FULLY_CONNECTED \(weights 8x32 per-channel, 2 rows\) "
                                        r"gets undefined outputs from the reference kernels"):
        verify_linux(both, ARMV7, None, samples=2)
    with pytest.raises(UserError, match="crashes the default kernels"):
        write_bundle(both, ARMV7, tmp_path / "b")
