"""Teacher stage: load a user's model (.keras, legacy .h5, SavedModel) or train one from the zoo."""

from pathlib import Path

import numpy as np

from pipeline.errors import UserError
from pipeline.stages import training


def load(path: str | Path):
    """A user's teacher as a Keras 3 model. SavedModels are wrapped in a TFSMLayer (inference only)."""
    import keras
    p = Path(path)
    if not p.exists():
        raise UserError(f"teacher file {p} not found", "pass an existing .keras, .h5 or SavedModel path")
    try:
        if p.is_dir():
            if not (p / "saved_model.pb").is_file():
                raise UserError(f"{p} is a directory but not a SavedModel (no saved_model.pb)",
                                "pass a .keras or .h5 file, or a SavedModel directory")
            layer = keras.layers.TFSMLayer(str(p), call_endpoint="serving_default")
            spec = _savedmodel_input_spec(p)
            inp = keras.Input(spec.shape[1:], dtype=spec.dtype.name)
            out = layer(inp)
            if isinstance(out, dict):
                out = next(iter(out.values()))
            return keras.Model(inp, out, name="teacher_savedmodel")
        if p.suffix not in (".keras", ".h5", ".hdf5"):
            raise UserError(f"teacher file {p} has an unknown format",
                            "save the teacher with model.save('teacher.keras') (or .h5, or a SavedModel dir)")
        return keras.models.load_model(p, compile=False)
    except UserError:
        raise
    except Exception as e:  # Keras raises many types for a corrupt or foreign file
        msg = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
        raise UserError(f"cannot load teacher {p}: {msg}",
                        "save it with Keras 3 (model.save('teacher.keras')) or as a SavedModel") from None


def _savedmodel_input_spec(path: Path):
    import tensorflow as tf
    sig = tf.saved_model.load(str(path)).signatures["serving_default"]
    specs = list(sig.structured_input_signature[1].values())
    if len(specs) != 1:
        raise UserError(f"SavedModel {path} has {len(specs)} inputs", "a teacher must take one input")
    return specs[0]


def check_compatible(model, input_shape, num_classes: int) -> None:
    """Refuse a teacher whose input or class count does not match the data (named, with the fix)."""
    got_in = tuple(model.input_shape[1:]) if not isinstance(model.input_shape, list) else None
    if got_in is None:
        raise UserError("teacher has several inputs", "a teacher must take one input tensor")
    if any(g is not None and g != w for g, w in zip(got_in, input_shape)) or len(got_in) != len(input_shape):
        raise UserError(f"teacher input shape {got_in} does not match the data's {tuple(input_shape)}",
                        "use a teacher trained on this data set, or pick the matching --recipe")
    out = model.output_shape
    if isinstance(out, list) or out[-1] != num_classes:
        raise UserError(f"teacher outputs {out[-1] if not isinstance(out, list) else out} classes "
                        f"but the data has {num_classes}",
                        "use a teacher whose last layer has one unit per class")


def train(cfg, splits, seed: int):
    from pipeline import zoo
    training.seed_everything(seed)
    model = zoo.build("teacher", cfg.arch, splits.input_shape, splits.num_classes, **cfg.kwargs)
    training.fit_classifier(model, splits, cfg.epochs, cfg.batch_size, cfg.learning_rate)
    return model


def softmax_output(model) -> bool:
    """True if the model already ends in a softmax (outputs sum to 1), so it must not be re-softened."""
    x = np.zeros((1, *model.input_shape[1:]), np.float32)
    y = np.asarray(model(x, training=False))
    return bool(np.all(y >= 0) and np.allclose(y.sum(-1), 1.0, atol=1e-3))
