"""A folder of class sub-folders holding .wav files: MFCC features through the default front end;
bad folders refused with a message naming the file or folder."""

import wave

import numpy as np
import pytest
from PIL import Image

from pipeline import data
from pipeline.data.audio import frontend
from pipeline.data.user import load_path
from pipeline.errors import UserError


def _write_wav(path, hz, rate=8000, seconds=0.5, channels=1):
    t = np.arange(int(rate * seconds)) / rate
    x = (0.3 * 32767 * np.sin(2 * np.pi * hz * t)).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels), w.setsampwidth(2), w.setframerate(rate)
        w.writeframes(np.repeat(x, channels).tobytes())


def _wav_folder(root, classes=(("low", 300), ("high", 2000)), n=5):
    for name, hz in classes:
        (root / name).mkdir(parents=True)
        for i in range(n):
            _write_wav(root / name / f"{i}.wav", hz + 10 * i, channels=1 + i % 2)
    return root


def test_wav_folder_becomes_mfcc_splits_with_the_frontend_stored(tmp_path):
    root = _wav_folder(tmp_path / "tones", n=10)
    d = data.load(str(root), seed=1)
    assert d.classes == ("high", "low") and d.input_shape == (49, 10, 1)
    assert (len(d.y_train), len(d.y_val), len(d.y_test)) == (14, 2, 4)
    assert d.preprocessing == {"frontend": frontend.DEFAULT}
    # 0.5 s centred in 1 s: the first and last frames are silence (the log floor), the middle is not
    x = d.x_train[:, :, 0, 0]
    assert np.allclose(x[:, 0], x[0, 0]) and (x[:, 24] > x[:, 0] + 20).all()
    again = load_path(root, seed=1)
    assert np.array_equal(d.x_train, again.x_train)


def _refused(root, match):
    with pytest.raises(UserError, match=match) as e:
        load_path(root, seed=0)
    return str(e.value)


def test_empty_class_folder(tmp_path):
    root = _wav_folder(tmp_path / "a")
    (root / "quiet").mkdir()
    _refused(root, r"class folder .*quiet is empty")


def test_unreadable_wav_names_the_file(tmp_path):
    root = _wav_folder(tmp_path / "b")
    (root / "low" / "junk.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really")
    _refused(root, r"junk\.wav is not a readable PCM \.wav")


def test_float_wav_is_refused_naming_the_file(tmp_path):
    root = _wav_folder(tmp_path / "c")
    data_ = bytearray((root / "low" / "0.wav").read_bytes())
    data_[20:22] = (3).to_bytes(2, "little")                  # WAVE_FORMAT_IEEE_FLOAT
    (root / "low" / "float.wav").write_bytes(bytes(data_))
    _refused(root, r"float\.wav is not a readable PCM \.wav")


def test_wav_and_image_mixed_in_one_folder(tmp_path):
    root = _wav_folder(tmp_path / "d")
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(root / "high" / "pic.png")
    _refused(root, r"class folder .*high holds both \.wav files and pic\.png")


def test_wav_and_image_folders_mixed(tmp_path):
    root = _wav_folder(tmp_path / "e")
    (root / "photos").mkdir()
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(root / "photos" / "pic.png")
    _refused(root, r"class folder .*photos holds pic\.png but .* holds \.wav files")
