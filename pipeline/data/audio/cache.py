"""Built-once feature arrays: cache_dir()/datasets/<name>-<hash>/arrays.npz.

The hash covers everything the arrays depend on (options, front end, synthesiser version, code
version), so a change to any of them builds a new entry instead of reading a stale one. The
directory is built and renamed into place by pipeline.buildonce: a killed build leaves nothing
under the final name.
"""

import hashlib
import json
from pathlib import Path

import numpy as np

from pipeline import buildonce
from pipeline.paths import cache_dir


def path_for(name: str, key: dict) -> Path:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return cache_dir() / "datasets" / f"{name}-{digest}"


def arrays(name: str, key: dict, build, progress=None) -> dict[str, np.ndarray]:
    """The cached arrays for (name, key), or build() -> {name: array} once and store them."""
    def make(work: Path):
        np.savez(work / "arrays.npz", **build())
        return work, {"data set": name}
    final = buildonce.ensure(path_for(name, key), f"data set {name}", make, progress)
    with np.load(final / "arrays.npz", allow_pickle=False) as z:
        return {k: z[k] for k in z.files}
