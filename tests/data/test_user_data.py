"""The user's own data (a path instead of a name): folders of images, .npz, .csv; bad data refused
with a message naming the file."""

import re

import numpy as np
import pytest
from PIL import Image

from pipeline import data
from pipeline.data.user import load_path
from pipeline.errors import UserError


def _image_folder(root, classes=("cat", "dog"), n=5, size=(12, 10), mode="L"):
    for c, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for i in range(n):
            px = np.full((size[1], size[0]) + ((3,) if mode == "RGB" else ()), 40 * c + i, np.uint8)
            Image.fromarray(px, mode).save(root / name / f"{i}.png")
    return root


def test_image_folder_grey_keeps_one_channel_and_splits_stratified(tmp_path):
    root = _image_folder(tmp_path / "pets", n=10)
    d = data.load(str(root), seed=3)                 # a path goes through the public entry point
    assert d.name == "pets" and d.classes == ("cat", "dog")
    assert d.input_shape == (10, 12, 1)              # (H, W, C): Pillow sizes are (W, H)
    assert (len(d.y_train), len(d.y_val), len(d.y_test)) == (14, 2, 4)
    assert np.bincount(d.y_test).tolist() == [2, 2]
    assert d.x_train.max() <= 1.0                    # scaled 0..255 -> 0..1
    again = load_path(root, seed=3)
    assert np.array_equal(d.x_train, again.x_train)


def test_image_folder_rgb_and_resize(tmp_path):
    root = _image_folder(tmp_path / "rgb", mode="RGB", size=(8, 8))
    Image.fromarray(np.zeros((20, 30, 3), np.uint8)).save(root / "dog" / "big.png")
    d = load_path(root, seed=0, resize=(16, 16))
    assert d.input_shape == (16, 16, 3) and len(d.y_train) + len(d.y_val) + len(d.y_test) == 11


def test_npz_and_csv(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "s.npz", x=rng.normal(size=(30, 50, 3)), y=np.repeat([5, 7, 9], 10))
    d = load_path(tmp_path / "s.npz", seed=0)
    assert d.input_shape == (50, 3) and d.classes == ("5", "7", "9") and set(d.y_test) == {0, 1, 2}
    rows = ["a,label,b"] + [f"{i},{'10' if i % 2 else '2'},{i * 0.5}" for i in range(10)]
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    d = data.load(str(tmp_path / "t.csv"))
    assert d.input_shape == (2,) and d.classes == ("2", "10")   # integer labels sort as numbers


def _refused(path, match, **kw):
    with pytest.raises(UserError) as e:
        load_path(path, seed=0, **kw)
    msg = str(e.value)
    assert str(path.name) in msg and re.search(match, msg), msg
    return msg


def test_bad_image_folders_name_the_file(tmp_path):
    root = _image_folder(tmp_path / "a")
    (root / "bird").mkdir()
    with pytest.raises(UserError, match=r"class folder .*bird is empty"):
        load_path(root, seed=0)

    root = _image_folder(tmp_path / "b")
    Image.fromarray(np.zeros((7, 7), np.uint8)).save(root / "dog" / "odd.png")
    with pytest.raises(UserError, match=r"odd\.png is 7x7 .*mixed image sizes.*--resize"):
        load_path(root, seed=0)

    root = _image_folder(tmp_path / "c")
    (root / "cat" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(UserError, match=r"broken\.png is not a readable image"):
        load_path(root, seed=0)

    root = _image_folder(tmp_path / "d")
    good = (root / "cat" / "0.png").read_bytes()
    (root / "cat" / "cut.png").write_bytes(good[: len(good) // 2])   # truncated mid-data
    with pytest.raises(UserError, match=r"cut\.png is not a readable image"):
        load_path(root, seed=0)


def test_bad_npz_names_the_file(tmp_path):
    np.savez(tmp_path / "short.npz", x=np.zeros((10, 4)), y=np.zeros(9))
    _refused(tmp_path / "short.npz", r"x has 10 samples but y has 9")
    np.savez(tmp_path / "noy.npz", x=np.zeros((10, 4)))
    _refused(tmp_path / "noy.npz", r"lacks array y")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    _refused(tmp_path / "junk.npz", r"not a readable \.npz")
    np.savez(tmp_path / "obj.npz", x=np.array([{"a": 1}] * 6, dtype=object), y=np.arange(6) % 2)
    _refused(tmp_path / "obj.npz", r"not a readable \.npz")      # pickled objects are not loaded
    np.savez(tmp_path / "one.npz", x=np.zeros((6, 2)), y=np.zeros(6))
    _refused(tmp_path / "one.npz", r"only one class")


def test_bad_csv_names_the_file(tmp_path):
    (tmp_path / "nolabel.csv").write_text("a,b,class\n1,2,x\n")
    _refused(tmp_path / "nolabel.csv", r"no `label` column")
    (tmp_path / "text.csv").write_text("a,b,label\n1,2,x\n3,oops,y\n")
    _refused(tmp_path / "text.csv", r"line 3, column `b`: 'oops' is not a number")
    (tmp_path / "ragged.csv").write_text("a,label\n1,x\n2\n")
    _refused(tmp_path / "ragged.csv", r"line 3 has 1 fields")
    (tmp_path / "empty.csv").write_text("")
    _refused(tmp_path / "empty.csv", r"is empty")
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00label")
    _refused(tmp_path / "bin.csv", r"not a readable CSV")
    (tmp_path / "few.csv").write_text("a,label\n" + "".join(f"{i},x\n" for i in range(5)) + "9,y\n")
    _refused(tmp_path / "few.csv", r"class 'y' has 1 sample")


def test_unknown_file_kind_and_builtin_names_win_over_bare_folders(tmp_path, monkeypatch):
    (tmp_path / "x.txt").write_text("hi")
    _refused(tmp_path / "x.txt", r"don't know how to read '\.txt'")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "digits").mkdir()                   # a stray folder must not shadow the built-in set
    assert data.load("digits").num_classes == 10
