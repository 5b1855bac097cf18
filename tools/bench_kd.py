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
"""

import statistics
import time
from dataclasses import replace

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


def measure(name: str, labels_spec, seeds=SEEDS, echo=print) -> dict:
    import keras

    from pipeline import config
    from pipeline.run import _data_key, _load_data
    from pipeline.stages import distill, qat, score
    from pipeline.stages import teacher as teacher_stage
    recipe = config.load_recipe(name)
    if labels_spec:
        recipe = replace(recipe, distill=replace(recipe.distill, labels=labels_spec))
    recipe, splits, kd_splits, kept, _ = _load_data(recipe, lambda s: None)
    path, _ = teacher_stage.cached(recipe.teacher, splits, recipe.seed, _data_key(splits))
    teacher = keras.models.load_model(path)
    rows = []
    for seed in seeds:
        t0 = time.perf_counter()
        kd = distill.distill(teacher, recipe.student, recipe.distill, kd_splits, seed)
        kd_float = score.model(kd, splits)
        kd_int8 = _int8_accuracy(qat.qat(kd, teacher, recipe.qat, recipe.distill, kd_splits, seed), splits)
        alone = distill.scratch(recipe.student, recipe.distill, kd_splits, seed)
        alone_float = score.model(alone, splits)
        alone_int8 = _int8_accuracy(_alone_qat(alone, recipe, kd_splits, seed), splits)
        rows.append({"seed": seed, "kd_float": kd_float, "kd_int8": kd_int8, "alone_float": alone_float,
                     "alone_int8": alone_int8, "seconds": time.perf_counter() - t0})
        echo(f"  {name} {labels_spec or 'all labels'} seed {seed}: {rows[-1]}")
    return {"recipe": name, "labels": kept, "teacher": score.model(teacher, splits),
            "params": int(kd.count_params()), "loss": recipe.distill.loss, "epochs": recipe.distill.epochs,
            "rows": rows}


def _ms(values) -> str:
    values = [v * 100 for v in values]
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values) if len(values) > 1 else 0:.2f} %"


def _gain(a, b) -> float:
    return statistics.mean(x - y for x, y in zip(a, b)) * 100


def section(work=None, cases=CASES) -> str:
    lines = []
    for name, spec in cases:
        r = measure(name, spec)
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
