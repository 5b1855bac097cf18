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


@pytest.fixture
def cli():
    return edgedistill
