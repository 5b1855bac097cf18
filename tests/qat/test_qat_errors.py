"""Layers with no int8 QAT equivalent raise QuantizeError naming the layer; nothing stays float."""

import keras
import pytest
from keras import layers

from pipeline.errors import UserError
from pipeline.qat import QuantizeError, quantize_model


@pytest.mark.parametrize("make,name,cls", [
    (lambda: keras.Sequential([keras.Input((10, 4)), layers.LSTM(8, name="rnn"),
                               layers.Dense(2)]), "rnn", "LSTM"),
    (lambda: keras.Sequential([keras.Input((6,)), layers.Dense(4),
                               layers.Lambda(lambda t: t * 2.0, name="times_two")]),
     "times_two", "Lambda"),
    (lambda: keras.Sequential([keras.Input((6, 6, 2)), layers.Conv2D(4, 3),
                               layers.LayerNormalization(name="ln")]), "ln",
     "LayerNormalization"),
    (lambda: keras.Sequential([keras.Input((6, 6, 2)),
                               layers.Conv2DTranspose(4, 3, name="up")]), "up",
     "Conv2DTranspose"),
    (lambda: keras.Sequential([keras.Input((6,)), layers.Dense(4, activation="tanh",
                                                               name="dense_tanh")]),
     "dense_tanh", "Dense"),
    (lambda: keras.Sequential([keras.Input((6, 6, 2)), layers.BatchNormalization(name="bn0"),
                               layers.Conv2D(4, 3)]), "bn0", "BatchNormalization"),
    (lambda: keras.Sequential([keras.Input((8, 2)), layers.Conv1D(4, 3, padding="causal",
                                                                  name="causal")]),
     "causal", "Conv1D"),
])
def test_unsupported_layer_is_named(make, name, cls):
    with pytest.raises(QuantizeError) as info:
        quantize_model(make())
    err = info.value
    assert isinstance(err, UserError)  # the CLI prints it and exits 2
    assert (err.layer_name, err.layer_class) == (name, cls)
    assert name in str(err) and cls in str(err) and err.fix


def test_shared_layer_and_unbuilt_model_are_refused():
    dense = layers.Dense(4, name="shared")
    inp = keras.Input((4,))
    with pytest.raises(QuantizeError, match="shared"):
        quantize_model(keras.Model(inp, dense(dense(inp))))
    with pytest.raises(QuantizeError, match="no input shape"):
        quantize_model(keras.Sequential([layers.Dense(3)]))
    a, b, c = keras.Input((4,)), keras.Input((4,)), keras.Input((4,))
    with pytest.raises(QuantizeError, match="adds 3 tensors"):
        quantize_model(keras.Model([a, b, c], layers.Add(name="add3")([a, b, c])))
