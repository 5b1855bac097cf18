"""`--data` trains on another set or the user's folder; `--resize HxW` makes mixed image sizes usable."""

import numpy as np
from PIL import Image

from tests.conftest import edgedistill


def _images(root, sizes):
    rng = np.random.default_rng(0)
    for c, cls in enumerate(("a", "b")):
        (root / cls).mkdir(parents=True)
        for i, (w, h) in enumerate(sizes):
            px = rng.integers(0, 60, (h, w), dtype=np.uint8) + 150 * c   # class b is brighter
            Image.fromarray(px.astype(np.uint8)).save(root / cls / f"{i}.png")


def test_mixed_sizes_are_refused_then_resized(tmp_path):
    folder = tmp_path / "imgs"
    _images(folder, [(8, 8)] * 9 + [(12, 10)])
    r = edgedistill("teacher", "--recipe", "digits", "--quick", "--data", folder, "--out", tmp_path / "r1")
    assert r.returncode == 2 and "9.png" in r.stderr and "--resize" in r.stderr
    assert "Traceback" not in r.stderr
    r = edgedistill("teacher", "--recipe", "digits", "--quick", "--data", folder, "--resize", "8x8",
                    "--out", tmp_path / "r2", check=True)
    assert "input (8, 8, 1), 2 classes" in r.stdout and (tmp_path / "r2" / "teacher.keras").is_file()


def test_a_bad_resize_value_is_a_usage_error(tmp_path):
    r = edgedistill("teacher", "--recipe", "digits", "--resize", "8by8", "--out", tmp_path / "r")
    assert r.returncode == 2 and "HxW" in r.stderr and "Traceback" not in r.stderr


def test_a_missing_data_path_is_named(tmp_path):
    r = edgedistill("teacher", "--recipe", "digits", "--data", tmp_path / "nope.npz", "--out", tmp_path / "r")
    assert r.returncode == 2 and "nope.npz not found" in r.stderr and "Traceback" not in r.stderr
