"""A candidate's cost on the device, measured without training: built with random weights,
fake-quantized, calibrated, converted to int8 (zoo.random_int8), compiled by our AOT compiler and
run on the target's emulator by the same call `edgedistill bench` makes (firmware.bench_mcu).
RAM, flash and instructions per inference are the device's own figures, not a model of them.

Costs are cached per machine under ~/.cache/edgedistill/costs/, one directory per candidate,
target and input shape (with cost.json and the candidate.tflite it measured), through the
build-once mechanism; the key hashes the code that makes the figures (zoo, QAT, converter,
compiler, firmware, the kernels and profiles under targets/), so a compiler change re-measures.
"""

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

# what a candidate's figures depend on, under pipeline/ (plus targets/: firmware=True)
CODE = ("zoo", "qat", "stages/convert.py", "compiler", "firmware", "runtimes", "sandbox.py", "targets.py",
        "search/cost.py")
FIELDS = ("instructions", "macs", "ram_bytes", "flash_bytes", "peak_stack_bytes", "weights_bytes")


def key(candidate, input_shape, num_classes: int, target) -> str:
    from pipeline.rundir import code_hash
    blob = json.dumps({"candidate": candidate.as_dict(), "shape": list(input_shape),
                       "classes": num_classes, "target": asdict(target),
                       "code": code_hash(CODE, firmware=True)}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def cache_path(candidate, input_shape, num_classes: int, target) -> Path:
    from pipeline.paths import cache_dir
    return cache_dir() / "costs" / f"{target.name}-{candidate.arch}-{key(candidate, input_shape, num_classes, target)}"


def measure(candidate, input_shape, num_classes: int, target) -> tuple[dict, bool]:
    """(cost {instructions, macs, ram_bytes, flash_bytes, ...}, whether it came from the cache)."""
    from pipeline import buildonce
    final = cache_path(candidate, input_shape, num_classes, target)
    hit = (final / ".complete").is_file()

    def make(work: Path):
        from pipeline.firmware import bench_mcu
        tflite = random_int8(candidate, input_shape, num_classes)
        (work / "candidate.tflite").write_bytes(tflite)
        r = bench_mcu(tflite, target)
        cost = {k: r[k] for k in FIELDS}
        cost["tflite_bytes"] = len(tflite)
        (work / "cost.json").write_text(json.dumps(cost, indent=1) + "\n")
        return work, {"candidate": candidate.name, "target": target.name}
    buildonce.ensure(final, f"cost of {candidate.name}", make, progress=lambda msg: None)
    return json.loads((final / "cost.json").read_text()), hit


def random_int8(candidate, input_shape, num_classes: int, seed: int = 0) -> bytes:
    """The candidate as zoo.random_int8 makes a zoo model (random weights, QAT-wrapped, calibrated
    on uniform [0, 1) inputs, int8), with the candidate's knobs. Shapes, not weights, set the
    cost; trained weights can only shrink it where the compiler drops dead channels."""
    import keras
    import numpy as np

    from pipeline import zoo
    from pipeline.qat import calibrate, quantize_model
    from pipeline.stages.convert import convert
    keras.utils.set_random_seed(seed)
    qat = quantize_model(zoo.build("student", candidate.arch, input_shape, num_classes, **candidate.kwargs))
    rep = np.random.default_rng(seed).uniform(0, 1, size=(16, *input_shape)).astype(np.float32)
    calibrate(qat, rep)
    return convert(qat, rep)
