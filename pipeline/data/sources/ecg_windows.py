"""sktime's MIT-BIH ECG excerpt (one lead, 7,500 samples at 360 Hz, per-sample 0/1 labels),
cut into sliding windows for anomaly detection.

A window is anomalous (1) if any of its samples is labelled anomalous. The labelled anomaly is one
run near the end of the record, so the split is by time, not random: overlapping windows from
the same stretch of signal in both train and test would leak. Train = windows wholly before
`split_at`, test = windows wholly after it; train is therefore normal-only, as an autoencoder
expects.
"""

import numpy as np

from pipeline.data.sources._package import package_file


def windows(signal: np.ndarray, labels: np.ndarray, length: int, stride: int):
    starts = np.arange(0, len(signal) - length + 1, stride)
    idx = starts[:, None] + np.arange(length)
    return signal[idx][..., None], labels[idx].max(axis=1).astype(np.int64)   # (N, length, 1)


def load(spec):
    o = spec.options
    raw = np.loadtxt(package_file(o["package"], o["file"], spec.name), delimiter=",", skiprows=1,
                     dtype=np.float32)
    signal, labels = raw[:, 0], raw[:, 1].astype(np.int64)
    cut = o["split_at"]
    x_tr, y_tr = windows(signal[:cut], labels[:cut], o["window"], o["stride"])
    x_te, y_te = windows(signal[cut:], labels[cut:], o["window"], o["stride"])
    return x_tr, y_tr, x_te, y_te
