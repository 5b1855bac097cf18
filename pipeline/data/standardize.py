"""Per-feature standardization: (x - mean) / std with one mean and std per feature (the axes after
time: an MFCC coefficient, a sensor channel), computed on the training split only.

Raw MFCCs span about -90..+40 with coefficient 0 carrying the level: one int8 input scale for all
of them would leave the other coefficients a few codes of resolution. The statistics are part of
the preprocessing stored with the model, so a device (or another data set scored with the same
model) repeats exactly the same step.
"""

import numpy as np


def fit(x_train: np.ndarray) -> dict:
    """Statistics over samples and time (axes 0 and 1), one per remaining feature; for flat
    feature vectors (N, F) over the samples alone, one per column."""
    axes = (0, 1) if x_train.ndim > 2 else (0,)
    mean = x_train.mean(axis=axes, dtype=np.float64)
    std = x_train.std(axis=axes, dtype=np.float64)
    std = np.where(std > 1e-6, std, 1.0)   # a constant feature passes through unscaled
    return {"mean": mean.round(6).tolist(), "std": std.round(6).tolist()}


def apply(x: np.ndarray, stats: dict) -> np.ndarray:
    mean = np.asarray(stats["mean"], np.float32)
    std = np.asarray(stats["std"], np.float32)
    return ((x - mean) / std).astype(np.float32)
