"""What a run measures on the test split: accuracy for classifiers; for anomaly detection (an
autoencoder trained on normal data only) the ROC AUC of the reconstruction error as the score.

metrics.json, verify and report name the figure by `metric(task)`: `accuracy` or `auc`.
"""

import numpy as np

from pipeline.errors import UserError


def metric(task: str) -> str:
    return "auc" if task == "anomaly" else "accuracy"


def fmt(metric_name: str, value: float) -> str:
    return f"{value:.4f}" if metric_name == "auc" else f"{value:.2%}"


def reconstruction_error(x: np.ndarray, reconstruction: np.ndarray) -> np.ndarray:
    """Mean squared error per sample: the anomaly score (higher = more anomalous)."""
    d = x.reshape(len(x), -1).astype(np.float64) - reconstruction.reshape(len(x), -1)
    return np.mean(d * d, axis=1)


def roc_auc(y: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score
    if len(np.unique(y)) < 2:
        raise UserError(f"the test split has only class {int(y[0]) if len(y) else '-'}: AUC needs normal "
                        "and anomalous samples", "give test data with both, or a larger test split")
    return float(roc_auc_score(y, scores))


def from_outputs(task: str, outputs: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """outputs: logits (classification) or reconstructions of x (anomaly), float or int8 alike
    for accuracy; for AUC both x and outputs must be in the same (float) units."""
    if task == "anomaly":
        return roc_auc(y, reconstruction_error(x, outputs))
    return float(np.mean(np.argmax(outputs.reshape(len(y), -1), -1) == y))


def as_seen(tflite: bytes, task: str, out_int8: np.ndarray, x_int8: np.ndarray) -> tuple:
    """(x, outputs) in the units a device scores them in: for an anomaly task the dequantized
    int8 input the model actually saw and its dequantized reconstruction; otherwise as given."""
    if task != "anomaly":
        return x_int8, out_int8
    from pipeline.stages.convert import dequantize_outputs, input_quantization
    s, z = input_quantization(tflite)
    return (x_int8.astype(np.float32) - z) * s, dequantize_outputs(tflite, out_int8)


def from_int8(tflite: bytes, task: str, out_int8: np.ndarray, x_int8: np.ndarray, y: np.ndarray) -> float:
    """Scores int8 model outputs the way a device would (as_seen): an anomaly score compares the
    dequantized reconstruction with the dequantized int8 input the model actually saw."""
    x, out = as_seen(tflite, task, out_int8, x_int8)
    return from_outputs(task, out, x, y)


def model(keras_model, splits) -> float:
    """The float (or fake-quant) Keras model's figure on the test split."""
    out = keras_model.predict(splits.x_test, batch_size=512, verbose=0)
    return from_outputs(splits.task, out, splits.x_test, splits.y_test)
