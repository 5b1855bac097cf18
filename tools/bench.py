"""`make bench`: measure the pipeline and write BENCHMARKS.md.

Runs, each from an empty run directory, on this machine:
  - `edgedistill run --recipe fashion-mnist` (full data; `make demo`) with no teacher in the cache,
    then in a second run directory with the teacher cached, then that command again (nothing
    changed: every stage must be reused), then with `--baseline`, which reuses every stage and
    adds the same student trained without the teacher (one seed's KD comparison);
  - KD vs the same student alone over 3 seeds, all labels and 5 % of them (tools/bench_kd.py);
  - `edgedistill run --recipe digits --quick`;
  - every other built-in recipe in full (tools/bench_recipes.py);
  - `run --budget` on fashion-mnist / stm32f405 at three budgets and the recipe student's own cost
    (tools/bench_search.py);
  - the kernels on every MCU target (tools/bench_aot.py, tools/bench_mcu.py), the trained MLPerf Tiny
    models on the Cortex-M4 (tools/bench_trained.py), and the .tflite fuzzer.
Figures come from each run's metrics.json and wall-clock time of the whole command.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _run(args: list[str], out: Path, env: dict | None = None) -> float:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})}
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", *args, "--out", str(out)],
                       cwd=REPO, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"bench: `edgedistill run {' '.join(args)}` failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return dt


def _cli_json(*args) -> dict:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", *map(str, args), "--json"], cwd=REPO,
                       env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"bench: `edgedistill {' '.join(map(str, args))}` failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout)


MCU_TARGETS = ("cortex-m0plus", "cortex-m4", "stm32f405", "cortex-m7", "cortex-m55")


def student_on_targets(tflite: Path, samples: int = 200) -> str:
    """The trained fashion-mnist int8 student on every MCU target: real test images."""
    rows = []
    for t in MCU_TARGETS:
        v = _cli_json("verify", tflite, "--target", t, "--data", "fashion-mnist", "--samples", samples)
        b = _cli_json("bench", tflite, "--target", t)
        rows.append(f"| {t} | {_pct(v['bitexact'])} of {v['samples']} | {_pct(v['accuracy'])} | "
                    f"{b['instructions']:,} | {b['macs'] / b['instructions']:.3f} | {b['ram_bytes']:,} | "
                    f"{b['tflm_arena_bytes']:,} | {b['flash_bytes']:,} | {b['flash_bytes'] - b['weights_bytes']:,} |")
    return ("## The fashion-mnist student as firmware\n\n"
            f"The int8 student of `run --recipe fashion-mnist` on each emulated MCU (first "
            f"{samples} test images):\n\n"
            "| target | bit-exact with tflite-micro | accuracy | instructions / inference | MAC / instr | "
            "RAM (static + stack, B) | TFLM arena (B) | flash (B) | flash − weights (B) |\n"
            "|---|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n")


def _pct(x: float) -> str:
    return f"{x * 100:.2f} %"


def _cache_without_teachers(work: Path) -> dict:
    """An XDG cache whose edgedistill folder links every entry of this machine's (the QEMU plugin,
    the ARM userlands) except the teacher cache: `make demo` as on a machine that never trained one."""
    from pipeline.paths import cache_dir
    fresh = work / "xdg-cache" / "edgedistill"
    fresh.mkdir(parents=True, exist_ok=True)
    for entry in cache_dir().iterdir() if cache_dir().is_dir() else ():
        if entry.name != "teachers" and not (fresh / entry.name).exists():
            (fresh / entry.name).symlink_to(entry)
    return {"XDG_CACHE_HOME": str(fresh.parent)}


def pipeline_section(work: Path) -> str:
    fm, fm2 = work / "fashion-mnist", work / "fashion-mnist-2"
    t_full = _run(["--recipe", "fashion-mnist"], fm, _cache_without_teachers(work))   # `make demo`, empty cache
    first = json.loads((fm / "metrics.json").read_text())["timings_s"]
    from pipeline.paths import cache_dir   # the teacher just trained, into this machine's cache
    shutil.copytree(work / "xdg-cache" / "edgedistill" / "teachers", cache_dir() / "teachers", dirs_exist_ok=True)
    t_cached = _run(["--recipe", "fashion-mnist"], fm2)          # a new run dir, the teacher cached
    t_rerun = _run(["--recipe", "fashion-mnist"], fm2)
    _run(["--recipe", "fashion-mnist", "--baseline"], fm)   # adds only the from-scratch student
    t_digits = _run(["--recipe", "digits", "--quick"], work / "digits")
    m = json.loads((fm / "metrics.json").read_text())
    d = json.loads((work / "digits" / "metrics.json").read_text())
    t, s, q = m["teacher"], m["student_float"], m["student_int8"]
    ratio = t["params"] / s["params"]
    gap = (q["accuracy"] - t["accuracy"]) * 100
    kd_gain = (s["accuracy"] - m["student_scratch"]["accuracy"]) * 100
    stage_times = ", ".join(f"{k} {v:.0f} s" for k, v in first.items())

    def ok(cond):
        return "met" if cond else "**not met**"

    return f"""## Pipeline: `edgedistill run`

| figure | measured | target | |
|---|---|---|---|
| `make demo` (`run --recipe fashion-mnist`), empty run dir and teacher cache | {t_full:.0f} s | ≤ 720 s | {ok(t_full <= 720)} |
| the same, new run dir, the teacher cached | {t_cached:.0f} s | ≤ 360 s | {ok(t_cached <= 360)} |
| rerun, nothing changed | {t_rerun:.1f} s | ≤ 30 s | {ok(t_rerun <= 30)} |
| `run --recipe digits --quick` wall time | {t_digits:.0f} s | ≤ 120 s | {ok(t_digits <= 120)} |
| teacher / student params | {t['params']:,} / {s['params']:,} = {ratio:.1f}× | ≥ 20× | {ok(ratio >= 20)} |
| int8 student on tflite-micro vs float teacher | {_pct(q['accuracy'])} vs {_pct(t['accuracy'])} ({gap:+.2f} pp) | within 2 pp | {ok(gap >= -2)} |
| tflite-micro vs LiteRT reference, equal outputs | {_pct(q['references_agree'])} ({q['references_differing']} of {q['samples']} samples differ, max {q['references_max_abs_diff']} LSB) | ≥ 99 % | {ok(q['references_agree'] >= 0.99)} |
| digits quick: references agree | {_pct(d['student_int8']['references_agree'])} ({d['student_int8']['references_differing']} of {d['student_int8']['samples']}) | ≥ 99 % | {ok(d['student_int8']['references_agree'] >= 0.99)} |

Fashion-MNIST, full test split (10,000 images), stage times of the first run: {stage_times}.

| model | params | test accuracy |
|---|---|---|
| teacher (float, {t['params']:,} params) | {t['params']:,} | {_pct(t['accuracy'])} |
| student trained from scratch (float, same epochs) | {s['params']:,} | {_pct(m['student_scratch']['accuracy'])} |
| student distilled from the teacher (float) | {s['params']:,} | {_pct(s['accuracy'])} |
| student after QAT (fake-quant Keras) | {s['params']:,} | {_pct(m['student_qat']['accuracy'])} |
| student int8 on tflite-micro ({q['tflite_bytes']:,} B .tflite) | | {_pct(q['accuracy'])} |
| student int8 on LiteRT reference kernels | | {_pct(q['litert_ref_accuracy'])} |

Knowledge distillation vs the same student trained without the teacher: {kd_gain:+.2f} pp (one seed; over 3 seeds: the next section).
TFLM arena for the int8 student: {m['tflm']['arena_bytes']:,} B measured ({m['tflm']['arena_bytes_with_margin']:,} B with the package's margin).
"""


def student_section(work: Path) -> str:
    """The pipeline section's student on every MCU target (trains it when `work` has none)."""
    fm = work / "fashion-mnist"
    if not (fm / "model_int8.tflite").is_file():
        _run(["--recipe", "fashion-mnist"], fm)
    return student_on_targets(fm / "model_int8.tflite")


def fuzz_section(work: Path, cases: int = 10000) -> str:
    """tools/fuzz_models.py: mutated .tflite files through compile and verify --target host."""
    import fuzz_models
    s = fuzz_models.fuzz(cases, seed=0)
    found = "; ".join(f"{f['problem']} ({f['case']})" for f in s["failures"]) or "none"
    return ("## Fuzzing: untrusted .tflite files\n\n"
            "`tools/fuzz_models.py`: seeded mutations (Hypothesis) of two small converter-made models — "
            "shapes, types, buffer indices and contents, quantization fields, op inputs, codes and "
            "options, op order, byte flips — each run as `edgedistill compile --target host` and "
            "`edgedistill verify --target host` in a worker process. A case passes when both exit 0 or 2, "
            "within the time limit, writing nothing outside `--out`.\n\n"
            "| cases | accepted (exit 0) | refused (exit 2) | crashes, hangs, other exits, stray files | time |\n"
            "|---|---|---|---|---|\n"
            f"| {s['cases']:,} | {s['exit_0']:,} | {s['exit_2']:,} | {found} | {s['seconds']:.0f} s |\n")


def linux_section(work: Path, models: int = 300) -> str:
    """tools/sweep_linux.py: random small int8 models through every Linux target's two paths (#15)."""
    import sweep_linux
    r = sweep_linux.sweep(models, seed=0)
    rows = []
    for t, row in r["targets"].items():
        for mode, s in row.items():
            named = sum(c["predicted"] for c in s["crashes"])
            found = "; ".join(f"{c['model']} {c['family']}" for c in s["crashes"] + s["mismatches"])
            rows.append(f"| {t} | {'reference kernels' if mode == 'ref' else 'default (XNNPACK)'} | {s['runs']} | "
                        f"{s['exact']} | {s['off_by_1']} | {len(s['crashes'])} ({named} named before running) | "
                        f"{len(s['mismatches'])} | {found[:300] or '-'} |")
    fam = ", ".join(f"{k} {v}" for k, v in sorted(r["families"].items()))
    return ("## Linux targets: randomized sweep\n\n"
            f"`tools/sweep_linux.py --models {models} --seed 0`: {r['models']} small int8 models ({fam}), "
            "converted by the TF converter, each run on every Linux target's reference kernels and default "
            "path in its emulated userland and compared with the host run of the same runtime's reference "
            "kernels (a mismatch: any difference on the reference path, more than 1 LSB on the default one). "
            "Causes of the armv7 crashes and reference mismatches: README, Linux targets "
            f"(`pipeline/linux/hazards.py` names them). {r['seconds']:.0f} s.\n\n"
            "| target | path | models | exact | 1 LSB | crashes | mismatches | which |\n"
            "|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n")


SECTIONS = ("pipeline", "kd", "student", "recipes", "search", "aot", "mcu", "trained", "fuzz", "linux")


def _replace_section(text: str, section: str) -> str:
    """Swaps the `## ` section with the same title (or appends it), noting when it was re-measured."""
    title = section.splitlines()[0]
    section = section.replace("\n\n", f"\n\n(Re-measured on its own by `tools/bench.py --only`, "
                              f"{time.strftime('%Y-%m-%d')}.)\n\n", 1)
    parts = text.split("\n## ")
    for i, p in enumerate(parts[1:], 1):
        if "## " + p.splitlines()[0] == title:
            parts[i] = section[3:].rstrip("\n") + "\n"
            return "\n## ".join(parts)
    return text.rstrip("\n") + "\n\n" + section


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md")
    ap.add_argument("--only", choices=SECTIONS, default=None,
                    help="re-measure one section and replace it in the existing file")
    ap.add_argument("--work", type=Path, default=None,
                    help="keep run dirs here (and reuse a trained student from it) instead of a temp dir")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO / "tools"))
    import bench_aot
    import bench_kd
    import bench_mcu
    import bench_recipes
    import bench_search
    import bench_trained
    makers = {"pipeline": pipeline_section, "student": student_section, "recipes": bench_recipes.section,
              "kd": bench_kd.section, "trained": bench_trained.section, "search": bench_search.section,
              "aot": lambda work: bench_aot.section(), "mcu": lambda work: bench_mcu.section(),
              "fuzz": fuzz_section, "linux": linux_section}
    work = args.work or Path(tempfile.mkdtemp(prefix="edgedistill-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if args.only:
            section = makers[args.only](work)      # measure first, then read the file
            text = _replace_section(args.out.read_text(), section)
        else:
            head = (f"# Benchmarks\n\nMade by `make bench` ({time.strftime('%Y-%m-%d')}) on {platform.machine()}, "
                    f"{os.cpu_count()} cores, Python {platform.python_version()}. Every figure below was measured "
                    "in that run; nothing is copied from elsewhere.\n\n")
            text = head + "\n".join(makers[s](work) for s in SECTIONS)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
