"""QAT replacements for Conv1D/Conv2D, DepthwiseConv2D and Dense, BN already folded in.

Each layer computes  activation(conv(x, fake_quant(kernel)) + bias)  — one fused TFLite op
(CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED with fused RELU/RELU6). The output's int8
range is learned by the ActivationQuantizer the graph builder places right after it, so the
activation is clamped before the range is measured, as the int8 kernel clamps it.

The bias stays float: the converter stores it as int32 with scale = input_scale *
weight_scale, the LSB of the int32 accumulator it is added to, so its rounding is of the
same size as one input-times-weight product step, far below one output LSB.
"""

import keras
import tensorflow as tf

from pipeline.qat import fake_quant

# Activations that TFLite fuses into the op as a clamp of the int8 output.
FUSED_ACTIVATIONS = {"linear": None, "relu": tf.nn.relu, "relu6": tf.nn.relu6}


class _FusedQuantLayer(keras.layers.Layer):
    """kernel (fake-quantized) + bias + fused activation; subclasses define shapes and the op."""

    def __init__(self, activation: str = "linear", **kwargs):
        super().__init__(**kwargs)
        if activation not in FUSED_ACTIVATIONS:
            raise ValueError(f"activation {activation!r} is not one TFLite fuses: "
                             f"{sorted(FUSED_ACTIVATIONS)}")
        self.activation = activation

    def kernel_shape(self, input_shape) -> tuple:
        raise NotImplementedError

    def quantize_kernel(self, kernel):
        raise NotImplementedError

    def apply_kernel(self, x, kernel):
        raise NotImplementedError

    def build(self, input_shape):
        kshape = self.kernel_shape(input_shape)
        self.kernel = self.add_weight(name="kernel", shape=kshape,
                                      initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.channels(kshape),),
                                    initializer="zeros")

    @staticmethod
    def channels(kshape) -> int:
        return kshape[-1]

    def call(self, x):
        y = self.apply_kernel(x, self.quantize_kernel(self.kernel)) + self.bias
        act = FUSED_ACTIVATIONS[self.activation]
        return y if act is None else act(y)

    def quantized_kernel(self):
        """The kernel as the int8 model stores it (dequantized), numpy, in `kernel`'s shape."""
        q = self.quantize_kernel(self.kernel)
        return keras.ops.convert_to_numpy(keras.ops.reshape(q, self.kernel.shape))

    def get_config(self):
        return {**super().get_config(), "activation": self.activation}


class _ConvBase(_FusedQuantLayer):
    """Common spatial arguments; channels_last only (TFLite's layout)."""

    def __init__(self, kernel_size, strides, padding="valid", dilation_rate=1, **kwargs):
        super().__init__(**kwargs)
        self.kernel_size = tuple(kernel_size)
        rank = len(self.kernel_size)
        self.strides = _tuple(strides, rank)
        self.dilation_rate = _tuple(dilation_rate, rank)
        self.padding = padding

    def get_config(self):
        return {**super().get_config(), "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding,
                "dilation_rate": self.dilation_rate}


@keras.saving.register_keras_serializable(package="edgedistill")
class QuantConv(_ConvBase):
    """Conv1D (kernel_size of length 1) or Conv2D (length 2). Per-channel weights."""

    def __init__(self, filters: int, kernel_size, strides, **kwargs):
        super().__init__(kernel_size, strides, **kwargs)
        self.filters = int(filters)

    def kernel_shape(self, input_shape):
        return (*self.kernel_size, input_shape[-1], self.filters)  # (k.., C_in, C_out)

    def quantize_kernel(self, kernel):
        if len(self.kernel_size) == 1:
            # Conv1D runs as CONV_2D over (N, 1, T, C) in TFLite. Quantizing the kernel already
            # in its 4-D form (1, k, C_in, C_out) keeps the per-channel axis last; quantizing
            # it in 3-D makes the converter's reshape move the quantized axis (2 -> 3), which
            # it rejects ("'tfl.reshape' op requires 'output' type ... cast compatible").
            kernel = keras.ops.expand_dims(kernel, 0)
        return fake_quant.weights_per_channel(kernel)

    def apply_kernel(self, x, kernel):
        if len(self.kernel_size) == 1:  # (N, T, C) -> (N, 1, T, C) -> conv2d -> squeeze
            y = keras.ops.conv(keras.ops.expand_dims(x, 1), kernel, strides=(1, *self.strides),
                               padding=self.padding, data_format="channels_last",
                               dilation_rate=(1, *self.dilation_rate))
            return keras.ops.squeeze(y, 1)
        return keras.ops.conv(x, kernel, strides=self.strides, padding=self.padding,
                              data_format="channels_last", dilation_rate=self.dilation_rate)

    def compute_output_shape(self, input_shape):
        spatial = [_out_len(n, k, s, d, self.padding) for n, k, s, d in zip(
            input_shape[1:-1], self.kernel_size, self.strides, self.dilation_rate)]
        return (input_shape[0], *spatial, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters}


@keras.saving.register_keras_serializable(package="edgedistill")
class QuantDepthwiseConv2D(_ConvBase):
    """DepthwiseConv2D; per-channel weights over the C_in * multiplier output channels."""

    def __init__(self, kernel_size, strides, depth_multiplier: int = 1, **kwargs):
        super().__init__(kernel_size, strides, **kwargs)
        self.depth_multiplier = int(depth_multiplier)

    def kernel_shape(self, input_shape):
        return (*self.kernel_size, input_shape[-1], self.depth_multiplier)  # (kh, kw, C_in, M)

    @staticmethod
    def channels(kshape):
        return kshape[-2] * kshape[-1]

    def quantize_kernel(self, kernel):
        # Output channel c = i * M + m, which is the row-major order of the last two axes:
        # flatten them to one channel axis for the per-channel op, then restore the shape.
        kh, kw, cin, mult = kernel.shape
        flat = fake_quant.weights_per_channel(tf.reshape(kernel, (kh, kw, cin * mult)))
        return tf.reshape(flat, (kh, kw, cin, mult))

    def apply_kernel(self, x, kernel):
        return keras.ops.depthwise_conv(
            x, kernel, strides=self.strides, padding=self.padding,
            data_format="channels_last", dilation_rate=self.dilation_rate)

    def compute_output_shape(self, input_shape):
        spatial = [_out_len(n, k, s, d, self.padding) for n, k, s, d in zip(
            input_shape[1:-1], self.kernel_size, self.strides, self.dilation_rate)]
        return (input_shape[0], *spatial, input_shape[-1] * self.depth_multiplier)

    def get_config(self):
        return {**super().get_config(), "depth_multiplier": self.depth_multiplier}


@keras.saving.register_keras_serializable(package="edgedistill")
class QuantDense(_FusedQuantLayer):
    """Dense on the last axis; per-tensor weights (see fake_quant.weights_per_tensor)."""

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)

    def kernel_shape(self, input_shape):
        return (input_shape[-1], self.units)  # (C_in, C_out)

    def quantize_kernel(self, kernel):
        return fake_quant.weights_per_tensor(kernel)

    def apply_kernel(self, x, kernel):
        return keras.ops.matmul(x, kernel)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def _tuple(v, rank):
    return tuple(v) if isinstance(v, (tuple, list)) else (int(v),) * rank


def _out_len(n, k, s, d, padding):
    if n is None:
        return None
    if padding == "same":
        return -(-n // s)
    return (n - (k - 1) * d - 1) // s + 1
