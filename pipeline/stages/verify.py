"""Verify stage: the int8 model's accuracy (or AUC) on both references and their sample-by-sample
agreement."""

import numpy as np

from pipeline.runtimes import litert, tflm


def compare(a: np.ndarray, b: np.ndarray) -> dict:
    """Agreement of two output sets (N, ...): per-sample exact equality, and the worst |diff|
    (in LSB for integer outputs, an int; a float for float outputs)."""
    a2, b2 = a.reshape(len(a), -1), b.reshape(len(b), -1)
    same = np.all(a2 == b2, axis=1)
    diff = np.abs(a2.astype(np.float64) - b2.astype(np.float64))
    worst = diff.max() if diff.size else 0.0
    return {"samples": int(len(a)), "bitexact": float(same.mean()) if len(a) else 1.0,
            "differing": int((~same).sum()),
            "max_abs_diff": int(worst) if np.issubdtype(a.dtype, np.integer) else float(worst)}


def verify(tflite: bytes, x_test: np.ndarray, y_test: np.ndarray, task: str = "classification") -> dict:
    """Runs the test split (float inputs, quantized with the model's input scale) on TFLM and on
    LiteRT's reference kernels; the task's figure (accuracy or AUC) on each and how many samples'
    outputs differ."""
    from pipeline.stages import score
    from pipeline.stages.convert import quantize_inputs
    xq = quantize_inputs(tflite, x_test)
    out_tflm = tflm.run(tflite, xq)
    out_ref = litert.run(tflite, xq, reference=True)
    agreement = compare(out_tflm, out_ref)
    metric = score.metric(task)
    return {
        "samples": int(len(y_test)),
        f"tflm_{metric}": score.from_int8(tflite, task, out_tflm, xq, y_test),
        f"litert_ref_{metric}": score.from_int8(tflite, task, out_ref, xq, y_test),
        "references_agree": agreement["bitexact"],
        "references_differing": agreement["differing"],
        "references_max_abs_diff": agreement["max_abs_diff"],
    }
