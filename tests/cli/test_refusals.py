"""Every user error: exit status 2, one line on stderr naming the problem, no traceback."""

import keras
import pytest

from tests.conftest import edgedistill


def _assert_refused(r, *needles):
    assert r.returncode == 2, (r.returncode, r.stdout[-2000:], r.stderr[-2000:])
    err = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(err) == 1, r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    for n in needles:
        assert n in err[0], err[0]


def _save(model, path):
    model.save(path)
    return path


def _dense_model(shape, classes, extra=None):
    inp = keras.Input(shape)
    x = keras.layers.Reshape((shape[0], -1))(inp)
    if extra is not None:
        x = extra(x)
    x = keras.layers.Flatten()(x)
    return keras.Model(inp, keras.layers.Dense(classes)(x))


@pytest.mark.parametrize("args,needles", [
    (["run", "--recipe", "nope"], ["unknown recipe 'nope'", "digits"]),
    (["run", "--recipe", "digits", "--target", "esp99"], ["unknown target 'esp99'", "cortex-m4"]),
    (["run", "--recipe", "/no/such.toml"], ["not found"]),
    (["run", "--recipe", "digits", "--teacher", "/no/teacher.keras"], ["teacher file", "not found"]),
    (["report", "/no/run/dir"], ["metrics.json not found"]),
    (["targets", "show", "nope"], ["unknown target"]),
    (["datasets", "show", "nope"], ["unknown data set"]),
])
def test_simple_refusals(args, needles, tmp_path):
    _assert_refused(edgedistill(*args, "--out", tmp_path) if args[0] == "run" else edgedistill(*args), *needles)


def test_teacher_with_wrong_input_shape_or_classes_is_refused(tmp_path):
    wrong_shape = _save(_dense_model((28, 28, 1), 10), tmp_path / "t28.keras")
    _assert_refused(edgedistill("teacher", "--recipe", "digits", "--quick", "--out", tmp_path / "a",
                                "--teacher", wrong_shape), "input shape (28, 28, 1)", "(8, 8, 1)")
    wrong_classes = _save(_dense_model((8, 8, 1), 3), tmp_path / "t3.keras")
    _assert_refused(edgedistill("teacher", "--recipe", "digits", "--quick", "--out", tmp_path / "b",
                                "--teacher", wrong_classes), "outputs 3 classes", "has 10")


def test_student_with_unsupported_layer_is_refused_before_training(tmp_path):
    student = _save(_dense_model((8, 8, 1), 10, keras.layers.LSTM(4, return_sequences=True, name="lstm_1")),
                    tmp_path / "s.keras")
    r = edgedistill("run", "--recipe", "digits", "--quick", "--out", tmp_path / "run", "--student", student)
    _assert_refused(r, "lstm_1", "LSTM")
    assert not (tmp_path / "run" / "teacher.keras").exists()   # refused before the teacher trained


def test_recipe_with_a_typo_is_refused(tmp_path):
    p = tmp_path / "r.toml"
    p.write_text('name = "r"\ndataset = "digits"\n[qat]\nepoch = 1\n')
    _assert_refused(edgedistill("run", "--recipe", p, "--out", tmp_path / "o"), "epoch", "[qat]")
