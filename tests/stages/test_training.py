"""training.fit with augmentation: training batches are augmented, validation batches are not, and
a Distiller's teacher sees exactly the augmented batch its student sees (consistent teaching)."""

from dataclasses import replace

import keras
import numpy as np
import pytest
import tensorflow as tf

from pipeline.config import AugmentConfig, DistillConfig
from pipeline.data import Splits, augment
from pipeline.stages import distill, training

# the eager fixture leaves tf.data functions in graph mode, as wanted (the pipeline under test), and TF says so
pytestmark = pytest.mark.filterwarnings("ignore:Even though the `tf.config.experimental_run_functions_eagerly`")


class Record(keras.layers.Layer):
    """Passes x through; appends (who, training, x) to `log` on every eager call (the training run
    below is eager, so that is every step)."""

    def __init__(self, who, log, **kw):
        super().__init__(**kw)
        self.who, self.append = who, log.append     # the method: keras would track a copy of the list

    def call(self, x, training=None):
        if tf.executing_eagerly():
            self.append((self.who, bool(training), np.array(x)))
        return x

    def compute_output_shape(self, shape):
        return shape


def _model(who, log, classes=3):
    inp = keras.Input((8, 8, 1))
    x = keras.layers.Flatten()(Record(who, log)(inp))
    return keras.Model(inp, keras.layers.Dense(classes)(x))


def _splits(cfg=AugmentConfig(kind="image", shift=0.25, erase=0.5)):
    rng = np.random.default_rng(0)
    x = rng.uniform(0.2, 1, (32, 8, 8, 1)).astype(np.float32)
    y = rng.integers(0, 3, 32)
    splits = Splits("tiny", ("a", "b", "c"), x[:24], y[:24], x[24:], y[24:], x[24:], y[24:], x[:8])
    return replace(splits, augment=augment.resolve(cfg, splits))


@pytest.fixture
def eager():
    """keras' train and test steps run eagerly (the tf.data input pipeline stays a graph)."""
    tf.config.run_functions_eagerly(True)
    yield
    tf.config.run_functions_eagerly(False)


def _is_original(batch, x):
    """Per row of batch: is it exactly one of x's samples?"""
    return np.array([any(np.array_equal(row, s) for s in x) for row in batch])


def test_training_batches_are_augmented_validation_batches_are_not(eager):
    log, splits = [], _splits()
    training.seed_everything(0)
    training.fit(_model("m", log), splits, epochs=2, batch_size=8, learning_rate=1e-3)
    train = np.concatenate([x for _, t, x in log if t])
    val = [x for _, t, x in log if not t]
    assert len(train) == 2 * 24 and _is_original(train, splits.x_train).mean() < 0.5
    assert len(val) == 2 and all(np.array_equal(v, splits.x_val) for v in val)   # once per epoch, as given


def test_no_augmentation_trains_on_the_samples_as_given(eager):
    log, splits = [], _splits(AugmentConfig(kind="none"))
    training.fit(_model("m", log), splits, epochs=1, batch_size=8, learning_rate=1e-3)
    assert _is_original(np.concatenate([x for _, t, x in log if t]), splits.x_train).all()


def test_distillers_teacher_sees_the_students_augmented_batch(eager):
    """keras' Distiller calls student(x) in its train step and teacher(x) in compute_loss: both
    must get the one augmented x of the batch (Beyer et al. 2022's consistent views)."""
    log, splits = [], _splits()
    training.seed_everything(0)
    distill.distill_into(_model("student", log), _model("teacher", log), splits, 1, 8, 1e-3,
                         DistillConfig(student_loss_weight=0.5))
    steps = [i for i, (who, t, _) in enumerate(log) if who == "student" and t]
    assert len(steps) == 3                                          # 24 samples / 8
    for i in steps:
        who, _, seen = log[i + 1]                                   # the teacher's call of that step
        assert who == "teacher" and np.array_equal(seen, log[i][2])
    augmented = np.concatenate([log[i][2] for i in steps])
    assert _is_original(augmented, splits.x_train).mean() < 0.5    # and that batch was augmented
