"""The data stage: a data set name -> seeded train/val/test splits + a representative set."""

from dataclasses import dataclass

import numpy as np

from pipeline.config import AugmentConfig
from pipeline.data import catalog, standardize
from pipeline.data.sources import LOADERS

REPRESENTATIVE_SAMPLES = 200   # calibration set for conversion: TFLite's guidance is 100-500


@dataclass(frozen=True)
class Splits:
    name: str
    classes: tuple[str, ...]
    x_train: np.ndarray   # (N, *input_shape) float32, already scaled
    y_train: np.ndarray   # (N,) int64
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    representative: np.ndarray
    task: str = "classification"            # or "anomaly" (y: 0 normal, 1 anomalous; AUC)
    # how raw samples became model inputs, stored with the model so a device can repeat it,
    # e.g. {"frontend": {...}} for audio (pipeline.data.audio.frontend)
    preprocessing: dict | None = None
    # how training batches are varied on the fly (pipeline/data/augment.py), None: not at all. Set
    # by run.py from the recipe's [augment] (augment.resolve); training.fit applies it to every
    # model it trains, so teacher, student, baseline and QAT see the same augmentation
    augment: AugmentConfig | None = None
    # raw value * scale = model input (before any standardization): 1/255 for 8-bit pixels; a
    # device or the bundled runner repeats it on raw samples
    scale: float = 1.0

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    @property
    def num_classes(self) -> int:
        return len(self.classes)


def _stratified_take(y: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of n samples with class proportions kept (rounded), in a seeded random order."""
    picks = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        k = max(1, round(n * len(idx) / len(y)))
        picks.append(rng.permutation(idx)[:k])
    return rng.permutation(np.concatenate(picks))[:n]


def _split_off(x, y, n, rng):
    """(rest, taken): n stratified samples split off x, y."""
    take = _stratified_take(y, n, rng)
    mask = np.ones(len(y), bool)
    mask[take] = False
    return (x[mask], y[mask]), (x[take], y[take])


def load(name: str, seed: int = 0, limit: dict | None = None, resize: tuple[int, int] | None = None,
         standardize_with: dict | None = None) -> Splits:
    """A built-in name, or a path to the user's own data (see pipeline.data.user).

    `limit` ({'train': N, 'test': N}) subsamples for --quick runs; val and test stay stratified.
    `resize` (H, W) applies to folders of images only. `standardize_with`: another set's
    standardization statistics to apply instead of this set's own (see make_splits).
    """
    from pipeline.data import user
    if user.is_path(name):
        return user.load_path(name, seed, resize=resize, limit=limit)
    if "/" in name or name.lower().endswith((".npz", ".csv")):
        from pipeline.errors import UserError
        raise UserError(f"data {name} not found", "check the path (a folder, .npz or .csv), or give a "
                        "built-in data set name (see `edgedistill datasets list`)")
    spec = catalog.spec(name)
    return make_splits(spec.name, spec.classes, LOADERS[spec.loader](spec), spec.splits, spec.scale,
                       seed, limit, task=spec.task, preprocessing=spec.preprocessing,
                       standardize_with=standardize_with)


def make_splits(name, classes, raw, splits: dict, scale: float, seed: int, limit: dict | None,
                task: str = "classification", preprocessing: dict | None = None,
                standardize_with: dict | None = None) -> Splits:
    """raw = (x, y) one pool, or (x_train, y_train, x_test, y_test); splits = {'test':, 'val':,
    'standardize': bool, 'test_only': bool}.

    Samples are scaled, then standardized per feature with the train split's statistics when
    `standardize` is set, or with `standardize_with` when given: another set's statistics, so
    samples scored by a model trained on that set see the inputs it was trained on."""
    rng = np.random.default_rng(seed)
    x_tr, y_tr, x_va, y_va, x_te, y_te = _split(raw, splits, limit, rng)
    s = np.float32(scale)
    x_tr, x_va, x_te = x_tr * s, x_va * s, x_te * s
    stats = standardize_with or (standardize.fit(x_tr) if splits.get("standardize") else None)
    if stats:
        x_tr, x_va, x_te = (standardize.apply(a, stats) for a in (x_tr, x_va, x_te))
        preprocessing = {**(preprocessing or {}), "scale": float(scale), "standardize": stats}
    rep = x_tr[rng.permutation(len(y_tr))[:REPRESENTATIVE_SAMPLES]]
    return Splits(name, tuple(classes), x_tr, y_tr, x_va, y_va, x_te, y_te, rep,
                  task=task, preprocessing=preprocessing, scale=float(scale))


def _split(raw, splits: dict, limit: dict | None, rng):
    """(x_train, y_train, x_val, y_val, x_test, y_test), seeded and stratified."""
    if splits.get("test_only"):                # an evaluation-only set: every sample is test
        x, y = raw[-2:]
        empty = np.zeros((0, *x.shape[1:]), np.float32)
        return empty, y[:0], empty, y[:0], x, y
    if len(raw) == 2:                          # one pool: carve test then val out of it
        x, y = raw
        n_test = round(splits["test"] * len(y)) if splits["test"] < 1 else splits["test"]
        (x_tr, y_tr), (x_te, y_te) = _split_off(x, y, n_test, rng)
    else:
        x_tr, y_tr, x_te, y_te = raw
    val = splits["val"]
    n_val = round(val * (len(y_tr) + len(y_te))) if val < 1 else val
    (x_tr, y_tr), (x_va, y_va) = _split_off(x_tr, y_tr, n_val, rng)
    if limit:
        keep = _stratified_take(y_tr, min(limit["train"], len(y_tr)), rng)
        x_tr, y_tr = x_tr[keep], y_tr[keep]
        keep = _stratified_take(y_te, min(limit["test"], len(y_te)), rng)
        x_te, y_te = x_te[keep], y_te[keep]
        keep = _stratified_take(y_va, min(limit["test"], len(y_va)), rng)
        x_va, y_va = x_va[keep], y_va[keep]
    else:
        order = rng.permutation(len(y_tr))
        x_tr, y_tr = x_tr[order], y_tr[order]
    return x_tr, y_tr, x_va, y_va, x_te, y_te
