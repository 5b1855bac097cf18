"""Dense autoencoders for anomaly detection (MLPerf Tiny AD's shape: Dense+BN+ReLU stacks down to
a narrow bottleneck and back). The output has the input's shape; the anomaly score is the
reconstruction error, so a model trained on normal data only scores anomalies high."""

import math

import keras
from keras import layers

from pipeline.zoo.teachers import BN_MOMENTUM


def dense_autoencoder(input_shape, num_classes: int = 0, hidden: int = 128, depth: int = 4,
                      bottleneck: int = 8):
    """`depth` Dense(hidden)+BN+ReLU layers, Dense(bottleneck)+BN+ReLU, `depth` more, then a linear
    Dense back to the flattened input, reshaped to the input shape. num_classes is unused: the
    zoo's signature is shared with the classifiers."""
    del num_classes
    size = math.prod(input_shape)
    x = inp = keras.Input(input_shape, name="input")
    x = layers.Flatten(name="flatten")(x)
    widths = [hidden] * depth + [bottleneck] + [hidden] * depth
    for i, w in enumerate(widths):
        x = layers.Dense(w, use_bias=False, name=f"fc{i}")(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"bn{i}")(x)
        x = layers.ReLU(name=f"relu{i}")(x)
    x = layers.Dense(size, name="reconstruction")(x)
    out = layers.Reshape(tuple(input_shape), name="output")(x)
    return keras.Model(inp, out, name=f"autoencoder_{hidden}x{depth}_{bottleneck}")
