"""Models for the firmware tests, built once per session: the four MLPerf Tiny reference
architectures (random weights) and the two zoo students (QAT, calibrated, converted)."""

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

MCU_TARGETS = ("cortex-m0plus", "cortex-m4", "cortex-m7", "cortex-m55", "stm32f405")


def zoo_student(arch: str, shape, classes: int = 10, seed: int = 0) -> bytes:
    import keras

    from pipeline import zoo
    from pipeline.qat import calibrate, quantize_model
    from pipeline.stages.convert import convert
    keras.utils.set_random_seed(seed)
    qat = quantize_model(zoo.build("student", arch, shape, classes))
    rep = np.random.default_rng(seed).uniform(0, 1, size=(16, *shape)).astype(np.float32)
    calibrate(qat, rep)
    return convert(qat, rep)


@pytest.fixture(scope="session")
def models() -> dict:
    from pipeline.compiler import mlperf
    out = {n: mlperf.build(n) for n in mlperf.REFERENCE_MODELS}
    out["student_cnn"] = zoo_student("cnn", (28, 28, 1))
    out["student_ds_cnn"] = zoo_student("ds-cnn", (32, 32, 3))
    return out


@pytest.fixture(scope="session")
def small_model(models) -> bytes:
    return models["student_cnn"]
