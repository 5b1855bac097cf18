"""The instruction-counting QEMU plugin (targets/qemu/insn_count.c), built on first use into a
per-user cache (or ahead of time by `make setup`). Plain gcc, no QEMU headers: the source
declares the few plugin-API functions it uses."""

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from pipeline.errors import UserError
from pipeline.paths import cache_dir, data_dir


def source() -> Path:
    return data_dir("targets") / "qemu" / "insn_count.c"


def path() -> Path:
    """The built plugin, named by its source hash so an edited source is rebuilt."""
    src = source()
    digest = hashlib.sha256(src.read_bytes()).hexdigest()[:16]
    so = cache_dir() / f"insn_count-{digest}.so"
    if so.is_file():
        return so
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        raise UserError("no C compiler to build the QEMU counting plugin", "install gcc (make setup)")
    so.parent.mkdir(parents=True, exist_ok=True)
    tmp = so.with_suffix(f".{os.getpid()}.tmp")
    r = subprocess.run([cc, "-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-o", str(tmp), str(src)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"building the QEMU plugin failed:\n{r.stderr[-2000:]}")
    os.replace(tmp, so)              # atomic: concurrent test workers never see half a file
    return so


if __name__ == "__main__":          # `make setup` builds it ahead of time
    print(path())
