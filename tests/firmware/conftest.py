"""Models for the firmware tests, built once per session: the four MLPerf Tiny reference
architectures (random weights) and the two zoo students (QAT, calibrated, converted)."""

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

MCU_TARGETS = ("cortex-m0plus", "cortex-m4", "cortex-m7", "cortex-m55", "stm32f405")


@pytest.fixture(scope="session")
def models() -> dict:
    from pipeline.compiler import mlperf
    from pipeline.zoo import random_int8
    out = {n: mlperf.build(n) for n in mlperf.REFERENCE_MODELS}
    out["student_cnn"] = random_int8("student", "cnn", (28, 28, 1))
    out["student_ds_cnn"] = random_int8("student", "ds-cnn", (32, 32, 3))
    return out


@pytest.fixture(scope="session")
def small_model(models) -> bytes:
    return models["student_cnn"]
