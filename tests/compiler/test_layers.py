"""The compiler sits below the firmware: pipeline.compiler never imports pipeline.firmware (nor
the host build/run, pipeline.runtimes.host), at module level or inside a function, and the
target facts both need (kernel variants, cflags, code estimate, kernel folders) come from
pipeline/targets.py (issue 14, item 5). pipeline.firmware does import the compiler (it builds
what compile_model returns), so only that direction is a layer."""

import ast
import subprocess
import sys
from pathlib import Path

import pipeline

PKG = Path(pipeline.__file__).resolve().parent
BELOW = ("pipeline.firmware", "pipeline.runtimes.host")


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file, wherever it sits (functions included)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.append((node.lineno, node.module))
            out += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return out


def test_compiler_source_imports_nothing_above_it():
    bad = [f"{p.name}:{line} {mod}" for p in sorted((PKG / "compiler").glob("*.py"))
           for line, mod in _imports(p) if mod.startswith(BELOW) or mod == "pipeline.compiler.host"]
    assert not bad, bad


def test_importing_the_compiler_loads_no_firmware():
    """Every compiler module imported in a fresh interpreter, and compile_model run for the M4
    (its lazy imports: kernel variants, flash room, layouts): no pipeline.firmware module and
    not the host runner get loaded."""
    mods = sorted(p.stem for p in (PKG / "compiler").glob("*.py") if p.stem != "__init__")
    code = (f"import sys, importlib\n"
            f"for m in {mods!r}: importlib.import_module('pipeline.compiler.' + m)\n"
            "from pipeline.compiler import mlperf\n"
            "from pipeline.compiler.sources import compile_model\n"
            "compile_model(mlperf.build('ad_autoencoder'), 'cortex-m4')\n"
            f"print(sorted(m for m in sys.modules if m.startswith({BELOW!r})))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                       cwd=PKG.parent)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip().splitlines()[-1] == "[]", r.stdout


def test_target_facts_resolved_once():
    """targets.py answers what firmware/boards.py and compiler/host.py each worked out before."""
    from pipeline import targets
    from pipeline.firmware import boards
    m4, m55, host = (targets.load(n) for n in ("cortex-m4", "cortex-m55", "host"))
    assert m4.kernel_variants == ("reference", "dsp")
    assert m55.kernel_variants == ("reference", "dsp", "mve")
    assert host.kernel_variants == ("reference",)
    assert boards.cflags(m4) == list(m4.cflags) and "-mcpu=cortex-m4" in m4.cflags
    assert (targets.kernel_dir("dsp") / "fully_connected_wide.c").is_file()
    assert targets.CODE_ESTIMATE == 16 * 1024
