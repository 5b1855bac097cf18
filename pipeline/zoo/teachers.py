"""Teachers: big enough to be accurate; they never leave the build machine."""

import math

import keras
from keras import layers

# Keras defaults to 0.99: with a few hundred steps (small data sets, quick runs) the moving
# statistics are still mostly their initial values and inference accuracy collapses to chance.
BN_MOMENTUM = 0.9


def _stages(input_shape, max_stages: int) -> int:
    """How many 2x poolings fit before the smaller spatial side reaches 1."""
    return max(1, min(max_stages, int(math.log2(min(input_shape[:2])))))


def vgg(input_shape, num_classes: int, width: int = 32, dense: int = 256, dropout: float = 0.3,
        convs: int = 2):
    """VGG-style: stages of `convs` 3x3 conv+BN+ReLU then 2x2 max-pool; width doubles per stage.
    Most parameters sit in the dense head, most compute in the convs: `convs=1` halves the
    compute, which matters because distillation runs the teacher on every training batch."""
    x = inp = keras.Input(input_shape, name="input")
    for stage in range(_stages(input_shape, 3)):
        ch = width * 2 ** stage
        for i in range(convs):
            x = layers.Conv2D(ch, 3, padding="same", use_bias=False, name=f"s{stage}_conv{i}")(x)
            x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"s{stage}_bn{i}")(x)
            x = layers.ReLU(name=f"s{stage}_relu{i}")(x)
        x = layers.MaxPooling2D(2, name=f"s{stage}_pool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense, activation="relu", name="fc")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    out = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inp, out, name="teacher_vgg")
