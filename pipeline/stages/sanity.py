"""Sanity checks that save a user's day: numbers that look like results but mean nothing.

    teacher at or near chance on the val split  -> refused (UserError) unless --force, then a warning
    student with as many parameters as the teacher or more                      -> warning
    int8 student more than QAT_DROP_PP below the float student                  -> warning
    val or test split under SMALL_SPLIT samples (each sample moves the figure
    by more than 2 pp)                                                          -> warning

Warnings are sentences; run.py prints them under the summary and writes them to metrics.json
`warnings`. Classification only: an anomaly detector's AUC has no class prior to compare with.
"""

import numpy as np

from pipeline.errors import UserError

QAT_DROP_PP = 2.0       # the bound: int8 below float by more than this is worth a look
SMALL_SPLIT = 50        # one sample is 2 pp of 50: below that a 1-2 pp difference is one sample
NEAR_CHANCE = 0.15      # "near chance": within 15 % of the way from chance to perfect


def chance(y: np.ndarray, num_classes: int) -> float:
    """What always answering the most common class scores (1/K on balanced data)."""
    if not len(y):
        return 1 / num_classes
    return float(np.bincount(y[y >= 0], minlength=num_classes).max() / max(1, (y >= 0).sum()))


def check_teacher(model, splits, force: bool, stops_here: bool = False) -> list[str]:
    """Refuses a teacher whose val accuracy (test when there is no val split) is at or near chance:
    distilling from it teaches the student noise. With `force`, a warning instead; and a warning
    when the run stops at the teacher (`stops_here`: nothing distills from it yet)."""
    if splits.task == "anomaly":
        return []
    x, y, where = (splits.x_val, splits.y_val, "val") if len(splits.y_val) else \
        (splits.x_test, splits.y_test, "test")
    if not len(y):
        return []
    acc = float(np.mean(np.argmax(model.predict(x, batch_size=512, verbose=0).reshape(len(y), -1), -1) == y))
    base = chance(y, splits.num_classes)
    bar = base + NEAR_CHANCE * (1 - base)
    if acc >= bar:
        return []
    problem = (f"the teacher scores {acc:.1%} on the {len(y)} {where} samples, chance is {base:.1%} "
               f"({splits.num_classes} classes): at or near chance (below {bar:.1%}), so it has nothing to teach")
    if stops_here and not force:
        return [problem + " (distilling from it will be refused without --force)"]
    if not force:
        raise UserError(problem, "train the teacher further (or check that --data is the data it was "
                                 "trained on, with the same scaling: pixels / 255), or pass --force to distill anyway")
    return [problem + " (--force)"]


def data_warnings(splits) -> list[str]:
    out = []
    for name, y in (("val", splits.y_val), ("test", splits.y_test)):
        if 0 < len(y) < SMALL_SPLIT:
            out.append(f"the {name} split has {len(y)} samples: one sample moves its {name} figures by "
                       f"{100 / len(y):.1f} pp, so differences that small mean nothing (give more data)")
    return out


def result_warnings(m: dict) -> list[str]:
    """From metrics.json's figures: the student's size and the QAT/int8 drop."""
    out = []
    t, s = m["teacher"]["params"], m["student_float"]["params"]
    if s >= t:
        out.append(f"the student has {s:,} params, the teacher {t:,}: the student is not smaller "
                   "(pick a smaller student, or check --teacher/--student)")
    if m.get("metric", "accuracy") == "accuracy":
        drop = (m["student_float"]["accuracy"] - m["student_int8"]["accuracy"]) * 100
        if drop > QAT_DROP_PP:
            out.append(f"int8 student scores {drop:.2f} pp below the float student (more than "
                       f"{QAT_DROP_PP:g} pp): try more [qat] epochs or a lower [qat] learning_rate")
    return out
