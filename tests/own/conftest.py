"""Helpers for the "your own teacher and data" tests: tiny data sets made in tmp_path, and the CLI
run in-process (a TensorFlow import per subprocess would cost more than the runs themselves).

`own(...)` fails the test on any exception other than the CLI's own exit: what a user would see as
a Python traceback."""

import os
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

CLASSES = ("blue", "green", "red")   # sorted, as the class folders are read
SMALL_RECIPE = Path(__file__).with_name("small-data.toml")   # quoted in README.md


def patches_folder(root: Path, per_class: int = 30, size: int = 16) -> Path:
    """`root/<colour>/<i>.png`: noisy RGB images with a bright patch in one colour channel, at a
    random place: 3 classes a small CNN separates in a few epochs."""
    from PIL import Image
    rng = np.random.default_rng(0)
    for k, name in enumerate(("red", "green", "blue")):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            a = rng.integers(0, 60, (size, size, 3)).astype(np.uint8)
            r, c = rng.integers(0, size // 2, 2)
            a[r:r + size // 2, c:c + size // 2, k] = 220
            Image.fromarray(a).save(root / name / f"{i}.png")
    return root


def blobs_csv(path: Path, per_class: int = 40, features: int = 6) -> Path:
    """A CSV of 3 Gaussian blobs in `features` dimensions, labels as text; each column in its own
    units (x 0.01 .. x 1000, offset): unusable as int8 inputs without per-column standardization."""
    rng = np.random.default_rng(1)
    names = ("alpha", "beta", "gamma")
    units = 10.0 ** (np.arange(features) % 6 - 2)     # 0.01, 0.1, 1, 10, 100, 1000
    lines = [",".join([f"f{i}" for i in range(features)] + ["label"])]
    for k, name in enumerate(names):
        centre = np.eye(features)[k] * 3
        for _ in range(per_class):
            v = (centre + rng.normal(0, 0.6, features) + 5) * units[::-1]
            lines.append(",".join(f"{x:.6g}" for x in v) + f",{name}")
    path.write_text("\n".join(lines) + "\n")
    return path


class Result:
    def __init__(self, code, out, err):
        self.returncode, self.stdout, self.stderr = code, out, err


def own(*args) -> Result:
    """`edgedistill ARGS` in this process. An exception that escapes the CLI (a user would see a
    traceback) fails the calling test."""
    from click.testing import CliRunner
    from pipeline.cli.main import cli
    r = CliRunner().invoke(cli, [str(a) for a in args], prog_name="edgedistill")
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        import traceback
        raise AssertionError("edgedistill " + " ".join(map(str, args)) + " raised:\n"
                             + "".join(traceback.format_exception(*r.exc_info)) + r.output)
    return Result(r.exit_code, r.stdout, r.stderr)


def trained_sequential_teacher(folder: Path, path: Path, epochs: int = 15) -> Path:
    """The way most people write a teacher: keras.Sequential ending in Dense(softmax), trained on
    the image folder (pixels / 255, as edgedistill scales them), saved as .keras."""
    import keras
    from PIL import Image
    xs, ys = [], []
    for k, name in enumerate(sorted(d.name for d in folder.iterdir())):
        for f in sorted((folder / name).iterdir()):
            xs.append(np.asarray(Image.open(f).convert("RGB"), np.float32) / 255)
            ys.append(k)
    x, y = np.stack(xs), np.array(ys)
    keras.utils.set_random_seed(0)
    m = keras.Sequential([keras.Input(x.shape[1:]), keras.layers.Conv2D(16, 3, activation="relu"),
                          keras.layers.MaxPooling2D(), keras.layers.Flatten(),
                          keras.layers.Dense(32, activation="relu"),
                          keras.layers.Dense(len(set(ys)), activation="softmax")])
    m.compile("adam", "sparse_categorical_crossentropy")
    m.fit(x, y, epochs=epochs, batch_size=16, verbose=0)
    m.save(path)
    return path


@pytest.fixture(scope="session")
def conv64(tmp_path_factory):
    """64x64x3 input, a 36-filter 3x3 conv: ~147 KB of activations, a 1 KB-class model."""
    import keras
    from tests.compiler.convert import to_int8_tflite
    keras.utils.set_random_seed(0)
    inp = keras.Input((64, 64, 3), batch_size=1)
    x = keras.layers.Conv2D(36, 3, padding="same", activation="relu")(inp)
    x = keras.layers.GlobalAveragePooling2D()(x)
    out = keras.layers.Dense(3)(x)
    path = tmp_path_factory.mktemp("conv64") / "conv64.tflite"
    path.write_bytes(to_int8_tflite(keras.Model(inp, out), seed=0))
    return path
