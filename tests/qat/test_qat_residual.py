"""A residual (Add) functional model: QAT -> int8 -> matches the QAT model within 1 LSB."""

import keras
import numpy as np
from keras import layers

from pipeline.qat import quantize_model
from pipeline.qat.agreement import int8_agreement
from pipeline.runtimes import litert, tflm
from pipeline.stages.convert import convert


def _residual_net():
    inp = keras.Input((12, 12, 3))
    x = layers.Conv2D(8, 3, strides=2, padding="same", use_bias=False)(inp)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    shortcut = x
    y = layers.Conv2D(8, 3, padding="same", use_bias=False)(x)
    y = layers.BatchNormalization()(y)
    y = layers.ReLU(max_value=6)(y)
    y = layers.DepthwiseConv2D(3, padding="same")(y)
    y = layers.BatchNormalization()(y)
    x = layers.Add()([shortcut, y])
    x = layers.Activation("relu")(x)
    x = layers.MaxPooling2D(2)(x)
    # Flatten head: GAP's MEAN is covered in test_qat_layers; TFLite's 4-D int8 MEAN rounds
    # up to ~0.6 LSB off, which a Dense after it can turn into 2 LSB on ~1% of samples.
    x = layers.Flatten()(x)
    x = layers.Dense(4)(x)
    return keras.Model(inp, x)


def test_residual_block_converts_to_int8_and_matches():
    keras.utils.set_random_seed(11)
    qat = quantize_model(_residual_net())
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (64, 12, 12, 3)).astype(np.float32)
    qat.compile(optimizer="adam", loss="mse")
    qat.fit(x, rng.normal(size=(64, 4)), batch_size=16, epochs=1, verbose=0)

    tflite = convert(qat, x)
    ops = litert.ops(tflite)
    assert ops.count("CONV_2D") == 2 and ops.count("ADD") == 1, ops
    assert {"DEPTHWISE_CONV_2D", "MAX_POOL_2D", "FULLY_CONNECTED"} <= set(ops)
    assert not {"QUANTIZE", "DEQUANTIZE", "RELU", "SHAPE", "STRIDED_SLICE", "PACK"} & set(ops)

    xt = rng.uniform(-1, 1, (200, 12, 12, 3)).astype(np.float32)
    for name, run in (("tflm", tflm.run), ("litert", litert.run)):
        stats = int8_agreement(qat, tflite, xt, run)
        assert stats["within_1"] >= 0.99, (name, stats)
