"""QAT model -> plain float Keras model: fake-quant removed, BN stays folded.

Used for the float16 / dynamic-range / float32 exports of a QAT model (a graph with FakeQuant
ops always converts to int8 kernels, whatever the converter is asked for) and to check
BN folding against the original float model.
"""

import keras
from keras import layers

from pipeline.qat.fake_quant import ActivationQuantizer, SoftmaxQuantizer
from pipeline.qat.layers import QuantConv, QuantDense, QuantDepthwiseConv2D

_QUANTIZERS = (ActivationQuantizer, SoftmaxQuantizer)
_QAT_LAYERS = (QuantConv, QuantDepthwiseConv2D, QuantDense, *_QUANTIZERS)


def is_qat_model(model: keras.Model) -> bool:
    """True when the model holds any layer this package inserts (fake-quant is present)."""
    return any(isinstance(l, _QAT_LAYERS) for l in model._flatten_layers(include_self=False))


def strip_quantization(model: keras.Model, quantized_weights: bool = True) -> keras.Model:
    """Float twin of a QAT model from `quantize_model`.

    quantized_weights=True bakes in the weights the int8 model uses (rounded to their int8
    grid, then dequantized); False keeps the raw folded float weights.
    Activations are not rounded: the float twin differs from the QAT model by up to half an
    int8 step per quantized tensor.
    """
    nodes = [n for d in sorted(model._nodes_by_depth, reverse=True)
             for n in model._nodes_by_depth[d]]
    tensors = {}
    new_inputs = []
    for t in model.inputs:
        x = keras.Input(shape=t.shape[1:], dtype=t.dtype, name=t._keras_history[0].name)
        tensors[id(t)] = x
        new_inputs.append(x)
    for node in nodes:
        if node.is_input:
            continue
        layer = node.operation
        args, kwargs = node.arguments.fill_in(tensors)
        if isinstance(layer, _QUANTIZERS):
            y = args[0]
        elif isinstance(layer, _QAT_LAYERS):
            float_layer = _float_layer(layer)
            y = float_layer(args[0])
            kernel = (layer.quantized_kernel() if quantized_weights
                      else keras.ops.convert_to_numpy(layer.kernel))
            float_layer.set_weights([kernel, keras.ops.convert_to_numpy(layer.bias)])
        else:
            y = type(layer).from_config(layer.get_config())(*args, **kwargs)
        tensors[id(node.outputs[0])] = y
    outs = [tensors[id(t)] for t in model.outputs]
    return keras.Model(new_inputs[0] if len(new_inputs) == 1 else new_inputs,
                       outs[0] if len(outs) == 1 else outs,
                       name=f"{model.name}_float")


def _float_layer(layer):
    if isinstance(layer, QuantDense):
        return layers.Dense(layer.units, activation=layer.activation, name=layer.name)
    common = dict(kernel_size=layer.kernel_size, strides=layer.strides, padding=layer.padding,
                  dilation_rate=layer.dilation_rate, activation=layer.activation,
                  name=layer.name)
    if isinstance(layer, QuantDepthwiseConv2D):
        return layers.DepthwiseConv2D(depth_multiplier=layer.depth_multiplier, **common)
    conv = layers.Conv1D if len(layer.kernel_size) == 1 else layers.Conv2D
    return conv(filters=layer.filters, **common)
