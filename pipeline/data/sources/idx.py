"""IDX files (the MNIST family's format), gzip-compressed, as Debian's dataset-* packages ship them."""

import gzip
from pathlib import Path

import numpy as np

from pipeline.errors import UserError

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: Path) -> np.ndarray:
    """Header: 2 zero bytes, dtype code, ndim, then ndim big-endian uint32 dims, then the data."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _DTYPES:
        raise UserError(f"{path} is not an IDX file", "reinstall the data package that provides it")
    ndim = raw[3]
    dims = np.frombuffer(raw, ">u4", count=ndim, offset=4)
    data = np.frombuffer(raw, _DTYPES[raw[2]], offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise UserError(f"{path} is truncated ({data.size} of {int(np.prod(dims))} values)",
                        "reinstall the data package that provides it")
    return data.reshape(tuple(int(d) for d in dims))


def load(spec):
    o = spec.options
    root = Path(o["dir"])
    files = [root / o[k] for k in ("train_images", "train_labels", "test_images", "test_labels")]
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        pkg = spec.debian_package or "the package that provides it"
        raise UserError(f"data set '{spec.name}' is not installed ({missing[0]} is missing)",
                        f"run `make setup` or `apt-get install {pkg}`")
    xtr, ytr, xte, yte = (read_idx(p) for p in files)
    return (xtr.astype(np.float32)[..., None], ytr.astype(np.int64),
            xte.astype(np.float32)[..., None], yte.astype(np.int64))
