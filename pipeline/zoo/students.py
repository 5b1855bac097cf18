"""Students: small enough for a microcontroller, built only from layers the QAT pass quantizes."""

import keras
from keras import layers

from pipeline.zoo.teachers import BN_MOMENTUM, _stages


def cnn(input_shape, num_classes: int, width: int = 8):
    """Compact CNN: per stage one 3x3 conv+BN+ReLU6 and a 2x2 max-pool, then global average."""
    x = inp = keras.Input(input_shape, name="input")
    for stage in range(_stages(input_shape, 3)):
        x = layers.Conv2D(width * 2 ** stage, 3, padding="same", use_bias=False, name=f"conv{stage}")(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"bn{stage}")(x)
        x = layers.ReLU(6.0, name=f"relu{stage}")(x)
        x = layers.MaxPooling2D(2, name=f"pool{stage}")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    out = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inp, out, name="student_cnn")


def ds_cnn(input_shape, num_classes: int, alpha: float = 1.0, blocks=(64, 64, 128, 128),
           stem_stride: int = 1):
    """Depthwise-separable CNN (MobileNetV1 / MLPerf Tiny DS-CNN family).

    A 3x3 conv stem, then blocks of depthwise 3x3 + pointwise 1x1 (each BN+ReLU6); the first
    block of each new width strides by 2 while the feature map is larger than 4x4.
    `alpha` scales every width (the MobileNet width multiplier). `stem_stride` 2 halves H and W
    in the stem: a quarter of the later blocks' work and activations, like a half-resolution input
    (the search's resolution knob: the teacher still sees the full-size input).
    """
    def w(ch):
        return max(8, int(ch * alpha + 4) // 8 * 8)   # multiples of 8 suit SIMD kernels

    x = inp = keras.Input(input_shape, name="input")
    x = layers.Conv2D(w(32), 3, strides=stem_stride, padding="same", use_bias=False, name="stem")(x)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, name="stem_bn")(x)
    x = layers.ReLU(6.0, name="stem_relu")(x)
    prev = w(32)
    size = -(-min(input_shape[:2]) // stem_stride)
    for i, ch in enumerate(blocks):
        stride = 2 if (w(ch) != prev and size > 4) else 1
        size = (size + stride - 1) // stride
        x = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False, name=f"b{i}_dw")(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"b{i}_dw_bn")(x)
        x = layers.ReLU(6.0, name=f"b{i}_dw_relu")(x)
        x = layers.Conv2D(w(ch), 1, use_bias=False, name=f"b{i}_pw")(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"b{i}_pw_bn")(x)
        x = layers.ReLU(6.0, name=f"b{i}_pw_relu")(x)
        prev = w(ch)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    out = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inp, out, name="student_ds_cnn")
