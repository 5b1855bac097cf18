"""The search's final: the halving's winner and the recipe's student (when it fits) each get the
whole distillation schedule, and the better one on the validation split is chosen; its trained
model is what the distill stage then uses. Training is replaced by a stub with known accuracies."""

from types import SimpleNamespace

import pytest

from pipeline.config import DistillConfig
from pipeline.search import choose, finals, halving
from pipeline.search.space import Candidate

# whole-schedule validation accuracy of each student; the halving's short rungs rank them otherwise
FULL = {"own": 0.92, "fast": 0.91, "small": 0.80}


@pytest.fixture
def stub(monkeypatch):
    from pipeline.stages import distill
    trained = []

    def full(teacher, student_cfg, cfg, splits, seed):
        trained.append((student_cfg.kwargs["id"], cfg.epochs, seed))
        return SimpleNamespace(id=student_cfg.kwargs["id"])

    monkeypatch.setattr(distill, "distill", full)
    monkeypatch.setattr(finals, "val_accuracy", lambda m, s: FULL[m.id])
    # the halving (tested in test_halving.py) picks the fast learner
    monkeypatch.setattr(halving, "halve", lambda cands, *a: (
        [c.kwargs["id"] for c in cands].index("fast"),
        {j: {"val_accuracy": 0.5, "trained_samples": 10, "rungs": [0.5], "stopped_at_rung": 0}
         for j in range(len(cands))}))
    return trained


def _measured(fits_own: bool):
    cands = [Candidate("ds-cnn", {"id": i}) for i in ("own", "small", "fast")]   # recipe's student first
    rows = [{"name": i, "arch": "ds-cnn", "kwargs": {"id": i}, "fits": fit, "dropped": None,
             "cost": {"instructions": n, "ram_bytes": n, "flash_bytes": n}}
            for i, n, fit in (("own", 300, fits_own), ("small", 100, True), ("fast", 200, True))]
    budget = SimpleNamespace(as_dict=lambda: {"ram_bytes": 1000})
    return budget, cands, rows


def _search(fits_own):
    recipe = SimpleNamespace(distill=DistillConfig(epochs=6), seed=3)
    return choose.search(recipe, SimpleNamespace(name="m4"), SimpleNamespace(space="full"), None,
                         lambda: "teacher", lambda line: None, measured=_measured(fits_own))


def test_the_recipe_student_reaches_the_final_and_wins_on_the_whole_schedule(stub):
    doc, model = _search(fits_own=True)
    # both finalists trained exactly as the distill stage trains: the recipe's epochs and seed
    assert sorted(stub) == [("fast", 6, 3), ("own", 6, 3)]
    assert doc["chosen"]["name"] == "own" and doc["chosen"]["val_accuracy"] == 0.92 and model.id == "own"
    rows = {r["name"]: r for r in doc["candidates"]}
    assert rows["own"]["dropped"] is None and rows["own"]["final_val_accuracy"] == 0.92
    assert rows["fast"]["dropped"] == "final: val accuracy 91.00% < 92.00% after the whole schedule"
    assert rows["small"]["dropped"] == "successive halving: lost at rung 0"


def test_without_the_recipe_student_in_budget_the_halving_winner_is_trained_alone(stub):
    doc, model = _search(fits_own=False)
    assert stub == [("fast", 6, 3)] and model.id == "fast" and doc["chosen"]["name"] == "fast"
    assert doc["chosen"]["val_accuracy"] == 0.91
