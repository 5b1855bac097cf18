"""Built-in data sets: one TOML per set in datasets/ (source package, licence, shapes, splits)."""

from dataclasses import dataclass, field

from pipeline.paths import load_toml, toml_names


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    description: str
    task: str                      # "classification" or "anomaly"
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
    # stored with the model: e.g. {"frontend": {...}} from the TOML's [frontend] table
    preprocessing: dict | None = None


def names() -> list[str]:
    return toml_names("datasets")


def spec(name: str) -> DatasetSpec:
    raw = load_toml("datasets", name, "data set", "datasets")
    return DatasetSpec(
        name=raw["name"], description=raw["description"], task=raw["task"], loader=raw["loader"],
        source=raw["source"], licence=raw["licence"], input_shape=tuple(raw["input_shape"]),
        classes=tuple(raw["classes"]), samples=raw["samples"], scale=raw["scale"],
        splits=raw.get("splits", {}), options=raw.get(raw["loader"], {}),
        debian_package=raw.get("debian_package"),
        preprocessing={"frontend": raw["frontend"]} if "frontend" in raw else None,
    )
