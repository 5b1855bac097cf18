"""Where the data folders (targets/, datasets/) are, in a checkout and in an installed wheel."""

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """`targets` or `datasets`: `pipeline/_data/<name>` in a wheel, `<repo>/<name>` in a checkout."""
    for candidate in (_PKG / "_data" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"edgedistill data folder '{name}' is missing from the installation")


def recipes_dir() -> Path:
    return _PKG / "recipes"
