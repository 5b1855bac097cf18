"""Teacher stage: load a user's model (.keras, legacy .h5, SavedModel) or train one from the zoo,
once per machine: a zoo teacher is cached under ~/.cache/edgedistill/teachers/ keyed by the data,
the architecture, its training config, the seed, the code that trains it and the Keras/TensorFlow
versions, so a second run directory, a new student, --baseline or a test reuses it."""

import hashlib
import json
from dataclasses import asdict
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


# The code a zoo teacher's weights depend on, besides the module that builds its architecture
# (_arch_file); editing anything else (the compiler, a student, a Linux target) keeps the cached
# teachers. zoo/teachers.py always counts: every zoo family takes its BN momentum from there.
_TRAINING_CODE = ("zoo/teachers.py", "stages/teacher.py", "stages/training.py", "data/augment.py",
                  "data/labels.py", "stages/few_labels.py")


def _arch_file(arch: str) -> Path | None:
    import inspect

    from pipeline import zoo
    fn = zoo.TEACHERS.get(arch)
    return Path(inspect.getsourcefile(fn)).resolve() if fn else None


def cache_key(cfg, seed: int, data_key: str, augment=None) -> str:
    """`augment`: the resolved AugmentConfig the teacher trains with (None: none)."""
    import keras
    import tensorflow as tf
    root = Path(__file__).resolve().parent.parent
    files = {root / part for part in _TRAINING_CODE} | ({_arch_file(cfg.arch)} - {None})
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes())
    config = {k: v for k, v in asdict(cfg).items() if k != "path"}
    blob = json.dumps({"config": config, "seed": seed, "data": data_key, "code": h.hexdigest(),
                       "augment": asdict(augment) if augment is not None else None,
                       "keras": keras.__version__, "tensorflow": tf.__version__}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def cached(cfg, splits, seed: int, data_key: str, progress=None) -> tuple[Path, bool]:
    """(path of the zoo teacher's .keras in the machine's cache, whether it was already there);
    trained here on a miss, through the project's one build-once mechanism."""
    from pipeline import buildonce
    from pipeline.paths import cache_dir
    key = cache_key(cfg, seed, data_key, splits.augment)
    final = cache_dir() / "teachers" / f"{cfg.arch}-{key}"
    hit = (final / ".complete").is_file()

    def make(work: Path):
        model = train(cfg, splits, seed)
        model.save(work / "teacher.keras")
        (work / "history.json").write_text(json.dumps(training.history(model)))   # the report's curves
        return work, {"arch": cfg.arch, "seed": seed, "data": data_key}
    buildonce.ensure(final, f"teacher {cfg.arch}", make, progress)
    return final / "teacher.keras", hit


def train(cfg, splits, seed: int):
    from pipeline import zoo
    training.seed_everything(seed)
    model = zoo.build("teacher", cfg.arch, splits.input_shape, splits.num_classes, **cfg.kwargs)
    training.fit(model, splits, cfg.epochs, cfg.batch_size, cfg.learning_rate)
    return model


def softmax_output(model, input_shape=None) -> bool:
    """True if the model already ends in a softmax (outputs sum to 1), so it must not be re-softened.
    Probed on zeros and on a ramp (a zero input alone can give equal logits in a bias-free model,
    which proves nothing). `input_shape` (without the batch) defaults to the model's own."""
    shape = tuple(input_shape or model.input_shape[1:])
    x = np.stack([np.zeros(shape, np.float32),
                  np.linspace(-1, 1, int(np.prod(shape)), dtype=np.float32).reshape(shape)])
    y = np.asarray(model(x, training=False))
    return bool(np.all(y >= 0) and np.allclose(y.sum(-1), 1.0, atol=1e-3))
