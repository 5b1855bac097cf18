"""Every architecture in the pipeline's zoo, through QAT and conversion, is bit-exact on the host
AOT build with the tflite-micro interpreter (random inputs and real data)."""

import numpy as np
import pytest

from pipeline import data, zoo
from pipeline.qat import quantize_model
from pipeline.stages.convert import convert, quantize_inputs
from tests.compiler.hostbuild import HostBuild

CASES = [("student", "cnn", {}), ("student", "ds-cnn", {"alpha": 0.5}), ("teacher", "vgg", {"width": 8, "dense": 32})]


@pytest.mark.parametrize("kind,arch,kwargs", CASES, ids=[c[1] for c in CASES])
def test_zoo_model_is_bitexact_on_host(kind, arch, kwargs, tmp_path):
    d = data.load("digits")
    import keras
    keras.utils.set_random_seed(0)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model = zoo.build(kind, arch, d.input_shape, d.num_classes, **kwargs)
    model.compile("adam", loss)
    model.fit(d.x_train, d.y_train, epochs=10, batch_size=64, verbose=0)   # as the pipeline: float first
    model = quantize_model(model)
    model.compile(keras.optimizers.Adam(5e-4), loss)
    model.fit(d.x_train, d.y_train, epochs=2, batch_size=64, verbose=0)    # then QAT
    tflite = convert(model, d.representative)
    host = HostBuild({arch: tflite}, tmp_path, sanitize=True)   # one ASan build, both input sets
    rand = host.verify(arch, None, samples=20, seed=3)
    assert rand["bitexact"] == 1.0 and rand["max_abs_diff"] == 0, rand
    real = host.verify(arch, quantize_inputs(tflite, d.x_test[:40]), samples=40)
    assert real["bitexact"] == 1.0 and real["max_abs_diff"] == 0, real
    assert real["outputs"].shape == (40, 10) and len(np.unique(real["outputs"].argmax(-1))) > 3   # a real classifier, not a constant
