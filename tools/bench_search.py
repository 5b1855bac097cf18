"""BENCHMARKS.md's `search` section: the student chosen for a device budget (issue 13).

fashion-mnist on stm32f405 (full data, the recipe's schedule): the hand-picked recipe student
(`run` without a budget), then `run --budget` at three budgets and at the hand-picked student's own
measured cost (its firmware's RAM and flash, its instructions' latency estimate). Every figure is
from the runs' metrics.json / search.json: the chosen student's final firmware as measured on the
emulated board, its int8 test accuracy there, and the search stage's wall-clock time (teacher cached
by the first run). Then the same for a 1-D task (har) and for kws, one binding budget each.
A run dir under --work that already holds a finished run (metrics.json) is read, not run again.
"""

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET = "stm32f405"
BUDGETS = ("ram=16K,flash=64K,latency_ms=2", "ram=48K,flash=256K,latency_ms=10",
           "ram=128K,flash=1M,latency_ms=50")
# other data shapes: a budget that leaves a few of their candidates (costs as measured here)
OTHERS = (("har", "ram=4K,flash=24K,latency_ms=2"), ("kws", "ram=16K,flash=64K,latency_ms=5"))


def _run(out: Path, *args, recipe: str = "fashion-mnist") -> tuple[subprocess.CompletedProcess, float]:
    if (out / "metrics.json").is_file():     # finished before (bench --work): read it
        return subprocess.CompletedProcess([], 0, "", ""), 0.0
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", "--recipe", recipe,
                        "--target", TARGET, "--out", str(out), *args], cwd=REPO, env=env,
                       capture_output=True, text=True)
    if r.returncode not in (0, 2):
        sys.exit(f"bench: `edgedistill run {' '.join(args)}` failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r, time.perf_counter() - t0


def _recipe_student(recipe: str) -> str:
    import tomllib
    st = tomllib.loads((REPO / "pipeline" / "recipes" / f"{recipe}.toml").read_text())["student"]
    return " ".join([st["arch"]] + [f"{k}={v}" for k, v in sorted(st.get("kwargs", {}).items())])


def _latency_ms(instructions: int) -> float:
    from pipeline import targets
    t = targets.load(TARGET)
    return instructions * t.cycles_per_instruction / t.clock_hz * 1000


def _seconds(t: float) -> str:
    """A search stage's time; ~0 when the run reused it (a rerun after an interrupted bench)."""
    return f"{t:.0f} s" if t >= 0.5 else "(stage reused)"


def _row(label: str, budget: str, out: Path, r, seconds: float) -> str:
    if r.returncode == 2:
        return f"| {label} `{budget}` | none fits: {r.stderr.strip().removeprefix('error: ')} | | | | | | |"
    m = json.loads((out / "metrics.json").read_text())
    s, f, e = m["search"], m["firmware"], m["emulator"]
    b = s["budget"]
    fits = (f["ram_bytes"] <= b["ram_bytes"] and f["flash_bytes"] <= b["flash_bytes"]
            and (b["latency_ms"] is None or _latency_ms(e["instructions"]) <= b["latency_ms"]))
    return (f"| {label} `{budget}` | {s['chosen']['name']} ({s['fit']} of {s['candidates']} fit) | "
            f"{_seconds(m['timings_s']['search'])} | {f['ram_bytes']:,} | {f['flash_bytes']:,} | "
            f"{e['instructions']:,} (~{_latency_ms(e['instructions']):.1f} ms) | {'yes' if fits else '**no**'} | "
            f"{e['accuracy'] * 100:.2f} % ({e['samples']} samples, {e['bitexact'] * 100:.0f} % bit-exact) |")


def section(work: Path) -> str:
    hand = work / "search-handpicked"
    r, seconds = _run(hand)
    m = json.loads((hand / "metrics.json").read_text())
    f, e = m["firmware"], m["emulator"]
    # rounded up: 20.51307 ms written as 20.513 put the recipe student itself over its own budget
    own = (f"ram={f['ram_bytes']},flash={f['flash_bytes']},"
           f"latency_ms={math.ceil(_latency_ms(e['instructions']) * 1000) / 1000:.3f}")
    rows = [f"| hand-picked (recipe student, no budget) | {_recipe_student('fashion-mnist')} | | {f['ram_bytes']:,} | "
            f"{f['flash_bytes']:,} | {e['instructions']:,} (~{_latency_ms(e['instructions']):.1f} ms) | | "
            f"{e['accuracy'] * 100:.2f} % ({e['samples']} samples) |"]
    for i, budget in enumerate(BUDGETS + (own,)):
        out = work / f"search-{i}"
        r, seconds = _run(out, "--budget", budget)
        rows.append(_row("its own cost" if budget == own else "", budget, out, r, seconds))
    for recipe, budget in OTHERS:
        hand, out = work / f"search-{recipe}-handpicked", work / f"search-{recipe}"
        _run(hand, recipe=recipe)
        m = json.loads((hand / "metrics.json").read_text())
        f, e = m["firmware"], m["emulator"]
        rows.append(f"| **{recipe}**: hand-picked (recipe student, no budget) | {_recipe_student(recipe)} | | "
                    f"{f['ram_bytes']:,} | {f['flash_bytes']:,} | {e['instructions']:,} "
                    f"(~{_latency_ms(e['instructions']):.1f} ms) | | {e['accuracy'] * 100:.2f} % ({e['samples']} samples) |")
        r, seconds = _run(out, "--budget", budget, recipe=recipe)
        rows.append(_row(f"**{recipe}**", budget, out, r, seconds))
    return ("## Search: the student chosen for a budget\n\n"
            f"`edgedistill run --recipe fashion-mnist --target {TARGET} --budget ...` (full data; the teacher "
            "cached by the hand-picked run). Candidates' costs measured on the emulated board with random "
            "weights (cached per machine); survivors ranked by successive halving on the validation split; "
            "the halving's winner and the recipe's student (when it fits) each distilled with the recipe's "
            "whole schedule, the better on the validation split kept, QAT, int8 and firmware. Firmware figures and "
            "accuracy below are the final firmware's on the emulated board (test split); latency is the "
            "estimate instructions x 1.5 cycles / 168 MHz (targets/stm32f405.toml), not a measurement. "
            "Rows in bold: the same for a 1-D task (har, 6 IMU channels) and for kws (MFCC), one budget each "
            "that leaves a few of their candidates.\n\n"
            "| budget | chosen | search time | RAM (B) | flash (B) | instructions / inference | fits | "
            "int8 test accuracy (emulated) |\n|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n")


if __name__ == "__main__":
    print(section(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/edgedistill-bench-search")))
