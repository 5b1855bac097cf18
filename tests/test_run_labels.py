"""run.py and --labels: the student's stages train on the kept labels and are keyed by them; the
teacher is not (it stands for a model trained on every label)."""

from dataclasses import replace

from pipeline import config
from tests.conftest import run_until_distill


def test_labels_are_kept_recorded_and_key_the_students_stages_only(digits_distilled, tmp_path, monkeypatch):
    # the shared fixture's teacher cache: this run dir's teacher stage is made from it, not trained
    monkeypatch.setenv("XDG_CACHE_HOME", str(digits_distilled["cache"]))
    recipe = config.with_overrides(digits_distilled["recipe"], distill={"labels": "20%"})
    out = tmp_path / "run"
    info, verbs = run_until_distill(recipe, out)
    assert verbs == {"teacher": "made", "distill": "made", "scratch": "made"}
    assert info["distill"]["labels"] == {"kept": 252, "of": 1259, "spec": "20%"}
    fewer = replace(recipe, distill=replace(recipe.distill, labels="10%"))
    info, verbs = run_until_distill(fewer, out)
    assert verbs == {"teacher": "reused", "distill": "made", "scratch": "made"}
    assert info["distill"]["labels"]["kept"] == 126
