"""A zoo teacher is trained once per machine (~/.cache/edgedistill/teachers/) and reused by every
run directory; a change to its config or data trains a new one."""

import os

from tests.conftest import CLI, REPO


def _teacher(out, cache, *args):
    import subprocess
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "XDG_CACHE_HOME": str(cache)}
    r = subprocess.run([*CLI, "teacher", "--quick", "--force", "--out", str(out), *args],
                       cwd=REPO, capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def _digits_with_teacher_epochs(path, epochs: int):
    """The digits recipe, its --quick teacher trained for `epochs` (the test's cost, not its subject:
    2 and 1 epochs instead of 8 and 7; --force lets a teacher this short past the at-chance check)."""
    from pipeline.paths import recipes_dir
    text = (recipes_dir() / "digits.toml").read_text()
    changed = text.replace("teacher = { epochs = 8 }", f"teacher = {{ epochs = {epochs} }}")
    assert changed != text, "digits.toml's [quick] teacher line moved: update this test"
    path.write_text(changed)
    return path


def test_teacher_cache_shared_by_run_dirs_and_keyed_by_config(tmp_path):
    cache = tmp_path / "cache"
    recipe = _digits_with_teacher_epochs(tmp_path / "two_epochs.toml", 2)
    first = _teacher(tmp_path / "a", cache, "--recipe", recipe)
    assert "trained vgg" in first
    cached = list((cache / "edgedistill" / "teachers").iterdir())
    assert len(cached) == 1 and (cached[0] / ".complete").is_file()

    second = _teacher(tmp_path / "b", cache, "--recipe", recipe)   # another run directory: no training
    assert "reused the cached vgg" in second and str(cached[0]) in second

    fewer = _digits_with_teacher_epochs(tmp_path / "one_epoch.toml", 1)   # one teacher epoch less
    third = _teacher(tmp_path / "c", cache, "--recipe", fewer)
    assert "trained vgg" in third
    assert len(list((cache / "edgedistill" / "teachers").iterdir())) == 2
