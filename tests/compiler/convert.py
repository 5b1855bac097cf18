"""Keras -> int8 .tflite for the compiler tests (the same helper the benchmarks use)."""

from pipeline.compiler.mlperf import to_int8_tflite

__all__ = ["to_int8_tflite"]
