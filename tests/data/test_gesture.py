"""The gesture set (aeon's variable-length PickupGestureWiimoteZ) and the .ts reader's resampling."""

import dataclasses

import numpy as np
import pytest

from pipeline import data
from pipeline.data import catalog
from pipeline.data.sources import ts_file
from pipeline.errors import UserError

HEADER = "# a comment\n@problemName Tiny\n@univariate true\n@equalLength false\n@classLabel true a b\n@data\n"


def test_gesture_loads_offline_at_a_fixed_length():
    s = catalog.spec("gesture")
    raw = ts_file.load(s)                                   # before val is carved from train
    x_tr, y_tr, x_te, y_te = raw
    assert (len(y_tr), len(y_te)) == (50, 50) and len(y_tr) + len(y_te) == s.samples
    assert np.bincount(y_tr).tolist() == np.bincount(y_te).tolist() == [5] * 10
    assert x_tr.shape == (50, 128, 1) and x_te.shape == (50, 128, 1) and x_tr.dtype == np.float32
    assert not np.isnan(x_tr).any() and not np.isnan(x_te).any()
    # resampling keeps each series' ends: the first value of the first training series (a pick-up)
    # is the archive's first reading, 1.0 g at rest
    assert x_tr[0, 0, 0] == pytest.approx(1.0)
    d = data.load("gesture", seed=0)
    assert d.input_shape == tuple(s.input_shape) == (128, 1) and d.num_classes == 10
    assert d.classes == tuple(str(i) for i in range(1, 11))  # the archive's @classLabel order
    assert (len(d.y_train), len(d.y_val), len(d.y_test)) == (40, 10, 50)
    assert np.bincount(d.y_val).tolist() == [1] * 10


def test_gesture_missing_package_says_to_install_aeon_without_deps():
    s = catalog.spec("gesture")
    gone = dataclasses.replace(s, options={**s.options, "package": "aeon_not_installed_here"})
    with pytest.raises(UserError, match=r"pip install --no-deps aeon") as e:
        ts_file.load(gone)
    assert "gesture" in e.value.problem


def test_a_bad_length_option_is_refused_before_reading():
    s = catalog.spec("gesture")
    for bad in ("128", 1, 12.5):
        with pytest.raises(UserError, match=r"gesture.*length"):
            ts_file.load(dataclasses.replace(s, options={**s.options, "length": bad}))


def test_variable_length_series_resample_linearly(tmp_path):
    p = tmp_path / "tiny.ts"
    # lengths 3, 5 (two trailing NaN of padding) and 4 with an inner '?'
    p.write_text(HEADER + "0,1,2:a\n0,2,4,6,8,NaN,NaN:b\n10,?,30,40:a\n")
    x, y = ts_file.read_ts(p, ("a", "b"), length=5)
    assert x.shape == (3, 5, 1) and y.tolist() == [0, 1, 0]
    assert x[0, :, 0].tolist() == [0, 0.5, 1, 1.5, 2]
    assert x[1, :, 0].tolist() == [0, 2, 4, 6, 8]           # padding dropped, not stretched over
    np.testing.assert_allclose(x[2, :, 0], [10, 17.5, 25, 32.5, 40])   # '?' interpolated over


def test_multichannel_resamples_each_channel_on_its_own_axis(tmp_path):
    p = tmp_path / "two.ts"
    p.write_text(HEADER + "0,4:1,1,1,1:b\n")
    x, _ = ts_file.read_ts(p, ("a", "b"), length=3)
    assert x.shape == (1, 3, 2) and x[0].tolist() == [[0, 1], [2, 1], [4, 1]]


def test_refusals_name_the_file_and_line(tmp_path):
    p = tmp_path / "bad.ts"
    p.write_text(HEADER + "0,1,2:a\n0,x,2:b\n")
    with pytest.raises(UserError, match=r"bad\.ts line 8 is not a numeric series"):
        ts_file.read_ts(p, ("a", "b"), length=4)
    p.write_text(HEADER + "0,1,2:a\nNaN,?:b\n")
    with pytest.raises(UserError, match=r"bad\.ts line 8 .*every value is missing"):
        ts_file.read_ts(p, ("a", "b"), length=4)
    p.write_text(HEADER + "0,1,2:a\n0,1,2:c\n")
    with pytest.raises(UserError, match=r"bad\.ts line 8: class 'c'"):
        ts_file.read_ts(p, ("a", "b"), length=4)


def test_without_length_unequal_or_missing_series_are_refused_with_the_fix(tmp_path):
    p = tmp_path / "ragged.ts"
    p.write_text(HEADER + "0,1,2:a\n0,1:b\n")
    with pytest.raises(UserError, match=r"ragged\.ts holds series of different lengths") as e:
        ts_file.read_ts(p, ("a", "b"))
    assert "length" in e.value.fix
    p.write_text(HEADER + "0,?,2:a\n")
    with pytest.raises(UserError, match=r"ragged\.ts line 7 .*missing") as e:
        ts_file.read_ts(p, ("a", "b"))
    assert "[ts-file]" in e.value.fix
    p.write_text(HEADER + "0,1,2:0,1:a\n")
    with pytest.raises(UserError, match=r"ragged\.ts line 7 .*channels of different lengths"):
        ts_file.read_ts(p, ("a", "b"))
    x, _ = ts_file.read_ts(_write(tmp_path, "0,1,2:a\n"), ("a", "b"))
    assert x.shape == (1, 3, 1)                              # equal-length reads are unchanged


def _write(tmp_path, body):
    p = tmp_path / "eq.ts"
    p.write_text(HEADER + body)
    return p
