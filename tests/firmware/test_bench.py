"""bench_mcu: the DESIGN.md fields, deterministic instruction counts, sane sizes; the CLI."""

import json

import pytest

from tests.firmware.conftest import MCU_TARGETS

FIELDS = {"target", "instructions", "macs", "peak_stack_bytes", "static_ram_bytes", "ram_bytes", "flash_bytes",
          "holds", "weights_bytes", "tflm_arena_bytes", "wide_weights", "ops"}


@pytest.mark.parametrize("target", MCU_TARGETS)
def test_bench_fields(models, target):
    from pipeline.firmware import bench_mcu
    r = bench_mcu(models["kws_dscnn"], target)
    assert set(r) == FIELDS and r["target"] == target
    assert r["macs"] == 2_656_768                       # MLPerf Tiny KWS DS-CNN
    assert r["instructions"] > r["macs"] / 4            # at most 4 MACs per instruction (SIMD)
    assert 100 < r["peak_stack_bytes"] < 4096
    assert r["flash_bytes"] > r["weights_bytes"] > 20_000
    assert r["ram_bytes"] < r["tflm_arena_bytes"]       # whole RAM below TFLM's arena alone
    assert r["ram_bytes"] == r["static_ram_bytes"] + r["peak_stack_bytes"]


def test_instruction_count_is_deterministic(small_model):
    from pipeline.firmware import bench_mcu
    a, b = bench_mcu(small_model, "cortex-m4"), bench_mcu(small_model, "cortex-m4")
    assert a == b


def test_dsp_kernels_are_used_where_the_profile_says(small_model):
    """The M4 profile has the DSP extension: far fewer instructions than the armv6-m build."""
    from pipeline.firmware import bench_mcu
    m4 = bench_mcu(small_model, "cortex-m4")["instructions"]
    m0 = bench_mcu(small_model, "cortex-m0plus")["instructions"]
    assert m4 < 0.5 * m0


def test_cli_bench_json(cli, tmp_path, small_model):
    p = tmp_path / "m.tflite"
    p.write_bytes(small_model)
    r = cli("bench", p, "--target", "cortex-m55", "--json", check=True)
    assert set(json.loads(r.stdout)) == FIELDS


def test_cli_bench_refuses_the_host_target(cli, tmp_path, small_model):
    p = tmp_path / "m.tflite"
    p.write_bytes(small_model)
    r = cli("bench", p, "--target", "host", "--json")
    assert r.returncode == 2 and "cortex-m4" in r.stderr and "Traceback" not in r.stderr


def test_per_op_profile_adds_up(models):
    """bench's "ops": one row per op that runs code, in op order, with the op kinds of the model;
    together they hold nearly every instruction of the inference and all of its MACs."""
    from pipeline.firmware import bench_mcu
    r = bench_mcu(models["kws_dscnn"], "cortex-m4")
    ops = r["ops"]
    assert [o["op"] for o in ops] == sorted(o["op"] for o in ops)
    kinds = [o["kind"] for o in ops]
    assert kinds[0] == "CONV_2D" and kinds.count("DEPTHWISE_CONV_2D") == 4 and kinds[-1] == "SOFTMAX"
    assert sum(o["macs"] for o in ops) == r["macs"]
    total = sum(o["instructions"] for o in ops)
    assert 0.99 * r["instructions"] <= total <= r["instructions"]
    assert all(o["instructions"] > 0 for o in ops)


def test_optimize_trades_flash_for_instructions(models):
    """--optimize speed widens conv weights to int16 on DSP targets: more flash, fewer
    instructions; size keeps int8; auto (the default) widens when the flash budget holds it."""
    from pipeline.firmware import bench_mcu
    speed = bench_mcu(models["ic_resnet8"], "cortex-m4", optimize="speed")
    size = bench_mcu(models["ic_resnet8"], "cortex-m4", optimize="size")
    assert speed["wide_weights"] and not size["wide_weights"]
    assert speed["instructions"] < 0.9 * size["instructions"]
    assert 1.7 * size["weights_bytes"] < speed["weights_bytes"] < 2.2 * size["weights_bytes"]
    assert not bench_mcu(models["ic_resnet8"], "cortex-m0plus", optimize="speed")["wide_weights"]


def test_auto_keeps_int8_weights_when_the_flash_budget_is_tight(models):
    from dataclasses import replace

    from pipeline import targets
    from pipeline.compiler.sources import compile_model
    m4 = targets.load("cortex-m4")
    roomy = compile_model(models["ic_resnet8"], m4)
    int8 = compile_model(models["ic_resnet8"], m4, optimize="size")
    tight = compile_model(models["ic_resnet8"], replace(m4, flash_bytes=int8.weights_bytes + 40_000))
    assert roomy.wide_weights and not tight.wide_weights
    assert tight.files == int8.files


def test_cli_bench_per_op_and_optimize(cli, tmp_path, models):
    p = tmp_path / "m.tflite"
    p.write_bytes(models["kws_dscnn"])
    r = cli("bench", p, "--target", "cortex-m4", "--per-op", "--optimize", "size", check=True)
    assert "DEPTHWISE_CONV_2D" in r.stdout and "MAC/instr" in r.stdout
    assert "widened" not in r.stdout
    r = cli("bench", p, "--target", "cortex-m4", "--optimize", "fast")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_scratch_size_is_checked_against_the_kernel(models, monkeypatch, tmp_path):
    """model.c asserts the planner's scratch against the kernel variant's own macro: a compiler
    that under-counts cannot build firmware."""
    from pipeline import targets
    from pipeline.compiler import scratch
    from pipeline.compiler.sources import compile_model
    from pipeline.firmware import build
    monkeypatch.setitem(scratch.NEEDS, ("CONV_2D", "dsp"),
                        (lambda f: scratch.conv_dsp(f) - 4, scratch.conv_macro))
    src = compile_model(models["student_cnn"], "cortex-m4")
    with pytest.raises(Exception, match="less scratch than its kernel needs"):
        build.build(src, targets.load("cortex-m4"), tmp_path)
