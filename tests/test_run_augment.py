"""run.py and [augment]: every stage that trains is keyed by the augmentation it ran, so a changed
[augment] retrains teacher, distill and baseline in the same run directory, and an unchanged one
reuses them."""

from dataclasses import replace

from pipeline import config, targets
from pipeline.run import run


def _verbs(recipe, out):
    lines = []
    run(recipe, targets.load("cortex-m4"), out, echo=lines.append, until="distill")
    verbs = {ln[1:9].strip(): ln.split()[2] for ln in lines if ln.startswith("[") and "]" in ln}
    return {stage: verb for stage, verb in verbs.items() if stage != "data"}


def test_a_changed_augment_table_retrains_every_stage_that_trains(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))     # a teacher cache of its own
    recipe = config.with_overrides(config.load_recipe("digits", quick=True), teacher={"epochs": 1},
                                   distill={"epochs": 1, "baseline": True})
    out = tmp_path / "run"
    assert _verbs(recipe, out) == {"teacher": "made", "distill": "made", "scratch": "made"}
    assert _verbs(recipe, out) == {"teacher": "reused", "distill": "reused", "scratch": "reused"}
    shifted = replace(recipe, augment=replace(recipe.augment, shift=0.2))
    assert _verbs(shifted, out) == {"teacher": "made", "distill": "made", "scratch": "made"}
