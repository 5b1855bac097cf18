"""UEA/UCR `.ts` multivariate time series (sktime's and aeon's bundled format) -> (N, T, C).

Sensor samples are (timesteps, channels): the layout 1-D convolutions over time expect.
"""

import numpy as np

from pipeline.data.sources._package import package_file
from pipeline.errors import UserError


def read_ts(path, classes: tuple[str, ...]):
    """Each data line: one comma-separated series per channel, channels separated by ':', label last."""
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
                xs.append(np.array([[float(v) for v in c.split(",")] for c in channels], np.float32).T)
            except ValueError:   # ragged channels or a non-numeric value
                raise UserError(f"{path} line {n} is not an equal-length numeric series",
                                "reinstall the package that ships it") from None
            ys.append(classes.index(label))
    return np.stack(xs), np.array(ys, np.int64)


def load(spec):
    o = spec.options
    tr = read_ts(package_file(o["package"], o["train"], spec.name), spec.classes)
    te = read_ts(package_file(o["package"], o["test"], spec.name), spec.classes)
    return (*tr, *te)   # the archive's official train/test split is kept
