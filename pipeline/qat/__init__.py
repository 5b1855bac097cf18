"""Native Keras 3 quantization-aware training (fake-quant) for int8 TFLite / TFLite-Micro.

    qat = quantize_model(float_model)   # BN folded, int8 fake-quant on weights and activations
    qat.fit(...)                        # or as the student of keras.distillation.Distiller
    pipeline.stages.convert.convert(qat, representative)   # -> int8 .tflite bytes

Modules: fake_quant (the rounding), layers (fused QAT conv/depthwise/dense), fold (BN
algebra), graph (where the quantizers go), strip (float twin), calibrate (ranges without
training), agreement (int8 .tflite vs QAT model, in LSBs), errors.
"""

from pipeline.qat.calibrate import calibrate
from pipeline.qat.errors import QuantizeError
from pipeline.qat.fake_quant import ActivationQuantizer, SoftmaxQuantizer
from pipeline.qat.graph import quantize_model
from pipeline.qat.layers import QuantConv, QuantDense, QuantDepthwiseConv2D
from pipeline.qat.strip import is_qat_model, strip_quantization

__all__ = ["quantize_model", "QuantizeError", "calibrate", "strip_quantization",
           "is_qat_model", "ActivationQuantizer", "SoftmaxQuantizer", "QuantConv",
           "QuantDepthwiseConv2D", "QuantDense"]
