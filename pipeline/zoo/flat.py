"""Models for flat feature vectors (N, F): a CSV's numeric columns, an .npz of vectors.

Both are stacks of Dense + ReLU ending in logits: FULLY_CONNECTED int8 ops our compiler and QAT
(per-tensor Dense weights) already handle. The inputs arrive standardized per column (the data
stage's `standardize`, stored with the model), so one int8 input scale serves every column.
"""

import keras
from keras import layers


def mlp_teacher(input_shape, num_classes: int, width: int = 128, depth: int = 2, dropout: float = 0.2):
    x = inp = keras.Input(input_shape, name="input")
    for i in range(depth):
        x = layers.Dense(width, name=f"fc{i}")(x)
        x = layers.ReLU(name=f"relu{i}")(x)
        x = layers.Dropout(dropout, name=f"drop{i}")(x)
    out = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inp, out, name="teacher_mlp")


def mlp(input_shape, num_classes: int, width: int = 16, depth: int = 1):
    """The student: `depth` hidden layers of `width` units (16: 100-odd params per class)."""
    x = inp = keras.Input(input_shape, name="input")
    for i in range(depth):
        x = layers.Dense(width, name=f"fc{i}")(x)
        x = layers.ReLU(name=f"relu{i}")(x)
    out = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inp, out, name="student_mlp")


# The sample rank (without the batch) each zoo architecture takes; the autoencoders take any.
RANK = {"vgg": 3, "resnet": 3, "cnn": 3, "ds-cnn": 3, "cnn1d": 2, "mlp": 1}


def fit_to_data(recipe, splits):
    """The recipe with its zoo models picked from the data's rank when they cannot take it: flat
    vectors get the MLPs (and no augmentation: a vector has no neighbourhood to shift). A model
    file (--teacher/--student) is never replaced. Returns (recipe, a sentence saying what changed,
    or None)."""
    from dataclasses import replace
    if len(splits.input_shape) != 1 or splits.task == "anomaly":
        return recipe, None
    changed = []
    t, s = recipe.teacher, recipe.student
    if not t.path and RANK.get(t.arch, 1) != 1:
        changed.append(f"teacher {t.arch} -> mlp")
        t = replace(t, arch="mlp", kwargs={})
    if not s.path and RANK.get(s.arch, 1) != 1:
        changed.append(f"student {s.arch} -> mlp")
        s = replace(s, arch="mlp", kwargs={})
    aug = recipe.augment
    if aug.kind not in ("none", "auto"):
        changed.append(f"augment {aug.kind} -> none")
        from pipeline.config import AugmentConfig
        aug = AugmentConfig(kind="none")
    if not changed:
        return recipe, None
    note = (f"flat feature vectors {tuple(splits.input_shape)}: the recipe's models take "
            f"{'images' if RANK.get(recipe.teacher.arch) == 3 else 'sequences'}, so "
            + ", ".join(changed))
    return replace(recipe, teacher=t, student=s, augment=aug), note
