"""Reference interpreters on an untrusted model, each in a child process inside the sandbox.

tflite-micro and LiteRT check a model less than our reader does (pipeline/compiler/bounds.py):
the fuzzer (tools/fuzz_models.py) found mutants that pass every structural check and still make
tflite-micro's invoke() abort or segfault. In our process that kills `verify` with no message;
a memory error there runs inside edgedistill. So the commands that take a user's file (verify,
bench) run the references here: a fresh Python in the sandbox (pipeline/sandbox.py) with the
model and inputs in its one writable folder. A crash ends that child and becomes one exit-2 line.

Results come back as .npy (allow_pickle=False) and JSON, never pickle: a child that a model
subverted could write anything there, and must not get to run code in ours.

    reference_outputs(tflite, x) -> outputs      tflite-micro (MCU targets, --target host)
    litert_reference(tflite, x) -> outputs        LiteRT BUILTIN_REF (Linux targets' golden)
    tflm_arena_bytes(tflite) -> int               tflite-micro's arena for the model (bench)
"""

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from pipeline import sandbox
from pipeline.errors import UserError
from pipeline.modeltext import printable

# The child imports numpy and one interpreter (no TensorFlow): ~150 MiB resident; TFLM's arena
# can grow to 512 MiB (runtimes/tflm.py ARENA_MAX).
LIMITS = sandbox.Limits(cpu_s=1200, address_space=3 * sandbox.GiB, file_size=256 * sandbox.MiB)
TIMEOUT_S = 1200
ENV = {"OPENBLAS_NUM_THREADS": "1"}      # memory need independent of the machine's cores

# job -> what it is called in errors
_JOBS = {
    "tflm": "the tflite-micro reference interpreter",
    "litert": "LiteRT's reference kernels",
    "tflm_arena": "the tflite-micro reference interpreter",
}


_LAUNCH = ("import runpy, sys; sys.path.insert(0, sys.argv.pop(1)); "
           "runpy.run_module('pipeline.runtimes.isolated', run_name='__main__', alter_sys=True)")


def _run(job: str, tflite: bytes, x: np.ndarray | None = None):
    import pipeline
    package = Path(pipeline.__file__).resolve().parent
    with tempfile.TemporaryDirectory(prefix="edref-") as d:
        d = Path(d).resolve()
        (d / "model.tflite").write_bytes(bytes(tflite))
        if x is not None:
            np.save(d / "inputs.npy", np.ascontiguousarray(x), allow_pickle=False)
        python = Path(sys.executable)
        ro = sandbox.python_paths(python) + [package]
        # -I ignores PYTHONPATH: the child puts this very package first on its path itself, so it
        # runs the parent's code (a second checkout need not be the installed one)
        r = sandbox.run([python, "-I", "-c", _LAUNCH, package.parent, job, d], d, LIMITS, ro=ro,
                        env=ENV, timeout=TIMEOUT_S)
        if (d / "error.json").is_file():      # written by our code, but in a child the model ran in
            e = json.loads((d / "error.json").read_text())
            raise UserError(printable(str(e.get("problem", ""))), printable(str(e.get("fix", ""))))
        if r.returncode != 0:
            said = [ln.strip() for ln in r.stderr.splitlines() if ln.strip()][-1:]
            raise UserError(f"{_JOBS[job]} crashed on this model ({sandbox.describe(r.returncode)}"
                            + (f"; it said: {printable(said[0], 200)}" if said else "") + ")",
                            "the model is malformed in a way the interpreter does not check: "
                            "re-export it with the TFLite converter")
        if job == "tflm_arena":
            return int(json.loads((d / "result.json").read_text())["arena_bytes"])
        return np.load(d / "outputs.npy", allow_pickle=False)


def reference_outputs(tflite: bytes, x: np.ndarray) -> np.ndarray:
    """runtimes.tflm.reference_outputs, contained: packed inputs (N, elements) -> outputs."""
    return _run("tflm", tflite, x)


def litert_reference(tflite: bytes, x: np.ndarray) -> np.ndarray:
    """linux.guest.run(tflite, x, "ref") on the host's LiteRT, contained."""
    return _run("litert", tflite, x)


def tflm_arena_bytes(tflite: bytes) -> int:
    """runtimes.tflm.arena_used_bytes, contained."""
    return _run("tflm_arena", tflite)


def _child(job: str, d: Path) -> int:
    """In the sandbox: run `job` on d/model.tflite (+ d/inputs.npy), write the result or
    error.json (a UserError's problem and fix)."""
    model = (d / "model.tflite").read_bytes()
    try:
        if job == "tflm":
            from pipeline.runtimes.tflm import reference_outputs as run
            np.save(d / "outputs.npy", run(model, np.load(d / "inputs.npy")), allow_pickle=False)
        elif job == "litert":
            from pipeline.linux import guest
            np.save(d / "outputs.npy", guest.run(model, np.load(d / "inputs.npy"), "ref"), allow_pickle=False)
        else:
            from pipeline.runtimes.tflm import arena_used_bytes
            (d / "result.json").write_text(json.dumps({"arena_bytes": int(arena_used_bytes(model))}))
    except UserError as e:
        (d / "error.json").write_text(json.dumps({"problem": e.problem, "fix": e.fix}))
        return 2
    except (RuntimeError, ValueError) as e:      # the interpreters' own refusals
        from pipeline.runtimes.litert import refused
        u = refused(e, _JOBS[job])
        (d / "error.json").write_text(json.dumps({"problem": u.problem, "fix": u.fix}))
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], Path(sys.argv[2])))
