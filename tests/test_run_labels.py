"""run.py and --labels: the student's stages train on the kept labels and are keyed by them; the
teacher is not (it stands for a model trained on every label)."""

from dataclasses import replace

from pipeline import config, targets
from pipeline.run import run


def _run(recipe, out):
    lines = []
    info = run(recipe, targets.load("cortex-m4"), out, echo=lines.append, until="distill")
    verbs = {ln[1:9].strip(): ln.split()[2] for ln in lines if ln.startswith("[") and "]" in ln}
    return info, {stage: verb for stage, verb in verbs.items() if stage != "data"}


def test_labels_are_kept_recorded_and_key_the_students_stages_only(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    recipe = config.with_overrides(config.load_recipe("digits", quick=True), teacher={"epochs": 1},
                                   distill={"epochs": 1, "baseline": True, "labels": "20%"})
    out = tmp_path / "run"
    info, verbs = _run(recipe, out)
    assert verbs == {"teacher": "made", "distill": "made", "scratch": "made"}
    assert info["distill"]["labels"] == {"kept": 252, "of": 1259, "spec": "20%"}
    fewer = replace(recipe, distill=replace(recipe.distill, labels="10%"))
    info, verbs = _run(fewer, out)
    assert verbs == {"teacher": "reused", "distill": "made", "scratch": "made"}
    assert info["distill"]["labels"]["kept"] == 126
