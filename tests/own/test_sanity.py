"""Sanity warnings: a teacher at chance is refused (exit 2, the reason and --force named) before
any student trains; --force turns it into a warning; a student not smaller than its teacher and an
int8 drop above 2 pp are warned about in the summary and metrics.json."""

import keras
import numpy as np
import pytest

from pipeline.stages import report, sanity
from tests.own.conftest import SMALL_RECIPE, own, patches_folder


@pytest.fixture(scope="module")
def chance_teacher(tmp_path_factory):
    """A Sequential softmax teacher that answers 'blue' for everything: exactly chance."""
    root = tmp_path_factory.mktemp("chance")
    folder = patches_folder(root / "patches")
    m = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Flatten(),
                          keras.layers.Dense(3, activation="softmax")])
    m.layers[-1].set_weights([np.zeros((768, 3), np.float32), np.array([5, 0, 0], np.float32)])
    m.save(root / "t.keras")
    return root, folder


def test_a_teacher_at_chance_is_refused_before_distilling(chance_teacher):
    root, folder = chance_teacher
    r = own("run", "--data", folder, "--teacher", root / "t.keras", "--recipe", SMALL_RECIPE,
            "--out", root / "r")
    assert r.returncode == 2, r.stdout + r.stderr
    err = r.stderr.strip()
    assert err.count("\n") == 0 and "at or near chance" in err and "--force" in err
    assert "33.3%" in err and "[distill ]" not in r.stdout


def test_force_distills_with_a_warning(chance_teacher):
    root, folder = chance_teacher
    r = own("run", "--data", folder, "--teacher", root / "t.keras", "--recipe", SMALL_RECIPE,
            "--out", root / "r", "--until", "teacher", "--force")
    assert r.returncode == 0, r.stderr
    assert "warning: the teacher scores 33.3%" in r.stdout and "(--force)" in r.stdout


def test_stopping_at_the_teacher_warns_without_refusing(chance_teacher):
    """`edgedistill teacher` distills nothing: the teacher is kept, the warning says what a run
    that goes on will do."""
    root, folder = chance_teacher
    r = own("teacher", "--data", folder, "--teacher", root / "t.keras", "--recipe", SMALL_RECIPE,
            "--out", root / "r2")
    assert r.returncode == 0, r.stderr
    assert "warning: the teacher scores 33.3%" in r.stdout and "refused without --force" in r.stdout
    assert (root / "r2" / "teacher.keras").is_file()


def _metrics(teacher_params=1000, student_params=100, float_acc=0.9, int8_acc=0.89):
    return {"recipe": "r", "target": "t", "metric": "accuracy",
            "teacher": {"params": teacher_params, "accuracy": 0.95},
            "student_float": {"params": student_params, "accuracy": float_acc},
            "student_qat": {"accuracy": int8_acc},
            "student_int8": {"accuracy": int8_acc, "litert_ref_accuracy": int8_acc, "tflite_bytes": 1,
                             "samples": 100, "references_differing": 0},
            "timings_s": {"data": 1.0}}


def test_a_larger_student_and_a_qat_drop_are_warned_about_in_the_summary():
    assert sanity.result_warnings(_metrics()) == []
    m = _metrics(teacher_params=100, student_params=125, int8_acc=0.85)
    m["warnings"] = sanity.result_warnings(m)
    assert len(m["warnings"]) == 2
    assert "not smaller" in m["warnings"][0] and "5.00 pp below the float student" in m["warnings"][1]
    text = report.table(m)
    assert "student: 1.2x more params than the teacher" in text and "fewer" not in text
    assert text.count("\nwarning: ") == 2
    assert "student: 10.0x fewer params than the teacher" in report.table(_metrics())


def test_chance_is_the_majority_class_share():
    assert sanity.chance(np.array([0, 0, 0, 1]), 2) == 0.75
    assert sanity.chance(np.array([0, 1, 2]), 3) == pytest.approx(1 / 3)
