"""PCM .wav -> one float32 clip at the front end's rate and length.

Read with the stdlib `wave` module (PCM only: 8-bit unsigned, 16/24/32-bit signed), channels mixed
to mono by their mean, resampled with a polyphase filter, then centre-padded or centre-cropped.
A Pi deployment bundle carries this file beside frontend.py (pipeline.linux.bundle): there it runs
without the pipeline package, and without scipy for clips already at the front end's rate.
"""

import io
import wave
from math import gcd
from pathlib import Path

import numpy as np

try:
    from pipeline.errors import UserError
except ImportError:                 # in a deployment bundle
    class UserError(Exception):
        def __init__(self, problem: str, fix: str = ""):
            super().__init__(problem + (f" — {fix}" if fix else ""))


def decode(data: bytes | Path, name: str) -> tuple[np.ndarray, int]:
    """(samples float32 in [-1, 1), rate Hz); a non-PCM or broken file is a UserError naming it."""
    try:
        with wave.open(io.BytesIO(data) if isinstance(data, bytes) else str(data), "rb") as w:
            ch, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            # espeak-ng --stdout writes a streaming header (nframes = 2^30): read to the end
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError, OSError) as e:
        raise UserError(f"{name} is not a readable PCM .wav file ({e})",
                        "convert it to PCM .wav, e.g. `sox in.wav -b 16 -e signed out.wav`") from None
    if width not in (1, 2, 3, 4) or ch < 1 or rate < 1:
        raise UserError(f"{name}: unsupported .wav layout ({ch} channels, {8 * width}-bit, {rate} Hz)",
                        "convert it to 16-bit PCM .wav")
    raw = raw[: len(raw) // (ch * width) * ch * width]
    if width == 1:                                            # unsigned, 128 = zero
        x = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 3:                                          # little-endian 24-bit: pad to int32
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3)
        i32 = (b[:, 0].astype(np.int32) << 8) | (b[:, 1].astype(np.int32) << 16) | (b[:, 2].astype(np.int32) << 24)
        x = i32.astype(np.float32) / 2.0 ** 31
    else:
        x = np.frombuffer(raw, f"<i{width}").astype(np.float32) / np.float32(2.0 ** (8 * width - 1))
    if len(x) == 0:
        raise UserError(f"{name} holds no audio samples", "remove or replace it")
    return x.reshape(-1, ch).mean(axis=1), rate


def resample(x: np.ndarray, rate: int, target: int) -> np.ndarray:
    if rate == target:
        return x.astype(np.float32)
    try:
        from scipy.signal import resample_poly
    except ImportError:             # a bundle on a device without scipy
        raise UserError(f"a {rate} Hz clip needs resampling to {target} Hz, which needs scipy",
                        f"pip install scipy, or resample the .wav to {target} Hz") from None
    g = gcd(rate, target)
    return resample_poly(x, target // g, rate // g).astype(np.float32)


def fit(x: np.ndarray, length: int, offset: int = 0) -> np.ndarray:
    """Centre x in `length` samples (zero-pad or crop both ends), then move it `offset` samples
    later (negative: earlier); what moves out is cut, what moves in is zero."""
    out = np.zeros(length, np.float32)
    start = (length - len(x)) // 2 + offset        # where x[0] lands in out
    lo, hi = max(0, start), min(length, start + len(x))
    if hi > lo:
        out[lo:hi] = x[lo - start: hi - start]
    return out


def read_clip(path: Path, params: dict, offset: int = 0) -> np.ndarray:
    """(clip_samples,) float32 at params['sample_rate']."""
    x, rate = decode(Path(path), str(path))
    return fit(resample(x, rate, params["sample_rate"]), params["clip_samples"], offset)
