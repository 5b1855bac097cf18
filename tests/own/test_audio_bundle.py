"""A model trained on the user's .wav folder keeps its front end on the device: `bundle --data
FOLDER` writes the MFCC parameters into metadata.json and carries the training front end
(wav.py, frontend.py), and the bundled runner labels .wav clips with the folder names, without the
pipeline package. A built-in set standardized per feature (kws) is sent to --run, not bundled wrong."""

import json
import subprocess
import sys
import wave

import numpy as np

from tests.own.conftest import own


def _tone(path, hz, rate, seconds=0.6):
    t = np.arange(int(rate * seconds)) / rate
    x = (0.3 * 32767 * np.sin(2 * np.pi * hz * t)).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate)
        w.writeframes(x.tobytes())


def _tones(root):
    """high/ and low/ tones; every other clip at 8 kHz (resampled to the front end's 16 kHz)."""
    for name, hz in (("high", 2500), ("low", 250)):
        (root / name).mkdir(parents=True)
        for i in range(6):
            _tone(root / name / f"{i}.wav", hz + 20 * i, 8000 if i % 2 else 16000)
    return root


def _model(folder, path):
    """A small float model fitted on the folder's MFCC features (as `run --data FOLDER` makes them)."""
    import keras
    import tensorflow as tf

    from pipeline.data.user import load_path
    s = load_path(folder, 0)
    x, y = np.concatenate([s.x_train, s.x_val, s.x_test]), np.concatenate([s.y_train, s.y_val, s.y_test])
    keras.utils.set_random_seed(0)
    m = keras.Sequential([keras.Input(x.shape[1:]), keras.layers.Flatten(), keras.layers.Dense(2)])
    m.compile(keras.optimizers.Adam(1e-2), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    m.fit(x, y, epochs=60, verbose=0)
    path.write_bytes(tf.lite.TFLiteConverter.from_keras_model(m).convert())
    return path


def test_a_wav_folder_model_is_bundled_with_its_front_end(tmp_path):
    folder = _tones(tmp_path / "tones")
    model = _model(folder, tmp_path / "tones.tflite")
    r = own("bundle", model, "--target", "rpi4", "--out", tmp_path / "b", "--data", folder)
    assert r.returncode == 0, r.stdout + r.stderr
    b = tmp_path / "b"
    meta = json.loads((b / "metadata.json").read_text())
    assert meta["preprocessing"]["frontend"]["sample_rate"] == 16000 and (b / "frontend.py").is_file()
    assert "run_model.py a.wav" in (b / "README.md").read_text()
    # the device has no pipeline package: a module of that name that cannot be imported stands in
    # for the one this venv has installed
    fake = tmp_path / "nopkg"
    fake.mkdir()
    (fake / "pipeline.py").write_text("raise ImportError('no pipeline package on the device')\n")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(fake)}
    p = subprocess.run([sys.executable, b / "run_model.py", folder / "high", folder / "low" / "1.wav",
                        folder / "low" / "2.wav", "--json"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    got = [(r["label"], r["file"]) for r in json.loads(p.stdout)["predictions"]]
    assert [g[0] for g in got] == ["high"] * 6 + ["low"] * 2, got
    assert got[0][1].endswith("high/0.wav") and got[-1][1].endswith("low/2.wav")
    # a file that is no .wav: one line, exit 2
    (tmp_path / "notes.wav").write_text("not audio\n")
    p = subprocess.run([sys.executable, b / "run_model.py", tmp_path / "notes.wav"], capture_output=True,
                       text=True, env=env, cwd=tmp_path)
    assert p.returncode == 2 and p.stderr.startswith("error: ") and "PCM .wav" in p.stderr, p.stderr
    assert p.stderr.count("\n") == 1 and "Traceback" not in p.stderr


def test_a_run_with_standardized_mfccs_bundles_both_steps(tmp_path):
    """As kws: MFCCs standardized per coefficient. `bundle --run` takes the front end and the
    statistics from metrics.json; the runner's scores on .wav clips equal the model's on
    (mfcc - mean) / std computed here."""
    import keras
    import tensorflow as tf

    from pipeline.data import standardize
    from pipeline.data.audio import frontend, wav
    folder = _tones(tmp_path / "tones")
    clips = sorted((folder / "low").glob("*.wav"))[:3]
    feats = frontend.mfcc(np.stack([wav.read_clip(c, frontend.DEFAULT) for c in clips]), frontend.DEFAULT)
    stats = standardize.fit(feats)          # per coefficient, as the kws data set's
    keras.utils.set_random_seed(1)
    m = keras.Sequential([keras.Input(feats.shape[1:]), keras.layers.Flatten(), keras.layers.Dense(2)])
    model = tmp_path / "m.tflite"
    model.write_bytes(tf.lite.TFLiteConverter.from_keras_model(m).convert())
    run = tmp_path / "run"
    run.mkdir()
    (run / "metrics.json").write_text(json.dumps({
        "data": {"classes": ["high", "low"], "scale": 1.0},
        "preprocessing": {"frontend": frontend.DEFAULT,
                          "standardize": stats}}))
    r = own("bundle", model, "--target", "rpi4", "--out", tmp_path / "b", "--run", run)
    assert r.returncode == 0, r.stdout + r.stderr
    p = subprocess.run([sys.executable, tmp_path / "b" / "run_model.py", *clips, "--json"],
                       capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    got = [r["score"] for r in json.loads(p.stdout)["predictions"]]
    want = m.predict(standardize.apply(feats, stats), verbose=0).max(axis=1)
    np.testing.assert_allclose(got, want, atol=2e-4)
    unstandardized = m.predict(feats, verbose=0).max(axis=1)
    assert np.abs(unstandardized - want).max() > 0.01      # the statistics matter for this check


def test_a_standardized_builtin_set_is_sent_to_run(tmp_path):
    import keras
    import tensorflow as tf
    m = keras.Sequential([keras.Input((49, 10, 1)), keras.layers.Flatten(), keras.layers.Dense(12)])
    model = tmp_path / "m.tflite"
    model.write_bytes(tf.lite.TFLiteConverter.from_keras_model(m).convert())
    r = own("bundle", model, "--target", "rpi4", "--out", tmp_path / "b", "--data", "kws")
    assert r.returncode == 2 and "pass --run RUN_DIR instead of --data" in r.stderr, r.stderr
    assert not (tmp_path / "b").exists()
