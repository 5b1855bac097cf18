"""BatchNormalization folding: the folded conv equals conv-then-BN (inference statistics)."""

import keras
import numpy as np
import pytest
from keras import layers

from pipeline.qat import quantize_model, strip_quantization
from pipeline.qat.fold import bn_scale_shift, fold


def _randomize_bn(bn, rng):
    """Non-trivial moving statistics, as after training (fresh BN is the identity)."""
    c = bn.gamma.shape[0]
    bn.set_weights([rng.uniform(0.5, 2.0, c), rng.normal(0, 0.5, c),
                    rng.normal(0, 0.5, c), rng.uniform(0.1, 3.0, c)])


@pytest.mark.parametrize("conv,shape", [
    (lambda: layers.Conv2D(5, 3, padding="same"), (7, 7, 3)),
    (lambda: layers.Conv2D(5, 3, use_bias=False), (7, 7, 3)),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=2), (7, 7, 3)),
    (lambda: layers.Conv1D(4, 3), (12, 3)),
    (lambda: layers.Dense(6), (9,)),
])
def test_folded_layer_equals_layer_then_bn(conv, shape):
    rng = np.random.default_rng(0)
    keras.utils.set_random_seed(0)
    layer, bn = conv(), layers.BatchNormalization(epsilon=1e-3)
    model = keras.Sequential([keras.Input(shape), layer, bn])
    _randomize_bn(bn, rng)
    x = rng.normal(size=(16, *shape)).astype(np.float32)

    scale, shift = bn_scale_shift(bn)
    kernel, bias = fold(layer.kernel.numpy(), layer.bias.numpy() if layer.use_bias else None,
                        scale, shift, depthwise=isinstance(layer, layers.DepthwiseConv2D))
    plain = type(layer).from_config({**layer.get_config(), "use_bias": True})
    folded = keras.Sequential([keras.Input(shape), plain])
    plain.set_weights([kernel, bias])
    np.testing.assert_allclose(folded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-4, atol=1e-4)


def test_qat_model_without_fake_quant_equals_float_model():
    """quantize_model folds every BN; its float twin (raw folded weights) = the float model."""
    rng = np.random.default_rng(1)
    keras.utils.set_random_seed(1)
    inp = keras.Input((8, 8, 3))
    x = layers.Conv2D(6, 3, padding="same", use_bias=False)(inp)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU(max_value=6)(x)
    x = layers.DepthwiseConv2D(3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(4)(x)
    x = layers.BatchNormalization()(x)
    model = keras.Model(inp, x)
    for l in model.layers:
        if isinstance(l, layers.BatchNormalization):
            _randomize_bn(l, rng)
    qat = quantize_model(model)
    assert not [l for l in qat.layers if isinstance(l, layers.BatchNormalization)]
    twin = strip_quantization(qat, quantized_weights=False)
    xs = rng.uniform(-1, 1, (16, 8, 8, 3)).astype(np.float32)
    np.testing.assert_allclose(twin.predict(xs, verbose=0), model.predict(xs, verbose=0),
                               rtol=1e-4, atol=1e-4)
