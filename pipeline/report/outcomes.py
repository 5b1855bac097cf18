"""What a model got right, in the few numbers the report draws: a confusion matrix for a
classifier; for an anomaly detector the anomaly scores split by true class (ROC curve and
histogram). Recorded by the stages that already hold the outputs (teacher, firmware), so the
report never runs a model again."""

import numpy as np


def of(task: str, outputs: np.ndarray, y: np.ndarray, x: np.ndarray | None = None) -> dict:
    """outputs: logits (N, classes), int8 or float; for an anomaly task the reconstructions of
    `x`, both in the same float units (the score is score.reconstruction_error, higher = more
    anomalous)."""
    y = np.asarray(y).astype(int)
    if task == "anomaly":
        from pipeline.stages.score import reconstruction_error
        scores = reconstruction_error(x, outputs)
        # 4 significant digits: the ROC's order of scores survives, the JSON stays small
        return {"scores": {"normal": [float(f"{v:.4g}") for v in scores[y == 0]],
                           "anomalous": [float(f"{v:.4g}") for v in scores[y != 0]]}}
    logits = outputs.reshape(len(y), -1)
    k = max(logits.shape[1], int(y.max(initial=0)) + 1)
    m = np.zeros((k, k), dtype=int)
    np.add.at(m, (y, logits.argmax(-1)), 1)      # rows: true class, columns: predicted
    return {"confusion": m.tolist()}
