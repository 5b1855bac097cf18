"""Built-once feature arrays: cache_dir()/datasets/<name>-<hash>.npz, written atomically.

The hash covers everything the arrays depend on (options, front end, synthesiser version, code
version), so a change to any of them builds a new file instead of reading a stale one. The file is
written under a temp name beside its final place and renamed (atomic on one filesystem): a killed
build leaves no file under the final name; of two concurrent builders the last rename wins with
identical content.
"""

import hashlib
import json
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

from pipeline.paths import cache_dir


def path_for(name: str, key: dict) -> Path:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return cache_dir() / "datasets" / f"{name}-{digest}.npz"


def arrays(name: str, key: dict, build, progress=None) -> dict[str, np.ndarray]:
    """The cached arrays for (name, key), or build() -> {name: array} once and store them."""
    final = path_for(name, key)
    if final.is_file():
        try:
            with np.load(final, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError):
            pass                                   # unreadable (e.g. disk full mid-copy): rebuild
    say = progress or (lambda msg: print(msg, file=sys.stderr, flush=True))
    say(f"building data set {name} (once; cached in {final}) ...")
    t0 = time.monotonic()
    out = build()
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}-", suffix=".npz", dir=final.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **out)
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    say(f"data set {name} ready in {time.monotonic() - t0:.0f} s")
    return out
