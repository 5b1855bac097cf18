"""Model zoo: teacher and student architectures, each a function (input_shape, classes, **kw) -> Model.

Every model ends in logits (no softmax): distillation softens logits by a temperature, and argmax
of int8 logits is the prediction on the device.
"""

from pipeline.errors import UserError
from pipeline.zoo import students, teachers

TEACHERS = {"vgg": teachers.vgg}
STUDENTS = {"cnn": students.cnn, "ds-cnn": students.ds_cnn}


def build(kind: str, arch: str, input_shape, num_classes: int, **kwargs):
    table = TEACHERS if kind == "teacher" else STUDENTS
    if arch not in table:
        raise UserError(f"unknown {kind} architecture '{arch}'",
                        f"choose one of: {', '.join(sorted(table))}")
    return table[arch](tuple(input_shape), num_classes, **kwargs)
