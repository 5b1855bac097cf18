"""Host reference for targets whose device runtime is tflite-runtime (rpi-armv7): the golden must
be the host run of the SAME runtime and version, because tflite-runtime 2.14's FULLY_CONNECTED
reference kernel requantizes with integer double rounding while LiteRT 2.3's does it in float
(TF commit 7743831a "Make the fully_connected ref kernel do requant in float";
tensorflow/tensorflow#119412, google-ai-edge/LiteRT#8567): 1 LSB apart on ~0.5 % of samples.
tflite-runtime 2.14 is bit-exact across x86_64, aarch64 and armv7, so its host run is the golden.

A small venv (tflite-runtime==<version>, numpy<2: its wheels are built against numpy 1.x) cached
in ~/.cache/edgedistill/hostref-<runtime>-<version>-py<python>-<hash>, built once in a temp dir
and renamed into place; it runs pipeline/linux/guest.py unchanged (guest falls back to
tflite_runtime when ai_edge_litert is absent, which it is in this venv). The model is untrusted
input, so guest.py runs in the sandbox (pipeline/sandbox.py): the venv and the Python it was
made from read-only, a temp folder holding the model, inputs and outputs the only writable path.

    spec_for(target) -> HostRefSpec | None      (None: the golden is host LiteRT, in-process)
    ensure(spec, progress=print) -> Path        (the venv's python; builds on first need)
    run(spec, tflite, x, mode="ref") -> outputs
"""

import hashlib
import json
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.errors import UserError
from pipeline.linux import guest
from pipeline import buildonce, sandbox
from pipeline.paths import cache_dir

# Limits of one reference run (Python + numpy + tflite-runtime, one thread). RLIMIT_AS: the zoo
# students need 160 MiB (measured); 2 GiB leaves room for a Linux-sized model's weights and
# arena, and with one OpenBLAS thread (numpy's BLAS is unused here) the need does not grow with
# the host's core count. RLIMIT_CPU is a backstop behind the timeout.
LIMITS = sandbox.Limits(cpu_s=1200, address_space=2 * sandbox.GiB, file_size=256 * sandbox.MiB)
ENV = {"OPENBLAS_NUM_THREADS": "1"}
TIMEOUT_S = 600
LAYOUT = 1          # bump when the venv layout built here changes: invalidates old caches
# tflite-runtime 2.14 wheels are compiled against the numpy 1.x ABI (fails to import under 2.x)
_EXTRA = {"tflite-runtime": ("numpy<2",)}


@dataclass(frozen=True)
class HostRefSpec:
    runtime: str                      # "tflite-runtime"
    version: str                      # "2.14.0"
    python: str                       # "3.11": same as the guest's interpreter
    extra: tuple[str, ...]            # further pins, e.g. numpy<2

    def key(self) -> str:
        blob = json.dumps([LAYOUT, self.runtime, self.version, self.python, list(self.extra),
                           platform.machine()])
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    @property
    def reference(self) -> str:
        """Golden name in the verify JSON, e.g. "tflite-runtime-2.14-builtin-ref"."""
        return f"{self.runtime}-{'.'.join(self.version.split('.')[:2])}-builtin-ref"


def spec_for(target) -> HostRefSpec | None:
    """The host env for `target`'s runtime, pinned like its userland's wheel; None for LiteRT."""
    if target.runtime != "tflite-runtime":
        return None
    pins = [w for w in target.emulator.get("wheels", ()) if w.startswith("tflite-runtime==")]
    if not pins:
        raise UserError(f"target '{target.name}' pins no tflite-runtime==VERSION in its wheels",
                        f"add it to targets/{target.name}.toml (see targets/rpi-armv7.toml)")
    return HostRefSpec("tflite-runtime", pins[0].split("==", 1)[1],
                       str(target.emulator.get("python", "3.11")), _EXTRA["tflite-runtime"])


def path_for(spec: HostRefSpec) -> Path:
    return cache_dir() / f"hostref-{spec.runtime}-{spec.version}-py{spec.python}-{spec.key()}"


def _base_python(ver: str) -> str:
    if "%d.%d" % sys.version_info[:2] == ver:
        return sys.executable
    exe = shutil.which(f"python{ver}")
    if exe is None:
        raise UserError(f"building the host reference env failed: python{ver} is not installed",
                        f"install Python {ver} (tflite-runtime wheels exist only for some versions)")
    return exe


def ensure(spec: HostRefSpec, progress=None) -> Path:
    """The cached venv's python for `spec`, built first if missing (~10 s, ~10 MB download)."""
    fix = "check that pypi.org is reachable, then retry (`python tools/build_rootfs.py` rebuilds it)"
    reqs = [f"{spec.runtime}=={spec.version}", *spec.extra]
    subject = "the host reference env"

    def make(work: Path):
        base = _base_python(spec.python)
        venv = work / "venv"
        # `python -m pip` below, never bin/pip: its shebang would still name the temp dir
        buildonce.run_step([base, "-m", "venv", str(venv)], "python -m venv", subject, fix)
        buildonce.run_step([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                            "--disable-pip-version-check", "--only-binary=:all:", *reqs],
                           "pip install " + " ".join(reqs), subject, fix)
        return venv, {"spec": spec.__dict__}
    final = buildonce.ensure(path_for(spec), f"the host reference env {' '.join(reqs)}", make, progress)
    return final / "bin" / "python"


def run(spec: HostRefSpec, tflite: bytes, x: np.ndarray, mode: str = "ref", progress=None) -> np.ndarray:
    """guest.py in the host env: outputs (N, output elements) of `spec`'s runtime for inputs x."""
    python = ensure(spec, progress)
    with tempfile.TemporaryDirectory(prefix="edhostref-") as d:
        d = Path(d).resolve()
        (d / "guest.py").write_text(Path(guest.__file__).read_text())
        (d / "model.tflite").write_bytes(bytes(tflite))
        np.save(d / "inputs.npy", np.ascontiguousarray(x))
        # -I: no PYTHONPATH / user site, so nothing from the project's venv (LiteRT) leaks in
        try:
            r = sandbox.run([python, "-I", d / "guest.py", d / "model.tflite", d / "inputs.npy", d, mode],
                            d, LIMITS, ro=sandbox.python_paths(python), env=ENV, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise UserError(f"the host {spec.runtime} reference did not finish within {TIMEOUT_S} s",
                            "pass fewer --samples") from None
        if r.returncode != 0:
            tail = (r.stderr or r.stdout).strip().splitlines()[-3:]
            raise UserError(f"the host {spec.runtime} reference {sandbox.describe(r.returncode)}: "
                            f"{' | '.join(tail)}",
                            f"delete {path_for(spec)} to rebuild it")
        info = json.loads((d / "info.json").read_text())
        if (info["runtime"], info["version"]) != (spec.runtime, spec.version):
            raise UserError(f"the host reference env runs {info['runtime']} {info['version']}, "
                            f"not {spec.runtime} {spec.version}", f"delete {path_for(spec)} to rebuild it")
        return np.load(d / f"{mode}.npy")
