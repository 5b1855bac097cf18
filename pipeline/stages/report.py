"""Report stage: metrics.json (DESIGN.md keys) and the terminal summary table."""

import json
from pathlib import Path

from pipeline.errors import UserError


def metrics(recipe, target, info: dict, timings: dict, tflite_bytes: int) -> dict:
    v = info["verify"]
    m = {
        "recipe": recipe.name,
        "target": target.name,
        "teacher": {"params": info["teacher"]["params"], "accuracy": info["teacher"]["accuracy"]},
        "student_float": {"params": info["distill"]["params"], "accuracy": info["distill"]["accuracy"]},
        "student_qat": {"accuracy": info["qat"]["accuracy"]},
        "student_int8": {
            "accuracy": v["tflm_accuracy"],               # on the tflite-micro interpreter
            "litert_ref_accuracy": v["litert_ref_accuracy"],
            "tflite_bytes": tflite_bytes,
            "samples": v["samples"],
            "references_agree": v["references_agree"],    # fraction of samples with equal outputs
            "references_differing": v["references_differing"],
            "references_max_abs_diff": v["references_max_abs_diff"],
        },
        "tflm": {"arena_bytes": info["tflm"]["arena_bytes"],
                 "arena_bytes_with_margin": info["tflm"]["arena_bytes_with_margin"],
                 "ops": info["tflm"]["ops"]},
        "timings_s": timings,
    }
    if "firmware" in info:
        m["firmware"] = info["firmware"]["firmware"]
        m["emulator"] = info["firmware"]["emulator"]
    if "scratch" in info:
        m["student_scratch"] = {"accuracy": info["scratch"]["accuracy"]}
    if len(info["convert"]["bytes"]) > 1:
        m["variants_bytes"] = info["convert"]["bytes"]
    return m


def write(rd, m: dict) -> Path:
    return rd.write_text("metrics.json", json.dumps(m, indent=2) + "\n")


def load(run_dir: Path) -> dict:
    path = Path(run_dir) / "metrics.json"
    if not path.is_file():
        raise UserError(f"{path} not found", "run `edgedistill run` first, or pass the run's --out directory")
    return json.loads(path.read_text())


def table(m: dict) -> str:
    t, s, q = m["teacher"], m["student_float"], m["student_int8"]
    rows = [("teacher (float)", f"{t['params']:,}", f"{t['accuracy']:.2%}", "")]
    if "student_scratch" in m:
        rows.append(("student, no KD (float)", f"{s['params']:,}", f"{m['student_scratch']['accuracy']:.2%}", ""))
    rows += [
        ("student, KD (float)", f"{s['params']:,}", f"{s['accuracy']:.2%}", ""),
        ("student, QAT (fake-quant)", f"{s['params']:,}", f"{m['student_qat']['accuracy']:.2%}", ""),
        ("student int8, tflite-micro", "", f"{q['accuracy']:.2%}", f"{q['tflite_bytes']:,} B .tflite"),
        ("student int8, LiteRT ref", "", f"{q['litert_ref_accuracy']:.2%}",
         f"{q['references_differing']}/{q['samples']} samples differ"),
    ]
    if "emulator" in m:
        e, f = m["emulator"], m["firmware"]
        rows.append((f"student int8, {m['target']} (QEMU)", "", f"{e['accuracy']:.2%}",
                     f"{e['bitexact']:.1%} of {e['samples']} bit-exact; {e['instructions']:,} instr; "
                     f"flash {f['flash_bytes']:,} B, RAM {f['ram_bytes']:,} B"))
    w = [max(len(r[i]) for r in rows + [("model", "params", "accuracy", "")]) for i in range(4)]
    line = lambda r: "  ".join(c.ljust(w[i]) if i != 1 else c.rjust(w[i]) for i, c in enumerate(r)).rstrip()
    ratio = t["params"] / max(1, s["params"])
    out = [f"\n{m['recipe']} -> {m['target']}", line(("model", "params", "accuracy", "")),
           line(tuple("-" * x for x in w)), *map(line, rows),
           f"student: {ratio:.1f}x fewer params than the teacher; int8 vs float teacher: "
           f"{(q['accuracy'] - t['accuracy']) * 100:+.2f} pp; TFLM arena {m['tflm']['arena_bytes']:,} B "
           f"({m['tflm']['arena_bytes_with_margin']:,} B with margin)",
           f"total {sum(m['timings_s'].values()):.1f} s"]
    return "\n".join(out)
