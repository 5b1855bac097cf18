"""The zoo's ResNet teacher: its shape on every input size the recipes use, residual wiring,
logits out, and one training step. Teachers are never quantized, so no QAT or conversion here."""

import keras
import numpy as np
import pytest

from pipeline import zoo


@pytest.mark.parametrize("shape,final", [((28, 28, 1), (7, 7)), ((32, 32, 3), (8, 8)), ((8, 8, 1), (2, 2)),
                                         ((49, 10, 1), (13, 3))])
def test_resnet_builds_and_trains_one_step(shape, final):
    keras.utils.set_random_seed(0)
    m = zoo.build("teacher", "resnet", shape, 10)
    assert tuple(m.get_layer("gap").input.shape[1:3]) == final     # stages 2 and 3 halve the map
    x = np.random.default_rng(0).uniform(0, 1, (8, *shape)).astype(np.float32)
    y = np.arange(8) % 10
    m.compile(keras.optimizers.Adam(1e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    before = [w.copy() for w in m.get_weights()]
    loss = m.train_on_batch(x, y)
    assert np.isfinite(loss)
    assert sum(np.abs(a - b).max() > 0 for a, b in zip(before, m.get_weights())) > len(before) // 2
    out = m.predict(x, verbose=0)
    assert out.shape == (8, 10)
    assert m.layers[-1].name == "logits" and m.layers[-1].activation is keras.activations.linear   # no softmax


def test_resnet_is_resnet8_by_default():
    """width 16, one block per stage, on 32x32x3 and 10 classes, counted by hand:
    stem 3·3·3·16 + BN 4·16 = 496; stage 1: 2 × 3·3·16·16 + 2 BN = 4,736; stage 2: 3·3·16·32 +
    3·3·32·32 + 1x1 projection 16·32 + 3 BN = 14,720; stage 3 likewise at 32 -> 64: 58,112;
    logits 64·10 + 10 = 650. Total 78,714 (MLPerf Tiny's ResNet-8: ~78 k)."""
    m = zoo.build("teacher", "resnet", (32, 32, 3), 10)
    assert m.count_params() == 78_714
    adds = [layer for layer in m.layers if isinstance(layer, keras.layers.Add)]
    projections = [layer.name for layer in m.layers if layer.name.endswith("_proj")]
    assert len(adds) == 3 and projections == ["s1_b0_proj", "s2_b0_proj"]   # identity where shapes match
    wide = zoo.build("teacher", "resnet", (32, 32, 3), 10, width=32, blocks=2)
    assert len([layer for layer in wide.layers if isinstance(layer, keras.layers.Add)]) == 6
    assert wide.get_layer("s2_b1_conv1").filters == 128


def test_a_residual_block_adds_its_input():
    """With the block's convs zeroed, BN's beta 0 and the shortcut the identity, the block passes
    ReLU(its input) on: the skip is really wired around the convs."""
    m = zoo.build("teacher", "resnet", (8, 8, 1), 10)
    for name in ("s0_b0_conv0", "s0_b0_conv1"):
        m.get_layer(name).set_weights([np.zeros_like(w) for w in m.get_layer(name).get_weights()])
    block_in = keras.Model(m.input, m.get_layer("stem_relu").output)
    block_out = keras.Model(m.input, m.get_layer("s0_b0_relu1").output)
    x = np.random.default_rng(1).uniform(0, 1, (2, 8, 8, 1)).astype(np.float32)
    np.testing.assert_allclose(block_out.predict(x, verbose=0), block_in.predict(x, verbose=0), atol=1e-6)
