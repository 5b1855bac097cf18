"""Augmentation for synthesised speech: placement, level, and synthesised background noise.

No noise recordings ship offline, so the backgrounds are generated: white, pink (1/f power),
brown (1/f^2 power) and mains hum (50 or 60 Hz with decaying harmonics). Levels are absolute, in
dB relative to full scale (samples in [-1, 1)): speech by its peak, noise by its RMS.
"""

import numpy as np

from pipeline.data.audio.wav import fit

NOISES = ("white", "pink", "brown", "hum50", "hum60")


def noise(kind: str, n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    """(n,) float32 noise of unit RMS."""
    if kind.startswith("hum"):
        f0 = float(kind[3:])
        t = np.arange(n) / rate
        x = sum(np.sin(2 * np.pi * f0 * h * t + rng.uniform(0, 2 * np.pi)) / h for h in (1, 2, 3, 4, 5))
    else:
        white = rng.standard_normal(n)
        slope = {"white": 0.0, "pink": 0.5, "brown": 1.0}[kind]   # amplitude ~ f^-slope
        spec = np.fft.rfft(white)
        f = np.arange(len(spec), dtype=np.float64)
        f[0] = 1.0                                                    # keep DC finite; removed below
        spec = spec / f ** slope
        spec[0] = 0.0
        x = np.fft.irfft(spec, n)
    return (x / (np.sqrt(np.mean(x ** 2)) + 1e-12)).astype(np.float32)


def db(v) -> float:
    return float(10.0 ** (v / 20.0))


def background(n: int, rate: int, opts: dict, rng: np.random.Generator) -> np.ndarray:
    kind = opts["noise"][rng.integers(len(opts["noise"]))]
    return noise(kind, n, rate, rng) * db(rng.uniform(*opts["noise_dbfs"]))


def speech_clip(speech: np.ndarray, length: int, rate: int, opts: dict, rng: np.random.Generator) -> np.ndarray:
    """One training clip: speech at a random peak level, shifted up to +-shift_ms from the centre,
    over background noise with probability noise_probability."""
    shift = int(rate * opts["shift_ms"] / 1000)
    x = fit(speech / (np.abs(speech).max() + 1e-12), length, int(rng.integers(-shift, shift + 1)))
    x = x * db(rng.uniform(*opts["peak_dbfs"]))
    if rng.uniform() < opts["noise_probability"]:
        x = x + background(length, rate, opts, rng)
    return np.clip(x, -1.0, 1.0).astype(np.float32)


def silence_clip(length: int, rate: int, opts: dict, rng: np.random.Generator) -> np.ndarray:
    """The `_silence_` class: background noise only (always some, at the same levels as above)."""
    return np.clip(background(length, rate, opts, rng), -1.0, 1.0).astype(np.float32)
