"""`make bench`, section "kd": does distillation pay? The recipe's student distilled from the
recipe's teacher against the same student trained alone, over 3 seeds, float and int8.

For each case, on the full data: the recipe's zoo teacher from the machine's teacher cache
(trained on a miss, seed = the recipe's), then for each student seed
  - KD:    distill (the recipe's [distill] loss, augmentation, epochs), then QAT with KD on, int8;
  - alone: the same student, augmentation, epochs and schedule on hard labels (with few labels:
           the labelled subset for the KD student's optimizer steps, pipeline/stages/distill.scratch),
           then QAT on hard labels for the same epochs, int8.
The same stage functions `edgedistill run` calls; the data split stays the recipe's, the seed moves
the student's initialisation, batch order and augmentation. int8 accuracy is tflite-micro's on the
whole test split, which the firmware matches output for output (verify on the emulated MCU).

Each (case, seed, arm) runs in its own process, JOBS at a time (2 cores: two processes share them
with little loss, and a row does not depend on what runs beside it); its row is written to --work
as JSON, and a row already there is read, not measured again (a restarted bench resumes).
"""

import json
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

CASES = (("fashion-mnist", None), ("fashion-mnist", "5%"), ("kws", None))
SEEDS = (0, 1, 2)


def _int8_accuracy(model, splits) -> float:
    from pipeline.runtimes import tflm
    from pipeline.stages import convert, score
    tflite = convert.convert(model, splits.representative, variant="int8")
    xq = convert.quantize_inputs(tflite, splits.x_test)
    return score.from_int8(tflite, splits.task, tflm.run(tflite, xq), xq, splits.y_test)


def _alone_qat(student, recipe, splits, seed: int):
    """QAT for the student trained alone: the pipeline's QAT schedule, hard labels only, as the
    baseline itself trained (distill.fit_alone)."""
    from pipeline.qat import quantize_model
    from pipeline.stages import distill, training
    training.seed_everything(seed)
    q = recipe.qat
    return distill.fit_alone(quantize_model(student), splits, q.epochs, q.batch_size, q.learning_rate)


JOBS = 2


def _case(name: str, labels_spec):
    from pipeline import config
    from pipeline.run import _data_key, _load_data
    from pipeline.stages import teacher as teacher_stage
    recipe = config.load_recipe(name)
    if labels_spec:
        recipe = replace(recipe, distill=replace(recipe.distill, labels=labels_spec))
    recipe, splits, kd_splits, kept, _ = _load_data(recipe, lambda s: None)
    path, _ = teacher_stage.cached(recipe.teacher, splits, recipe.seed, _data_key(splits))
    return recipe, splits, kd_splits, kept, path


def measure_arm(name: str, labels_spec, seed: int, arm: str) -> dict:
    """One arm ("kd" or "alone") of one student seed: float and int8 test accuracy."""
    import keras

    from pipeline.stages import distill, qat, score
    recipe, splits, kd_splits, kept, path = _case(name, labels_spec)
    teacher = keras.models.load_model(path)
    t0 = time.perf_counter()
    if arm == "kd":
        model = distill.distill(teacher, recipe.student, recipe.distill, kd_splits, seed)
        quantized = qat.qat(model, teacher, recipe.qat, recipe.distill, kd_splits, seed)
    else:
        model = distill.scratch(recipe.student, recipe.distill, kd_splits, seed)
        quantized = _alone_qat(model, recipe, kd_splits, seed)
    return {"float": score.model(model, splits), "int8": _int8_accuracy(quantized, splits),
            "seconds": time.perf_counter() - t0, "labels": kept, "teacher": score.model(teacher, splits),
            "params": int(model.count_params()), "loss": recipe.distill.loss, "epochs": recipe.distill.epochs}


def _row_file(work: Path, name: str, spec, seed: int, arm: str) -> Path:
    return work / f"{name}-{(spec or 'all').replace('%', 'pct')}-seed{seed}-{arm}.json"


def measure_all(cases, seeds=SEEDS, echo=print, work: Path | None = None) -> list[dict]:
    """Every (case, seed, arm) in its own process, JOBS at a time; rows kept in `work`."""
    work = Path(work or "/tmp/edgedistill-bench-kd")
    work.mkdir(parents=True, exist_ok=True)
    for name, spec in cases:
        _case(name, spec)          # each teacher trained once, here, before the arms share it

    def one(job):
        name, spec, seed, arm = job
        row = _row_file(work, name, spec, seed, arm)
        if not row.is_file():
            tmp = row.with_suffix(".tmp")
            subprocess.run([sys.executable, __file__, name, spec or "", str(seed), arm, str(tmp)],
                           check=True, stdout=subprocess.DEVNULL)
            tmp.rename(row)
        got = json.loads(row.read_text())
        echo(f"  {name} {spec or 'all labels'} seed {seed} {arm}: {got['float']:.4f} float, "
             f"{got['int8']:.4f} int8 ({got['seconds']:.0f} s)")
        return got
    jobs = [(name, spec, seed, arm) for name, spec in cases for seed in seeds for arm in ("kd", "alone")]
    with ThreadPoolExecutor(JOBS) as pool:
        got = dict(zip(jobs, pool.map(one, jobs)))
    out = []
    for name, spec in cases:
        first = got[(name, spec, seeds[0], "kd")]
        rows = [{"seed": seed, **{f"{arm}_{k}": got[(name, spec, seed, arm)][k] for arm in ("kd", "alone")
                                  for k in ("float", "int8")},
                 "seconds": sum(got[(name, spec, seed, arm)]["seconds"] for arm in ("kd", "alone"))}
                for seed in seeds]
        out.append({"recipe": name, "labels": first["labels"], "teacher": first["teacher"],
                    "params": first["params"], "loss": first["loss"], "epochs": first["epochs"], "rows": rows})
    return out


def _ms(values) -> str:
    values = [v * 100 for v in values]
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values) if len(values) > 1 else 0:.2f} %"


def _gain(a, b) -> float:
    return statistics.mean(x - y for x, y in zip(a, b)) * 100


def section(work=None, cases=CASES) -> str:
    lines = []
    for (name, spec), r in zip(cases, measure_all(cases, work=Path(work) / "kd" if work else None)):
        col = {k: [row[k] for row in r["rows"]] for k in ("kd_float", "kd_int8", "alone_float", "alone_int8")}
        labels = (f"{r['labels']['kept']:,} of {r['labels']['of']:,} ({spec})" if r["labels"] else "all")
        lines.append(f"| `{name}` | {labels} | {r['teacher'] * 100:.2f} % | {r['params']:,} | {r['loss']} | "
                     f"{_ms(col['alone_float'])} | {_ms(col['kd_float'])} | "
                     f"**{_gain(col['kd_float'], col['alone_float']):+.2f} pp** | "
                     f"{_ms(col['alone_int8'])} | {_ms(col['kd_int8'])} | "
                     f"**{_gain(col['kd_int8'], col['alone_int8']):+.2f} pp** | "
                     f"{statistics.mean(row['seconds'] for row in r['rows']):.0f} s |")
    return ("## Does distillation pay? KD vs the same student alone, 3 seeds\n\n"
            "Each recipe's student distilled from its (cached) teacher against the same student trained "
            "without it: same epochs, augmentation and schedule (few labels: the labelled subset for the "
            "KD student's optimizer steps), then QAT for each (KD on for the distilled one, hard labels "
            "for the other) and int8 on tflite-micro, whole test split. Mean ± std over student seeds "
            f"{', '.join(map(str, SEEDS))}; the gain is the mean of the per-seed differences "
            "(`tools/bench_kd.py`).\n\n"
            "| recipe | labels | teacher | student params | KD loss | alone (float) | KD (float) | gain | "
            "alone (int8) | KD (int8) | gain | time / seed |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|---|\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":      # one row: bench_kd.py NAME LABELS SEED ARM OUT.json
    name, spec, seed, arm, out = sys.argv[1:6]
    Path(out).write_text(json.dumps(measure_arm(name, spec or None, int(seed), arm)))
