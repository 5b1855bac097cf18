"""Teacher stage: load a user's model (.keras, legacy .h5, SavedModel) or train one from the zoo."""

from pathlib import Path

import numpy as np

from pipeline.errors import UserError
from pipeline.stages import modelfile, training


def load(path: str | Path):
    """A user's teacher: .keras, legacy .h5, or a SavedModel directory (wrapped, inference only)."""
    return modelfile.load(path, "teacher", savedmodel=True)


def check_compatible(model, input_shape, num_classes: int, role: str = "teacher",
                     task: str = "classification") -> None:
    """Refuse a model whose input or class count (for an autoencoder: output shape) does not match
    the data (named, with the fix)."""
    got_in = tuple(model.input_shape[1:]) if not isinstance(model.input_shape, list) else None
    if got_in is None:
        raise UserError(f"{role} has several inputs", f"a {role} must take one input tensor")
    if any(g is not None and g != w for g, w in zip(got_in, input_shape)) or len(got_in) != len(input_shape):
        raise UserError(f"{role} input shape {got_in} does not match the data's {tuple(input_shape)}",
                        f"use a {role} built for this data set, or pick the matching --recipe")
    out = model.output_shape
    if task == "anomaly":
        if isinstance(out, list) or tuple(out[1:]) != tuple(input_shape):
            raise UserError(f"{role} outputs shape {out if isinstance(out, list) else tuple(out[1:])} "
                            f"but an anomaly detector must reconstruct its input {tuple(input_shape)}",
                            f"use an autoencoder {role} whose output has the input's shape")
        return
    if isinstance(out, list) or out[-1] != num_classes:
        raise UserError(f"{role} outputs {out[-1] if not isinstance(out, list) else out} classes "
                        f"but the data has {num_classes}",
                        f"use a {role} whose last layer has one unit per class")


def train(cfg, splits, seed: int):
    from pipeline import zoo
    training.seed_everything(seed)
    model = zoo.build("teacher", cfg.arch, splits.input_shape, splits.num_classes, **cfg.kwargs)
    training.fit(model, splits, cfg.epochs, cfg.batch_size, cfg.learning_rate)
    return model


def softmax_output(model) -> bool:
    """True if the model already ends in a softmax (outputs sum to 1), so it must not be re-softened."""
    x = np.zeros((1, *model.input_shape[1:]), np.float32)
    y = np.asarray(model(x, training=False))
    return bool(np.all(y >= 0) and np.allclose(y.sum(-1), 1.0, atol=1e-3))
