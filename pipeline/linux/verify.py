"""verify on an emulated ARM Linux target: the runtime the device uses (ai-edge-litert or
tflite-runtime), in its Debian userland under qemu-user, on the reference kernels and on the
default path (XNNPACK), all samples in one emulated process. Golden outputs: the host run of the
SAME runtime and version on its reference kernels, by the same script (pipeline/linux/guest.py):
host LiteRT BUILTIN_REF in this process for LiteRT targets, and for tflite-runtime targets a cached
host venv of that version (pipeline/linux/hostref.py; why: its FULLY_CONNECTED requantization
differs from LiteRT 2.3's, TF commit 7743831a). Those targets also report how far they are from
host LiteRT BUILTIN_REF ("vs_litert_builtin_ref")."""

import json
import tempfile
from pathlib import Path

import numpy as np

from pipeline.errors import UserError
from pipeline.linux import guest, hostref
from pipeline.runtimes.litert import refused

# tensorflow/tensorflow#119412, google-ai-edge/LiteRT#8567: measured 1 LSB on ~0.5 % of samples
FC_NOTE = ("FULLY_CONNECTED requantization differs between tflite-runtime 2.14 (integer double "
           "rounding) and LiteRT 2.3 (float)")


def litert_reference() -> str:
    """Name of the host LiteRT golden, e.g. "litert-2.3-builtin-ref"."""
    import importlib.metadata as md
    return f"litert-{'.'.join(md.version('ai-edge-litert').split('.')[:2])}-builtin-ref"


def io_details(tflite: bytes) -> tuple[list[dict], list[dict]]:
    """Inputs' and outputs' details; the model must also prepare (allocate_tensors), so a model
    the device's runtime would refuse is refused here, before a bundle or an emulator run."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    try:            # reference kernels: no XNNPACK delegate (nor its INFO line on stderr)
        interp = Interpreter(model_content=bytes(tflite),
                             experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
        interp.allocate_tensors()
    except Exception as e:
        raise refused(e) from None
    return interp.get_input_details(), interp.get_output_details()


def random_inputs(tflite: bytes, samples: int, seed: int = 0) -> np.ndarray:
    """(samples, input elements) in the input dtype: uniform int8 codes, or N(0, 1) floats."""
    ins, _ = io_details(tflite)
    n = sum(int(np.prod(d["shape"])) for d in ins)
    rng = np.random.default_rng(seed)
    if ins[0]["dtype"] == np.int8:
        return rng.integers(-128, 128, size=(samples, n), dtype=np.int8)
    if ins[0]["dtype"] == np.uint8:
        return rng.integers(0, 256, size=(samples, n), dtype=np.uint8)
    return rng.standard_normal((samples, n)).astype(ins[0]["dtype"])


def _pack(tflite: bytes, inputs, samples: int, seed: int) -> np.ndarray:
    if inputs is None:
        return random_inputs(tflite, samples, seed)
    ins, _ = io_details(tflite)
    n = sum(int(np.prod(d["shape"])) for d in ins)
    x = np.asarray(inputs)[:samples].reshape(min(samples, len(inputs)), -1)
    if x.shape[1] != n:
        raise UserError(f"inputs have {x.shape[1]} elements per sample but the model takes {n}",
                        "pass inputs shaped like the model's input")
    return x.astype(ins[0]["dtype"])


def run_emulated(tflite: bytes, target, x: np.ndarray, modes=("ref", "default"),
                 const: list[int] | None = None) -> tuple[dict, dict]:
    """-> ({mode: outputs (N, output elements)}, info from the guest) for packed inputs x;
    mode "arena" (needs `const`, the constant tensor indices) puts arena_bytes in info."""
    timeout = float(target.emulator.get("timeout_s", 300))
    with tempfile.TemporaryDirectory(prefix="edlinux-") as d:
        d = Path(d)
        (d / "guest.py").write_text(Path(guest.__file__).read_text())
        (d / "model.tflite").write_bytes(bytes(tflite))
        np.save(d / "inputs.npy", np.ascontiguousarray(x))
        if const is not None:
            (d / "const.json").write_text(json.dumps(sorted(const)))
        from pipeline.linux.qemu_user import run_python
        run_python(target, d / "guest.py", [str(d / "model.tflite"), str(d / "inputs.npy"), str(d),
                                            ",".join(modes)], timeout)
        outs = {m: np.load(d / f"{m}.npy") for m in modes if m != "arena"}
        info = json.loads((d / "info.json").read_text())
    return outs, info


def _max_diff(a: np.ndarray, b: np.ndarray):
    if a.size == 0:
        return 0
    if np.issubdtype(a.dtype, np.integer):     # quantized outputs: LSB
        return int(np.max(np.abs(a.astype(np.int64) - b.astype(np.int64))))
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))


def guard(tflite: bytes, target) -> list:
    """The hazards (pipeline/linux/hazards.py) of `tflite` on `target` whose default path crashes;
    raises UserError when the reference kernels, the only other path, are wrong on it too."""
    from pipeline.linux import hazards
    found = hazards.find(tflite, target)
    wrong = [h for h in found if h.path == "reference"]
    if wrong:
        raise UserError(f"{target.name}: {hazards.summary(wrong)}, so it has no trustworthy reference "
                        "to verify against", hazards.FIX)
    return [h for h in found if h.path == "default"]


def verify_linux(tflite: bytes, target, inputs, samples: int, seed: int = 0) -> dict:
    """DESIGN.md verify JSON (+ outputs, the emulated reference-kernel outputs) for a linux target;
    `default_path_max_abs_diff` is the default (XNNPACK) path against the golden outputs."""
    from pipeline import targets
    target = targets.resolve(target)
    x = _pack(tflite, inputs, samples, seed)
    crash = guard(tflite, target)          # ops the default path would crash on: not run
    spec = hostref.spec_for(target)
    from pipeline.runtimes import isolated     # the model is untrusted: LiteRT in the sandbox
    litert = isolated.litert_reference(tflite, x)
    golden = litert if spec is None else hostref.run(spec, tflite, x, "ref")
    outs, info = run_emulated(tflite, target, x, modes=("ref",) if crash else ("ref", "default"))
    ref = outs["ref"].astype(golden.dtype)
    r = {"target": target.name, "reference": litert_reference() if spec is None else spec.reference,
         "samples": int(len(x)), **_compare(ref, golden),
         "default_path_max_abs_diff": None if crash else _max_diff(outs["default"].astype(golden.dtype), golden),
         "runtime": f"{info['runtime']} {info['version']} ({info['machine']}, "
                    f"qemu-user -cpu {target.emulator['qemu_cpu']})"}
    if crash:
        r["warnings"] = [f"{h.describe()}: the default path was not run; these results are the "
                         "reference kernels' (a device must run this model with them: "
                         "run_model.py --reference, which the bundle's runner does by itself)"
                         for h in crash]
    if golden.dtype.kind == "f":   # a float model: another CPU's float rounding, not a bug
        r["tolerance"] = dict(FLOAT_TOLERANCE)
        r["within_tolerance"] = within_tolerance(ref, golden)
    if spec is not None:
        r["vs_litert_builtin_ref"] = {**_compare(ref, litert.astype(golden.dtype)),
                                      "reference": litert_reference(), "note": FC_NOTE}
    return {**r, "outputs": ref}


# Float outputs of the same reference kernels on another CPU (x86 vs ARM: fused multiply-add,
# summation order) differ in the last bits: a 32-bit float has 24 bits, ~6e-8 relative. 1e-5
# relative leaves room for a sum of a few hundred such roundings; atol covers outputs near 0.
FLOAT_TOLERANCE = {"rtol": 1e-5, "atol": 1e-6}


def within_tolerance(a: np.ndarray, golden: np.ndarray) -> float:
    """Fraction of samples whose every output is within atol + rtol * |golden| of the reference."""
    a, g = a.reshape(len(a), -1).astype(np.float64), golden.reshape(len(golden), -1).astype(np.float64)
    ok = np.abs(a - g) <= FLOAT_TOLERANCE["atol"] + FLOAT_TOLERANCE["rtol"] * np.abs(g)
    return float(np.mean(np.all(ok, axis=1)))


def _compare(a: np.ndarray, b: np.ndarray) -> dict:
    same = np.all(a.reshape(len(a), -1) == b.reshape(len(b), -1), axis=1)
    return {"bitexact": float(np.mean(same)), "max_abs_diff": _max_diff(a, b)}
