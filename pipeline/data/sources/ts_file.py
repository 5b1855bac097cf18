"""UEA/UCR `.ts` time series (sktime's and aeon's bundled format) -> (N, T, C).

Sensor samples are (timesteps, channels): the layout 1-D convolutions over time expect.

Equal-length archives (BasicMotions) are read as they are. Variable-length archives (the gesture
sets) need `length` in the data set's [ts-file] table: every channel of every series is resampled
to that many steps by linear interpolation over its own time axis, so a slow and a fast
performance of one gesture map onto the same window. Missing values (`?` or `NaN`) at the end of
a channel are the archive's padding to the longest series and are dropped; missing values inside
a channel are unknown samples of the same signal, so the resampling interpolates across them
(only when `length` is set: equal-length reads refuse them).
"""

import numpy as np

from pipeline.data.sources._package import package_file
from pipeline.errors import UserError

MISSING = ("?", "nan")    # the archive writes '?'; aeon's padded exports write 'NaN'


def _channel(text: str) -> np.ndarray:
    """'1.0,?,2.5,NaN' -> float64 array with NaN for missing; ValueError on anything else."""
    return np.array([np.nan if v.strip().lower() in MISSING else float(v) for v in text.split(",")])


def resample(series: np.ndarray, length: int) -> np.ndarray:
    """(T,) with NaN gaps -> (length,): trailing NaN (padding) dropped, inner NaN interpolated over,
    then linear interpolation at `length` evenly spaced points from the first to the last step.
    ValueError when no value is left."""
    t = np.flatnonzero(~np.isnan(series))             # steps holding a value; gaps skipped
    if t.size == 0:
        raise ValueError("every value is missing")
    if t.size == 1:                                   # a single reading: a constant signal
        return np.full(length, series[t[0]])
    where = np.linspace(0, t[-1], length)
    return np.interp(where, t, series[t])


def read_ts(path, classes: tuple[str, ...], length: int | None = None):
    """Each data line: one comma-separated series per channel, channels separated by ':', label last.
    Returns x (N, T, C) float32 and y (N,) int64 indices into `classes`; T is `length` when given."""
    xs, ys = [], []
    in_data = False
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not in_data:
                in_data = line.lower() == "@data"
                continue
            *channels, label = line.split(":")
            if label not in classes:
                raise UserError(f"{path} line {n}: class '{label}' is not one of {list(classes)}",
                                "fix the classes list in the data set's TOML")
            try:
                chans = [_channel(c) for c in channels]
                if not chans:
                    raise ValueError("no series before the label")
                if length is not None:
                    chans = [resample(c, length) for c in chans]
                elif any(np.isnan(c).any() for c in chans):
                    raise ValueError("missing values")
                elif len({c.size for c in chans}) > 1:
                    raise ValueError("channels of different lengths")
                xs.append(np.array(chans, np.float32).T)   # (T, C)
            except ValueError as e:
                fix = ("reinstall the package that ships it" if length is not None else
                       "set `length` in the data set's [ts-file] table to resample each series "
                       "to a fixed length, or reinstall the package that ships it")
                raise UserError(f"{path} line {n} is not a numeric series ({e})", fix) from None
            ys.append(classes.index(label))
    if not xs:
        raise UserError(f"{path} has no series after @data", "reinstall the package that ships it")
    if len({x.shape for x in xs}) > 1:
        raise UserError(f"{path} holds series of different lengths",
                        "set `length` in the data set's [ts-file] table to resample each series "
                        "to a fixed length")
    return np.stack(xs), np.array(ys, np.int64)


def _find(o: dict, key: str, dataset: str):
    try:
        return package_file(o["package"], o[key], dataset)
    except UserError as e:
        if "install" not in o:
            raise
        # e.g. aeon: shipped as data only (`--no-deps`), its numba pin conflicts with our numpy
        raise UserError(e.problem, f"run `make setup` or `{o['install']}` "
                                   f"(the data ships inside that package)") from None


def load(spec):
    o = spec.options
    length = o.get("length")
    if length is not None and (not isinstance(length, int) or isinstance(length, bool) or length < 2):
        raise UserError(f"data set '{spec.name}': [ts-file] length = {length!r} is not a whole number >= 2",
                        "set length to the number of time steps every series is resampled to, e.g. 128")
    tr = read_ts(_find(o, "train", spec.name), spec.classes, length)
    te = read_ts(_find(o, "test", spec.name), spec.classes, length)
    return (*tr, *te)   # the archive's official train/test split is kept
