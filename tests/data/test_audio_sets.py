"""The keyword-spotting sets load offline with their documented shapes, classes and counts;
synthesis is deterministic and cached; missing system packages are named."""

import dataclasses
import time

import numpy as np
import pytest

from pipeline import data
from pipeline.data import catalog
from pipeline.data.audio import cache, frontend, synth
from pipeline.data.sources import asterisk_digits, espeak_words
from pipeline.errors import UserError

DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _total(d):
    return len(d.y_train) + len(d.y_val) + len(d.y_test)


def test_frontend_tables_equal_the_default():
    for n in ("kws", "kws-digits", "kws-digits-real"):
        assert catalog.spec(n).preprocessing == {"frontend": frontend.DEFAULT}, n


@pytest.mark.parametrize("name, classes", [
    ("kws", ("_silence_", "_unknown_", "yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")),
    ("kws-digits", DIGITS)])
def test_synthesised_sets(name, classes):
    d = data.load(name, seed=0)                     # the first load on a machine builds (~30 s), then cached
    s = catalog.spec(name)
    assert d.classes == classes == s.classes and d.input_shape == tuple(s.input_shape) == (49, 10, 1)
    assert _total(d) == s.samples and (len(d.y_test), len(d.y_val)) == (0.2 * s.samples, 0.1 * s.samples)
    per_class = s.samples // len(classes)
    assert np.bincount(np.concatenate([d.y_train, d.y_val, d.y_test])).tolist() == [per_class] * len(classes)
    assert d.preprocessing["frontend"] == frontend.DEFAULT and np.isfinite(d.x_train).all()
    # standardized per MFCC coefficient with the train split's statistics, which are kept
    st = d.preprocessing["standardize"]
    assert np.asarray(st["mean"]).size == np.asarray(st["std"]).size == 10
    assert np.allclose(d.x_train.mean(axis=(0, 1)), 0, atol=1e-3) and np.allclose(d.x_train.std(axis=(0, 1)), 1, atol=1e-3)
    assert not np.allclose(d.x_test.mean(axis=(0, 1)), 0, atol=1e-6)   # test is not refitted
    t0 = time.monotonic()
    again = data.load(name, seed=0)
    assert time.monotonic() - t0 < 5 and np.array_equal(d.x_test, again.x_test)
    if name == "kws":   # silence (noise only) is quieter than speech: c0 tracks the level
        x = np.concatenate([d.x_train, d.x_test]); y = np.concatenate([d.y_train, d.y_test])
        assert x[y == 0, :, 0].mean() < x[y == 2, :, 0].mean()


def test_real_digits_are_test_only():
    d = data.load("kws-digits-real")
    s = catalog.spec("kws-digits-real")
    assert d.classes == DIGITS and d.input_shape == (49, 10, 1)
    assert len(d.y_train) == len(d.y_val) == 0 and len(d.y_test) == s.samples == 30
    assert np.bincount(d.y_test).tolist() == [3] * 10     # 10 recordings x 3 fixed offsets
    assert len({d.x_test[i].tobytes() for i in range(30)}) == 30


def _small_spec(tmp_path, monkeypatch, **opts):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    s = catalog.spec("kws")
    options = {**s.options, "per_class": 2, **opts}
    return dataclasses.replace(s, name="kws-tiny", classes=("_silence_", "_unknown_", "yes"), options=options)


def test_synthesis_is_seeded_deterministic_and_cached(tmp_path, monkeypatch):
    s = _small_spec(tmp_path, monkeypatch)
    x, y = espeak_words.load(s)
    assert x.shape == (6, 49, 10, 1) and y.tolist() == [0, 0, 1, 1, 2, 2]
    assert len(list((tmp_path / "edgedistill" / "datasets").glob("kws-tiny-*/arrays.npz"))) == 1
    params = frontend.DEFAULT
    fresh = espeak_words.build(s.classes, s.options, params)          # same seed, no cache
    assert np.array_equal(fresh["x"], x)
    other = espeak_words.build(s.classes, {**s.options, "seed": 1}, params)
    assert not np.array_equal(other["x"], x)
    monkeypatch.setattr(espeak_words, "build", lambda *a: pytest.fail("cached set was rebuilt"))
    assert np.array_equal(espeak_words.load(s)[0], x)
    changed = dataclasses.replace(s, options={**s.options, "pitch": [30, 60]})
    assert cache.path_for("kws-tiny", {"a": 1}) != cache.path_for("kws-tiny", {"a": 2})
    with pytest.raises(pytest.fail.Exception):       # another option -> another cache file -> a build
        espeak_words.load(changed)


def test_missing_espeak_is_named(tmp_path, monkeypatch):
    s = _small_spec(tmp_path, monkeypatch)
    monkeypatch.setattr(synth.shutil, "which", lambda name: None)
    with pytest.raises(UserError, match=r"espeak-ng is not installed.*make setup.*espeak-ng"):
        espeak_words.load(s)


def test_bad_options_are_refused(tmp_path, monkeypatch):
    s = _small_spec(tmp_path, monkeypatch, noise=["rain"])
    with pytest.raises(UserError, match=r"unknown noise \['rain'\]"):
        espeak_words.load(s)
    s = _small_spec(tmp_path, monkeypatch, unknown_words=["-v"])
    with pytest.raises(UserError, match=r"'-v' is not a plain lower-case word"):
        espeak_words.load(s)


def test_missing_asterisk_package_is_named(tmp_path):
    s = dataclasses.replace(catalog.spec("kws-digits-real"),
                            options={**catalog.spec("kws-digits-real").options, "folder": str(tmp_path)})
    with pytest.raises(UserError, match=r"0\.wav is missing.*make setup.*asterisk-core-sounds-en-wav"):
        asterisk_digits.load(s)


def test_listed_with_licences():
    assert {"kws", "kws-digits", "kws-digits-real"} <= set(catalog.names())
    assert "GPL-3.0" in catalog.spec("kws").licence and catalog.spec("kws").debian_package == "espeak-ng"
    assert "CC-BY-SA-3.0" in catalog.spec("kws-digits-real").licence


def test_another_sets_statistics_replace_a_sets_own():
    """What `also_test` relies on: scored through the training set's statistics, exactly once."""
    from pipeline.data import standardize
    d = data.load("kws-digits", seed=0)
    stats = d.preprocessing["standardize"]
    assert np.array_equal(data.load("kws-digits", seed=0, standardize_with=stats).x_test, d.x_test)
    raw = data.load("kws-digits-real")
    assert "standardize" not in (raw.preprocessing or {})
    real = data.load("kws-digits-real", standardize_with=stats)
    assert np.array_equal(real.x_test, standardize.apply(raw.x_test, stats))
    assert real.preprocessing["standardize"] == stats and len(real.y_train) == 0
