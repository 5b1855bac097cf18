"""A QAT model works as the student of keras.distillation.Distiller (KD stays on during QAT)."""

import keras
import numpy as np
from keras import layers
from keras.distillation import Distiller, LogitsDistillation

from pipeline.qat import ActivationQuantizer, quantize_model
from pipeline.qat.calibrate import uncalibrated


def _net(width):
    return keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(width, 3),
                             layers.BatchNormalization(), layers.ReLU(),
                             layers.GlobalAveragePooling2D(), layers.Dropout(0.2),
                             layers.Dense(4)])


def test_distiller_trains_a_qat_student():
    keras.utils.set_random_seed(5)
    teacher, student = _net(8), quantize_model(_net(4))
    distiller = Distiller(teacher=teacher, student=student,
                          distillation_losses=LogitsDistillation(temperature=3.0),
                          student_loss_weight=0.5)
    distiller.compile(optimizer=keras.optimizers.Adam(1e-2),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 1, (32, 8, 8, 1)).astype(np.float32), rng.integers(0, 4, 32)
    kernel = student.get_layer(index=2).kernel.numpy().copy()
    teacher_w = [w.copy() for w in teacher.get_weights()]

    history = distiller.fit(x, y, batch_size=16, epochs=1, verbose=0)

    assert np.isfinite(history.history["loss"][0])
    assert np.abs(student.get_layer(index=2).kernel.numpy() - kernel).max() > 0
    assert uncalibrated(student) == []  # the fit steps set every activation range
    for before, after in zip(teacher_w, teacher.get_weights()):
        np.testing.assert_array_equal(before, after)  # teacher frozen
    ranges = [float(l.range_max.numpy()) for l in student.layers
              if isinstance(l, ActivationQuantizer)]
    assert len(ranges) == 4 and all(r != 6.0 for r in ranges)  # moved off their init
