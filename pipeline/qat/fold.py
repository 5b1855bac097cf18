"""BatchNormalization folded into the preceding Conv/DepthwiseConv/Dense (numpy, exact algebra).

Inference BN on the conv output y = w * x + b, per output channel c:

    bn(y)_c = gamma_c * (y_c - mean_c) / sqrt(var_c + eps) + beta_c
            = (s_c * w_c) * x + (s_c * (b_c - mean_c) + beta_c),   s_c = gamma_c / sqrt(var_c + eps)

so one conv with kernel w' = s * w and bias b' = s * (b - mean) + beta computes the same thing
and there is no BN op left to quantize. Quantizing w' (not w) is the point: the int8 kernel
TFLite runs is the folded one, so QAT has to see the rounding of w', whose per-channel
ranges differ from w's by the factors s_c.

We fold with the moving (inference) statistics, once, before QAT starts. The alternative
(tfmot/Jacob et al. 2018) re-folds each step with batch statistics and corrects back to the
moving ones; it matters when BN statistics are still moving. Here the student arrives
trained, its statistics have settled, and freezing them means training and inference
quantize the very same w' — with batch statistics the weight grid would shift every batch
and small batches (common on MCU data sets) would make it noisy.
"""

import numpy as np


def bn_scale_shift(bn) -> tuple[np.ndarray, np.ndarray]:
    """(s, t) with bn(y) = s * y + t per channel, from a Keras BatchNormalization's moving stats."""
    mean = np.asarray(bn.moving_mean.numpy(), np.float64)
    var = np.asarray(bn.moving_variance.numpy(), np.float64)
    gamma = np.asarray(bn.gamma.numpy(), np.float64) if bn.scale else np.ones_like(mean)
    beta = np.asarray(bn.beta.numpy(), np.float64) if bn.center else np.zeros_like(mean)
    s = gamma / np.sqrt(var + bn.epsilon)
    return s, beta - s * mean


def fold(kernel: np.ndarray, bias: np.ndarray | None, scale: np.ndarray, shift: np.ndarray,
         depthwise: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Kernel and bias of the layer that equals layer-then-BN (computed in float64).

    kernel: (..., C) for Conv1D/Conv2D/Dense, channel last;
            (kh, kw, C_in, multiplier) for DepthwiseConv2D, output channel = i * multiplier + m.
    bias: (C,) or None (use_bias=False). scale, shift: (C,) from `bn_scale_shift`.
    """
    k = np.asarray(kernel, np.float64)
    if depthwise:
        k = k * scale.reshape(k.shape[-2], k.shape[-1])  # (C_in, mult) matches output order
    else:
        k = k * scale
    b = np.zeros_like(scale) if bias is None else np.asarray(bias, np.float64)
    return k.astype(np.float32), (scale * b + shift).astype(np.float32)
