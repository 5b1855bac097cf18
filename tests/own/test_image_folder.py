"""Your own image folder and your own Sequential softmax teacher, end to end through the CLI:
`run` (no --out: the run dir is named after the folder) -> metrics.json and the summary carry the
data's name, path, class names and scale -> `bundle --data PATH` -> the bundled runner labels raw
pixels with the folder's class names. One run shared by the module's tests."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tests.own.conftest import CLASSES, SMALL_RECIPE, own, patches_folder, trained_sequential_teacher


@pytest.fixture(scope="module")
def patches_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("own_images")
    folder = patches_folder(root / "patches")
    teacher = trained_sequential_teacher(folder, root / "teacher.keras")
    cwd = os.getcwd()
    os.chdir(root)          # the default run dir is relative: runs/...
    try:
        r = own("run", "--data", folder, "--teacher", teacher, "--recipe", SMALL_RECIPE)
    finally:
        os.chdir(cwd)
    assert r.returncode == 0, r.stdout + r.stderr
    return root, folder, r


def test_the_run_dir_and_title_are_named_after_the_data(patches_run):
    root, folder, r = patches_run
    run_dir = root / "runs" / "patches-small-data-cortex-m4"
    assert (run_dir / "metrics.json").is_file(), sorted(p.name for p in (root / "runs").iterdir())
    assert "\npatches (recipe small-data) -> cortex-m4\n" in r.stdout
    assert "loaded teacher.keras" in r.stdout or "teacher.keras" in r.stdout


def test_metrics_json_names_the_data(patches_run):
    root, folder, r = patches_run
    m = json.loads((root / "runs" / "patches-small-data-cortex-m4" / "metrics.json").read_text())
    d = m["data"]
    assert d["name"] == "patches" and d["path"] == str(folder.resolve()) and d["builtin"] is False
    assert d["classes"] == list(CLASSES) and d["scale"] == pytest.approx(1 / 255)
    assert d["input_shape"] == [16, 16, 3]
    # 9 val and 18 test samples: said, in metrics.json and under the summary
    assert [w.split(":")[0] for w in m["warnings"]] == ["the val split has 9 samples", "the test split has 18 samples"]
    assert "\nwarning: the test split has 18 samples" in r.stdout


def test_bundle_with_the_data_path_labels_raw_pixels_right(patches_run, tmp_path):
    root, folder, r = patches_run
    tflite = root / "runs" / "patches-small-data-cortex-m4" / "model_int8.tflite"
    b = own("bundle", tflite, "--target", "rpi4", "--out", tmp_path / "b", "--data", folder)
    assert b.returncode == 0, b.stdout + b.stderr
    meta = json.loads((tmp_path / "b" / "metadata.json").read_text())
    assert meta["preprocessing"]["raw_scale"] == pytest.approx(1 / 255)
    assert (tmp_path / "b" / "labels.txt").read_text().split() == list(CLASSES)
    # raw 0..255 pixels of one sample per class, through the bundled runner on this machine
    raw = np.stack([np.asarray(Image.open(folder / c / "0.png"), np.float32) for c in CLASSES])
    np.save(tmp_path / "raw.npy", raw)
    p = subprocess.run([sys.executable, tmp_path / "b" / "run_model.py", tmp_path / "raw.npy", "--raw",
                        "--reference", "--json"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    labels = [q["label"] for q in json.loads(p.stdout)["predictions"]]
    assert labels == list(CLASSES), labels   # class_0.. or a wrong scale would not give these


def test_a_bundle_without_data_has_a_number_for_raw_scale(patches_run, tmp_path):
    root, folder, r = patches_run
    tflite = root / "runs" / "patches-small-data-cortex-m4" / "model_int8.tflite"
    assert own("bundle", tflite, "--target", "rpi4", "--out", tmp_path / "b").returncode == 0
    pre = json.loads((tmp_path / "b" / "metadata.json").read_text())["preprocessing"]
    assert pre["raw_scale"] == 1.0 and "--data" in pre["raw_scale_from"]
