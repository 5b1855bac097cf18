"""Built-in data sets: one TOML per set in datasets/ (source package, licence, shapes, splits)."""

import tomllib
from dataclasses import dataclass, field

from pipeline.errors import UserError
from pipeline.paths import data_dir


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    description: str
    task: str                      # "classification"
    loader: str                    # key in pipeline.data.sources.LOADERS
    source: str
    licence: str
    input_shape: tuple[int, ...]   # (H, W, C) of one sample
    classes: tuple[str, ...]
    samples: int
    scale: float                   # raw value * scale = float model input
    splits: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)   # loader-specific table, e.g. [idx]
    debian_package: str | None = None


def names() -> list[str]:
    return sorted(p.stem for p in data_dir("datasets").glob("*.toml"))


def spec(name: str) -> DatasetSpec:
    path = data_dir("datasets") / f"{name}.toml"
    if not path.is_file():
        raise UserError(f"unknown data set '{name}'",
                        f"choose one of: {', '.join(names())} (see `edgedistill datasets list`)")
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    return DatasetSpec(
        name=raw["name"], description=raw["description"], task=raw["task"], loader=raw["loader"],
        source=raw["source"], licence=raw["licence"], input_shape=tuple(raw["input_shape"]),
        classes=tuple(raw["classes"]), samples=raw["samples"], scale=raw["scale"],
        splits=raw.get("splits", {}), options=raw.get(raw["loader"], {}),
        debian_package=raw.get("debian_package"),
    )
