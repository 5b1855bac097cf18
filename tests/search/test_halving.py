"""Successive halving with the training replaced by a stub whose accuracies are known: who is
trained how long, who is dropped at which rung, who wins."""

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest

from pipeline.config import DistillConfig
from pipeline.search import halving
from pipeline.search.space import Candidate


@pytest.fixture
def stub(monkeypatch):
    """Each model's val accuracy: 20 % (above the 10 % chance of the stub's validation labels) plus its
    `skill` x the samples it has seen / 10,000 (more data helps, the order stays); the calls are
    recorded."""
    from pipeline.stages import distill
    seen = {}

    def build(cfg, splits):
        return SimpleNamespace(name=cfg.kwargs["skill"], samples=0)

    def train(model, teacher, splits, epochs, batch_size, lr, kd):
        model.samples += len(splits.y_train)
        seen.setdefault(model.name, []).append(len(splits.y_train))

    monkeypatch.setattr(distill, "build_student", build)
    monkeypatch.setattr(distill, "distill_into", train)
    monkeypatch.setattr(halving, "val_accuracy", lambda m, s: 0.2 + m.name * m.samples / 10_000)
    return seen


@dataclass(frozen=True)
class _Splits:
    x_train: np.ndarray
    y_train: np.ndarray
    y_val: np.ndarray


def _splits(n=1000, n_val=1_000_000):
    """n_val sizes the standard error a rung's drop must exceed: the stub's accuracies are far apart
    at 1,000,000 validation samples."""
    return _Splits(np.zeros((n, 1)), np.arange(n) % 3, np.arange(n_val) % 10)


def test_halves_each_rung_and_doubles_each_survivors_samples(stub):
    skills = [0.3, 0.9, 0.5, 0.7, 0.1, 0.8, 0.2, 0.6]
    cands = [Candidate("cnn", {"skill": s}) for s in skills]
    kd = DistillConfig(epochs=6, batch_size=10)
    lines = []
    won, res = halving.halve(cands, None, _splits(1000), kd, 0, lines.append)
    assert skills[won] == 0.9
    # one line per candidate per rung, each with the bar of the search's training so far
    assert len(lines) == 8 + 4 + 2 and "[#-" in lines[0] and "  4%" in lines[0]    # 125 of 3000 samples
    assert lines[-1].startswith("[search  ] [" + "#" * 20 + "] 100%")
    # half of 6 epochs x 1000 samples over log2(8) = 3 rungs: 1000 per rung, over 8, 4, 2 survivors
    assert halving.SEARCH_SHARE == 0.5
    assert stub[0.9] == [125, 250, 500] and stub[0.8] == [125, 250, 500]
    assert stub[0.7] == [125, 250] and stub[0.6] == [125, 250]
    assert stub[0.1] == [125]
    assert [res[i]["stopped_at_rung"] for i in range(8)] == [0, None, 0, 1, 0, 2, 0, 1]
    assert res[1]["trained_samples"] == 875 and res[1]["val_accuracy"] == pytest.approx(0.2 + 0.9 * 0.0875)


def test_a_tie_goes_to_the_earlier_cheaper_candidate_and_a_lone_survivor_is_not_trained(stub):
    cands = [Candidate("cnn", {"skill": s}) for s in (0.5, 0.5)]
    won, _ = halving.halve(cands, None, _splits(), DistillConfig(epochs=1, batch_size=10), 0, print)
    assert won == 0 and stub[0.5] == [250, 250]
    won, res = halving.halve(cands[:1], None, _splits(), DistillConfig(), 0, print)
    assert won == 0 and res[0]["val_accuracy"] is None and stub[0.5] == [250, 250]


SKILLS = [0.3, 0.9, 0.5, 0.7, 0.1, 0.8, 0.2, 0.6]


def _halve_alike_until_250(monkeypatch, base: float):
    """Eight candidates scored `base` (+ a trace of their skill) until they have seen 250 samples,
    then skill x samples / 1000 on top; 500 validation samples, chance 10 %. -> (winner, results,
    lines)."""
    def accuracy(model, splits):
        return base + (0.001 * model.name if model.samples < 250 else model.name * model.samples / 1000)
    monkeypatch.setattr(halving, "val_accuracy", accuracy)
    lines = []
    won, res = halving.halve([Candidate("cnn", {"skill": s}) for s in SKILLS], None, _splits(1000, 500),
                             DistillConfig(epochs=6, batch_size=10), 0, lines.append)
    return SKILLS[won], res, lines


def test_a_rung_whose_accuracies_are_all_within_noise_drops_nobody(stub, monkeypatch):
    """All above chance but within 2 standard errors of each other: nobody is dropped until the
    accuracies part; the rungs stay the plan's 3, the last keeps only the best."""
    won, res, lines = _halve_alike_until_250(monkeypatch, 0.5)
    assert won == 0.9
    assert any("none dropped, all train on" in line for line in lines)
    assert not any("trains again" in line for line in lines)
    assert all(len(stub[s]) >= 2 for s in SKILLS)              # all 8 trained again at rung 1
    assert stub[0.1] == [125, 125] and stub[0.9] == [125, 125, 250]
    assert [res[i]["stopped_at_rung"] for i in range(8)] == [1, None, 1, 2, 1, 2, 1, 2]


def test_a_first_rung_still_at_chance_trains_again(stub, monkeypatch):
    """kws at a 5 ms budget: after rung 0 most students were at chance (1/12) and the bottom half
    dropped held the eventual winner. Rung 0 repeats until half are measurably above chance (here
    after one repeat, at 250 samples each), then halving goes on as planned."""
    won, res, lines = _halve_alike_until_250(monkeypatch, 1 / 12)
    assert won == 0.9
    assert sum("rung 0 trains again (repeat 1 of at most 3)" in line for line in lines) == 1
    assert stub[0.1] == [125, 125] and stub[0.6] == [125, 125, 250]
    assert stub[0.9] == [125, 125, 250, 500] and stub[0.8] == [125, 125, 250, 500]
    assert [res[i]["stopped_at_rung"] for i in range(8)] == [0, None, 0, 1, 0, 2, 0, 1]
    # the bar counts the repeat's samples too, and ends full
    assert lines[-1].startswith("[search  ] [" + "#" * 20 + "] 100%")


def test_repeats_of_rung_0_are_bounded_by_the_plan(stub, monkeypatch):
    monkeypatch.setattr(halving, "val_accuracy", lambda m, s: 0.1)     # never leaves chance
    lines = []
    halving.halve([Candidate("cnn", {"skill": s}) for s in (0.1, 0.2, 0.3, 0.4)], None, _splits(1000, 500),
                  DistillConfig(epochs=4, batch_size=10), 0, lines.append)
    assert sum("trains again" in line for line in lines) == 2           # ceil(log2 4) rungs
    assert stub[0.1][:3] == [250, 250, 250]


def test_measured_is_two_standard_errors_above_the_most_frequent_class():
    y = np.arange(500) % 10                                             # chance 10 %, SE 1.34 pp
    assert halving.measured(0.13, y) and not halving.measured(0.12, y)
    assert not halving.measured(0.5, np.r_[np.zeros(450), np.ones(50)].astype(int))   # 90 % one class


def test_measurably_worse_is_two_standard_errors_below_the_best():
    # 500 validation samples at 90 %: SE = sqrt(0.09 / 500) = 1.34 pp
    assert halving.measurably_worse(0.87, 0.90, 500) and not halving.measurably_worse(0.88, 0.90, 500)
    assert not halving.measurably_worse(0.08, 0.10, 500)       # chance vs chance, 12 classes


def test_recalibrate_sets_batchnorm_statistics_to_the_samples_and_changes_no_weight():
    """After a few steps the moving statistics are still near 0 and 1; recalibrated, they are the
    samples' own (a model scored in inference mode then sees what it learned)."""
    import keras
    keras.utils.set_random_seed(0)
    inp = keras.Input((4,))
    bn = keras.layers.BatchNormalization(momentum=0.99)
    model = keras.Model(inp, keras.layers.Dense(2)(bn(keras.layers.Dense(3)(inp))))
    x = np.random.default_rng(0).normal(3.0, 2.0, (256, 4)).astype("float32")
    weights = [w.copy() for w in model.get_weights() if w.shape != (3,)]
    halving.recalibrate(model, x, n=200)
    h = model.layers[1](x[:200]).numpy()
    np.testing.assert_allclose(bn.moving_mean.numpy(), h.mean(0), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(bn.moving_variance.numpy(), h.var(0), rtol=1e-3, atol=1e-4)
    assert bn.momentum == 0.99
    assert all(np.array_equal(a, b) for a, b in zip(weights, [w for w in model.get_weights() if w.shape != (3,)]))
    halving.recalibrate(SimpleNamespace(name=0.5), x)              # no layers: nothing to do
