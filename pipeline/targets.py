"""Target profiles: one TOML per target in targets/. Adding a board touches no Python.

The facts the compiler and the firmware build both need are resolved here, once: the kernel
folders a target builds with (Target.kernel_variants, kernel_dir), its compiler flags
(Target.cflags), and the code the flash budget must leave room for (CODE_ESTIMATE). The compiler
reads them without importing pipeline.firmware, and the firmware build without the compiler's
host runner."""

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.paths import data_dir, load_toml, toml_names

# Headroom the flash budget leaves for code that is not weights: kernels, harness, start-up
# (measured: 6-15 KiB at -O2; the real figure comes from the ELF after the build).
CODE_ESTIMATE = 16 * 1024


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

    @property
    def kernel_variants(self) -> tuple[str, ...]:
        """Kernel folders (targets/kernels/<variant>/, one instruction set per folder), most
        specific last: a file in a later folder replaces the same-named file of an earlier one.
        Only MCU targets build with the DSP / MVE folders; the host builds reference/ alone."""
        if self.kind != "mcu":
            return ("reference",)
        return ("reference", *(v for v in ("dsp", "mve") if v in self.features))

    @property
    def cflags(self) -> tuple[str, ...]:
        """The cross compiler's flags for this core ([emulator] cflags; empty when none)."""
        return tuple(self.emulator.get("cflags", ()))


def kernel_dir(variant: str = "reference") -> Path:
    """targets/kernels/<variant>/ (found after a wheel install too: paths.data_dir)."""
    return data_dir("targets") / "kernels" / variant


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
