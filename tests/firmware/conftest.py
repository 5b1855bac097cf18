"""Models for the firmware tests, built once per session: the four MLPerf Tiny reference
architectures (random weights) and the two zoo students (QAT, calibrated, converted)."""

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

MCU_TARGETS = ("cortex-m0plus", "cortex-m4", "cortex-m7", "cortex-m55", "stm32f405")


@pytest.fixture(scope="session")
def models(mlperf_models) -> dict:
    from pipeline.compiler import mlperf
    from pipeline.zoo import random_int8
    out = {n: mlperf_models[n] for n in mlperf.REFERENCE_MODELS}      # shared with other suites
    out["student_cnn"] = random_int8("student", "cnn", (28, 28, 1))
    out["student_ds_cnn"] = random_int8("student", "ds-cnn", (32, 32, 3))
    return out


@pytest.fixture(scope="session")
def small_model(models) -> bytes:
    return models["student_cnn"]


def assert_bitexact(tfl: bytes, target: str, samples: int, seed: int, optimize: str = "auto"):
    """Random inputs through the firmware on `target`, every output equal to tflite-micro's."""
    from pipeline.firmware import verify_mcu
    r = verify_mcu(tfl, target, None, samples=samples, seed=seed, optimize=optimize)
    r.pop("outputs")
    assert r["bitexact"] == 1.0 and r["max_abs_diff"] == 0, r


def op_families(seed: int) -> dict:
    """The per-op suite's conv, depthwise and dense generators (16 branches each) as int8
    models, seeds seed, seed + 1, seed + 2."""
    from tests.compiler.convert import to_int8_tflite
    from tests.compiler.opcases import build_family
    out = {}
    for i, fam in enumerate(("conv", "depthwise", "dense")):
        model, ranges = build_family(fam, seed + i, 16)
        out[fam] = to_int8_tflite(model, seed=seed + i, ranges=ranges)
    return out
