"""The user's own data, given as a path instead of a built-in name.

- a folder with one sub-folder per class, holding images (any format Pillow reads)
- a folder with one sub-folder per class, holding PCM `.wav` files: each becomes MFCC features
  through pipeline.data.audio.frontend with its DEFAULT parameters (stored with the splits)
- `.npz` with arrays `x` (N, ...) and `y` (N,)
- `.csv` with a header, a `label` column, and numeric feature columns

Every refusal is a UserError naming the offending file or folder, so the user can fix it.
Splits are seeded and stratified like the built-in sets': 20 % test, 10 % val.
"""

import csv
import zipfile
from pathlib import Path

import numpy as np

from pipeline.errors import UserError

SPLITS = {"test": 0.2, "val": 0.1}
MIN_PER_CLASS = 3    # one sample each for train, val and test


def is_path(name: str) -> bool:
    """An existing file/folder is the user's data, unless it is also a built-in name written bare
    (a folder called `digits` in the working directory must not shadow the built-in set)."""
    from pipeline.data import catalog
    if not Path(name).exists():
        return False
    return name not in catalog.names() or "/" in name or name.startswith(".")


def load_path(path, seed: int, resize: tuple[int, int] | None = None, limit: dict | None = None):
    from pipeline.data import make_splits
    p = Path(path)
    preprocessing = None
    if p.is_dir() and _is_audio_folder(p):
        x, y, classes, scale, preprocessing = _wavs(p)
    elif p.is_dir():
        x, y, classes, scale = _images(p, resize)
    else:
        x, y, classes, scale = _file(p, "give a folder of class sub-folders with images or .wav files, "
                                        "a .npz with x/y, or a .csv with a label column")
    _check_counts(p, y, classes)
    # flat feature vectors (N, F): columns in their own units (cm, volts, counts) standardized per
    # column on the train split, so one int8 input scale serves them all; the statistics travel
    # with the model (preprocessing) to the TFLM package and the bundle
    splits = {**SPLITS, "standardize": x.ndim == 2}
    return make_splits(p.name, classes, (x, y), splits, scale, seed, limit, preprocessing=preprocessing)


def _class_dirs(root: Path) -> list[Path]:
    return sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))


def _files(d: Path) -> list[Path]:
    return sorted(f for f in d.iterdir() if f.is_file() and not f.name.startswith("."))


def _is_audio_folder(root: Path) -> bool:
    """True when any class folder holds a .wav; then every file must be a .wav (no mixing)."""
    dirs = _class_dirs(root)
    wav_dirs = [d for d in dirs if any(f.suffix.lower() == ".wav" for f in _files(d))]
    if not wav_dirs:
        return False
    for d in dirs:
        other = [f for f in _files(d) if f.suffix.lower() != ".wav"]
        if other:
            where = f"class folder {d} holds both .wav files and {other[0].name}" if d in wav_dirs else \
                f"class folder {d} holds {other[0].name} but {wav_dirs[0]} holds .wav files"
            raise UserError(f"{where} (audio and other files mixed)",
                            "give one kind of data: only .wav files in every class folder, or only images")
    return True


def _wavs(root: Path):
    from pipeline.data.audio import frontend, wav
    params = frontend.check(frontend.DEFAULT)
    clips, labels, class_dirs = [], [], _class_dirs(root)
    for label, d in enumerate(class_dirs):
        files = _files(d)
        if not files:
            raise UserError(f"class folder {d} is empty", "add .wav files to it or remove it")
        for f in files:
            clips.append(wav.read_clip(f, params))
            labels.append(label)
    x = frontend.mfcc(np.stack(clips), params)    # (N, frames, coefficients, 1)
    return x, np.array(labels, np.int64), tuple(d.name for d in class_dirs), 1.0, {"frontend": params}


def _labels(path: Path, raw) -> tuple[np.ndarray, tuple[str, ...]]:
    """Any label values (ints or strings) -> 0..K-1 in sorted order, plus their names."""
    raw = np.asarray(raw)
    if raw.ndim != 1:
        raise UserError(f"{path}: labels must be one value per sample, got shape {raw.shape}",
                        "store y as a 1-D array of class labels")
    values, y = np.unique(raw, return_inverse=True)
    return y.astype(np.int64), tuple(str(v) for v in values)


def _file(p: Path, fix: str):
    """(x, y, classes, scale) of a .npz or .csv data set; any other file is refused with `fix`."""
    readers = {".npz": _npz, ".csv": _csv}
    if p.suffix.lower() not in readers:
        raise UserError(f"{p}: don't know how to read '{p.suffix or p.name}' files", fix)
    return readers[p.suffix.lower()](p)


def _check_counts(path: Path, y: np.ndarray, classes: tuple[str, ...]):
    if len(classes) < 2:
        raise UserError(f"{path}: only one class ({classes[0] if classes else 'none'})",
                        "a classifier needs samples of at least 2 classes")
    counts = np.bincount(y, minlength=len(classes))
    if counts.min() < MIN_PER_CLASS:
        c = classes[int(counts.argmin())]
        raise UserError(f"{path}: class '{c}' has {counts.min()} sample(s)",
                        f"give at least {MIN_PER_CLASS} per class (one each for train, val and test)")


def _images(root: Path, resize):
    from PIL import Image, UnidentifiedImageError
    class_dirs = _class_dirs(root)
    if not class_dirs:
        raise UserError(f"{root} has no class sub-folders",
                        "put each class's images in their own sub-folder, e.g. cats/, dogs/")
    images, labels, first = [], [], None
    for label, d in enumerate(class_dirs):
        files = _files(d)
        if not files:
            raise UserError(f"class folder {d} is empty", "add images to it or remove it")
        for f in files:
            try:
                with Image.open(f) as im:
                    im.load()   # decode now: a truncated file fails here, not later
                    # grey stays grey (1 channel); anything with colour or alpha becomes RGB
                    im = im.convert("L" if im.mode in ("1", "L", "LA", "I", "I;16", "F") else "RGB")
            except (UnidentifiedImageError, OSError, ValueError) as e:
                raise UserError(f"{f} is not a readable image ({e})", "remove or replace it") from None
            if resize:
                im = im.resize((resize[1], resize[0]), Image.BILINEAR)   # Pillow takes (W, H)
            elif first is None:
                first = (f, im.size)
            elif im.size != first[1]:
                raise UserError(f"{f} is {im.size[0]}x{im.size[1]} but {first[0]} is "
                                f"{first[1][0]}x{first[1][1]} (mixed image sizes)",
                                "resize them to one size, or pass --resize HxW")
            images.append(im)
            labels.append(label)
    # a mix of grey and colour images: promote all to RGB so every sample has the same shape
    mode = "L" if all(im.mode == "L" for im in images) else "RGB"
    x = np.stack([np.asarray(im.convert(mode), np.float32) for im in images])
    x = x[..., None] if mode == "L" else x    # (N, H, W, C)
    return x, np.array(labels, np.int64), tuple(d.name for d in class_dirs), 1 / 255


def _npz(path: Path):
    try:
        with np.load(path, allow_pickle=False) as z:   # no pickles: a data file must not run code
            keys = set(z.files)
            if not {"x", "y"} <= keys:
                raise UserError(f"{path} lacks array {'x' if 'x' not in keys else 'y'} (has: {sorted(keys)})",
                                "save it with np.savez(path, x=samples, y=labels)")
            x, y_raw = z["x"], z["y"]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise UserError(f"{path} is not a readable .npz file ({e})", "save it with np.savez(path, x=..., y=...)") from None
    if len(x) != len(y_raw):
        raise UserError(f"{path}: x has {len(x)} samples but y has {len(y_raw)} labels",
                        "give one label per sample")
    if not np.issubdtype(x.dtype, np.number) or x.ndim < 2:
        raise UserError(f"{path}: x must be a numeric array of shape (N, ...), got {x.dtype} {x.shape}",
                        "store the samples as numbers, one row per sample")
    y, classes = _labels(path, y_raw)
    return x.astype(np.float32), y, classes, 1.0   # values used as given: scale them beforehand


def _csv(path: Path):
    try:
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"{path} is not a readable CSV text file ({e})", "save it as UTF-8 CSV") from None
    if not rows:
        raise UserError(f"{path} is empty", "give a header row with a `label` column, then one row per sample")
    header = [h.strip() for h in rows[0]]
    if "label" not in header:
        raise UserError(f"{path} has no `label` column (columns: {', '.join(header)})",
                        "name the class column `label` in the header row")
    li = header.index("label")
    features = [i for i in range(len(header)) if i != li]
    if not features:
        raise UserError(f"{path} has no feature columns", "add numeric columns besides `label`")
    x, labels = [], []
    for n, row in enumerate(rows[1:], 2):
        if not any(c.strip() for c in row):
            continue   # blank line
        if len(row) != len(header):
            raise UserError(f"{path} line {n} has {len(row)} fields, the header has {len(header)}",
                            "give every row one value per column")
        try:
            x.append([float(row[i]) for i in features])
        except ValueError:
            bad = next(i for i in features if not _is_number(row[i]))
            raise UserError(f"{path} line {n}, column `{header[bad]}`: '{row[bad]}' is not a number",
                            "feature columns must be numeric; only `label` may hold text") from None
        labels.append(row[li].strip())
    if not x:
        raise UserError(f"{path} has a header but no samples", "add one row per sample")
    # integer labels sort as numbers (2 before 10), other labels as text
    y, classes = _labels(path, [int(v) for v in labels] if all(_is_int(v) for v in labels) else labels)
    return np.array(x, np.float32), y, classes, 1.0


def _is_int(s: str) -> bool:
    return s.lstrip("-").isdigit()


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def display_name(dataset: str) -> str:
    """What a data set is called in titles and run-dir names: a built-in set's name, or the user's
    folder or file name without its suffix (`/data/shapes/` -> `shapes`, `iris.csv` -> `iris`)."""
    if not is_path(dataset):
        return dataset
    p = Path(dataset).resolve()
    return p.stem if p.is_file() else p.name


def identity(dataset: str, splits) -> dict:
    """The data's identity for metrics.json and the report: name, where it came from, class names,
    and how raw values became model inputs (raw * scale, then any preprocessing)."""
    own = is_path(dataset)
    return {"name": display_name(dataset), "path": str(Path(dataset).resolve()) if own else None,
            "builtin": not own, "classes": list(splits.classes), "scale": float(splits.scale),
            "input_shape": list(splits.input_shape), "task": splits.task}


def classes_scale_frontend(path) -> tuple[tuple[str, ...], float, dict | None]:
    """Class names, raw-value scale and audio front end (None unless .wav) of the user's data
    without decoding every sample (for `bundle --data PATH`): folder names for a folder (images
    1/255; .wav 1.0 and the default front end _wavs uses), the sorted label values for .csv and
    .npz (scale 1.0)."""
    p = Path(path)
    if p.is_dir():
        dirs = _class_dirs(p)
        if not dirs:
            raise UserError(f"{p} has no class sub-folders",
                            "pass the folder of class sub-folders the model was trained on")
        if _is_audio_folder(p):
            from pipeline.data.audio import frontend
            return tuple(d.name for d in dirs), 1.0, frontend.check(frontend.DEFAULT)
        return tuple(d.name for d in dirs), 1 / 255, None
    x, y, classes, scale = _file(p, "pass the folder, .npz or .csv the model was trained on")
    if x.ndim == 2:
        raise UserError(f"{p} holds feature vectors, which the model takes standardized per column with "
                        "statistics of the run's train split", "pass --run RUN_DIR instead of --data "
                        "(its metrics.json holds the class names and those statistics)")
    return classes, scale, None
