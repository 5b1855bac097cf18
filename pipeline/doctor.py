"""What the pipeline needs, what is installed, and how to install what is missing."""

import importlib.metadata
import importlib.util
import shutil
import subprocess
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    name: str
    needed_for: str
    version: str | None      # None: missing
    fix: str
    required: bool = True


def _pkg(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _tool(cmd: str, args=("--version",)) -> str | None:
    path = shutil.which(cmd)
    if not path:
        return None
    try:
        out = subprocess.run([path, *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "installed (version unknown)"
    first = (out.stdout or out.stderr).strip().splitlines()
    return _version(first[0]) if first else "installed"


def _version(line: str) -> str:
    """The version in a tool's first --version line, whole: the word after "version" (QEMU:
    "qemu-aarch64 version 7.2.22 (Debian 1:7.2+dfsg-...)"), else the last dotted number (gcc:
    "gcc (Debian 12.2.0-14) 12.2.0"), else the line itself."""
    import re
    m = re.search(r"\bversion\s+v?(\d[\w.+~-]*)", line)
    if m:
        return m.group(1)
    dotted = re.findall(r"\b\d+\.\d+[\w.+~-]*", line)
    return dotted[-1] if dotted else line.strip()


def checks() -> list[Check]:
    from pipeline.data import catalog
    venv = "run `make setup` (or `pip install -e .` in the project venv)"
    out = [
        Check("tensorflow", "training, TFLite converter", _pkg("tensorflow"), venv),
        Check("keras", "models, keras.distillation", _pkg("keras"), venv),
        Check("ai-edge-litert", "LiteRT reference kernels (verify)", _pkg("ai-edge-litert"), venv),
        Check("tflite-micro", "TFLM interpreter: MCU reference, arena size", _pkg("tflite-micro"), venv),
        Check("numpy", "everything", _pkg("numpy"), venv),
        Check("scikit-learn", "data set 'digits'", _pkg("scikit-learn"), venv),
        Check("click", "the CLI", _pkg("click"), venv),
        Check("gcc", "host builds of generated C (verify --target host)", _tool("gcc"),
              "apt-get install gcc (or `make setup`)", required=False),
        Check("arm-none-eabi-gcc", "Cortex-M firmware", _tool("arm-none-eabi-gcc"),
              "apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi (or `make setup`)", required=False),
        Check("qemu-system-arm", "Cortex-M emulation (verify/bench on MCU targets)", _tool("qemu-system-arm"),
              "apt-get install qemu-system-arm (or `make setup`)", required=False),
        Check("qemu-aarch64-static", "Linux targets rpi4, android-arm64 (arm64 userland)",
              _tool("qemu-aarch64-static"), "apt-get install qemu-user-static (or `make setup`)", required=False),
        Check("qemu-arm-static", "Linux target rpi-armv7 (armhf userland)", _tool("qemu-arm-static"),
              "apt-get install qemu-user-static (or `make setup`)", required=False),
        Check("openocd", "flash --probe openocd (real boards)", _tool("openocd"),
              "apt-get install openocd (or `make setup`)", required=False),
        Check("pyocd", "flash --probe pyocd (real boards, through its Python API)", _pkg("pyocd"), venv,
              required=False),
        _sandbox(),
    ]
    for name in catalog.names():
        spec = catalog.spec(name)
        if spec.debian_package:
            out.append(Check(f"data: {name}", f"recipe/data set '{name}'", _deb(spec.debian_package),
                             f"apt-get install {spec.debian_package} (or `make setup`)"))
        elif "package" in spec.options:      # data files inside a Python package
            pkg = spec.options["package"]
            found = importlib.util.find_spec(pkg) is not None
            out.append(Check(f"data: {name}", f"recipe/data set '{name}'", pkg if found else None,
                             spec.options.get("install", f"pip install {pkg} (or `make setup`)")))
    return out


def _sandbox() -> Check:
    """Which sandbox runs model-derived code (verify, bench): bubblewrap, the user's opt-out, or
    neither (then those commands refuse, with this fix)."""
    from pipeline import sandbox
    from pipeline.errors import UserError
    what = "containing model-derived code (verify, bench)"
    try:
        said = sandbox.status()
    except UserError as e:                       # EDGEDISTILL_SANDBOX set to something unknown
        return Check("sandbox", f"{what}: {e.problem}", None, e.fix, required=False)
    if not sandbox.usable():
        return Check("sandbox", f"{what}: {said}", None, sandbox.FIX, required=False)
    if said.startswith("none"):                  # opted out: say plainly what is left
        return Check("sandbox", f"{what}: isolation off by {sandbox.ENV_VAR}=none",
                     "none: rlimits only", "", required=False)
    return Check("sandbox", what, said, sandbox.FIX, required=False)


def _deb(package: str) -> str | None:
    """The Debian package's version if it is installed."""
    try:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status} ${Version}", package],
                           capture_output=True, text=True)
    except FileNotFoundError:
        return None
    return r.stdout.split()[-1] if r.returncode == 0 and "ok installed" in r.stdout else None
