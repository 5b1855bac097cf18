"""Activation ranges from data without training: forward passes that only update the EMAs."""

import keras
import numpy as np

from pipeline.qat.fake_quant import ActivationQuantizer


def activation_quantizers(model: keras.Model) -> list[ActivationQuantizer]:
    return [l for l in model._flatten_layers(include_self=False)
            if isinstance(l, ActivationQuantizer)]


def calibrate(model: keras.Model, x: np.ndarray, batch_size: int = 32) -> None:
    """Run `x` through a QAT model in inference mode (no dropout, weights untouched) while
    every ActivationQuantizer updates its moving-average range, as in a training step.

    Runs eagerly (the `calibrating` flag is read at call time): meant for a few hundred
    samples, e.g. before converting a QAT model that was never fitted.
    """
    quantizers = activation_quantizers(model)
    for q in quantizers:
        q.calibrating = True
    try:
        for start in range(0, len(x), batch_size):
            model(np.asarray(x[start:start + batch_size], np.float32), training=False)
    finally:
        for q in quantizers:
            q.calibrating = False


def uncalibrated(model: keras.Model) -> list[str]:
    """Names of activation quantizers whose range was never set from data."""
    return [q.name for q in activation_quantizers(model)
            if float(keras.ops.convert_to_numpy(q.initialized)) == 0.0]
