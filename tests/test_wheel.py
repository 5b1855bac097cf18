"""targets/ and datasets/ must be found after `pip install` of the built wheel, outside the repo."""

import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.conftest import REPO


def test_wheel_installs_into_a_fresh_venv_and_finds_its_data(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", dist, REPO], check=True, capture_output=True)
    wheel = next(dist.glob("edgedistill-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    py = venv / "bin" / "python"
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel], check=True,
                   capture_output=True)
    # the dependencies (TensorFlow & co.) come from the project venv through a plain path entry:
    # .pth files inside that directory (the editable install of this repo) are not processed
    site = Path(subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    where = subprocess.run([py, "-c", "import pipeline, pipeline.paths as p; print(pipeline.__file__);"
                            "print(p.data_dir('targets')); print(p.data_dir('datasets'))"],
                           cwd=outside, capture_output=True, text=True, check=True).stdout.split()
    assert all(str(venv) in w for w in where), where        # not the repo checkout
    cli = venv / "bin" / "edgedistill"
    targets = subprocess.run([cli, "targets", "list"], cwd=outside, capture_output=True, text=True, check=True)
    assert "cortex-m4" in targets.stdout and "rpi4" in targets.stdout
    shown = subprocess.run([cli, "datasets", "show", "fashion-mnist"], cwd=outside, capture_output=True,
                           text=True, check=True)
    assert "MIT" in shown.stdout
    recipe = subprocess.run([py, "-c", "from pipeline import config; print(config.load_recipe('digits').dataset)"],
                            cwd=outside, capture_output=True, text=True, check=True)
    assert recipe.stdout.strip() == "digits"
