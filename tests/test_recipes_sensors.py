"""The sensor recipes (har: BasicMotions, gesture: Wii remote) run `--quick` end to end: 1-D CNNs
through QAT, tflite-micro and the AOT firmware on the emulated Cortex-M4."""

import pytest

from tests.conftest import quick_run


@pytest.mark.parametrize("recipe, test_samples, floor", [
    ("har", 40, 0.7),          # chance 0.25; BasicMotions is easy: quick and full reach 1.0
    ("gesture", 50, 0.5),      # chance 0.1; 40 training series: quick 0.72, full 0.76
])
def test_quick_sensor_recipe_runs_bitexact_on_the_emulated_mcu(tmp_path, recipe, test_samples, floor):
    r, m = quick_run(recipe, tmp_path / recipe)
    assert "student int8, tflite-micro" in r.stdout
    assert m["recipe"] == recipe and m["target"] == "cortex-m4"
    assert m["student_float"]["params"] < m["teacher"]["params"] / 10
    q = m["student_int8"]
    assert q["samples"] == test_samples and q["references_agree"] >= 0.95
    assert floor < q["accuracy"] <= 1.0
    # the Conv1D stack becomes 1 x k CONV_2Ds on (1, 1, T, C) between RESHAPEs the compiler aliases
    assert {"CONV_2D", "MAX_POOL_2D", "RESHAPE"} <= set(m["tflm"]["ops"]) and m["tflm"]["arena_bytes"] > 0
    e = m["emulator"]
    assert e["samples"] == test_samples and e["bitexact"] == 1.0 and e["max_abs_diff"] == 0
    assert e["accuracy"] == pytest.approx(q["accuracy"])
    assert e["instructions"] > e["macs"] > 0
    assert 0 < m["firmware"]["ram_bytes"] < 655360
