"""A CSV of feature vectors through `run` with an image recipe's zoo models (vgg, ds-cnn) replaced
by the zoo's MLPs (picked from the data's rank), then `bundle --run` for a Pi and the bundled runner on raw
CSV rows: the same standardization as training, the CSV's label names."""

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.own.conftest import SMALL_RECIPE, blobs_csv, own


@pytest.fixture(scope="module")
def csv_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("own_csv")
    csv = blobs_csv(root / "blobs.csv")
    r = own("run", "--data", csv, "--recipe", SMALL_RECIPE, "--out", root / "run")
    assert r.returncode == 0, r.stdout + r.stderr
    return root, csv, r, json.loads((root / "run" / "metrics.json").read_text())


def test_the_zoo_mlps_are_picked_from_the_data_rank(csv_run):
    root, csv, r, m = csv_run
    assert "flat feature vectors (6,): the recipe's models take images, so teacher vgg -> mlp, " \
           "student ds-cnn -> mlp" in r.stdout
    assert m["data"]["classes"] == ["alpha", "beta", "gamma"] and m["data"]["name"] == "blobs"
    assert len(m["preprocessing"]["standardize"]["mean"]) == 6      # one per column
    assert m["teacher"]["accuracy"] >= 0.9 and m["student_int8"]["accuracy"] >= 0.9
    assert m["emulator"]["bitexact"] == 1.0 and m["tflm"]["ops"] == ["FULLY_CONNECTED"]
    assert m["student_float"]["params"] < m["teacher"]["params"]


def test_bundle_from_the_run_labels_raw_rows(csv_run, tmp_path):
    root, csv, r, m = csv_run
    b = own("bundle", root / "run" / "model_int8.tflite", "--target", "rpi4", "--out", tmp_path / "b",
            "--run", root / "run")
    assert b.returncode == 0, b.stderr
    rows = np.loadtxt(csv, delimiter=",", skiprows=1, usecols=range(6))
    labels = np.loadtxt(csv, delimiter=",", skiprows=1, usecols=6, dtype=str)
    pick = [0, 40, 80]                      # the first row of each class, raw (unstandardized)
    np.save(tmp_path / "raw.npy", rows[pick])
    p = subprocess.run([sys.executable, tmp_path / "b" / "run_model.py", tmp_path / "raw.npy", "--raw",
                        "--reference", "--json"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert [q["label"] for q in json.loads(p.stdout)["predictions"]] == list(labels[pick])


def test_bundle_data_path_of_vectors_points_to_the_run(csv_run, tmp_path):
    root, csv, r, m = csv_run
    b = own("bundle", root / "run" / "model_int8.tflite", "--target", "rpi4", "--out", tmp_path / "b",
            "--data", csv)
    assert b.returncode == 2 and "--run RUN_DIR" in b.stderr and b.stderr.strip().count("\n") == 0
