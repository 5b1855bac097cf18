"""bench_mcu: the DESIGN.md fields, deterministic instruction counts, sane sizes; the CLI."""

import json

import pytest

from tests.firmware.conftest import MCU_TARGETS

FIELDS = {"target", "instructions", "macs", "peak_stack_bytes", "ram_bytes", "flash_bytes",
          "weights_bytes", "tflm_arena_bytes"}


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
