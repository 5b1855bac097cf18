"""`run --recipe ecg-anomaly --quick`: an autoencoder through every stage, AUC instead of accuracy."""

import numpy as np
import pytest

from pipeline.stages import score
from tests.conftest import edgedistill, quick_run


@pytest.fixture(scope="module")
def ecg_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "ecg"
    return (out, *quick_run("ecg-anomaly", out))


def test_auc_replaces_accuracy_everywhere(ecg_run):
    _, r, m = ecg_run
    assert m["metric"] == "auc"
    for section in ("teacher", "student_float", "student_qat", "student_int8", "emulator"):
        assert "auc" in m[section] and "accuracy" not in m[section], section
        assert 0.0 <= m[section]["auc"] <= 1.0
    assert "litert_ref_auc" in m["student_int8"]
    assert "auc" in r.stdout.split("cortex-m4\n")[1].splitlines()[0]   # the table's header


def test_autoencoder_runs_bitexact_on_the_emulated_mcu(ecg_run):
    _, _, m = ecg_run
    e, q = m["emulator"], m["student_int8"]
    assert e["samples"] == q["samples"] == 94 and e["bitexact"] == 1.0
    assert e["auc"] == pytest.approx(q["auc"])          # same int8 outputs, same scores
    assert m["student_float"]["params"] < m["teacher"]["params"]
    assert "FULLY_CONNECTED" in m["tflm"]["ops"]


def test_auc_measures_the_ranking():
    y = np.array([0, 0, 1, 1])
    x = np.zeros((4, 3), np.float32)
    recon = np.array([[0, 0, 0], [.1, 0, 0], [1, 1, 1], [2, 2, 2]], np.float32)
    assert score.from_outputs("anomaly", recon, x, y) == 1.0          # anomalies reconstructed worst
    assert score.from_outputs("anomaly", recon[::-1], x, y) == 0.0
    assert score.metric("anomaly") == "auc" and score.metric("classification") == "accuracy"


def test_anomaly_teacher_must_reconstruct_its_input(tmp_path):
    import keras
    inp = keras.Input((512, 1))
    bad = keras.Model(inp, keras.layers.Dense(2)(keras.layers.Flatten()(inp)))
    bad.save(tmp_path / "t.keras")
    r = edgedistill("teacher", "--recipe", "ecg-anomaly", "--quick", "--teacher", tmp_path / "t.keras",
                    "--out", tmp_path / "run")
    assert r.returncode == 2 and "reconstruct its input" in r.stderr and "Traceback" not in r.stderr


def test_report_shows_roc_and_score_histograms_instead_of_a_confusion_matrix(ecg_run, tmp_path):
    """report.html of the anomaly run: its outcomes section is the ROC curve and the score
    histograms (teacher and the int8 student on the device), drawn and decoded in a browser."""
    out, _, m = ecg_run
    text = (out / "report.html").read_text()
    start = text.index('<section id="outcomes"')
    outcomes = text[start:text.index("</section>", start)]
    assert "ROC and anomaly scores" in outcomes and "confusion" not in outcomes.lower()
    assert set(m["emulator"]["outcomes"]["scores"]) == {"normal", "anomalous"}
    from tests.report import browser
    if browser.chromium() is None:
        pytest.skip("chromium not installed (make setup)")
    shown = browser.render(out / "report.html", tmp_path)
    assert shown.errors == [], shown.errors
    assert shown.images.get("outcomes") and all(ok and w > 100 for ok, w, _ in shown.images["outcomes"])
