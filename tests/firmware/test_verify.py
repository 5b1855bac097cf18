"""Every MCU target runs every model bit-exact with tflite-micro (20 random samples, one QEMU
run per model and target)."""

import numpy as np
import pytest

from tests.firmware.conftest import MCU_TARGETS

MODELS = ("kws_dscnn", "ic_resnet8", "vww_mobilenet_v1_025", "ad_autoencoder", "student_cnn",
          "student_ds_cnn")


@pytest.mark.parametrize("target", MCU_TARGETS)
@pytest.mark.parametrize("model", MODELS)
def test_verify_mcu_bitexact(models, model, target):
    from pipeline.firmware import verify_mcu
    r = verify_mcu(models[model], target, None, samples=20, seed=3)
    outputs, fw = r.pop("outputs"), r.pop("firmware")
    assert fw["ram_bytes"] == fw["static_ram_bytes"] + fw["peak_stack_bytes"] and fw["flash_bytes"] > 0
    assert r == {"target": target, "reference": "tflite-micro", "samples": 20, "bitexact": 1.0,
                 "max_abs_diff": 0}
    assert outputs.shape[0] == 20 and outputs.dtype == np.int8


def test_verify_given_inputs_match_host(small_model):
    """Given inputs (not random) go through in order: the MCU equals the host build."""
    from pipeline.runtimes.host import verify_host
    from pipeline.firmware import verify_mcu
    x = np.random.default_rng(5).integers(-128, 128, size=(21, 28, 28, 1), dtype=np.int8)
    r = verify_mcu(small_model, "cortex-m4", x, samples=20)
    assert r["samples"] == 20 and r["bitexact"] == 1.0
    assert verify_host(small_model, x, 20)["bitexact"] == 1.0
