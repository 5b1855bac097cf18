"""A user's Keras model from a file (.keras, legacy .h5) or a SavedModel directory, or a clear error."""

from pathlib import Path

from pipeline.errors import UserError


def load(path: str | Path, role: str, savedmodel: bool):
    """`role` names the model in errors ("teacher", "student"). SavedModels (inference only) are
    accepted where `savedmodel` is true, wrapped in a TFSMLayer."""
    import keras
    p = Path(path)
    kinds = ".keras or .h5 file" + (", or a SavedModel directory" if savedmodel else "")
    if not p.exists():
        raise UserError(f"{role} file {p} not found", f"pass an existing {kinds}")
    if p.is_dir():
        if not savedmodel:
            raise UserError(f"{role} {p} is a directory", f"a {role} must be a {kinds}")
        if not (p / "saved_model.pb").is_file():
            raise UserError(f"{p} is a directory but not a SavedModel (no saved_model.pb)", f"pass a {kinds}")
        return _savedmodel(p)
    if p.suffix not in (".keras", ".h5", ".hdf5"):
        raise UserError(f"{role} file {p} has an unknown format",
                        f"save the {role} with model.save('{role}.keras') (or pass a {kinds})")
    try:
        return keras.models.load_model(p, compile=False)
    except Exception as e:  # Keras raises many types for a corrupt or foreign file
        msg = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
        raise UserError(f"cannot load {role} {p}: {msg}",
                        f"save it with Keras 3 (model.save('{role}.keras'))") from None


def _savedmodel(p: Path):
    import keras
    import tensorflow as tf
    try:
        sig = tf.saved_model.load(str(p)).signatures["serving_default"]
    except Exception as e:
        raise UserError(f"cannot load SavedModel {p}: {str(e).splitlines()[0][:200]}",
                        "export it with model.export(path) or tf.saved_model.save") from None
    specs = list(sig.structured_input_signature[1].values())
    if len(specs) != 1:
        raise UserError(f"SavedModel {p} has {len(specs)} inputs", "the model must take one input")
    inp = keras.Input(specs[0].shape[1:], dtype=specs[0].dtype.name)
    out = keras.layers.TFSMLayer(str(p), call_endpoint="serving_default")(inp)
    if isinstance(out, dict):
        out = next(iter(out.values()))
    return keras.Model(inp, out, name="savedmodel")
