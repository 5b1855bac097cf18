"""Distill stage: train the student on the teacher's softened logits, or for autoencoders on
the teacher's reconstructions (keras.distillation)."""

from pipeline.errors import UserError
from pipeline.stages import training


def as_logits(teacher, input_shape=None):
    """A teacher that ends in softmax gives probabilities p; log p are its logits up to a constant,
    which softmax ignores, so KD at temperature T sees the same softened distribution.

    The teacher is called on a fresh Input rather than read through `teacher.output`: a Sequential
    model loaded from a file, a subclassed model or a wrapped SavedModel has no symbolic output of
    its own, so every form of model goes through the same path. `input_shape` (without the batch)
    defaults to the model's own."""
    import keras
    from pipeline.stages.teacher import softmax_output
    shape = tuple(input_shape or teacher.input_shape[1:])
    if not softmax_output(teacher, shape):
        return teacher
    inp = keras.Input(shape)
    out = keras.ops.log(keras.ops.clip(teacher(inp, training=False), 1e-12, 1.0))
    return keras.Model(inp, out, name=f"{teacher.name}_logits")


def without_softmax(student, input_shape):
    """A user's student that ends in softmax, with the softmax taken off: KD and the int8 argmax
    both want logits, and softmax does not change the argmax. Works on the last layer's
    `activation` (Dense(..., activation="softmax")) or drops a trailing Softmax/Activation layer.
    Returns (model, what was done or None)."""
    import keras
    from pipeline.stages.teacher import softmax_output
    if not softmax_output(student, input_shape):
        return student, None
    last = student.layers[-1]
    if getattr(last, "activation", None) is keras.activations.softmax and not isinstance(
            last, (keras.layers.Activation, keras.layers.Softmax)):
        last.activation = keras.activations.linear
        return student, f"softmax of its last layer '{last.name}' removed (KD trains on logits)"
    if isinstance(last, (keras.layers.Activation, keras.layers.Softmax)):
        if isinstance(student, keras.Sequential):
            model = keras.Sequential([keras.Input(input_shape), *student.layers[:-1]], name=student.name)
        else:
            model = keras.Model(student.inputs, last.input, name=student.name)
        return model, f"trailing softmax layer '{last.name}' removed (KD trains on logits)"
    raise UserError(f"student ends in a softmax inside layer '{last.name}' ({type(last).__name__}) that "
                    "cannot be taken off", "end the student in a Dense layer without activation (logits)")


def check_loss(cfg, splits):
    """Refuses a [distill] loss the data cannot use, before any training time is spent (run.py
    calls this right after loading the data; distill_into again for direct callers)."""
    if splits.task == "anomaly" and cfg.loss != "kd":
        raise UserError(f"[distill] loss = {cfg.loss!r} works on class logits, and this data set is "
                        "anomaly detection (autoencoders distill the teacher's reconstruction by MSE)",
                        'remove `loss` from [distill] or set loss = "kd"')
    if cfg.loss == "standardized" and splits.num_classes < 3:
        raise UserError(f"[distill] loss = 'standardized' needs 3 or more classes, this data set has "
                        f"{splits.num_classes}: z-scored logits of 2 classes are always ±1 and give no gradient",
                        'use loss = "kd" or "dkd"')


def distill_into(student, teacher, splits, epochs: int, batch_size: int, learning_rate: float, kd):
    """Fit `student` in place with loss = w * CE(y, s) + (1 - w) * KD(t, s), w = kd.student_loss_weight,
    KD the recipe's [distill] loss at temperature kd.temperature (pipeline/stages/kd_losses.py;
    default "kd": T^2 * KL(softmax(t/T) || softmax(s/T))).
    For an anomaly task (autoencoders): w * MSE(x, s) + (1 - w) * MSE(t, s), the student matching
    both the input and the teacher's reconstruction; T is unused.
    Shared by the distill stage and QAT (where the student is the fake-quantized model): `kd` is the
    recipe's DistillConfig in both, so the chosen loss stays on during QAT.
    Few labels (y_train -1 where dropped, pipeline/data/labels.py): CE is over the labelled samples
    of each batch (training.fit), KD over all of them; "dkd" takes the teacher's top class as the
    class to decouple around for an unlabelled sample (kd_losses.DecoupledKD)."""
    import keras
    from keras.distillation import FeatureDistillation
    from pipeline.stages import kd_losses
    check_loss(kd, splits)
    if splits.task == "anomaly":
        loss = FeatureDistillation(loss=keras.losses.MeanSquaredError())
    else:
        teacher = as_logits(teacher, splits.input_shape)
        loss = kd_losses.make(kd)
    teacher.trainable = False
    distiller = kd_losses.LabelledDistiller(teacher=teacher, student=student, distillation_losses=loss,
                                            student_loss_weight=kd.student_loss_weight)
    training.fit(distiller, splits, epochs, batch_size, learning_rate)
    return student


def build_student(student_cfg, splits):
    """The zoo student, or the user's student file; either way checked against the data and for
    quantizability now, so an unsupported layer fails before any training time is spent."""
    from pipeline import zoo
    from pipeline.qat import quantize_model
    from pipeline.stages import modelfile
    from pipeline.stages.teacher import check_compatible
    if student_cfg.path:
        student = modelfile.load(student_cfg.path, "student", savedmodel=False)
        check_compatible(student, splits.input_shape, splits.num_classes, role="student", task=splits.task)
        if splits.task != "anomaly":
            student, _ = without_softmax(student, splits.input_shape)
    else:
        student = zoo.build("student", student_cfg.arch, splits.input_shape, splits.num_classes,
                            **student_cfg.kwargs)
    quantize_model(student)   # raises QuantizeError naming the first layer it cannot quantize
    return student


def distill(teacher, student_cfg, cfg, splits, seed: int):
    training.seed_everything(seed)
    student = build_student(student_cfg, splits)
    return distill_into(student, teacher, splits, cfg.epochs, cfg.batch_size, cfg.learning_rate, cfg)


def scratch(student_cfg, cfg, splits, seed: int):
    """The same student, same augmentation, epochs and schedule, trained on hard labels only: KD's
    baseline.

    Few labels (splits from pipeline/data/labels.keep_labels, y_train -1 where dropped): on the
    labelled samples alone, for as many optimizer steps as the KD student takes over the whole
    split: `epochs` epochs of ceil(M / batch) steps each, M all training samples, the n labelled
    ones repeated about M / n times per epoch, and the same cosine schedule over those steps. The
    same epochs over n samples would be n / M of the KD student's steps (5 % of them at --labels
    5%): an under-trained baseline, which would inflate KD's gain."""
    training.seed_everything(seed)
    student = build_student(student_cfg, splits)
    return fit_alone(student, splits, cfg.epochs, cfg.batch_size, cfg.learning_rate)


def fit_alone(model, splits, epochs: int, batch_size: int, learning_rate: float):
    """`model` fitted on hard labels only: on the labelled samples alone for the KD student's
    optimizer steps when some labels were dropped (scratch says why), plain training.fit otherwise."""
    from pipeline.data import labels
    if not labels.partial(splits):
        return training.fit(model, splits, epochs, batch_size, learning_rate)
    kd_steps_per_epoch = training.steps_for(len(splits.y_train), batch_size, 1)
    return training.fit(model, labels.labelled_only(splits), epochs, batch_size, learning_rate,
                        steps_per_epoch=kd_steps_per_epoch)
