"""Your own image folder and your own Sequential softmax teacher, end to end through the CLI, as
README's "Bring your own teacher and data" example writes it: `run` (no --out: the run dir is
named after the folder) -> metrics.json and the summary carry the data's name, path, class names
and scale -> `bundle --data PATH` -> the bundled runner labels raw pixels with the folder's class
names. One run shared by the module's tests."""

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.own.conftest import CLASSES, SMALL_RECIPE, own, patches_folder, trained_sequential_teacher


README = Path(__file__).resolve().parents[2] / "README.md"


def readme_example() -> tuple[str, list[str]]:
    """README's "Bring your own teacher and data" worked example: the recipe file's text and the
    shell lines after "Then:"."""
    text = README.read_text().split("\n## Bring your own teacher and data\n", 1)[1].split("\n## ", 1)[0]
    before, after = text.split("\nThen:\n", 1)
    recipe = before.rsplit("step per epoch):\n", 1)[1]
    recipe = "".join(line[4:] if line.strip() else "\n" for line in recipe.strip("\n").splitlines(True))
    lines = [line.strip() for line in after.strip("\n").split("\n\n", 1)[0].splitlines()]
    return recipe + "\n", lines


def test_the_readme_recipe_is_the_tests_recipe():
    assert readme_example()[0] == SMALL_RECIPE.read_text()


@pytest.fixture(scope="module")
def patches_run(tmp_path_factory):
    """README's example in a fresh folder: patches/, teacher.keras, small-data.toml, then its
    `edgedistill run` line as written."""
    root = tmp_path_factory.mktemp("own_images")
    folder = patches_folder(root / "patches")
    trained_sequential_teacher(folder, root / "teacher.keras")
    recipe, lines = readme_example()
    (root / "small-data.toml").write_text(recipe)
    cwd = os.getcwd()
    os.chdir(root)          # the README's paths are relative, and so is the default run dir
    try:
        r = own(*shlex.split(lines[0])[1:])
    finally:
        os.chdir(cwd)
    assert r.returncode == 0, r.stdout + r.stderr
    return root, folder, r


def test_the_run_dir_and_title_are_named_after_the_data(patches_run):
    root, folder, r = patches_run
    run_dir = root / "runs" / "patches-small-data-cortex-m4"
    assert (run_dir / "metrics.json").is_file(), sorted(p.name for p in (root / "runs").iterdir())
    assert "\npatches (recipe small-data) -> cortex-m4\n" in r.stdout
    assert "loaded teacher.keras" in r.stdout
    # the TFLM package says what its outputs and inputs mean
    assert (run_dir / "tflm" / "labels.txt").read_text().split() == list(CLASSES)
    assert "times 0.00392156863 are the float model inputs" in (run_dir / "tflm" / "README.md").read_text()


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


def test_bundle_with_the_data_path_labels_raw_pixels_right(patches_run):
    """README's `bundle` and runner lines as written: labels from the folder names, raw pixels
    scaled by the data's 1/255."""
    root, folder, r = patches_run
    _, lines = readme_example()
    cwd = os.getcwd()
    os.chdir(root)
    try:
        b = own(*shlex.split(lines[1])[1:])
    finally:
        os.chdir(cwd)
    assert b.returncode == 0, b.stdout + b.stderr
    meta = json.loads((root / "patches-pi" / "metadata.json").read_text())
    assert meta["preprocessing"]["raw_scale"] == pytest.approx(1 / 255)
    assert (root / "patches-pi" / "labels.txt").read_text().split() == list(CLASSES)
    # raw 0..255 pixels of one sample per class, through the bundled runner on this machine
    raw = np.stack([np.asarray(Image.open(folder / c / "0.png"), np.float32) for c in CLASSES])
    np.save(root / "raw.npy", raw)
    runner = shlex.split(lines[2])
    assert runner[0] == "python3"
    p = subprocess.run([sys.executable, *runner[1:], "--json"], cwd=root, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    labels = [q["label"] for q in json.loads(p.stdout)["predictions"]]
    assert labels == list(CLASSES), labels   # class_0.. or a wrong scale would not give these


def test_a_bundle_without_data_has_a_number_for_raw_scale(patches_run, tmp_path):
    root, folder, r = patches_run
    tflite = root / "runs" / "patches-small-data-cortex-m4" / "model_int8.tflite"
    assert own("bundle", tflite, "--target", "rpi4", "--out", tmp_path / "b").returncode == 0
    pre = json.loads((tmp_path / "b" / "metadata.json").read_text())["preprocessing"]
    assert pre["raw_scale"] == 1.0 and "--data" in pre["raw_scale_from"]
