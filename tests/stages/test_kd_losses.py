"""The recipe's KD losses (pipeline/stages/kd_losses.py) against the papers' equations written out
in numpy on 2 samples x 3 classes, their wiring into distill and QAT, and their refusals."""

import json

import keras
import numpy as np
import pytest
from keras.distillation import FeatureDistillation, LogitsDistillation

from pipeline import config
from pipeline.config import DistillConfig
from pipeline.data import Splits
from pipeline.errors import UserError
from pipeline.stages import distill, kd_losses
from pipeline.stages import qat as qat_stage
from tests.conftest import edgedistill

TEACHER = np.array([[4.0, 1.0, -2.0],      # (2 samples, 3 classes)
                    [0.5, 2.5, -1.0]])
STUDENT = np.array([[2.0, 0.5, 0.0],
                    [1.0, 1.0, 0.0]])
LABELS = np.array([0, 1])                  # both samples: the teacher's top class is the true one


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _kl_rows(p, q):
    return (p * np.log(p / q)).sum(axis=1)


def _value(loss, teacher=TEACHER, student=STUDENT, **kw):
    f32 = lambda a: keras.ops.convert_to_tensor(np.asarray(a, np.float32))  # noqa: E731
    return float(loss.compute_loss(f32(teacher), f32(student), **kw))


# --- numpy references, from the papers' equations -------------------------------------------------

def hinton_kd(t, s, T):
    """Hinton et al. 2015: T^2 * KL(softmax(t/T) || softmax(s/T)), mean over samples."""
    return T ** 2 * _kl_rows(_softmax(t / T), _softmax(s / T)).mean()


def sun_standardized(t, s, tau):
    """Sun et al. 2024, Algorithm 1: Z(x; tau) = (x - mean(x)) / sigma(x) / tau with
    sigma(x) = sqrt(1/K sum_k (x_k - mean(x))^2); Algorithm 2: tau^2 * KL(q(Z(v)), q(Z(z)))."""
    def z(x):
        m = x.sum(axis=1, keepdims=True) / x.shape[1]
        sigma = np.sqrt(((x - m) ** 2).sum(axis=1, keepdims=True) / x.shape[1])
        return (x - m) / sigma / tau
    return tau ** 2 * _kl_rows(_softmax(z(t)), _softmax(z(s))).mean()


def zhao_dkd(t, s, y, T, alpha, beta):
    """Zhao et al. 2022, Eq. 1-2 and DKD: b = [p_y, sum of the others]; p_hat = softmax over the
    non-target classes alone (the target column deleted, not masked); T^2 (alpha TCKD + beta NCKD)."""
    total = 0.0
    for ti, si, yi in zip(t, s, y):
        pt, ps = _softmax(ti[None] / T)[0], _softmax(si[None] / T)[0]
        bt, bs = np.array([pt[yi], 1 - pt[yi]]), np.array([ps[yi], 1 - ps[yi]])
        ht = _softmax(np.delete(ti, yi)[None] / T)[0]
        hs = _softmax(np.delete(si, yi)[None] / T)[0]
        tckd, nckd = (bt * np.log(bt / bs)).sum(), (ht * np.log(ht / hs)).sum()
        total += alpha * tckd + beta * nckd
    return T ** 2 * total / len(t)


# --- values ---------------------------------------------------------------------------------------

def test_kd_is_keras_logits_distillation_unchanged():
    loss = kd_losses.make(DistillConfig(temperature=4.0))
    assert type(loss) is LogitsDistillation and loss.temperature == 4.0
    assert isinstance(loss.loss, keras.losses.KLDivergence)
    keras_kd = LogitsDistillation(temperature=4.0, loss=keras.losses.KLDivergence())
    assert _value(loss) == pytest.approx(_value(keras_kd), rel=1e-6)
    assert _value(loss) == pytest.approx(hinton_kd(TEACHER, STUDENT, 4.0), rel=1e-4)


@pytest.mark.parametrize("tau", [1.0, 2.0, 4.0])
def test_standardized_matches_the_papers_algorithm(tau):
    loss = kd_losses.make(DistillConfig(loss="standardized", temperature=tau))
    expected = sun_standardized(TEACHER, STUDENT, tau)
    assert _value(loss) == pytest.approx(expected, rel=1e-4)
    assert abs(expected - hinton_kd(TEACHER, STUDENT, tau)) > 0.05   # a value plain KD would miss


def test_standardized_ignores_the_students_logit_range():
    """The paper's point (its Fig. 2): a student whose logits are the teacher's scaled and shifted
    has learnt the relations and scores 0; plain KD still charges it for the range."""
    student = 0.3 * TEACHER + 5.0
    assert _value(kd_losses.StandardizedKD(2.0), student=student) == pytest.approx(0.0, abs=1e-6)
    assert _value(kd_losses.make(DistillConfig(temperature=2.0)), student=student) > 0.1


@pytest.mark.parametrize("alpha,beta", [(1.0, 8.0), (0.5, 2.0)])
def test_dkd_matches_the_papers_equation(alpha, beta):
    loss = kd_losses.make(DistillConfig(loss="dkd", temperature=4.0, dkd_alpha=alpha, dkd_beta=beta))
    assert isinstance(loss, kd_losses.DecoupledKD)
    expected = zhao_dkd(TEACHER, STUDENT, LABELS, 4.0, alpha, beta)
    assert _value(loss, labels=LABELS) == pytest.approx(expected, rel=1e-4)


def test_dkd_recouples_into_keras_kd():
    """The paper's Eq. 4: KD = TCKD + (1 - p_y of the teacher) NCKD. Per sample, DKD with alpha = 1,
    beta = 1 - p_y is keras' own KD, an implementation-independent check of both parts."""
    T = 4.0
    for i in range(len(TEACHER)):
        t, s, y = TEACHER[i:i + 1], STUDENT[i:i + 1], LABELS[i:i + 1]
        p_y = _softmax(t / T)[0, y[0]]
        dkd = kd_losses.DecoupledKD(T, alpha=1.0, beta=1.0 - p_y)
        keras_kd = LogitsDistillation(temperature=T, loss=keras.losses.KLDivergence())
        assert _value(dkd, t, s, labels=y) == pytest.approx(_value(keras_kd, t, s), rel=1e-4)


def test_dkd_stays_finite_for_a_confident_teacher():
    """1 - p_y = 2e-9 rounds to 0 in float32: log(1 - p_y) would be -inf; the log-sum-exp form is not."""
    t, s, y = np.array([[20.0, 0.0, -3.0]]), np.array([[1.0, 0.5, -1.0]]), np.array([0])
    got = _value(kd_losses.DecoupledKD(1.0), t, s, labels=y)
    assert np.isfinite(got) and got == pytest.approx(zhao_dkd(t, s, y, 1.0, 1.0, 8.0), rel=1e-4)


def test_dkd_without_labels_says_so():
    with pytest.raises(ValueError, match="labels"):
        _value(kd_losses.DecoupledKD())


# --- training: labels reach DKD through keras' Distiller, gradients flow ------------------------------

def _dense(classes, seed, width=16):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((6,)), keras.layers.Dense(width, activation="relu"),
                             keras.layers.Dense(classes)])


def test_labelled_distiller_hands_the_batch_labels_to_dkd():
    teacher, student = _dense(3, 0), _dense(3, 1, width=4)
    x = np.random.default_rng(0).normal(size=(5, 6)).astype(np.float32)
    y = np.array([0, 1, 2, 1, 0])
    dkd = kd_losses.DecoupledKD(4.0)
    distiller = kd_losses.LabelledDistiller(teacher=teacher, student=student, distillation_losses=dkd,
                                            student_loss_weight=0.0)   # KD term only
    distiller.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    got = float(distiller.compute_loss(x=x, y=y, y_pred=student(x)))
    assert got == pytest.approx(zhao_dkd(teacher(x).numpy(), student(x).numpy(), y, 4.0, 1.0, 8.0), rel=1e-4)
    assert dkd.labels is None     # cleared after the step


@pytest.mark.parametrize("name", config.KD_LOSSES)
def test_training_lowers_each_kd_loss(name):
    """A few Adam steps (graph mode, as keras fits) on a tiny random problem."""
    teacher, student = _dense(4, 0), _dense(4, 1, width=8)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 6)).astype(np.float32)
    y = teacher.predict(x, verbose=0).argmax(axis=1)
    loss = kd_losses.make(DistillConfig(loss=name, temperature=2.0))
    kw = {"labels": y} if name == "dkd" else {}
    before = _value(loss, teacher(x), student(x), **kw)
    distiller = kd_losses.LabelledDistiller(teacher=teacher, student=student, distillation_losses=loss,
                                            student_loss_weight=0.1)
    distiller.compile(optimizer=keras.optimizers.Adam(1e-2),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    distiller.fit(x, y, batch_size=16, epochs=5, verbose=0)
    after = _value(loss, teacher(x), student(x), **kw)
    assert np.isfinite(after) and after < 0.7 * before, (before, after)


# --- wiring: the recipe's loss in distill and QAT; anomaly keeps FeatureDistillation ----------------

def _splits(task="classification", classes=3, n=32, shape=(8, 8, 1)):
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (n, *shape)).astype(np.float32)
    y = rng.integers(0, 2 if task == "anomaly" else classes, n)
    names = ("normal", "anomalous") if task == "anomaly" else tuple(map(str, range(classes)))
    return Splits("tiny", names, x, y, x[:8], y[:8], x[:8], y[:8], x[:8], task=task)


def _fits(monkeypatch):
    """Replaces the fit with a recorder: the wiring is under test, not training."""
    fitted = []
    monkeypatch.setattr(distill.training, "fit", lambda model, *a: fitted.append(model))
    return fitted


def _cnn(classes):
    return keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3), keras.layers.ReLU(),
                             keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(classes)])


def test_qat_trains_with_the_recipes_kd_loss(monkeypatch):
    fitted = _fits(monkeypatch)
    cfg = DistillConfig(loss="dkd", temperature=3.0, dkd_alpha=0.5, dkd_beta=2.0, student_loss_weight=0.2)
    qat_stage.qat(_cnn(3), _cnn(3), config.QatConfig(epochs=1), cfg, _splits(), seed=0)
    (distiller,) = fitted
    assert isinstance(distiller, kd_losses.LabelledDistiller) and distiller.student_loss_weight == 0.2
    (loss,) = distiller.distillation_losses
    assert isinstance(loss, kd_losses.DecoupledKD)
    assert (loss.temperature, loss.alpha, loss.beta) == (3.0, 0.5, 2.0)


def test_qat_student_fits_with_dkd_end_to_end():
    """The real fit (training.fit: validation split, schedule) on a fake-quantized student, DKD
    fed its labels in the train and the validation steps."""
    from pipeline.qat import quantize_model
    keras.utils.set_random_seed(0)
    student = quantize_model(_cnn(3))
    before = [w.copy() for w in student.get_weights()]
    distill.distill_into(student, _cnn(3), _splits(), 1, 8, 1e-2, DistillConfig(loss="dkd"))
    assert any(np.abs(a - b).max() > 0 for a, b in zip(before, student.get_weights()))
    assert np.isfinite(student.predict(_splits().x_test, verbose=0)).all()


@pytest.mark.parametrize("name,cls", [("kd", LogitsDistillation), ("standardized", kd_losses.StandardizedKD)])
def test_distill_uses_the_recipes_kd_loss(monkeypatch, name, cls):
    fitted = _fits(monkeypatch)
    distill.distill_into(_cnn(3), _cnn(3), _splits(), 1, 8, 1e-3, DistillConfig(loss=name))
    assert type(fitted[0].distillation_losses[0]) is cls


def test_anomaly_task_keeps_feature_distillation(monkeypatch):
    fitted = _fits(monkeypatch)
    ae = lambda: keras.Sequential([keras.Input((16,)), keras.layers.Dense(4), keras.layers.Dense(16)])  # noqa: E731
    distill.distill_into(ae(), ae(), _splits("anomaly", shape=(16,)), 1, 8, 1e-3, DistillConfig())
    (loss,) = fitted[0].distillation_losses
    assert type(loss) is FeatureDistillation and isinstance(loss.loss, keras.losses.MeanSquaredError)


# --- refusals and the record --------------------------------------------------------------------------

def test_losses_the_data_cannot_use_are_refused():
    with pytest.raises(UserError, match="anomaly detection"):
        distill.check_loss(DistillConfig(loss="dkd"), _splits("anomaly", shape=(16,)))
    with pytest.raises(UserError, match="3 or more classes"):
        distill.check_loss(DistillConfig(loss="standardized"), _splits(classes=2))
    distill.check_loss(DistillConfig(loss="dkd"), _splits(classes=2))   # DKD with 2 classes is α·KD


def _recipe(tmp_path, distill_lines):
    p = tmp_path / "r.toml"
    p.write_text('name = "r"\ndataset = "digits"\n[distill]\n' + distill_lines)
    return p


def test_recipe_loss_is_read_and_an_unknown_one_refused(tmp_path):
    r = config.load_recipe(str(_recipe(tmp_path, 'loss = "dkd"\ndkd_beta = 2\n')))
    assert (r.distill.loss, r.distill.dkd_alpha, r.distill.dkd_beta) == ("dkd", 1.0, 2)
    assert config.load_recipe("digits").distill.loss == "kd"
    with pytest.raises(UserError, match="kd, standardized, dkd") as e:
        config.load_recipe(str(_recipe(tmp_path, 'loss = "nope"\n')))
    assert "r.toml" in e.value.problem and "'nope'" in e.value.problem
    with pytest.raises(UserError, match="dkd_beta"):
        config.load_recipe(str(_recipe(tmp_path, "dkd_beta = -1\n")))


def test_cli_refuses_an_unknown_loss_with_exit_2_and_one_line(tmp_path):
    r = edgedistill("run", "--recipe", _recipe(tmp_path, 'loss = "nope"\n'), "--out", tmp_path / "run")
    assert r.returncode == 2, (r.stdout[-2000:], r.stderr[-2000:])
    err = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(err) == 1 and "Traceback" not in r.stderr + r.stdout
    assert "'nope'" in err[0] and "kd, standardized, dkd" in err[0], err[0]


def test_metrics_json_names_the_loss_that_ran(tmp_path):
    from types import SimpleNamespace

    from pipeline.stages import report
    recipe = config.load_recipe(str(_recipe(tmp_path, 'loss = "standardized"\n')))
    info = {"teacher": {"params": 9, "accuracy": 0.9}, "distill": {"params": 3, "accuracy": 0.8},
            "qat": {"accuracy": 0.8}, "convert": {"bytes": {"int8": 10}},
            "verify": {"tflm_accuracy": 0.8, "litert_ref_accuracy": 0.8, "samples": 1, "references_agree": 1.0,
                       "references_differing": 0, "references_max_abs_diff": 0},
            "tflm": {"arena_bytes": 1, "arena_bytes_with_margin": 2, "ops": []}}
    m = report.metrics(recipe, SimpleNamespace(name="host"), info, {}, 10)
    d = recipe.distill
    assert json.loads(json.dumps(m))["distill"] == {"loss": "standardized", "temperature": d.temperature,
                                                    "student_loss_weight": d.student_loss_weight,
                                                    "epochs": d.epochs}

