"""MFCC front end: 1-D audio clips -> (frames, coefficients, 1) float32 features, vectorised.

Defaults are MLPerf Tiny KWS's (Banbury et al. 2021, Speech Commands v2 at 16 kHz): 30 ms periodic
Hann window every 20 ms, |FFT 512|, 40 triangular mel bands over 20..4000 Hz, log(mel + 1e-6),
orthonormal DCT-II, first 10 coefficients. 1 s at 16 kHz -> 1 + (16000 - 480) // 320 = 49 frames.

Every number comes from one dict (a data set's [frontend] table); the same dict is stored with the
model so firmware can recompute the features, and a Pi bundle carries this file to do so. Steps, per clip x (clip_samples,):
  frames   f[t, n] = x[t * stride + n],  n < window,  no padding
  spectrum S[t, k] = |rfft(f[t] * hann, fft)|[k],  k = 0 .. fft/2
  mel      M[t, b] = sum_k S[t, k] * T[b, k]   (T: triangles, peak 1, edges equally spaced in mel)
  log      L = ln(M + log_offset)
  mfcc     C[t, j] = sum_b L[t, b] * D[j, b],  D orthonormal DCT-II, j < coefficients
"""

import numpy as np

DEFAULT = {
    "sample_rate": 16000,      # Hz
    "clip_samples": 16000,     # 1 s: shorter clips are centre-padded with zeros, longer centre-cropped
    "window": 480,             # samples (30 ms)
    "stride": 320,             # samples (20 ms)
    "window_fn": "hann",       # periodic: 0.5 - 0.5 cos(2 pi n / window)
    "fft": 512,
    "spectrum": "magnitude",   # |X|, not |X|^2
    "mel_bands": 40,
    "fmin": 20.0,              # Hz
    "fmax": 4000.0,            # Hz
    "mel_scale": "htk",        # mel = 2595 log10(1 + f / 700)
    "log_offset": 1e-6,        # ln(mel + offset): silence floors at ln(1e-6) = -13.8
    "dct": "ii-ortho",
    "coefficients": 10,
    "audio_scale": "pcm/full-scale",   # samples in [-1, 1): int16 / 32768
}

KEYS = tuple(DEFAULT)


def check(params: dict) -> dict:
    """The params as a complete dict, or a UserError naming the bad key (validated once, here)."""
    from pipeline.errors import UserError      # here: a deployment bundle carries this file alone
    missing = [k for k in KEYS if k not in params]
    unknown = [k for k in params if k not in DEFAULT]
    if missing or unknown:
        raise UserError(f"[frontend] table: missing {missing or 'nothing'}, unknown {unknown or 'nothing'}",
                        f"give exactly these keys: {', '.join(KEYS)}")
    fixed = {"window_fn": "hann", "spectrum": "magnitude", "mel_scale": "htk", "dct": "ii-ortho",
             "audio_scale": "pcm/full-scale"}
    for k, v in fixed.items():
        if params[k] != v:
            raise UserError(f"[frontend] {k} = {params[k]!r} is not supported", f"use {k} = {v!r}")
    if not (0 <= params["fmin"] < params["fmax"] <= params["sample_rate"] / 2):
        raise UserError(f"[frontend] fmin..fmax {params['fmin']}..{params['fmax']} Hz is outside 0..Nyquist",
                        "keep 0 <= fmin < fmax <= sample_rate / 2")
    if not (params["window"] <= params["fft"] and params["window"] <= params["clip_samples"]
            and params["coefficients"] <= params["mel_bands"]):
        raise UserError("[frontend] needs window <= fft, window <= clip_samples, coefficients <= mel_bands",
                        "fix the [frontend] table")
    return dict(params)


def num_frames(params: dict) -> int:
    return 1 + (params["clip_samples"] - params["window"]) // params["stride"]


def feature_shape(params: dict) -> tuple[int, int, int]:
    return (num_frames(params), params["coefficients"], 1)


def hz_to_mel(f):
    return 2595.0 * np.log10(1.0 + np.asarray(f, np.float64) / 700.0)


def mel_to_hz(m):
    return 700.0 * (10.0 ** (np.asarray(m, np.float64) / 2595.0) - 1.0)


def mel_matrix(params: dict) -> np.ndarray:
    """(mel_bands, fft/2 + 1) triangles: band b rises from edge b to peak b+1, falls to edge b+2
    (edges equally spaced in mel between fmin and fmax); weights are linear in mel, peak 1."""
    edges = np.linspace(hz_to_mel(params["fmin"]), hz_to_mel(params["fmax"]), params["mel_bands"] + 2)
    bins = hz_to_mel(np.arange(params["fft"] // 2 + 1) * params["sample_rate"] / params["fft"])
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rise = (bins - lo) / (mid - lo)
    fall = (hi - bins) / (hi - mid)
    return np.maximum(0.0, np.minimum(rise, fall)).astype(np.float32)


def band_edges_hz(params: dict) -> np.ndarray:
    """(mel_bands + 2,) the triangle corners in Hz: band b spans edges[b]..edges[b + 2]."""
    return mel_to_hz(np.linspace(hz_to_mel(params["fmin"]), hz_to_mel(params["fmax"]), params["mel_bands"] + 2))


def dct_matrix(n_out: int, n_in: int) -> np.ndarray:
    """(n_out, n_in) orthonormal DCT-II: D[j, b] = s_j cos(pi j (2b + 1) / (2 n_in)),
    s_0 = sqrt(1 / n_in), s_j = sqrt(2 / n_in)."""
    j = np.arange(n_out)[:, None]
    b = np.arange(n_in)[None, :]
    d = np.cos(np.pi * j * (2 * b + 1) / (2 * n_in)) * np.sqrt(2.0 / n_in)
    d[0] /= np.sqrt(2.0)
    return d.astype(np.float32)


def log_mel(clips: np.ndarray, params: dict) -> np.ndarray:
    """(N, clip_samples) float in [-1, 1) -> (N, frames, mel_bands) float32 log-mel energies."""
    clips = np.asarray(clips, np.float32)
    if clips.ndim != 2 or clips.shape[1] != params["clip_samples"]:
        raise ValueError(f"clips must be (N, {params['clip_samples']}), got {clips.shape}")
    w, s = params["window"], params["stride"]
    hann = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(w) / w)).astype(np.float32)
    mel = mel_matrix(params)
    out = np.empty((len(clips), num_frames(params), params["mel_bands"]), np.float32)
    for i in range(0, len(clips), 256):          # chunks keep the complex spectrum under ~70 MB
        frames = np.lib.stride_tricks.sliding_window_view(clips[i:i + 256], w, axis=1)[:, ::s]
        spec = np.abs(np.fft.rfft(frames * hann, n=params["fft"], axis=-1)).astype(np.float32)
        out[i:i + 256] = np.log(spec @ mel.T + np.float32(params["log_offset"]))
    return out


def mfcc(clips: np.ndarray, params: dict) -> np.ndarray:
    """(N, clip_samples) -> (N, frames, coefficients, 1) float32."""
    lm = log_mel(clips, params)
    d = dct_matrix(params["coefficients"], params["mel_bands"])
    return (lm @ d.T)[..., None].astype(np.float32)
