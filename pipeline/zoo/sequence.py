"""1-D CNNs for sensor time series (N, T, C): convolutions run over time, channels are the sensor axes.

Built only from layers the QAT pass quantizes (Conv1D, BatchNormalization, ReLU, pooling, Dense).
The converter turns the conv/pool stack into 2-D ops on (1, 1, T, C): one RESHAPE in, CONV_2D with
1 x k kernels and MAX_POOL_2D, one RESHAPE out before the MEAN (global average) and the dense logits.
"""

import math

import keras
from keras import layers

from pipeline.zoo.teachers import BN_MOMENTUM


def _stages(input_shape, max_stages: int, floor: int = 4) -> int:
    """How many 2x poolings fit before the time axis drops below `floor` steps."""
    return max(1, min(max_stages, int(math.log2(max(1, input_shape[0] // floor)))))


def cnn1d_teacher(input_shape, num_classes: int, width: int = 32, convs: int = 2, kernel: int = 7,
                  deep_kernel: int = 5, dense: int = 128, dropout: float = 0.3, max_stages: int = 4):
    """Stages of `convs` Conv1D+BN+ReLU then a 2x max-pool, width doubling per stage up to 4x;
    the first stage's `kernel` is wider than the later `deep_kernel`s, which already see pooled
    time. A global average over the remaining steps feeds a dense head (no Flatten: the head does
    not grow with the window, and where a motion sits in the window matters less than its shape).
    On (128, 1) with the defaults: 4 stages, ~345 k parameters."""
    x = inp = keras.Input(input_shape, name="input")
    for stage in range(_stages(input_shape, max_stages)):
        ch = width * 2 ** min(stage, 2)                    # (T / 2^stage, ch), ch capped at 4x width
        for i in range(convs):
            x = layers.Conv1D(ch, kernel if stage == 0 else deep_kernel, padding="same", use_bias=False,
                              name=f"s{stage}_conv{i}")(x)
            x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"s{stage}_bn{i}")(x)
            x = layers.ReLU(name=f"s{stage}_relu{i}")(x)
        x = layers.MaxPooling1D(2, name=f"s{stage}_pool")(x)
    x = layers.GlobalAveragePooling1D(name="gap")(x)
    x = layers.Dense(dense, activation="relu", name="fc")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    out = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inp, out, name="teacher_cnn1d")


def cnn1d(input_shape, num_classes: int, width: int = 8, kernel: int = 5, max_stages: int = 3):
    """Compact 1-D CNN: per stage one Conv1D+BN+ReLU6 and a 2x max-pool, width doubling, then
    global average and dense logits. On (128, 1) with the defaults: 3 stages, ~3.8 k parameters
    (kernel=7: ~5.1 k)."""
    x = inp = keras.Input(input_shape, name="input")
    for stage in range(_stages(input_shape, max_stages)):
        x = layers.Conv1D(width * 2 ** stage, kernel, padding="same", use_bias=False,
                          name=f"conv{stage}")(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"bn{stage}")(x)
        x = layers.ReLU(6.0, name=f"relu{stage}")(x)
        x = layers.MaxPooling1D(2, name=f"pool{stage}")(x)
    x = layers.GlobalAveragePooling1D(name="gap")(x)
    out = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inp, out, name="student_cnn1d")
