import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
REPO = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "pipeline.cli"]


def edgedistill(*args, cwd=None, timeout=600, check=False):
    """Runs the CLI in a subprocess, as a user would; returns CompletedProcess (text)."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    r = subprocess.run([*CLI, *map(str, args)], cwd=cwd or REPO, capture_output=True, text=True,
                       timeout=timeout, env=env)
    if check and r.returncode != 0:
        raise AssertionError(f"edgedistill {' '.join(map(str, args))} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r


def quick_run(recipe: str, out, *args):
    """`edgedistill run --recipe RECIPE --quick --out OUT [ARGS]`, which must succeed; returns the
    completed process and the run's metrics.json."""
    import json
    r = edgedistill("run", "--recipe", recipe, "--quick", "--out", out, *args, check=True)
    return r, json.loads((Path(out) / "metrics.json").read_text())


@pytest.fixture
def cli():
    return edgedistill


def run_until_distill(recipe, out):
    """`run(recipe, cortex-m4, out, until="distill", force=True)` in-process: (stage figures,
    {stage: "made" | "reused"} without the data line). force: the tests' one-epoch teachers are at
    chance, which is what these tests can afford, not what they check."""
    from pipeline import targets
    from pipeline.run import run
    lines = []
    info = run(recipe, targets.load("cortex-m4"), out, echo=lines.append, until="distill", force=True)
    verbs = {ln[1:9].strip(): ln.split()[2] for ln in lines if ln.startswith("[") and "]" in ln}
    return info, {stage: verb for stage, verb in verbs.items() if stage != "data"}


@pytest.fixture(scope="session")
def digits_distilled(tmp_path_factory):
    """One digits --quick run up to distill (teacher and students 1 epoch, the baseline on), in a
    fresh run dir with a teacher cache of its own: {recipe, cache, out, info, verbs}. Shared by the
    run-dir keying tests (test_run_augment, test_run_labels), which point XDG_CACHE_HOME at `cache`
    and copy `out` before running in it again."""
    from pipeline import config
    root = tmp_path_factory.mktemp("digits_distilled")
    recipe = config.with_overrides(config.load_recipe("digits", quick=True), teacher={"epochs": 1},
                                   distill={"epochs": 1, "baseline": True})
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(root / "cache"))
        info, verbs = run_until_distill(recipe, root / "run")
    return {"recipe": recipe, "cache": root / "cache", "out": root / "run", "info": info, "verbs": verbs}


class _MlperfBuilds(dict):
    """name -> mlperf.build(name) (seed 0), each converted on first use."""

    def __missing__(self, name):
        from pipeline.compiler import mlperf
        self[name] = mlperf.build(name)
        return self[name]


@pytest.fixture(scope="session")
def mlperf_models():
    """The MLPerf Tiny reference architectures (random weights, seed 0) as int8 .tflite bytes,
    each converted once per session however many suites use it (a conversion takes seconds)."""
    return _MlperfBuilds()


@pytest.fixture(scope="session")
def fashion_student(tmp_path_factory):
    """The fashion-mnist student as `run --recipe fashion-mnist --quick --target rpi4` trains and
    converts it (the run checks its own device stage); its model_int8.tflite."""
    out = tmp_path_factory.mktemp("fm") / "run"
    edgedistill("run", "--recipe", "fashion-mnist", "--quick", "--target", "rpi4", "--out", out, check=True)
    m = json.loads((out / "metrics.json").read_text())
    assert m["target"] == "rpi4" and "firmware" not in m      # no MCU firmware for a Linux target
    assert "tflm" not in m                                    # nor a TFLM package a Pi never uses
    d = m["device"]           # the run ends on the device's runtime, under qemu-user, and a bundle
    assert d["bitexact"] == 1.0 and d["samples"] == 500 and "ai-edge-litert" in d["runtime"], d
    assert abs(d["accuracy"] - m["student_int8"]["accuracy"]) < 0.01
    assert {"model.tflite", "labels.txt", "metadata.json", "run_model.py"} <= set(m["bundle"]["files"])
    assert (out / "bundle" / "run_model.py").is_file()
    return out / "model_int8.tflite"
