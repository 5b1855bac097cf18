"""Device stage for Linux targets (Raspberry Pi, Android-class arm64): the int8 model on the
runtime the device uses (ai-edge-litert or tflite-runtime) in its ARM userland under qemu-user,
over test samples, compared bit for bit with the same runtime's reference kernels on the host,
scored like the device would score it; and the deployment bundle the device takes.

The MCU targets' counterpart is the firmware stage (pipeline/stages/firmware.py)."""

from pathlib import Path

import numpy as np


def device(tflite: bytes, target, x_int8: np.ndarray, y: np.ndarray, out: Path, task: str,
           classes: tuple[str, ...], raw_scale: float | None, preprocessing: dict | None = None) -> dict:
    """Runs len(x_int8) samples on the emulated `target` and writes `out/` (the bundle)."""
    from pipeline.linux import verify_linux
    from pipeline.linux.bundle import write_bundle
    from pipeline.stages import score
    v = verify_linux(tflite, target, x_int8, len(x_int8))
    labels = list(classes) if task != "anomaly" else None
    bundle = write_bundle(tflite, target, out, labels, raw_scale, (preprocessing or {}).get("standardize"),
                          (preprocessing or {}).get("frontend"))
    return {
        "device": {"runtime": v["runtime"], "reference": v["reference"], "samples": v["samples"],
                   "bitexact": v["bitexact"], "max_abs_diff": v["max_abs_diff"],
                   # the default path (XNNPACK) a device runs unless told otherwise, vs the reference
                   "default_path_max_abs_diff": v["default_path_max_abs_diff"],
                   score.metric(task): score.from_int8(tflite, task, v["outputs"], x_int8, y),
                   # ops known to crash the default path (pipeline/linux/hazards.py): not run
                   **({"warnings": v["warnings"]} if v.get("warnings") else {})},
        "bundle": {"files": bundle["files"]},
    }
