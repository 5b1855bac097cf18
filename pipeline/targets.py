"""Target profiles: one TOML per target in targets/. Adding a board touches no Python."""

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import UserError
from pipeline.paths import data_dir


@dataclass(frozen=True)
class Target:
    name: str
    kind: str                     # "mcu" | "linux" | "host"
    description: str
    cpu: str
    features: tuple[str, ...]     # e.g. ("dsp", "fpu", "mve")
    ram_bytes: int | None         # budget of the real part this target stands for
    flash_bytes: int | None
    emulator: dict = field(default_factory=dict)   # {"kind": "qemu-system"|"qemu-user"|"none", ...}
    runtime: str = "tflm"         # "aot" | "tflm" | "litert" | "tflite-runtime"
    variants: tuple[str, ...] = ("int8",)
    boards: dict = field(default_factory=dict)     # board name -> flashing info


def _targets_dir() -> Path:
    return data_dir("targets")


def names() -> list[str]:
    return sorted(p.stem for p in _targets_dir().glob("*.toml"))


def load(name: str) -> Target:
    path = _targets_dir() / f"{name}.toml"
    if not path.is_file():
        raise UserError(f"unknown target '{name}'",
                        f"choose one of: {', '.join(names())} (see `edgedistill targets list`)")
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    return Target(
        name=raw["name"], kind=raw["kind"], description=raw["description"], cpu=raw["cpu"],
        features=tuple(raw.get("features", [])),
        ram_bytes=raw.get("ram_bytes"), flash_bytes=raw.get("flash_bytes"),
        emulator=raw.get("emulator", {}), runtime=raw.get("runtime", "tflm"),
        variants=tuple(raw.get("variants", ["int8"])), boards=raw.get("boards", {}),
    )
