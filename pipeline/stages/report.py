"""Report stage: metrics.json (DESIGN.md keys), the terminal summary table and report.html
(pipeline/report/)."""

import json
from pathlib import Path

from pipeline.errors import UserError


def metrics(recipe, target, info: dict, timings: dict, tflite_bytes: int, metric: str = "accuracy") -> dict:
    """`metric` is the task's figure (pipeline.stages.score): `accuracy`, or `auc` for anomaly
    detection, and names it everywhere below."""
    v = info["verify"]
    m = {
        "recipe": recipe.name,
        "target": target.name,
        "metric": metric,
        "teacher": {"params": info["teacher"]["params"], metric: info["teacher"][metric]},
        "student_float": {"params": info["distill"]["params"], metric: info["distill"][metric]},
        # what KD ran with (autoencoders: "kd" is MSE, T unused)
        "distill": {"loss": recipe.distill.loss, "temperature": recipe.distill.temperature,
                    "student_loss_weight": recipe.distill.student_loss_weight, "epochs": recipe.distill.epochs},
        "student_qat": {metric: info["qat"][metric]},
        "student_int8": {
            metric: v[f"tflm_{metric}"],                  # on the tflite-micro interpreter
            f"litert_ref_{metric}": v[f"litert_ref_{metric}"],
            "tflite_bytes": tflite_bytes,
            "samples": v["samples"],
            "references_agree": v["references_agree"],    # fraction of samples with equal outputs
            "references_differing": v["references_differing"],
            "references_max_abs_diff": v["references_max_abs_diff"],
        },
        "timings_s": timings,
    }
    m["teacher"]["origin"] = info["teacher"].get("origin")   # trained here, cached, or the user's file
    if info["teacher"].get("outcomes"):     # confusion matrix / anomaly scores, for report.html
        m["teacher"]["outcomes"] = info["teacher"]["outcomes"]
    curves = {st: info[st].get("history") for st in ("teacher", "distill", "scratch", "qat") if st in info}
    if any(curves.values()):                # per-epoch loss and accuracy, for report.html
        m["training"] = {st: h for st, h in curves.items() if h}
    if "tflm" in info:      # MCU targets: the TFLM package
        m["tflm"] = {k: info["tflm"][k] for k in ("arena_bytes", "arena_bytes_with_margin", "ops")}
    if info["distill"].get("labels"):        # --labels: {"kept", "of", "spec"}
        m["distill"]["labels"] = info["distill"]["labels"]
    if "augmentation" in info["distill"]:   # the [augment] distill ran, as did teacher, baseline and QAT
        m["distill"]["augmentation"] = info["distill"]["augmentation"]
    if "firmware" in info:
        m["firmware"] = info["firmware"]["firmware"]
        m["emulator"] = info["firmware"]["emulator"]
    if "device" in info:    # Linux targets: the device's runtime under qemu-user, and the bundle
        m["device"] = info["device"]["device"]
        m["bundle"] = info["device"]["bundle"]
    if "search" in info:    # --budget / [budget]: the student was chosen (run dir: search.json)
        m["search"] = {k: info["search"][k] for k in ("budget", "candidates", "fit", "chosen")}
    if "scratch" in info:
        m["student_scratch"] = {metric: info["scratch"][metric]}
    if "also" in info:      # the same models scored on other data sets (same classes)
        m["also_test"] = {n: r for n, r in info["also"].items() if n != "summary"}
    if "data" in info:      # the front end / standardization the device must repeat
        m["preprocessing"] = info["data"]["preprocessing"]
    if len(info["convert"]["bytes"]) > 1:
        m["variants_bytes"] = info["convert"]["bytes"]
    return m


def write(rd, m: dict) -> Path:
    return rd.write_text("metrics.json", json.dumps(m, indent=2) + "\n")


def write_html(run_dir: Path) -> Path:
    """report.html next to metrics.json (pipeline/report/html.py)."""
    from pipeline.report import html
    return html.write(run_dir)


def load(run_dir: Path) -> dict:
    path = Path(run_dir) / "metrics.json"
    if not path.is_file():
        raise UserError(f"{path} not found", "run `edgedistill run` first, or pass the run's --out directory")
    return json.loads(path.read_text())


def table(m: dict) -> str:
    from pipeline.stages.score import fmt as fmt_metric
    k = m.get("metric", "accuracy")

    def fmt(v: float) -> str:
        return fmt_metric(k, v)
    t, s, q = m["teacher"], m["student_float"], m["student_int8"]
    rows = [("teacher (float)", f"{t['params']:,}", fmt(t[k]), "")]
    if "student_scratch" in m:
        rows.append(("student, no KD (float)", f"{s['params']:,}", fmt(m['student_scratch'][k]), ""))
    rows += [
        ("student, KD (float)", f"{s['params']:,}", fmt(s[k]), ""),
        ("student, QAT (fake-quant)", f"{s['params']:,}", fmt(m['student_qat'][k]), ""),
        ("student int8, tflite-micro", "", fmt(q[k]), f"{q['tflite_bytes']:,} B .tflite"),
        ("student int8, LiteRT ref", "", fmt(q[f'litert_ref_{k}']),
         f"{q['references_differing']}/{q['samples']} samples differ"),
    ]
    if "emulator" in m:
        e, f = m["emulator"], m["firmware"]
        rows.append((f"student int8, {m['target']} (QEMU)", "", fmt(e[k]),
                     f"{e['bitexact']:.1%} of {e['samples']} bit-exact; {e['instructions']:,} instr; "
                     f"flash {f['flash_bytes']:,} B, RAM {f['ram_bytes']:,} B"))
    if "device" in m:
        d = m["device"]
        rows.append((f"student int8, {m['target']} (qemu-user)", "", fmt(d[k]),
                     f"{d['bitexact']:.1%} of {d['samples']} bit-exact with {d['reference']}; {d['runtime']}"))
    w = [max(len(r[i]) for r in rows + [("model", "params", k, "")]) for i in range(4)]
    line = lambda r: "  ".join(c.ljust(w[i]) if i != 1 else c.rjust(w[i]) for i, c in enumerate(r)).rstrip()
    gap = f"{q[k] - t[k]:+.4f} AUC" if k == "auc" else f"{(q[k] - t[k]) * 100:+.2f} pp"
    for name, r in m.get("also_test", {}).items():
        rows += [(f"teacher on {name}", "", fmt(r["teacher"]), f"{r['samples']} samples"),
                 (f"student int8 on {name}", "", fmt(r["student_int8"]), "tflite-micro")]
    d = m.get("data") or {}
    title = f"{d['name']} (recipe {m['recipe']})" if d.get("path") else m["recipe"]   # the user's data
    out = [f"\n{title} -> {m['target']}", line(("model", "params", k, "")),
           line(tuple("-" * x for x in w)), *map(line, rows),
           f"student: {_size_words(t['params'], s['params'])}; int8 vs float teacher: {gap}"
           + (f"; TFLM arena {m['tflm']['arena_bytes']:,} B ({m['tflm']['arena_bytes_with_margin']:,} B "
              "with margin)" if "tflm" in m else "")
           + (f"; KD vs the same student alone: {(s[k] - m['student_scratch'][k]) * 100:+.2f} pp"
              if "student_scratch" in m and k != "auc" else ""),
           *(f"warning: {w}" for w in m.get("warnings", ())),
           f"total {sum(m['timings_s'].values()):.1f} s"]
    return "\n".join(out)


def _size_words(teacher: int, student: int) -> str:
    """"4.2x fewer params than the teacher", never "0.8x fewer" for a larger student."""
    if student == teacher:
        return "as many params as the teacher"
    if student < teacher:
        return f"{teacher / max(1, student):.1f}x fewer params than the teacher"
    return f"{student / max(1, teacher):.1f}x more params than the teacher"
