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


def resnet(input_shape, num_classes: int, width: int = 16, blocks: int = 1):
    """Small ResNet (He et al. 2016, the CIFAR form): a 3x3 conv stem, 3 stages of `blocks` basic
    residual blocks with widths width, 2*width, 4*width, global average pooling, dense logits.
    Stages 2 and 3 halve the feature map in their first block while its smaller side is >= 4
    (28x28 -> 28, 14, 7; 8x8 -> 8, 4, 2; 49x10 -> 49x10, 25x5, 13x3).
    width=16, blocks=1 is MLPerf Tiny's image-classification ResNet-8 (78,714 parameters on 32x32x3,
    78,426 on 28x28x1); blocks=3 is ResNet-20.
    Cost, because distillation runs the teacher on every training batch: on Fashion-MNIST (batch
    128, CPU time on the 2-core build machine) a training epoch of the defaults costs ~1.5x the
    fashion-mnist recipe's VGG (width 32, dense 512, convs 1), a forward pass ~1.2x; blocks=2 or
    width=24 already cost ~2.5-3x, width=32 ~4x (the cost grows with width^2 * blocks, and BN,
    ReLU and Add on the 28x28 stage weigh more than their MACs suggest)."""
    x = inp = keras.Input(input_shape, name="input")
    x = layers.Conv2D(width, 3, padding="same", use_bias=False, name="stem")(x)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, name="stem_bn")(x)
    x = layers.ReLU(name="stem_relu")(x)
    size = min(input_shape[:2])
    for stage in range(3):
        for b in range(blocks):
            stride = 2 if stage > 0 and b == 0 and size >= 4 else 1
            size = (size + stride - 1) // stride
            x = _basic_block(x, width * 2 ** stage, stride, f"s{stage}_b{b}")
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    out = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inp, out, name=f"teacher_resnet_{width}x{blocks}")


def _basic_block(x, ch: int, stride: int, name: str):
    """conv3x3(stride)+BN+ReLU, conv3x3+BN, plus the shortcut, then ReLU. The shortcut is the
    input itself, or a strided 1x1 conv+BN where the width or the map size changes."""
    shortcut = x
    y = layers.Conv2D(ch, 3, strides=stride, padding="same", use_bias=False, name=f"{name}_conv0")(x)
    y = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn0")(y)
    y = layers.ReLU(name=f"{name}_relu0")(y)
    y = layers.Conv2D(ch, 3, padding="same", use_bias=False, name=f"{name}_conv1")(y)
    y = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn1")(y)
    if stride != 1 or x.shape[-1] != ch:
        shortcut = layers.Conv2D(ch, 1, strides=stride, use_bias=False, name=f"{name}_proj")(x)
        shortcut = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_proj_bn")(shortcut)
    y = layers.Add(name=f"{name}_add")([y, shortcut])
    return layers.ReLU(name=f"{name}_relu1")(y)
