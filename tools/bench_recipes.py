"""BENCHMARKS.md section: every built-in task's recipe run in full, from an empty run directory.

Per recipe: teacher vs int8 student (accuracy, or ROC AUC for anomaly detection), parameters,
the student on the emulated Cortex-M4 (bit-exactness with tflite-micro, instructions, flash, RAM)
and the wall time of the whole `edgedistill run`. Scores on other sets (`also_test`, e.g. the real
recorded digits for the synthetic-speech digits model) follow the table.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# fashion-mnist has its own section (pipeline_section in bench.py)
RECIPES = ("digits", "har", "gesture", "ecg-anomaly", "kws", "kws-digits")


def _run(recipe: str, out: Path) -> tuple[dict, float]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", "--recipe", recipe, "--out", str(out)],
                       cwd=REPO, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"bench: `edgedistill run --recipe {recipe}` failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return json.loads((out / "metrics.json").read_text()), time.perf_counter() - t0


def _fmt(metric: str, v: float) -> str:
    return f"AUC {v:.3f}" if metric == "auc" else f"{v * 100:.2f} %"


def section(work: Path) -> str:
    rows, extra = [], []
    for name in RECIPES:
        m, secs = _run(name, work / name)
        k = m.get("metric", "accuracy")
        t, s, q, e, f = m["teacher"], m["student_float"], m["student_int8"], m["emulator"], m["firmware"]
        rows.append(f"| `{name}` | {_fmt(k, t[k])} | {t['params']:,} | {_fmt(k, s[k])} | {s['params']:,} | "
                    f"{t['params'] / s['params']:.1f}× | {_fmt(k, q[k])} ({q['samples']}) | "
                    f"{e['bitexact'] * 100:.1f} % of {e['samples']} | {e['instructions']:,} | "
                    f"{f['flash_bytes']:,} / {f['ram_bytes']:,} | {secs:.0f} s |")
        for other, r in m.get("also_test", {}).items():
            extra.append(f"- `{name}` scored on `{other}` ({r['samples']} samples, the training set's "
                         f"preprocessing): teacher {_fmt(k, r['teacher'])}, float student "
                         f"{_fmt(k, r['student_float'])}, int8 student on tflite-micro {_fmt(k, r['student_int8'])}.")
    return f"""## Every task: the built-in recipes in full

`edgedistill run --recipe NAME` (target cortex-m4), each from an empty run directory. Figures are
on each set's test split: accuracy, or ROC AUC of the reconstruction error for `ecg-anomaly`. The
int8 student runs on tflite-micro (test-split size in brackets) and, as firmware, on the emulated
Cortex-M4 (QEMU mps2-an386), compared output by output with tflite-micro.

| recipe | teacher (float) | teacher params | student KD (float) | student params | ratio | student int8 (TFLM) | bit-exact on M4 | instr / inference | flash / RAM B | wall time |
|---|---|---|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

{chr(10).join(extra)}
"""
