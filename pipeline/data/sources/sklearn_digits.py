"""scikit-learn's bundled 8x8 digits (1,797 samples, values 0..16)."""

import numpy as np


def load(spec):
    from sklearn.datasets import load_digits
    d = load_digits()
    x = d.images.astype(np.float32)[..., None]   # (N, 8, 8, 1)
    return x, d.target.astype(np.int64)
