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
        raise _load_error(p, role, savedmodel, str(e)) from None


def _load_error(p: Path, role: str, savedmodel: bool, msg: str) -> UserError:
    """Keras' loading errors, told as what is wrong with the file and what to do: whole sentences
    (a message cut at a fixed length once ended "If you trust the" and said nothing)."""
    import re
    export = (f"or export it with model.export('{role}_savedmodel') and pass that directory"
              if savedmodel else "(a student must be a .keras/.h5 file Keras can rebuild)")
    if "`Lambda` layer" in msg:
        return UserError(f"{role} {p} has a Lambda layer, whose Python code Keras does not load "
                         "from a file (arbitrary code)",
                         f"replace the Lambda with built-in Keras layers and save again, {export}"
                         if savedmodel else f"replace the Lambda with built-in Keras layers and save again {export}")
    m = re.search(r"Could not (?:locate|deserialize) class '([^']+)'", msg)
    if m:
        return UserError(f"{role} {p} uses the custom class '{m.group(1)}', which is defined in your code, "
                         "not in the file", f"build the {role} from built-in Keras layers, {export}"
                         if savedmodel else f"build the {role} from built-in Keras layers {export}")
    if "accessible `.keras` zip file" in msg or "not a zip file" in msg.lower() or "file signature" in msg.lower():
        return UserError(f"cannot load {role} {p}: not a Keras model file (truncated or another format)",
                         f"save the {role} again with model.save('{role}.keras')")
    first = next((line.strip() for line in msg.splitlines() if line.strip()), "")
    first = re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0]   # one whole sentence
    return UserError(f"cannot load {role} {p}: {first or 'unreadable file'}",
                     f"save it with Keras 3 (model.save('{role}.keras'))")


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
