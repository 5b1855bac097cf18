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
