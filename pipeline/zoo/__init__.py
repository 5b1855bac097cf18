"""Model zoo: teacher and student architectures, each a function (input_shape, classes, **kw) -> Model.

Every classifier ends in logits (no softmax): distillation softens logits by a temperature, and
argmax of int8 logits is the prediction on the device. Autoencoders (anomaly detection) end in a
reconstruction of their input.
"""

from pipeline.errors import UserError
from pipeline.zoo import autoencoder, flat, sequence, students, teachers

TEACHERS = {"vgg": teachers.vgg, "resnet": teachers.resnet, "cnn1d": sequence.cnn1d_teacher, "autoencoder": autoencoder.dense_autoencoder,
            "mlp": flat.mlp_teacher}
STUDENTS = {"cnn": students.cnn, "cnn1d": sequence.cnn1d, "ds-cnn": students.ds_cnn, "autoencoder": autoencoder.dense_autoencoder,
            "mlp": flat.mlp}


def build(kind: str, arch: str, input_shape, num_classes: int, **kwargs):
    table = TEACHERS if kind == "teacher" else STUDENTS
    if arch not in table:
        raise UserError(f"unknown {kind} architecture '{arch}'",
                        f"choose one of: {', '.join(sorted(table))}")
    return table[arch](tuple(input_shape), num_classes, **kwargs)


def random_int8(kind: str, arch: str, input_shape, num_classes: int = 10, seed: int = 0) -> bytes:
    """A zoo model with random weights, QAT-wrapped, calibrated on uniform [0, 1) inputs and
    converted to int8: the shape of a real student for benchmarks and kernel tests, no training."""
    import keras
    import numpy as np

    from pipeline.qat import calibrate, quantize_model
    from pipeline.stages.convert import convert
    keras.utils.set_random_seed(seed)
    qat = quantize_model(build(kind, arch, input_shape, num_classes))
    rep = np.random.default_rng(seed).uniform(0, 1, size=(16, *input_shape)).astype(np.float32)
    calibrate(qat, rep)
    return convert(qat, rep)
