"""The MFCC front end: shapes from params, determinism, and where a tone's energy lands."""

import io
import wave

import numpy as np
import pytest

from pipeline.data.audio import frontend as fe
from pipeline.data.audio import wav
from pipeline.errors import UserError

P = fe.check(fe.DEFAULT)


def _tone(hz, seconds=1.0, rate=16000, amp=0.5):
    return (amp * np.sin(2 * np.pi * hz * np.arange(int(rate * seconds)) / rate)).astype(np.float32)


def test_default_shape_is_mlperf_tiny_kws():
    assert fe.num_frames(P) == 49 and fe.feature_shape(P) == (49, 10, 1)
    x = fe.mfcc(np.stack([_tone(440), np.zeros(16000, np.float32)]), P)
    assert x.shape == (2, 49, 10, 1) and x.dtype == np.float32


def test_frames_follow_stride_and_window():
    p = {**P, "clip_samples": 8000, "window": 400, "stride": 160, "coefficients": 13}
    assert fe.num_frames(p) == 1 + (8000 - 400) // 160 == 48
    assert fe.mfcc(np.zeros((1, 8000), np.float32), p).shape == (1, 48, 13, 1)


def test_tone_energy_is_in_the_band_that_holds_its_frequency():
    edges = fe.band_edges_hz(P)
    for hz in (300.0, 1000.0, 2500.0):
        peak = int(fe.log_mel(_tone(hz)[None], P)[0].mean(axis=0).argmax())
        # band b spans edges[b]..edges[b+2] with its peak at edges[b+1]: the tone sits near the peak
        assert edges[peak] < hz < edges[peak + 2], (hz, peak, edges[peak:peak + 3])


def test_silence_is_the_log_floor_and_a_tone_is_louder():
    silent = fe.log_mel(np.zeros((1, 16000), np.float32), P)
    assert np.allclose(silent, np.log(np.float32(P["log_offset"])))      # ln(0 + 1e-6) = -13.8
    loud = fe.mfcc(_tone(1000)[None], P)[0, :, 0, 0]
    quiet = fe.mfcc(np.zeros((1, 16000), np.float32), P)[0, :, 0, 0]
    assert (loud > quiet + 20).all()                                     # c0 follows the level


def test_matrices_are_orthonormal_dct_and_unit_peak_triangles():
    d = fe.dct_matrix(40, 40)
    assert np.allclose(d @ d.T, np.eye(40), atol=1e-5)
    m = fe.mel_matrix(P)
    assert m.shape == (40, 257) and m.max(axis=1).min() > 0.5 and m.max() <= 1.0
    assert fe.hz_to_mel(700.0) == pytest.approx(2595 * np.log10(2))    # HTK scale


def test_deterministic_and_batch_independent():
    rng = np.random.default_rng(0)
    x = rng.normal(scale=0.1, size=(300, 16000)).astype(np.float32)
    a = fe.mfcc(x, P)
    assert np.array_equal(a, fe.mfcc(x, P))
    assert np.allclose(a[290:], fe.mfcc(x[290:], P), atol=1e-4)        # chunking does not change a clip


def test_bad_frontend_table_is_refused():
    with pytest.raises(UserError, match="missing.*fft"):
        fe.check({k: v for k, v in P.items() if k != "fft"})
    with pytest.raises(UserError, match="fmin..fmax"):
        fe.check({**P, "fmax": 9000.0})
    with pytest.raises(UserError, match="mel_scale"):
        fe.check({**P, "mel_scale": "slaney"})


def _wav_bytes(samples, rate=8000, width=2, channels=1):
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels), w.setsampwidth(width), w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return buf.getvalue()


def test_wav_decode_widths_channels_and_resample():
    x8, r = wav.decode(_wav_bytes(np.array([0, 128, 255], np.uint8), width=1), "a.wav")
    assert r == 8000 and x8.tolist() == [-1.0, 0.0, 127 / 128]
    stereo = np.array([[1000, 3000], [-2000, 0]], np.int16)
    x16, _ = wav.decode(_wav_bytes(stereo, channels=2), "b.wav")
    assert np.allclose(x16 * 32768, [2000, -1000])                    # channels mixed by their mean
    x32, _ = wav.decode(_wav_bytes(np.array([2 ** 30], np.int32), width=4), "c.wav")
    assert x32.tolist() == [0.5]
    up = wav.resample(_tone(500, rate=8000), 8000, 16000)
    assert len(up) == 16000 and abs(np.abs(np.fft.rfft(up)).argmax() - 500) <= 1   # 1 s: bin = Hz


def test_fit_centres_pads_crops_and_shifts():
    assert wav.fit(np.ones(2, np.float32), 6).tolist() == [0, 0, 1, 1, 0, 0]
    assert wav.fit(np.arange(6, dtype=np.float32), 2).tolist() == [2, 3]
    assert wav.fit(np.ones(2, np.float32), 6, offset=-3).tolist() == [1, 0, 0, 0, 0, 0]


def test_non_pcm_wav_is_refused_naming_it():
    data = bytearray(_wav_bytes(np.zeros(4, np.int16)))
    data[20:22] = (3).to_bytes(2, "little")                           # format tag 3: IEEE float
    with pytest.raises(UserError, match=r"float\.wav is not a readable PCM \.wav"):
        wav.decode(bytes(data), "float.wav")
