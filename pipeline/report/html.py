"""The page of one run: a section per figure, drawn from what the run directory holds; a figure
the run did not record gets a one-line note saying why instead of an image (never a made-up
number). Self-contained: PNGs inlined as base64, CSS inline, no script, no external URL."""

import base64
from html import escape
from pathlib import Path

from pipeline.report.rundir import Run

# section ids, in page order (tests/report check them by these names)
SECTIONS = ("accuracy", "outcomes", "per-op", "memory-plan", "footprint", "latency", "pareto", "training")

CSS = """body{font-family:sans-serif;max-width:1050px;margin:1.5em auto;color:#222;padding:0 1em}
h1{font-size:1.4em}h2{font-size:1.1em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
img{max-width:100%;display:block}.note{color:#666;font-size:.9em}.missing .note{font-style:italic}
pre{background:#f6f6f6;padding:.8em;font-size:.78em;overflow-x:auto}"""


def img(png: bytes, alt: str) -> str:
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def section(sid: str, title: str, png: bytes | None, note: str) -> str:
    """An image with a note under it, or (png None) the note saying why there is no image."""
    body = (img(png, title) if png is not None else "") + f'<p class="note">{escape(note)}</p>'
    return f'<section id="{sid}"{"" if png is not None else " class=missing"}><h2>{escape(title)}</h2>{body}</section>'


def page(title: str, sections: list[str], preface: str = "") -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<style>{CSS}</style></head><body><h1>{escape(title)}</h1>{preface}{"".join(sections)}</body></html>\n')


def _accuracy(run: Run):
    from pipeline.report import charts
    m = run.metrics
    k = m.get("metric", "accuracy")
    t, s, q = m["teacher"], m["student_float"], m["student_int8"]
    rows = [("teacher (float)", t[k], f"{t['params']:,} params")]
    if "student_scratch" in m:
        rows.append(("student alone, no KD (float)", m["student_scratch"][k], f"{s['params']:,} params"))
    rows += [("student, KD (float)", s[k], f"{s['params']:,} params"),
             ("student, QAT (fake-quant)", m["student_qat"][k], f"{s['params']:,} params"),
             ("int8, tflite-micro", q[k], f"{q['tflite_bytes']:,} B .tflite, {q['samples']:,} samples")]
    if "emulator" in m:
        e, f = m["emulator"], m["firmware"]
        rows.append((f"int8 on {m['target']} (QEMU)", e[k],
                     f"flash {f['flash_bytes']:,} B, {e['samples']:,} samples, {e['bitexact']:.1%} bit-exact"))
    if "device" in m:
        d = m["device"]
        rows.append((f"int8 on {m['target']} ({d['runtime']})", d[k], f"{d['samples']:,} samples"))
    note = ("KD's gain over the same student alone: "
            f"{(s[k] - m['student_scratch'][k]) * (100 if k != 'auc' else 1):+.2f}{' pp' if k != 'auc' else ' AUC'}; "
            if "student_scratch" in m else "no `--baseline`: the student alone was not trained; ")
    note += "the device row scores the first samples of the test split only. " if "emulator" in m else ""
    return charts.accuracy(rows, k), note + how_trained(m)


def how_trained(m: dict) -> str:
    """One line: where the teacher came from and how good it is, the KD loss, the augmentation and,
    with --labels, how many labels the student had (the teacher had them all)."""
    k = m.get("metric", "accuracy")
    d, t = m.get("distill", {}), m["teacher"]
    parts = [f"teacher: {t.get('origin') or 'origin not recorded'}, test {k} "
             + (f"{t[k]:.2%}" if k == "accuracy" else f"{t[k]:.4f}")]
    if "loss" in d:
        kd = f"KD loss {d['loss']}" + (f" at T = {d['temperature']:g}, hard-label weight {d['student_loss_weight']:g}"
                                        if "temperature" in d and k != "auc" else "")
        parts.append(kd + (f", {d['epochs']} epochs" if "epochs" in d else ""))
    aug = d.get("augmentation")
    if aug:
        params = ", ".join(f"{a} {v}" for a, v in aug.items() if a != "kind")
        parts.append("augmentation: " + ("none" if aug["kind"] == "none" else f"{aug['kind']} ({params})"))
    lab = d.get("labels")
    if lab:
        parts.append(f"labels: the student had {lab['kept']:,} of {lab['of']:,} ({lab['spec']}) and the "
                     "teacher's soft targets on all; the teacher was trained on every label")
    return "; ".join(parts)


def _outcomes(run: Run):
    from pipeline.report import model_charts
    m = run.metrics
    dev = (m.get("emulator") or {}).get("outcomes")
    teacher = m["teacher"].get("outcomes")
    if not dev or not teacher:
        return None, ("not recorded: this run's teacher or firmware stage was made before they kept "
                      "their predictions (re-run the stage to get it)" if "emulator" in m or "device" not in m
                      else "not recorded for Linux targets: the device stage keeps no per-class figures")
    where = f"int8 student on {m['target']} (QEMU, {m['emulator']['samples']:,} samples)"
    if "confusion" in dev:
        classes = (m.get("data") or {}).get("classes")
        return (model_charts.confusion([("teacher (float), test split", teacher["confusion"]),
                                        (where, dev["confusion"])], classes),
                "rows: the true class, columns: the predicted one; shading = share of the true class")
    return (model_charts.roc([("teacher (float), test split", teacher["scores"]), (where, dev["scores"])]),
            "anomaly score: reconstruction mean squared error; the device's from its own int8 outputs")


def _per_op(run: Run):
    from pipeline.report import model_charts
    ops = (run.metrics.get("emulator") or {}).get("ops")
    if not ops:
        return None, ("not recorded: " + ("the firmware stage of this run predates the per-op record "
                                          "(`edgedistill bench --per-op` prints it)" if "emulator" in run.metrics
                                          else "per-op instructions are counted on MCU targets only"))
    return model_charts.per_op(ops), (f"counted by the QEMU plugin per call site; the ops sum to "
                                      f"{sum(o['instructions'] for o in ops):,} of the "
                                      f"{run.metrics['emulator']['instructions']:,} instructions per inference "
                                      "(the rest is model_invoke's own code)")


def _memory_plan(run: Run):
    from pipeline.report import model_charts
    if run.plan is None or not run.plan.buffers:
        return None, "no firmware/memory_plan.txt in this run (the compiler's plan exists for MCU targets)"
    return model_charts.memory_plan(run.plan), ("the compiled firmware's arena (firmware/memory_plan.txt); "
                                                "TFLM's own arena for tflm/ is sized separately: "
                                                f"{run.metrics.get('tflm', {}).get('arena_bytes', 'n/a')} B")


def _footprint(run: Run):
    from pipeline.report import charts
    m, t = run.metrics, run.target
    if "firmware" not in m:
        return None, "RAM and flash are measured on MCU firmware only; this run has none"
    f = m["firmware"]
    items = [(f"RAM on {m['target']} (static + peak stack)", f["ram_bytes"], t and t.ram_bytes),
             (f"flash on {m['target']}", f["flash_bytes"], t and t.flash_bytes)]
    b = (m.get("search") or {}).get("budget") or {}
    items += [(f"{what} against the search's --budget", f[key], b[key]) for what, key in
              (("RAM", "ram_bytes"), ("flash", "flash_bytes")) if b.get(key)]
    return charts.footprint(items), f"the bars are the budget of the part; {f['holds']}"


def _latency(run: Run):
    from pipeline.report import charts
    m, t = run.metrics, run.target
    if "emulator" not in m:
        return None, "instructions are counted on the emulated MCU only; this run has no firmware stage"
    e = m["emulator"]
    ms = clock = None
    if t is not None and t.clock_hz and t.cycles_per_instruction:
        ms = e["instructions"] * t.cycles_per_instruction / t.clock_hz * 1000.0
        clock = f"{t.clock_hz / 1e6:g} MHz x {t.cycles_per_instruction:g} cycles/instruction"
    budget = ((m.get("search") or {}).get("budget") or {}).get("latency_ms")
    note = ("instructions are exact (QEMU); the milliseconds are an ESTIMATE, instructions x "
            "cycles_per_instruction / clock_hz" + (f": {t.cpi_source}" if ms is not None and t.cpi_source else ""))
    return charts.latency(e["instructions"], e.get("macs"), ms, clock, budget), note


def _pareto(run: Run):
    from pipeline.report import charts
    s = run.search
    if s is None:
        return None, "no search.json: this run had no --budget, so no search ran"
    return (charts.pareto(s["candidates"], s.get("pareto", {}), s["chosen"]["name"], s["budget"]),
            f"{len(s['candidates'])} candidates, chosen {s['chosen']['name']}; accuracies of candidates "
            "successive halving stopped early are lower bounds")


def _training(run: Run):
    from pipeline.report import charts
    h = {k: v for k, v in (run.metrics.get("training") or {}).items() if v}
    if not h:
        return None, ("not recorded: the training stages of this run predate the per-epoch record, "
                      "or the models came from files")
    return charts.curves(h, run.metrics.get("metric", "accuracy")), \
        "per epoch, as keras reported it (a distiller's loss is the KD mix, not comparable with the teacher's)"


BUILDERS = {"accuracy": ("accuracy (AUC for anomaly tasks) and size", _accuracy),
            "outcomes": ("confusion: teacher vs int8 student on the device", _outcomes),
            "per-op": ("instructions and MACs per op on the target", _per_op),
            "memory-plan": ("memory plan: which buffer holds which arena bytes during which op", _memory_plan),
            "footprint": ("RAM and flash against the target's budget", _footprint),
            "latency": ("latency: instructions, and an estimate in ms", _latency),
            "pareto": ("budget search: Pareto front", _pareto),
            "training": ("training curves", _training)}


def sections(run: Run) -> list[str]:
    out = []
    for sid in SECTIONS:
        title, build = BUILDERS[sid]
        if sid == "outcomes" and run.metrics.get("metric") == "auc":
            title = "ROC and anomaly scores: teacher vs int8 student on the device"
        png, note = build(run)
        out.append(section(sid, title, png, note))
    return out


def render(run: Run) -> str:
    from pipeline.stages import report
    m = run.metrics
    return page(f"edgedistill: {m['recipe']} on {m['target']}", sections(run),
                f'<pre>{escape(report.table(m).strip())}</pre>')


def write(run_dir: Path) -> Path:
    from pipeline.report import rundir
    run = rundir.load(run_dir)
    out = Path(run_dir) / "report.html"
    out.write_text(render(run))
    return out
