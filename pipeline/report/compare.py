"""One page comparing several runs (`edgedistill report A B ... --html`): two targets, or KD
against `--baseline`, side by side: accuracy per model, RAM and flash against each target's
budget, instructions and the estimated latency, and the figures as a table."""

from html import escape
from pathlib import Path

from pipeline.report import html
from pipeline.report.rundir import Run

# (label, how to read it from metrics.json); None where a run lacks it
MODELS = (("teacher (float)", lambda m, k: m["teacher"][k]),
          ("student alone (float)", lambda m, k: m.get("student_scratch", {}).get(k)),
          ("student, KD (float)", lambda m, k: m["student_float"][k]),
          ("student, QAT", lambda m, k: m["student_qat"][k]),
          ("int8, tflite-micro", lambda m, k: m["student_int8"][k]),
          ("int8 on the device", lambda m, k: (m.get("emulator") or m.get("device") or {}).get(k)))


def names(runs: list[Run]) -> list[str]:
    """Each run's directory name, or its path when two runs share a name."""
    short = [r.name for r in runs]
    return short if len(set(short)) == len(short) else [str(r.path) for r in runs]


def _latency_ms(run: Run) -> float | None:
    t, e = run.target, run.metrics.get("emulator")
    if not e or t is None or not (t.clock_hz and t.cycles_per_instruction):
        return None
    return e["instructions"] * t.cycles_per_instruction / t.clock_hz * 1000.0


def _table(runs: list[Run], labels: list[str]) -> str:
    rows = [("recipe", lambda r: r.metrics["recipe"]), ("target", lambda r: r.metrics["target"]),
            ("student params", lambda r: f"{r.metrics['student_float']['params']:,}"),
            (".tflite bytes", lambda r: f"{r.metrics['student_int8']['tflite_bytes']:,}"),
            ("RAM bytes", lambda r: f"{r.metrics['firmware']['ram_bytes']:,}" if "firmware" in r.metrics else "n/a"),
            ("flash bytes", lambda r: f"{r.metrics['firmware']['flash_bytes']:,}" if "firmware" in r.metrics else "n/a"),
            ("instructions", lambda r: f"{r.metrics['emulator']['instructions']:,}" if "emulator" in r.metrics else "n/a"),
            ("latency, ESTIMATE", lambda r: f"{_latency_ms(r):.2f} ms" if _latency_ms(r) is not None else "n/a")]
    head = "".join(f"<th>{escape(n)}</th>" for n in labels)
    body = "".join(f"<tr><th>{escape(k)}</th>{''.join(f'<td>{escape(str(get(r)))}</td>' for r in runs)}</tr>"
                   for k, get in rows)
    return f'<table border="1" cellpadding="4" style="border-collapse:collapse"><tr><th></th>{head}</tr>{body}</table>'


def render(runs: list[Run]) -> str:
    from pipeline.report import charts
    labels = names(runs)
    metric = {r.metrics.get("metric", "accuracy") for r in runs}
    k = metric.pop() if len(metric) == 1 else None
    out = []
    if k is None:
        out.append(html.section("accuracy", "accuracy", None, "the runs score different figures "
                                "(accuracy and AUC): not drawn on one axis"))
    else:
        series = {n: [get(r.metrics, k) for _, get in MODELS] for n, r in zip(labels, runs)}
        out.append(html.section("accuracy", f"{k} per model", charts.grouped(
            [g for g, _ in MODELS], series, f"test {k}", lambda v: charts.pct(k, v), zoom=True),
            "n/a: the run has no such model (student alone: no --baseline; device: no emulated target)"))
    items = [(f"{n}: {what} on {r.metrics['target']}", r.metrics["firmware"][key], getattr(r.target, key, None))
             for n, r in zip(labels, runs) if "firmware" in r.metrics
             for what, key in (("RAM", "ram_bytes"), ("flash", "flash_bytes"))]
    out.append(html.section("footprint", "RAM and flash against each target's budget",
                            charts.footprint(items) if items else None,
                            "the bars are each target's budget" if items else "no run has MCU firmware"))
    instr = {n: [r.metrics.get("emulator", {}).get("instructions")] for n, r in zip(labels, runs)}
    ms = {n: [_latency_ms(r)] for n, r in zip(labels, runs)}
    has = any(v[0] for v in instr.values())
    out.append(html.section("latency", "instructions per inference, and latency (ESTIMATE)",
                            charts.grouped(["instructions"], instr, "instructions (counted on QEMU)", charts.count)
                            if has else None, "instructions are exact; the ms below are an ESTIMATE at each "
                            "board's clock (instructions x cycles_per_instruction / clock_hz)"
                            if has else "no run counted instructions (no emulated MCU)"))
    if any(v[0] is not None for v in ms.values()):
        out.append(html.section("latency-ms", "latency in ms: ESTIMATE", charts.grouped(
            ["estimate"], ms, "ms per inference (ESTIMATE)", lambda v: f"{v:.2f} ms"), "not measured on a board"))
    return html.page(f"edgedistill: {len(runs)} runs compared", out, _table(runs, labels))


def write(run_dirs: list[Path], out: Path) -> Path:
    from pipeline.report import rundir
    out = Path(out)
    out.write_text(render([rundir.load(p) for p in run_dirs]))
    return out
