"""`run --recipe kws|kws-digits --quick`: synthesized speech through the MFCC front end, a DS-CNN
student on the emulated MCU, the front end stored with the model, and the real recorded digits."""

import json

import pytest

from tests.conftest import edgedistill, quick_run


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "kws-digits"
    return (out, *quick_run("kws-digits", out))


def test_kws_digits_scores_the_real_recordings(digits_run):
    _, r, m = digits_run
    real = m["also_test"]["kws-digits-real"]
    assert real["samples"] == 30
    for k in ("teacher", "student_float", "student_int8"):
        assert 0.0 <= real[k] <= 1.0
    assert "student int8 on kws-digits-real" in r.stdout
    assert m["student_int8"]["accuracy"] > 0.2                    # chance is 0.1


def test_front_end_and_standardization_go_with_the_model(digits_run):
    out, _, m = digits_run
    pre = json.loads((out / "tflm" / "preprocessing.json").read_text())
    assert pre == m["preprocessing"]
    fe = pre["frontend"]
    assert (fe["sample_rate"], fe["window"], fe["stride"], fe["coefficients"]) == (16000, 480, 320, 10)
    assert len(pre["standardize"]["mean"]) == len(pre["standardize"]["std"]) == 10
    assert m["emulator"]["bitexact"] == 1.0 and "DEPTHWISE_CONV_2D" in m["tflm"]["ops"]


def test_kws_twelve_classes_quick(tmp_path):
    _, m = quick_run("kws", tmp_path / "kws")
    assert m["student_int8"]["accuracy"] > 0.2                    # chance is 1/12
    assert m["emulator"]["bitexact"] == 1.0


def test_an_evaluation_only_set_cannot_be_trained_on(tmp_path):
    r = edgedistill("teacher", "--recipe", "kws-digits", "--quick", "--data", "kws-digits-real",
                    "--out", tmp_path / "run")
    assert r.returncode == 2 and "evaluation only" in r.stderr and "Traceback" not in r.stderr
