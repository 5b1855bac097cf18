import gzip

import numpy as np
import pytest

from pipeline import data
from pipeline.data import catalog
from pipeline.data.sources.idx import read_idx
from pipeline.errors import UserError


def test_digits_splits_are_disjoint_stratified_and_seeded():
    a = data.load("digits", seed=0)
    b = data.load("digits", seed=0)
    c = data.load("digits", seed=1)
    assert len(a.y_train) + len(a.y_val) + len(a.y_test) == 1797
    assert len(a.y_test) == round(0.2 * 1797)
    assert np.array_equal(a.x_train, b.x_train) and not np.array_equal(a.x_train, c.x_train)
    # every class in every split, proportions kept within 2 samples of the ideal
    for y in (a.y_train, a.y_val, a.y_test):
        counts = np.bincount(y, minlength=10)
        assert counts.min() > 0 and counts.max() - counts.min() <= 0.05 * len(y) + 2
    # no sample in two splits
    rows = lambda x: {r.tobytes() for r in x.reshape(len(x), -1)}
    assert not rows(a.x_test) & rows(a.x_val)
    assert a.x_train.max() == pytest.approx(1.0) and a.x_train.min() == 0.0
    assert a.representative.shape == (200, 8, 8, 1)


def test_fashion_mnist_loads_offline_from_the_debian_package():
    d = data.load("fashion-mnist")
    assert (len(d.y_train), len(d.y_val), len(d.y_test)) == (55000, 5000, 10000)
    assert d.input_shape == (28, 28, 1) and d.num_classes == 10
    assert np.bincount(d.y_test).tolist() == [1000] * 10       # the official test split, untouched


def test_limit_subsamples_stratified():
    d = data.load("fashion-mnist", limit={"train": 1000, "test": 200})
    assert len(d.y_train) == 1000 and len(d.y_test) == 200 and len(d.y_val) == 200
    assert np.bincount(d.y_test).tolist() == [20] * 10


def _write_idx(path, header: bytes, payload: bytes):
    with gzip.open(path, "wb") as f:
        f.write(header + payload)


def test_idx_reader_golden(tmp_path):
    # uint8, 2 dims (2, 3): hand-made bytes
    _write_idx(tmp_path / "a.gz", bytes([0, 0, 0x08, 2]) + (2).to_bytes(4, "big") + (3).to_bytes(4, "big"),
               bytes([1, 2, 3, 4, 5, 6]))
    assert read_idx(tmp_path / "a.gz").tolist() == [[1, 2, 3], [4, 5, 6]]


def test_idx_reader_refuses_truncated_and_foreign_files(tmp_path):
    _write_idx(tmp_path / "t.gz", bytes([0, 0, 0x08, 1]) + (10).to_bytes(4, "big"), bytes(3))
    with pytest.raises(UserError, match="truncated"):
        read_idx(tmp_path / "t.gz")
    _write_idx(tmp_path / "f.gz", b"PK\x03\x04", b"")
    with pytest.raises(UserError, match="not an IDX file"):
        read_idx(tmp_path / "f.gz")


def test_unknown_dataset_names_the_choices():
    with pytest.raises(UserError, match="fashion-mnist"):
        catalog.spec("cifar-100")


def test_every_dataset_spec_is_complete():
    for name in catalog.names():
        s = catalog.spec(name)
        assert s.licence and s.source and s.samples > 0 and len(s.classes) >= 2
