"""Any Keras model as teacher or student: Sequential, functional and subclassed, with or without a
softmax head, from .keras, .h5 or a SavedModel. Each form's logits are recovered the same way
(distill.as_logits) and equal the known logits up to the constant softmax ignores."""

import keras
import numpy as np
import pytest

from pipeline.errors import UserError
from pipeline.stages import distill, teacher

SHAPE, CLASSES = (4, 4, 1), 3
X = np.random.default_rng(0).normal(size=(5, *SHAPE)).astype(np.float32)
W = np.random.default_rng(1).normal(size=(16, CLASSES)).astype(np.float32)
B = np.array([0.5, -0.25, 0.0], np.float32)
LOGITS = X.reshape(5, -1) @ W + B


def _dense(activation=None):
    d = keras.layers.Dense(CLASSES, activation=activation)
    d.build((None, 16))
    d.set_weights([W, B])
    return d


def sequential_softmax():
    return keras.Sequential([keras.Input(SHAPE), keras.layers.Flatten(), _dense("softmax")])


def functional_logits():
    inp = keras.Input(SHAPE)
    return keras.Model(inp, _dense()(keras.layers.Flatten()(inp)))


def functional_softmax_layer():
    inp = keras.Input(SHAPE)
    return keras.Model(inp, keras.layers.Softmax()(_dense()(keras.layers.Flatten()(inp))))


class Subclassed(keras.Model):
    def __init__(self, **kw):
        super().__init__(**kw)
        self.flat, self.head = keras.layers.Flatten(), _dense()

    def call(self, x):
        return keras.ops.softmax(self.head(self.flat(x)))


def _same_logits(model):
    """as_logits(model) equals LOGITS up to a per-sample constant."""
    got = np.asarray(distill.as_logits(model, SHAPE)(X))
    d = got - LOGITS
    np.testing.assert_allclose(d - d[:, :1], 0, atol=1e-4)


@pytest.mark.parametrize("make,suffix", [(sequential_softmax, ".keras"), (sequential_softmax, ".h5"),
                                         (functional_logits, ".keras"), (functional_logits, ".h5"),
                                         (functional_softmax_layer, ".keras")])
def test_teacher_from_a_file(tmp_path, make, suffix):
    make().save(tmp_path / f"t{suffix}")
    loaded = teacher.load(tmp_path / f"t{suffix}")
    teacher.check_compatible(loaded, SHAPE, CLASSES)
    _same_logits(loaded)


def test_subclassed_teacher_in_memory_and_as_savedmodel(tmp_path):
    m = Subclassed()
    m(X)
    _same_logits(m)                      # no input_shape of its own: the data's shape is used
    m.export(tmp_path / "sm", verbose=False)
    loaded = teacher.load(tmp_path / "sm")
    teacher.check_compatible(loaded, SHAPE, CLASSES)
    _same_logits(loaded)


def test_a_logits_teacher_is_used_as_is():
    m = functional_logits()
    assert distill.as_logits(m, SHAPE) is m


@pytest.mark.parametrize("make", [sequential_softmax, functional_softmax_layer])
def test_a_softmax_student_trains_on_its_logits(tmp_path, make):
    make().save(tmp_path / "s.keras")
    loaded = teacher.load(tmp_path / "s.keras")
    student, said = distill.without_softmax(loaded, SHAPE)
    assert said and "softmax" in said
    np.testing.assert_allclose(np.asarray(student(X)), LOGITS, atol=1e-4)


def test_a_subclassed_keras_file_names_the_way_out(tmp_path):
    """A .keras of a subclassed model needs its Python class to load; say to export a SavedModel."""
    @keras.saving.register_keras_serializable(package="own_test")
    class Mine(Subclassed):
        pass
    m = Mine()
    m(X)
    m.save(tmp_path / "t.keras")
    keras.saving.get_custom_objects().pop("own_test>Mine")
    with pytest.raises(UserError) as e:
        teacher.load(tmp_path / "t.keras")
    assert "custom class 'Mine'" in str(e.value) and "model.export" in str(e.value)
    assert "Traceback" not in str(e.value) and str(e.value).count("\n") == 0


def test_a_lambda_layer_is_told_in_whole_sentences(tmp_path):
    m = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda x: x * 2), keras.layers.Dense(3)])
    m.save(tmp_path / "s.keras")
    with pytest.raises(UserError) as e:
        distill.build_student(type("S", (), {"path": str(tmp_path / "s.keras")})(), None)
    msg = str(e.value)
    assert "Lambda layer" in msg and "built-in Keras layers" in msg and "If you trust the" not in msg


def test_a_truncated_keras_file_is_not_a_model_file(tmp_path):
    functional_logits().save(tmp_path / "t.keras")
    data = (tmp_path / "t.keras").read_bytes()
    (tmp_path / "t.keras").write_bytes(data[: len(data) // 3])
    with pytest.raises(UserError, match="not a Keras model file"):
        teacher.load(tmp_path / "t.keras")
