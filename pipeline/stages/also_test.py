"""Score the trained models on other data sets with the same classes: how well training on one
set transfers to another (e.g. synthetic speech -> real recordings). Each set goes through the
training set's own preprocessing (its standardization statistics) first."""

import numpy as np

from pipeline.errors import UserError


def score_all(names, splits, teacher, student, tflite: bytes) -> dict:
    from pipeline import data
    from pipeline.runtimes import tflm
    from pipeline.stages import score
    from pipeline.stages.convert import quantize_inputs
    out = {}
    for name in names:
        other = data.load(name, standardize_with=(splits.preprocessing or {}).get("standardize"))
        if other.classes != splits.classes or other.input_shape != splits.input_shape:
            raise UserError(f"data set '{name}' has classes {list(other.classes)} and input "
                            f"{other.input_shape}, the model {list(splits.classes)} and {splits.input_shape}",
                            "list in also_test only sets with the training set's classes and shape")
        x, y = other.x_test, other.y_test
        xq = quantize_inputs(tflite, x)
        out[name] = {"samples": int(len(y)),
                     "teacher": score.from_outputs(splits.task, np.asarray(teacher(x, training=False)), x, y),
                     "student_float": score.from_outputs(splits.task, np.asarray(student(x, training=False)), x, y),
                     "student_int8": score.from_int8(tflite, splits.task, tflm.run(tflite, xq), xq, y)}
    return out
