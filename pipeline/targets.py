"""Target profiles: one TOML per target in targets/. Adding a board touches no Python."""

from dataclasses import dataclass, field

from pipeline.paths import load_toml, toml_names


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
    # MCU parts: the latency *estimate* for `--budget latency_ms` is instructions (exact, counted on
    # QEMU) x cycles_per_instruction / clock_hz; cpi_source says where the CPI figure comes from
    clock_hz: int | None = None
    cycles_per_instruction: float | None = None
    cpi_source: str | None = None


def names() -> list[str]:
    return toml_names("targets")


def resolve(target) -> Target:
    """A profile from its name, or the profile itself."""
    return load(target) if isinstance(target, str) else target


def load(name: str) -> Target:
    raw = load_toml("targets", name, "target", "targets")
    return Target(
        name=raw["name"], kind=raw["kind"], description=raw["description"], cpu=raw["cpu"],
        features=tuple(raw.get("features", [])),
        ram_bytes=raw.get("ram_bytes"), flash_bytes=raw.get("flash_bytes"),
        emulator=raw.get("emulator", {}), runtime=raw.get("runtime", "tflm"),
        variants=tuple(raw.get("variants", ["int8"])), boards=raw.get("boards", {}),
        clock_hz=raw.get("clock_hz"), cycles_per_instruction=raw.get("cycles_per_instruction"),
        cpi_source=raw.get("cpi_source"),
    )
