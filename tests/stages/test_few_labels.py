"""Training with few labels (pipeline/stages/few_labels.py, training.fit, distill.scratch, DKD's
fallback): the hard-label loss over the labelled samples only, against hand-computed values; a
Distiller with half its labels -1 trains; the baseline on the labelled subset takes as many
optimizer steps as the KD student."""

import math
from dataclasses import replace

import keras
import numpy as np
import pytest

from pipeline.config import AugmentConfig, DistillConfig, StudentConfig
from pipeline.data import Splits, augment, labels
from pipeline.stages import distill, few_labels, kd_losses, training
from tests.stages.test_kd_losses import zhao_dkd


def _f32(a):
    return keras.ops.convert_to_tensor(np.asarray(a, np.float32))


# --- the masked cross-entropy, by hand ----------------------------------------------------------------

LOGITS = np.array([[0.0, 0.0, 0.0],                  # softmax 1/3 each: CE of class 0 = ln 3
                   [-50.0, 50.0, 0.0],               # unlabelled: CE of class 0 (where -1 is clipped) 100
                   [math.log(3.0), 0.0, 0.0]])       # softmax 3/5, 1/5, 1/5: CE of class 2 = ln 5


def test_masked_ce_is_the_mean_over_the_labelled_samples():
    got = float(few_labels.masked_sparse_ce(_f32([0, -1, 2]), _f32(LOGITS)))
    assert got == pytest.approx((math.log(3) + math.log(5)) / 2, rel=1e-6)      # ln 15 / 2


def test_masked_ce_of_a_batch_without_labels_is_0_with_zero_gradient():
    logits = keras.Variable(LOGITS.astype(np.float32))
    import tensorflow as tf
    with tf.GradientTape() as tape:
        loss = few_labels.masked_sparse_ce(_f32([-1, -1, -1]), logits)
    grad = tape.gradient(loss, logits)
    assert float(loss) == 0.0
    assert np.array_equal(np.asarray(grad), np.zeros_like(LOGITS))            # 0, not NaN


def test_masked_ce_with_every_label_is_keras_sparse_ce():
    y = [0, 1, 2]
    keras_ce = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(_f32(y), _f32(LOGITS))
    assert float(few_labels.masked_sparse_ce(_f32(y), _f32(LOGITS))) == pytest.approx(float(keras_ce), rel=1e-6)


def test_masked_accuracy_counts_labelled_samples_only():
    acc = few_labels.MaskedAccuracy()
    acc.update_state(_f32([0, -1, 1]), _f32(LOGITS))     # argmax 0 (right), -, 0 (wrong)
    assert float(acc.result()) == pytest.approx(0.5)
    acc.update_state(_f32([-1, -1, -1]), _f32(LOGITS))   # a batch without labels adds nothing
    assert float(acc.result()) == pytest.approx(0.5)


# --- DKD on unlabelled samples: the teacher's top class ------------------------------------------------

def test_dkd_decouples_an_unlabelled_sample_around_the_teachers_top_class():
    t = np.array([[4.0, 1.0, -2.0], [0.5, -1.0, 2.5], [1.0, 3.0, 0.0]])    # top classes 0, 2, 1
    s = np.array([[2.0, 0.5, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    loss = kd_losses.DecoupledKD(4.0)
    got = float(loss.compute_loss(_f32(t), _f32(s), labels=_f32([1, -1, -1])))
    assert got == pytest.approx(zhao_dkd(t, s, [1, 2, 1], 4.0, 1.0, 8.0), rel=1e-5)
    assert np.isfinite(got)


# --- training -----------------------------------------------------------------------------------------

def _splits(n=40, unlabelled=0.5, aug=None, seed=0):
    """n samples of 8x8x1, 3 classes; a share of the labels -1 (by keep_labels, stratified)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (n + 12, 8, 8, 1)).astype(np.float32)
    y = np.arange(n + 12) % 3
    splits = Splits("tiny", ("a", "b", "c"), x[:n], y[:n], x[n:], y[n:], x[n:], y[n:], x[:8])
    if aug is not None:
        splits = replace(splits, augment=augment.resolve(aug, splits))
    if unlabelled:
        splits, _ = labels.keep_labels(splits, round(n * (1 - unlabelled)), seed)
    return splits


def _cnn(classes=3, seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3), keras.layers.ReLU(),
                             keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(classes)])


@pytest.mark.parametrize("loss", ["kd", "dkd"])
@pytest.mark.parametrize("aug", [None, AugmentConfig(kind="image", shift=0.25)])
def test_a_distiller_with_half_its_labels_missing_trains(loss, aug):
    splits = _splits(aug=aug)
    assert (splits.y_train == -1).sum() == 20
    student = _cnn(seed=1)
    before = [w.copy() for w in student.get_weights()]
    distiller = kd_losses.LabelledDistiller(teacher=_cnn(seed=2), student=student,
                                            distillation_losses=kd_losses.make(DistillConfig(loss=loss)),
                                            student_loss_weight=0.5)
    training.fit(distiller, splits, epochs=3, batch_size=8, learning_rate=1e-2)
    history = distiller.history.history
    assert distiller._student_loss is few_labels.masked_sparse_ce
    assert all(np.isfinite(history[k]).all() for k in ("loss", "student_loss", "distillation_loss",
                                                         "val_loss", "accuracy", "val_accuracy"))
    assert history["student_loss"][-1] > 0            # the labelled half does reach the CE term
    assert any(np.abs(a - b).max() > 0 for a, b in zip(before, student.get_weights()))


def test_unlabelled_samples_move_no_weight_through_the_hard_label_loss():
    """CE only (student_loss_weight 1: keras then skips the KD term) and every label -1: every
    batch's loss is 0, its gradient 0, and Adam leaves the weights exactly as they were."""
    splits = _splits()
    splits = replace(splits, y_train=np.full_like(splits.y_train, -1))
    student = _cnn(seed=1)
    before = [w.copy() for w in student.get_weights()]
    distiller = kd_losses.LabelledDistiller(teacher=_cnn(seed=2), student=student,
                                            distillation_losses=kd_losses.make(DistillConfig()),
                                            student_loss_weight=1.0)
    training.fit(distiller, splits, epochs=2, batch_size=8, learning_rate=1e-2)
    assert distiller.history.history["loss"] == [0.0, 0.0]
    assert all(np.array_equal(a, b) for a, b in zip(before, student.get_weights()))


def test_every_label_kept_trains_with_keras_own_loss():
    """No -1: the loss and metric are the ones used before few labels existed (same runs)."""
    distiller = kd_losses.LabelledDistiller(teacher=_cnn(seed=2), student=_cnn(seed=1),
                                            distillation_losses=kd_losses.make(DistillConfig()))
    training.fit(distiller, _splits(unlabelled=0), epochs=1, batch_size=8, learning_rate=1e-2)
    assert type(distiller._student_loss) is keras.losses.SparseCategoricalCrossentropy


# --- the baseline: the labelled subset, the KD student's optimizer steps ------------------------------

def _record_optimizers(monkeypatch):
    made = []
    real = training.optimizer

    def record(lr, steps):
        made.append((real(lr, steps), steps))
        return made[-1][0]
    monkeypatch.setattr(training, "optimizer", record)
    return made


def _record_fit_splits(monkeypatch):
    seen = []
    real = training.fit

    def record(model, splits, *a, **kw):
        seen.append(splits)
        return real(model, splits, *a, **kw)
    monkeypatch.setattr(training, "fit", record)
    return seen


@pytest.mark.parametrize("aug", [None, AugmentConfig(kind="image", shift=0.25)])
def test_the_baseline_takes_the_kd_students_steps_on_the_labelled_samples(monkeypatch, aug):
    """40 samples, 14 labelled, batch 8, 2 epochs: KD takes 5 steps an epoch, 10 in all; the
    baseline's 14 labelled samples make 2 batches a pass, repeated to the same 10 steps, and its
    cosine schedule decays over those 10."""
    splits = _splits(unlabelled=0.65, aug=aug)
    assert (splits.y_train >= 0).sum() == 14
    made, seen = _record_optimizers(monkeypatch), _record_fit_splits(monkeypatch)
    cfg = DistillConfig(epochs=2, batch_size=8, learning_rate=1e-2)
    scfg = StudentConfig(arch="cnn")
    distill.distill(_cnn(seed=2), scfg, cfg, splits, seed=0)
    distill.scratch(scfg, cfg, splits, seed=0)
    (kd_opt, kd_decay), (base_opt, base_decay) = made
    assert int(kd_opt.iterations) == 10 and kd_decay == 10
    assert int(base_opt.iterations) == int(kd_opt.iterations) and base_decay == kd_decay
    kd_splits, base_splits = seen
    assert (kd_splits.y_train == -1).sum() == 26
    assert len(base_splits.y_train) == 14 and (base_splits.y_train >= 0).all()
    assert base_splits.augment == splits.augment                  # same augmentation


def test_the_baseline_with_every_label_is_unchanged(monkeypatch):
    made = _record_optimizers(monkeypatch)
    cfg = DistillConfig(epochs=2, batch_size=8, learning_rate=1e-2)
    distill.scratch(StudentConfig(arch="cnn"), cfg, _splits(unlabelled=0), seed=0)
    ((opt, decay),) = made
    assert int(opt.iterations) == decay == 10                      # one pass over 40 an epoch
