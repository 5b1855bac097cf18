"""Fake quantization: the int8 rounding of TFLite, simulated in float so training can see it.

Every function/layer here ends in one of TensorFlow's FakeQuant ops. The TFLite converter
recognises exactly those ops and turns the (min, max) they carry into each tensor's
int8 scale and zero point, so the Keras model and the .tflite agree to the LSB.

    q = clamp(round(x / scale) + zero_point, qmin, qmax)    x_hat = (q - zero_point) * scale

The ops "nudge" (min, max) so that 0.0 lands exactly on an integer (zero padding, ReLU's
floor and the int8 kernels' input offsets all assume 0 is representable), and pass
gradients straight through inside [min, max] and zero outside (the straight-through
estimator).
"""

import keras
import tensorflow as tf

NUM_BITS = 8
# Smallest width we let an activation range collapse to. A tensor that is all zeros in
# every batch would otherwise give min == max and a zero scale (division by zero in the
# converter). 1e-3 / 255 ≈ 4e-6 per step: far below anything a real activation needs.
MIN_RANGE_WIDTH = 1e-3
# Floor for a weight channel's |w|max: an all-zero channel (pruned or dead) still gets a
# finite scale; its weights quantize to 0 either way.
MIN_WEIGHT_ABS_MAX = 1e-8


def weights_per_channel(w: tf.Tensor) -> tf.Tensor:
    """Symmetric int8, one scale per output channel = last axis of `w`.

    Symmetric (min = -max) because TFLite's int8 kernels require weight zero point 0:
    the accumulator is then sum((x - x_zp) * w) with no cross term to subtract.
    narrow_range=True uses [-127, 127], not [-128, 127]: the grid is symmetric about 0, so
    scale = |w|max / 127 exactly, and the int8 spec requires it for weights (it also keeps
    -128 * -128 out of 16-bit SIMD multiply-accumulate paths such as CMSIS-NN's).
    Per channel because conv channels differ in magnitude by 10-100x after BN folding; one
    shared scale would leave the small channels with a handful of levels.
    The range is the current |w|max ("last value", as tfmot does for weights), with the
    gradient stopped: the range follows the weights, it is not itself learned.
    """
    reduce_axes = list(range(len(w.shape) - 1))
    abs_max = tf.stop_gradient(tf.reduce_max(tf.abs(w), axis=reduce_axes))  # (C,)
    abs_max = tf.maximum(abs_max, MIN_WEIGHT_ABS_MAX)
    return tf.quantization.fake_quant_with_min_max_vars_per_channel(
        w, -abs_max, abs_max, num_bits=NUM_BITS, narrow_range=True)


def weights_per_tensor(w: tf.Tensor) -> tf.Tensor:
    """Symmetric int8 with a single scale (narrow range, as above).

    Used for Dense: TFLite's FULLY_CONNECTED kernels support per-channel weights, but the
    converter's Dense lowering (transpose of the kernel) rejects a per-channel axis:
    "tfl.transpose op has mismatched quantized axes".
    """
    abs_max = tf.maximum(tf.stop_gradient(tf.reduce_max(tf.abs(w))), MIN_WEIGHT_ABS_MAX)
    return tf.quantization.fake_quant_with_min_max_vars(
        w, -abs_max, abs_max, num_bits=NUM_BITS, narrow_range=True)


@keras.saving.register_keras_serializable(package="edgedistill")
class ActivationQuantizer(keras.layers.Layer):
    """Asymmetric int8 fake quantization of an activation tensor, range learned by EMA.

    Activations get a zero point (asymmetric): after ReLU the range is [0, max], and a
    symmetric grid would waste the 128 negative codes. int8 activations use the full
    [-128, 127] (narrow_range=False): the kernels take any input zero point.

    The range is an exponential moving average of per-batch (min, max), as in tfmot's
    MovingAverageQuantizer: per-batch extremes are noisy (one outlier image sets the scale
    for that step), their average converges to the typical extreme, and at inference the
    range is frozen, which is what the converter bakes into the int8 model.
    Init: the first training batch sets the range outright (tfmot starts from [-6, 6] and
    with decay 0.999 needs thousands of steps to forget it; our QAT runs are short). Before
    any training the range is [-6, 6], and `initialized` says whether it was ever fitted.
    The range always contains 0 (batch min is clipped to <= 0, max to >= 0) so that 0 is
    exactly representable and the EMA of a ReLU output stays anchored at 0.
    """

    def __init__(self, ema_decay: float = 0.99, max_value: float | None = None, **kwargs):
        super().__init__(**kwargs)
        # max_value caps the range (ReLU6 as "ReLU + range at most [0, 6]", see graph.py)
        self.max_value = None if max_value is None else float(max_value)
        # 0.99: the range averages the last ~100 batches; QAT here runs hundreds to a few
        # thousand steps, so it settles well before the end.
        self.ema_decay = float(ema_decay)
        self.calibrating = False  # set by calibrate(): update ranges outside training

    def build(self, input_shape):
        self.range_min = self.add_weight(
            name="range_min", shape=(), initializer=keras.initializers.Constant(-6.0),
            trainable=False)
        self.range_max = self.add_weight(
            name="range_max", shape=(), initializer=keras.initializers.Constant(6.0),
            trainable=False)
        self.initialized = self.add_weight(
            name="initialized", shape=(), initializer="zeros", trainable=False)

    def update_range(self, x):
        """EMA step on the batch range of `x`; returns the new (min, max)."""
        batch_min = tf.minimum(tf.stop_gradient(tf.reduce_min(x)), 0.0)
        batch_max = tf.maximum(tf.stop_gradient(tf.reduce_max(x)), 0.0)
        decay = self.ema_decay * self.initialized  # 0 on the very first batch
        new_min = decay * self.range_min + (1.0 - decay) * batch_min
        new_max = decay * self.range_max + (1.0 - decay) * batch_max
        if self.max_value is not None:
            new_max = tf.minimum(new_max, self.max_value)
        new_max = tf.maximum(new_max, new_min + MIN_RANGE_WIDTH)
        self.range_min.assign(new_min)
        self.range_max.assign(new_max)
        self.initialized.assign(1.0)
        return new_min, new_max

    def call(self, x, training=False):
        if training or self.calibrating:
            lo, hi = self.update_range(x)
        else:
            lo, hi = self.range_min, self.range_max
        return tf.quantization.fake_quant_with_min_max_vars(
            x, lo, hi, num_bits=NUM_BITS, narrow_range=False)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "ema_decay": self.ema_decay,
                "max_value": self.max_value}


@keras.saving.register_keras_serializable(package="edgedistill")
class SoftmaxQuantizer(keras.layers.Layer):
    """Fixed int8 grid of TFLite's int8 SOFTMAX output: scale 1/256, zero point -128.

    TFLite's int8 softmax kernel only produces that grid (probabilities in [0, 255/256]),
    so a learned range would either be overridden by the converter or force a requantize.
    fake_quant over [0, 255/256] with 256 levels is exactly scale 1/256, zero point -128.
    """

    def call(self, x):
        return tf.quantization.fake_quant_with_min_max_args(
            x, min=0.0, max=255.0 / 256.0, num_bits=NUM_BITS, narrow_range=False)

    def compute_output_shape(self, input_shape):
        return input_shape
