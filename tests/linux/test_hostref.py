"""Host reference env for tflite-runtime targets: which targets get one, its cache, clean errors."""

import time

import numpy as np
import pytest

from pipeline import targets
from pipeline.errors import UserError
from pipeline.linux import hostref


def test_only_tflite_runtime_targets_get_a_host_env_keyed_by_versions():
    assert hostref.spec_for(targets.load("rpi4")) is None
    assert hostref.spec_for(targets.load("android-arm64")) is None
    spec = hostref.spec_for(targets.load("rpi-armv7"))
    assert (spec.runtime, spec.version, spec.python) == ("tflite-runtime", "2.14.0", "3.11")
    assert "numpy<2" in spec.extra and spec.reference == "tflite-runtime-2.14-builtin-ref"
    other = hostref.HostRefSpec("tflite-runtime", "2.13.0", "3.11", spec.extra)
    assert other.key() != spec.key() and "2.14.0" in hostref.path_for(spec).name


def test_cached_env_runs_tflite_runtime_not_litert(zoo_models):
    spec = hostref.spec_for(targets.load("rpi-armv7"))
    hostref.ensure(spec)                                  # built by `make setup` or on first need
    t0 = time.monotonic()
    out = hostref.run(spec, zoo_models["cnn"], np.zeros((2, 28 * 28), np.int8))
    assert out.shape == (2, 10) and time.monotonic() - t0 < 30
    assert not list(hostref.path_for(spec).parent.glob(".build-hostref-*"))    # temp dir renamed


def test_missing_python_is_a_user_error(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    spec = hostref.HostRefSpec("tflite-runtime", "2.14.0", "2.9", ("numpy<2",))
    with pytest.raises(UserError, match="python2.9 is not installed"):
        hostref.ensure(spec, progress=lambda m: None)
    assert not any((tmp_path / "edgedistill").glob("hostref-*"))


def test_target_without_a_pinned_runtime_is_a_user_error():
    bare = targets.Target("x", "linux", "", "cortex-a15", (), None, None,
                          {"wheels": ["numpy"]}, runtime="tflite-runtime")
    with pytest.raises(UserError, match="pins no tflite-runtime"):
        hostref.spec_for(bare)
