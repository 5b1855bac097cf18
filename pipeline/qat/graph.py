"""Float Keras model -> QAT Keras model: walk the graph, fuse, fold, insert quantizers.

Where the fake-quant ops go mirrors where the int8 model has requantization points:

  model input                      ActivationQuantizer  (-> the int8 input's scale/zero point)
  Conv/Depthwise/Dense [+BN] [+ReLU/ReLU6]
                                   one fused QAT layer, then ActivationQuantizer
  Add [+ReLU/ReLU6]                Add, then ActivationQuantizer (ADD rescales both inputs)
  ReLU/ReLU6 behind MaxPool/Flatten/Reshape/Dropout
                                   moved up into the producing fused op (they commute)
  ReLU/ReLU6 with nothing to fuse  ReLU, then ActivationQuantizer (capped at 6 for ReLU6)
  GlobalAveragePooling1D/2D        kept, then ActivationQuantizer (MEAN rescales its output)
  Softmax (layer or activation=)   logits quantized as above, Softmax, then SoftmaxQuantizer
  MaxPool/AvgPool/Flatten/Reshape/ZeroPadding/Dropout
                                   kept, no quantizer: in int8 these keep their input's
                                   scale and zero point (the TFLite int8 spec requires it)

A quantizer between a conv and its BN or ReLU would be wrong: the int8 model never
materializes the conv output before BN/ReLU, so the fused chain has one range, measured
after the clamp. Every other layer type raises QuantizeError: a layer silently left in
float would convert into float ops or QUANTIZE/DEQUANTIZE pairs in the middle of the model.
"""

from collections import defaultdict

import keras
from keras import layers

from pipeline.qat import fold as bn_fold
from pipeline.qat.errors import QuantizeError
from pipeline.qat.fake_quant import ActivationQuantizer, SoftmaxQuantizer
from pipeline.qat.layers import QuantConv, QuantDense, QuantDepthwiseConv2D

SUPPORTED = ("Conv1D, Conv2D, DepthwiseConv2D, Dense, BatchNormalization (right after one of "
             "those), ReLU/ReLU6, Add, MaxPooling1D/2D, AveragePooling1D/2D, "
             "GlobalAveragePooling1D/2D, Flatten, Reshape, ZeroPadding1D/2D, Dropout, Softmax")
_WEIGHTED = (layers.Conv1D, layers.Conv2D, layers.DepthwiseConv2D, layers.Dense)
_SCALE_PRESERVING = (layers.MaxPooling1D, layers.MaxPooling2D, layers.AveragePooling1D,
                     layers.AveragePooling2D, layers.Flatten, layers.Reshape,
                     layers.ZeroPadding1D, layers.ZeroPadding2D, layers.Dropout)
_COMMUTES_WITH_RELU = (layers.MaxPooling1D, layers.MaxPooling2D, layers.Flatten,
                       layers.Reshape, layers.Dropout)
_RESCALING = (layers.GlobalAveragePooling1D, layers.GlobalAveragePooling2D)


def quantize_model(model: keras.Model) -> keras.Model:
    """Float Keras model -> QAT model (trainable, same input/output shapes, saves as .keras)."""
    return _Builder(_functional_view(model)).build(name=f"{model.name}_qat")


def _functional_view(model):
    if isinstance(model, keras.Sequential):
        fn = getattr(model, "_functional", None)  # Keras 3 builds it once the input is known
        if fn is None:
            raise QuantizeError(f"Sequential model '{model.name}' has no input shape",
                                "start it with keras.Input(shape=...) or call model.build(...)")
        return fn
    if not hasattr(model, "_nodes_by_depth"):
        raise QuantizeError(f"model '{model.name}' ({type(model).__name__}) is subclassed: "
                            "its layer graph cannot be read",
                            "rebuild it as a Sequential or Functional keras.Model")
    return model


def relu_kind(layer) -> str | None:
    """'relu' / 'relu6' when `layer` is a plain ReLU or ReLU6 in any Keras spelling, else None."""
    if type(layer) is layers.ReLU:
        plain = layer.negative_slope == 0 and layer.threshold == 0
        if plain and layer.max_value is None:
            return "relu"
        if plain and layer.max_value == 6:
            return "relu6"
        return None
    if type(layer) is layers.Activation:
        name = keras.activations.serialize(layer.activation)
        return name if name in ("relu", "relu6") else None
    return None


def _activation_name(layer) -> str:
    return keras.activations.serialize(layer.activation)


class _Builder:
    def __init__(self, fn):
        self.fn = fn
        self.nodes = [n for d in sorted(fn._nodes_by_depth, reverse=True)
                      for n in fn._nodes_by_depth[d]]
        self.consumers = defaultdict(list)  # id(old tensor) -> nodes reading it
        seen_layers = set()
        for node in self.nodes:
            for t in node.input_tensors:
                self.consumers[id(t)].append(node)
            if not node.is_input:
                if id(node.operation) in seen_layers:
                    raise QuantizeError("is called more than once (shared weights)",
                                        "use a separate layer per call", node.operation)
                seen_layers.add(id(node.operation))
        self.output_ids = {id(t) for t in fn.outputs}
        self.tensors = {}     # id(old tensor) -> new tensor
        self.absorbed = set()  # ids of nodes fused into an earlier one
        self.moved_relus = set()  # ids of ReLU nodes moved up into an earlier fused op

    def build(self, name):
        new_inputs = []
        for t in self.fn.inputs:
            layer_name = t._keras_history[0].name
            x = keras.Input(shape=t.shape[1:], dtype=t.dtype, name=layer_name)
            new_inputs.append(x)
            self.tensors[id(t)] = ActivationQuantizer(name=f"{layer_name}_quant")(x)
        for node in self.nodes:
            if node.is_input or id(node) in self.absorbed:
                continue
            args, _ = node.arguments.fill_in(self.tensors)
            out_old, out_new = self._quantize_node(node, args[0])
            self.tensors[id(out_old)] = out_new
        outs = [self.tensors[id(t)] for t in self.fn.outputs]
        return keras.Model(new_inputs[0] if len(new_inputs) == 1 else new_inputs,
                           outs[0] if len(outs) == 1 else outs, name=name)

    def _single_consumer(self, tensor):
        """The only node reading `tensor`, if it is not also a model output; else None."""
        users = self.consumers[id(tensor)]
        if len(users) == 1 and id(tensor) not in self.output_ids:
            return users[0]
        return None

    def _quantize_node(self, node, x):
        """(old output tensor, new output tensor) for one node of the float graph."""
        layer = node.operation
        out = node.outputs[0]
        kind = type(layer)
        if kind in _WEIGHTED:
            return self._fused(node, x)
        if kind is layers.Add and len(x) != 2:
            raise QuantizeError(f"adds {len(x)} tensors; TFLite's ADD takes two and each "
                                "partial sum needs its own int8 range",
                                "chain two-input Add layers", layer)
        if kind is layers.Add:
            # ADD requantizes its output: a ReLU right after shares the one range (the
            # converter fuses it into ADD; the int8 output clamps at the zero point)
            y = layers.Add(name=layer.name)(x)
            out, act = self._absorb_relu(out)
            if act != "linear":
                y = layers.ReLU(max_value=6 if act == "relu6" else None,
                                name=f"{layer.name}_{act}")(y)
            return out, ActivationQuantizer(name=f"{layer.name}_quant")(y)
        if id(node) in self.moved_relus:
            return out, x
        if relu_kind(layer):
            # A ReLU with nothing to fuse into (after the input, AvgPool, GAP, ...) gets its
            # own range, measured after the clamp; the converter emits an int8 RELU that
            # requantizes (without a quantizer it leaves a float RELU between DEQUANTIZE and
            # QUANTIZE). ReLU6 becomes ReLU plus a range capped at 6: the int8 clamp at the
            # top of the range is the "6". An int8 RELU6 op with its own output range is what
            # we avoid: TFLite-Micro's RELU6 clamps without requantizing (measured: outputs
            # off by >100 LSB where LiteRT was exact).
            y = layers.ReLU(name=layer.name)(x)
            cap = 6.0 if relu_kind(layer) == "relu6" else None
            return out, ActivationQuantizer(max_value=cap, name=f"{layer.name}_quant")(y)
        if kind is layers.Activation and _activation_name(layer) == "linear":
            return out, x
        if _is_softmax(layer):
            return out, self._softmax(x, layer.name)
        if kind in _RESCALING:
            # MEAN requantizes, but the converter fuses no ReLU into it: a ReLU after a GAP
            # stays a separate op with its own range (the fallback below)
            y = kind.from_config(layer.get_config())(x)
            return out, ActivationQuantizer(name=f"{layer.name}_quant")(y)
        if kind in _SCALE_PRESERVING:
            return out, kind.from_config(layer.get_config())(x)
        if kind is layers.BatchNormalization:
            raise QuantizeError(
                "BatchNormalization that does not directly follow a Conv1D/Conv2D/"
                "DepthwiseConv2D/Dense without activation cannot be folded",
                "move it right after such a layer (activation after the BN)", layer)
        raise QuantizeError("has no int8 QAT equivalent in edgedistill",
                            f"replace it with supported layers: {SUPPORTED}", layer)

    def _absorb_relu(self, tensor):
        """Fuse the ReLU/ReLU6 that follows `tensor` into the op producing it.

        Directly following: the ReLU node is absorbed and its output becomes the fused
        output. Further down, behind single-consumer ops that commute with it (max and
        layout ops: relu(max(x)) = max(relu(x)); Dropout scales by a positive factor):
        the ReLU is moved up into the producer and becomes an identity where it stood.
        TFLite's converter makes the same move, so the QAT graph keeps matching the int8 one.
        Returns (tensor whose value the fused op now produces, activation name).
        """
        nxt = self._single_consumer(tensor)
        if nxt is not None and relu_kind(nxt.operation):
            self.absorbed.add(id(nxt))
            return nxt.outputs[0], relu_kind(nxt.operation)
        while nxt is not None and type(nxt.operation) in _COMMUTES_WITH_RELU:
            nxt = self._single_consumer(nxt.outputs[0])
            if nxt is not None and relu_kind(nxt.operation):
                self.moved_relus.add(id(nxt))
                return tensor, relu_kind(nxt.operation)
        return tensor, "linear"

    def _fused(self, node, x):
        """Conv/Depthwise/Dense [+ BN folded] [+ ReLU/ReLU6] -> one QAT layer + quantizer."""
        layer = node.operation
        out = node.outputs[0]
        act = _activation_name(layer)
        if act not in ("linear", "relu", "relu6", "softmax"):
            raise QuantizeError(f"activation '{act}' is not fused by TFLite int8 kernels",
                                "use relu, relu6, softmax or none", layer)
        kernel = keras.ops.convert_to_numpy(layer.kernel)
        bias = keras.ops.convert_to_numpy(layer.bias) if layer.use_bias else None
        if act == "linear":
            nxt = self._single_consumer(out)
            if nxt is not None and self._foldable_bn(nxt.operation, out):
                scale, shift = bn_fold.bn_scale_shift(nxt.operation)
                kernel, bias = bn_fold.fold(kernel, bias, scale, shift,
                                            depthwise=type(layer) is layers.DepthwiseConv2D)
                self.absorbed.add(id(nxt))
                out = nxt.outputs[0]
            out, act = self._absorb_relu(out)
        fused_act = "linear" if act == "softmax" else act
        qlayer = _qat_layer(layer, fused_act)
        qlayer.trainable = layer.trainable
        y = qlayer(x)
        if bias is None:  # use_bias=False and no BN: the QAT layer's bias starts at 0
            bias = keras.ops.convert_to_numpy(qlayer.bias)
        qlayer.set_weights([kernel, bias])
        y = ActivationQuantizer(name=f"{layer.name}_quant")(y)
        if act == "softmax":
            y = self._softmax(y, f"{layer.name}_softmax")
        return out, y

    @staticmethod
    def _foldable_bn(layer, conv_out):
        return (type(layer) is layers.BatchNormalization
                and layer.axis in (-1, len(conv_out.shape) - 1))

    @staticmethod
    def _softmax(x, name):
        return SoftmaxQuantizer(name=f"{name}_quant")(layers.Softmax(name=name)(x))


def _is_softmax(layer) -> bool:
    if type(layer) is layers.Softmax:
        axis = layer.axis
        if axis not in (-1, [-1], (-1,)):
            raise QuantizeError(f"softmax over axis {axis}: TFLite's SOFTMAX is over the "
                                "last axis only", "use axis=-1", layer)
        return True
    return type(layer) is layers.Activation and _activation_name(layer) == "softmax"


def _qat_layer(layer, act):
    """The QAT layer that replaces `layer` (a Conv1D/Conv2D/DepthwiseConv2D/Dense)."""
    kind = type(layer)
    if kind is layers.Dense:
        return QuantDense(layer.units, activation=act, name=layer.name)
    if layer.data_format != "channels_last":
        raise QuantizeError("channels_first layout", "use data_format='channels_last' "
                            "(TFLite's layout)", layer)
    if layer.padding not in ("valid", "same"):
        raise QuantizeError(f"padding '{layer.padding}' has no TFLite conv equivalent",
                            "use 'valid' or 'same' (add ZeroPadding1D before for causal)",
                            layer)
    common = dict(kernel_size=layer.kernel_size, strides=layer.strides,
                  padding=layer.padding, dilation_rate=layer.dilation_rate,
                  activation=act, name=layer.name)
    if kind is layers.DepthwiseConv2D:
        return QuantDepthwiseConv2D(depth_multiplier=layer.depth_multiplier, **common)
    if layer.groups != 1:
        raise QuantizeError(f"grouped convolution (groups={layer.groups})",
                            "use groups=1 or a DepthwiseConv2D", layer)
    return QuantConv(filters=layer.filters, **common)
