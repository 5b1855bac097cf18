"""Randomized single-op Keras branches for the per-op suite. Each family builds models of many
independent branches (one input and one output each) so one converter call and one gcc call
cover dozens of configurations. Fixed seeds: the same cases every run."""

import numpy as np


def _init(rng):
    import keras
    return keras.initializers.RandomNormal(stddev=float(rng.choice([0.05, 0.2, 0.6])),
                                           seed=int(rng.integers(1 << 30)))


def _act(rng):
    return rng.choice([None, "relu", "relu6"])


def _spatial(rng, lo=3, hi=12):
    return int(rng.integers(lo, hi + 1)), int(rng.integers(lo, hi + 1))


def conv(rng, L, x_shape=None):
    h, w = _spatial(rng)
    c = int(rng.integers(1, 9))
    k = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    dil = int(rng.choice([1, 1, 2]))
    stride = 1 if dil > 1 else int(rng.choice([1, 2, 3]))
    pad = rng.choice(["same", "valid"])
    if pad == "valid":
        h, w = max(h, (k[0] - 1) * dil + 1), max(w, (k[1] - 1) * dil + 1)
    layer = L.Conv2D(int(rng.integers(1, 11)), k, strides=stride, padding=pad, dilation_rate=dil,
                     activation=_act(rng), use_bias=bool(rng.random() < 0.8),
                     kernel_initializer=_init(rng), bias_initializer=_init(rng))
    return (h, w, c), layer


def depthwise(rng, L):
    h, w = _spatial(rng)
    c = int(rng.integers(1, 9))
    k = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    dil = int(rng.choice([1, 1, 2]))
    stride = 1 if dil > 1 else int(rng.choice([1, 2]))
    pad = rng.choice(["same", "valid"])
    if pad == "valid":
        h, w = max(h, (k[0] - 1) * dil + 1), max(w, (k[1] - 1) * dil + 1)
    layer = L.DepthwiseConv2D(k, strides=stride, padding=pad, dilation_rate=dil,
                              depth_multiplier=int(rng.integers(1, 4)), activation=_act(rng),
                              use_bias=bool(rng.random() < 0.8),
                              depthwise_initializer=_init(rng), bias_initializer=_init(rng))
    return (h, w, c), layer


def dense(rng, L):
    shape = (int(rng.integers(1, 65)),) if rng.random() < 0.7 else (int(rng.integers(2, 5)), int(rng.integers(1, 17)))
    layer = L.Dense(int(rng.integers(1, 33)), activation=_act(rng), use_bias=bool(rng.random() < 0.8),
                    kernel_initializer=_init(rng), bias_initializer=_init(rng))
    return shape, layer


def _pool(rng, L, cls):
    h, w = _spatial(rng, 2, 12)
    k = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    pad = rng.choice(["same", "valid"])
    if pad == "valid":
        h, w = max(h, k[0]), max(w, k[1])
    return (h, w, int(rng.integers(1, 9))), cls(k, strides=(int(rng.integers(1, 4)), int(rng.integers(1, 4))), padding=pad)


def avg_pool(rng, L):
    return _pool(rng, L, L.AveragePooling2D)


def max_pool(rng, L):
    return _pool(rng, L, L.MaxPooling2D)


def mean(rng, L):
    if rng.random() < 0.7:
        h, w = _spatial(rng, 1, 10)
        return (h, w, int(rng.integers(1, 17))), L.GlobalAveragePooling2D(keepdims=bool(rng.random() < 0.3))
    return (int(rng.integers(2, 20)), int(rng.integers(1, 17))), L.GlobalAveragePooling1D()


def _shape4(rng):
    h, w = _spatial(rng, 1, 8)
    return (h, w, int(rng.integers(1, 9)))


def add(rng, L):
    import keras
    s = _shape4(rng)
    s2 = s if rng.random() < 0.6 else (1, 1, s[2]) if rng.random() < 0.5 else (s[0], 1, s[2])
    act = _act(rng)

    def f(a, b):
        y = keras.ops.add(a, b)
        return keras.layers.Activation(act)(y) if act else y
    return (s, s2), f


def mul(rng, L):
    import keras
    s = _shape4(rng)
    s2 = s if rng.random() < 0.6 else (1, 1, s[2])
    return (s, s2), keras.ops.multiply


def concat(rng, L):
    base = list(_shape4(rng))
    axis = int(rng.integers(1, 4))
    shapes = []
    for _ in range(int(rng.integers(2, 4))):
        s = list(base)
        s[axis - 1] = int(rng.integers(1, 6))
        shapes.append(tuple(s))
    return tuple(shapes), lambda *xs: L.Concatenate(axis=axis)(list(xs))


def reshape(rng, L):
    h, w = _spatial(rng, 1, 6)
    c = int(rng.integers(1, 7))
    return (h, w, c), lambda x: L.Activation("relu")(L.Reshape((w, h * c))(x))


def pad(rng, L):
    s = _shape4(rng)
    p = tuple((int(rng.integers(0, 3)), int(rng.integers(0, 3))) for _ in range(2))
    return s, L.ZeroPadding2D(p)


def softmax(rng, L):
    shape = (int(rng.integers(2, 40)),) if rng.random() < 0.7 else (int(rng.integers(2, 5)), int(rng.integers(2, 20)))
    return shape, L.Softmax()


def logistic(rng, L):
    return _shape4(rng), L.Activation("sigmoid")


def tanh(rng, L):
    return _shape4(rng), L.Activation("tanh")


def relu(rng, L):
    return _shape4(rng), L.Activation(str(rng.choice(["relu", "relu6"])))


FAMILIES = {"conv": conv, "depthwise": depthwise, "dense": dense, "avg_pool": avg_pool,
            "max_pool": max_pool, "mean": mean, "add": add, "mul": mul, "concat": concat,
            "reshape": reshape, "pad": pad, "softmax": softmax, "logistic": logistic,
            "tanh": tanh, "relu": relu}


def build_family(name: str, seed: int, branches: int):
    """A Keras model with `branches` independent single-op branches, and per-input data ranges."""
    import keras
    L = keras.layers
    rng = np.random.default_rng(seed)
    inputs, outputs, ranges = [], [], []
    for _ in range(branches):
        shapes, layer = FAMILIES[name](rng, L)
        multi = isinstance(shapes[0], tuple)
        shapes = shapes if multi else (shapes,)
        # zero-padded names: the converter orders inputs by name, the calibrator by position
        xs = [keras.Input(s, batch_size=1, name=f"in{len(inputs) + i:03d}") for i, s in enumerate(shapes)]
        for _ in xs:
            span = float(rng.choice([0.5, 2.0, 8.0, 40.0]))
            lo = -span * float(rng.uniform(0, 1))
            ranges.append((lo, lo + span))
        inputs += xs
        outputs.append(layer(*xs))
    return keras.Model(inputs, outputs), ranges
