"""Where the data folders (targets/, datasets/) are, in a checkout and in an installed wheel."""

import os
import tomllib
from pathlib import Path

_PKG = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """`targets` or `datasets`: `pipeline/_data/<name>` in a wheel, `<repo>/<name>` in a checkout."""
    for candidate in (_PKG / "_data" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"edgedistill data folder '{name}' is missing from the installation")


def cache_dir() -> Path:
    """Per-user cache for things built once per machine: the QEMU plugin, ARM userlands, host envs."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "edgedistill"


def recipes_dir() -> Path:
    return _PKG / "recipes"


def toml_names(folder: str) -> list[str]:
    """Names of the profiles in a data folder: `targets` -> ['cortex-m4', ...]."""
    return sorted(p.stem for p in data_dir(folder).glob("*.toml"))


def load_toml(folder: str, name: str, what: str, command: str) -> dict:
    """targets/<name>.toml (or datasets/...), or a UserError listing the names there are."""
    from pipeline.errors import UserError
    path = data_dir(folder) / f"{name}.toml"
    if not path.is_file():
        raise UserError(f"unknown {what} '{name}'",
                        f"choose one of: {', '.join(toml_names(folder))} (see `edgedistill {command} list`)")
    with open(path, "rb") as f:
        return tomllib.load(f)
