import keras
import numpy as np
import pytest

from pipeline.errors import UserError
from pipeline.stages import teacher


def _model(shape=(8, 8, 1), classes=10, softmax=False):
    inp = keras.Input(shape)
    x = keras.layers.Flatten()(inp)
    out = keras.layers.Dense(classes, activation="softmax" if softmax else None)(x)
    return keras.Model(inp, out)


def test_loads_keras3_file_and_legacy_h5(tmp_path):
    m = _model()
    x = np.random.default_rng(0).random((3, 8, 8, 1)).astype(np.float32)
    for name in ("t.keras", "t.h5"):
        m.save(tmp_path / name)
        loaded = teacher.load(tmp_path / name)
        np.testing.assert_allclose(loaded.predict(x, verbose=0), m.predict(x, verbose=0), rtol=1e-6)


def test_loads_savedmodel_directory(tmp_path):
    m = _model()
    m.export(tmp_path / "sm", verbose=False)
    loaded = teacher.load(tmp_path / "sm")
    x = np.random.default_rng(0).random((2, 8, 8, 1)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(loaded(x)), m.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    teacher.check_compatible(loaded, (8, 8, 1), 10)


def test_mismatched_teachers_are_refused():
    with pytest.raises(UserError, match=r"input shape \(28, 28, 1\).*\(8, 8, 1\)"):
        teacher.check_compatible(_model((28, 28, 1)), (8, 8, 1), 10)
    with pytest.raises(UserError, match="outputs 5 classes but the data has 10"):
        teacher.check_compatible(_model(classes=5), (8, 8, 1), 10)


def test_missing_corrupt_and_foreign_files_are_refused(tmp_path):
    with pytest.raises(UserError, match="not found"):
        teacher.load(tmp_path / "none.keras")
    (tmp_path / "bad.keras").write_bytes(b"not a zip")
    with pytest.raises(UserError, match="cannot load teacher"):
        teacher.load(tmp_path / "bad.keras")
    (tmp_path / "w.pt").write_bytes(b"x")
    with pytest.raises(UserError, match="unknown format"):
        teacher.load(tmp_path / "w.pt")
    (tmp_path / "dir").mkdir()
    with pytest.raises(UserError, match="not a SavedModel"):
        teacher.load(tmp_path / "dir")


def test_softmax_teacher_is_detected_and_turned_into_logits():
    from pipeline.stages.distill import as_logits
    m = _model(softmax=True)
    assert teacher.softmax_output(m) and not teacher.softmax_output(_model())
    x = np.random.default_rng(1).random((4, 8, 8, 1)).astype(np.float32)
    logits = np.asarray(as_logits(m)(x))
    # log-probabilities: softmax of them gives back the teacher's probabilities
    np.testing.assert_allclose(keras.ops.softmax(logits).numpy(), m.predict(x, verbose=0), atol=1e-5)
