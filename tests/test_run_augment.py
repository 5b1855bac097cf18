"""run.py and [augment]: every stage that trains is keyed by the augmentation it ran, so a changed
[augment] retrains teacher, distill and baseline in the same run directory, and an unchanged one
reuses them."""

import shutil
from dataclasses import replace

from tests.conftest import run_until_distill


def test_a_changed_augment_table_retrains_every_stage_that_trains(digits_distilled, tmp_path, monkeypatch):
    # the first run (a fresh run dir) is the shared fixture's; the others run in a copy of its dir
    monkeypatch.setenv("XDG_CACHE_HOME", str(digits_distilled["cache"]))
    recipe = digits_distilled["recipe"]
    assert digits_distilled["verbs"] == {"teacher": "made", "distill": "made", "scratch": "made"}
    out = tmp_path / "run"
    shutil.copytree(digits_distilled["out"], out)
    assert run_until_distill(recipe, out)[1] == {"teacher": "reused", "distill": "reused", "scratch": "reused"}
    shifted = replace(recipe, augment=replace(recipe.augment, shift=0.2))
    assert run_until_distill(shifted, out)[1] == {"teacher": "made", "distill": "made", "scratch": "made"}
