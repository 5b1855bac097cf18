"""The rounding itself: symmetric narrow-range weights, EMA activation ranges, softmax grid."""

import keras
import numpy as np
import tensorflow as tf

from pipeline.qat import ActivationQuantizer, SoftmaxQuantizer, calibrate, quantize_model
from pipeline.qat.fake_quant import weights_per_channel, weights_per_tensor


def test_per_channel_weights_are_symmetric_127_levels_per_channel():
    w = np.zeros((3, 3, 2, 4), np.float32)
    w[..., 0] = np.linspace(-1.0, 0.5, 18).reshape(3, 3, 2)   # |w|max = 1.0
    w[..., 1] = np.linspace(-0.01, 0.02, 18).reshape(3, 3, 2)  # |w|max = 0.02
    w[..., 2] = 0.0                                              # dead channel stays 0
    w[..., 3] = 0.3
    q = weights_per_channel(tf.constant(w)).numpy()
    for c, abs_max in enumerate([1.0, 0.02, None, 0.3]):
        if abs_max is None:
            assert np.all(q[..., c] == 0)
            continue
        step = abs_max / 127  # narrow range: [-127, 127] * step, zero exactly representable
        codes = q[..., c] / step
        np.testing.assert_allclose(codes, np.round(codes), atol=1e-3)
        assert np.abs(codes).max() <= 127 + 1e-3
        assert np.abs(q[..., c] - w[..., c]).max() <= step / 2 + 1e-7


def test_per_tensor_weights_share_one_scale():
    w = np.array([[-2.0, 0.005], [0.5, 1.0]], np.float32)
    q = weights_per_tensor(tf.constant(w)).numpy()
    step = 2.0 / 127
    np.testing.assert_allclose(q / step, np.round(q / step), atol=1e-4)
    assert q[0, 1] == 0.0  # 0.005 < step / 2 rounds to 0 with one shared scale


def test_activation_range_first_batch_then_ema_and_contains_zero():
    quant = ActivationQuantizer(ema_decay=0.9)
    quant.build((None, 4))
    assert float(quant.initialized.numpy()) == 0.0
    quant(tf.constant([[0.5, 1.0, 2.0, 3.0]]), training=True)  # all positive: min clipped to 0
    assert float(quant.range_min.numpy()) == 0.0
    assert float(quant.range_max.numpy()) == 3.0
    quant(tf.constant([[-1.0, 0.0, 1.0, 1.0]]), training=True)
    np.testing.assert_allclose(quant.range_min.numpy(), 0.9 * 0.0 + 0.1 * -1.0, rtol=1e-6)
    np.testing.assert_allclose(quant.range_max.numpy(), 0.9 * 3.0 + 0.1 * 1.0, rtol=1e-6)
    before = quant.range_max.numpy()
    y = quant(tf.constant([[100.0, -100.0, 0.0, 0.0]]), training=False)  # frozen at inference
    assert quant.range_max.numpy() == before
    assert float(y.numpy().max()) <= before + 1e-6  # clamped to the range


def test_activation_quantizer_cap_and_fake_quant_grid():
    quant = ActivationQuantizer(max_value=6.0)
    quant.build((None, 3))
    y = quant(tf.constant([[0.0, 3.3, 9.0]]), training=True).numpy()
    assert float(quant.range_max.numpy()) == 6.0 and y[0, 2] == 6.0
    step = 6.0 / 255
    np.testing.assert_allclose(y / step, np.round(y / step), atol=1e-3)


def test_softmax_quantizer_is_tflite_softmax_grid():
    y = SoftmaxQuantizer()(tf.constant([[0.0, 0.5, 0.3, 1.0, 0.00195]])).numpy()
    np.testing.assert_allclose(y * 256, np.round(y * 256), atol=1e-4)  # scale 1/256
    assert y[0, 3] == 255 / 256  # zero point -128: 1.0 saturates at code 127


def test_calibrate_sets_ranges_without_changing_weights():
    keras.utils.set_random_seed(0)
    qat = quantize_model(keras.Sequential([keras.Input((5,)), keras.layers.Dense(3),
                                           keras.layers.Dropout(0.5)]))
    w = [v.numpy().copy() for v in qat.trainable_variables]
    x = np.random.default_rng(0).uniform(-2, 2, (64, 5)).astype(np.float32)
    calibrate(qat, x)
    quants = [l for l in qat.layers if isinstance(l, ActivationQuantizer)]
    assert all(float(q.initialized.numpy()) == 1.0 for q in quants)
    assert float(quants[0].range_min.numpy()) < -1.5 and float(quants[0].range_max.numpy()) > 1.5
    for before, v in zip(w, qat.trainable_variables):
        np.testing.assert_array_equal(before, v.numpy())
