"""The run directory: every stage's artifacts, written atomically, reused when inputs are unchanged.

Each stage has a key: a hash of its config and of the keys of the stages it reads (a chain, like a
build system's). After a stage has put all its outputs in place, it writes `.stages/<stage>.json`
holding the key, the sha256 of each output and the figures it measured. A stage is reused only if
that manifest exists, its key matches and every output still hashes the same; anything else
(changed config, an edited or missing artifact, a run killed mid-stage) redoes the stage.

Atomicity: outputs are made under `.tmp/` in the same directory and moved into place with
os.replace (atomic on POSIX); the manifest goes last, also by rename. A kill at any point leaves
either the old artifact or the new one, never a half-written file, and no manifest that vouches
for an unfinished stage.
"""

import functools
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from pipeline import __version__
from pipeline.files import write_atomic


@functools.cache
def code_hash(parts: tuple[str, ...] | None = None, firmware: bool = False) -> str:
    """Hash of the source that makes a stage's artifacts: `parts`, folders or files under
    pipeline/ (None: every module but the CLI, which makes no artifact), and for stages that
    build firmware (`firmware`) also the C kernels, board code and profiles under targets/. A
    changed stage must not reuse old artifacts, but a compiler change need not retrain the
    teacher: run.py names each stage's parts."""
    from pipeline.paths import data_dir
    h = hashlib.sha256(__version__.encode())
    root = Path(__file__).resolve().parent
    if parts is None:
        files = [f for f in root.rglob("*.py") if f.relative_to(root).parts[0] != "cli"]
    else:
        files = []
        for part in parts:
            p = root / part
            files += sorted(p.rglob("*.py")) if p.is_dir() else [p]
    if firmware:
        files += [f for f in data_dir("targets").rglob("*") if f.is_file()]
    for f in sorted(set(files)):
        h.update(str(f.relative_to(root) if f.is_relative_to(root) else f.name).encode() + b"\0"
                 + f.read_bytes())
    return h.hexdigest()[:16]


def key_of(stage: str, config, *upstream: str, code: tuple[str, ...] | None = None,
           firmware: bool = False) -> str:
    """The stage's key: its config, the keys it reads, and the code it runs (see code_hash)."""
    blob = json.dumps({"stage": stage, "code": code_hash(code, firmware), "config": config,
                       "upstream": list(upstream)}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def hash_path(path: Path) -> str:
    """sha256 of a file, or of a directory's files (relative names + contents, sorted)."""
    h = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for f in files:
        if f != path:
            h.update(str(f.relative_to(path)).encode() + b"\0")
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


class RunDir:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._manifests = self.root / ".stages"
        self._manifests.mkdir(exist_ok=True)
        self._tmp = self.root / ".tmp"
        shutil.rmtree(self._tmp, ignore_errors=True)   # leftovers of a killed run
        self._tmp.mkdir()

    def path(self, name: str) -> Path:
        return self.root / name

    def cached(self, stage: str, key: str) -> dict | None:
        """The stage's recorded figures if it can be reused, else None."""
        try:
            manifest = json.loads((self._manifests / f"{stage}.json").read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        if manifest.get("key") != key:
            return None
        for name, digest in manifest["outputs"].items():
            p = self.root / name
            if not p.exists() or hash_path(p) != digest:
                return None
        return manifest["info"]

    def scratch(self) -> Path:
        """A fresh temp dir on the run's filesystem, so os.replace into the run dir is atomic."""
        return Path(tempfile.mkdtemp(dir=self._tmp))

    def commit(self, stage: str, key: str, outputs: dict[str, Path], info: dict) -> dict:
        """Move each made output (temp path) to its name in the run dir, then record the manifest."""
        (self._manifests / f"{stage}.json").unlink(missing_ok=True)
        digests = {}
        for name, made in outputs.items():
            final = self.root / name
            final.parent.mkdir(parents=True, exist_ok=True)
            digests[name] = hash_path(made)
            if made.is_dir() and final.exists():
                # a directory can't replace a non-empty one in one rename: move the old aside first
                aside = self.scratch() / "old"
                os.replace(final, aside)
            os.replace(made, final)
        manifest = {"stage": stage, "key": key, "outputs": digests, "info": info}
        self.write_text(f".stages/{stage}.json", json.dumps(manifest, indent=1, sort_keys=True))
        shutil.rmtree(self._tmp, ignore_errors=True)
        self._tmp.mkdir()
        return info

    def close(self) -> None:
        """Removes `.tmp/` (half-made outputs of an interrupted stage); committed stages stay."""
        shutil.rmtree(self._tmp, ignore_errors=True)

    def write_text(self, name: str, text: str) -> Path:
        """Atomic write of a small text file into the run dir."""
        return write_atomic(self.root / name, text)
