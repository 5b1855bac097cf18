"""A zoo teacher is trained once per machine (~/.cache/edgedistill/teachers/) and reused by every
run directory; a change to its config or data trains a new one."""

import os

from tests.conftest import CLI, REPO


def _teacher(out, cache, *args):
    import subprocess
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "XDG_CACHE_HOME": str(cache)}
    r = subprocess.run([*CLI, "teacher", "--recipe", "digits", "--quick", "--out", str(out), *args],
                       cwd=REPO, capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_teacher_cache_shared_by_run_dirs_and_keyed_by_config(tmp_path):
    cache = tmp_path / "cache"
    first = _teacher(tmp_path / "a", cache)
    assert "trained vgg" in first
    cached = list((cache / "edgedistill" / "teachers").iterdir())
    assert len(cached) == 1 and (cached[0] / ".complete").is_file()

    second = _teacher(tmp_path / "b", cache)             # another run directory: no training
    assert "reused the cached vgg" in second and str(cached[0]) in second

    recipe = tmp_path / "fewer_epochs.toml"              # the same recipe, one teacher epoch less
    from pipeline.paths import recipes_dir
    text = (recipes_dir() / "digits.toml").read_text().replace("teacher = { epochs = 8 }",
                                                                "teacher = { epochs = 7 }")
    recipe.write_text(text)
    third = _teacher(tmp_path / "c", cache, "--recipe", recipe)
    assert "trained vgg" in third
    assert len(list((cache / "edgedistill" / "teachers").iterdir())) == 2
