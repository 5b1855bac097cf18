"""A QAT model saves to .keras and loads back (custom layers registered) with the same state."""

import keras
import numpy as np
from keras import layers

from pipeline.qat import ActivationQuantizer, quantize_model
from pipeline.stages.convert import convert


def test_qat_model_round_trips_through_keras_file(tmp_path):
    keras.utils.set_random_seed(3)
    inp = keras.Input((8, 8, 2))
    x = layers.Conv2D(4, 3, padding="same", use_bias=False)(inp)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU(max_value=6)(x)
    y = layers.DepthwiseConv2D(3, padding="same")(x)
    x = layers.ReLU()(layers.Add()([x, y]))
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(3, activation="softmax")(x)
    qat = quantize_model(keras.Model(inp, x))
    rng = np.random.default_rng(0)
    xs = rng.uniform(-1, 1, (32, 8, 8, 2)).astype(np.float32)
    qat.compile("adam", "sparse_categorical_crossentropy")
    qat.fit(xs, rng.integers(0, 3, 32), batch_size=16, epochs=1, verbose=0)

    path = tmp_path / "student_qat.keras"
    qat.save(path)
    loaded = keras.models.load_model(path)

    assert [type(l).__name__ for l in loaded.layers] == [type(l).__name__ for l in qat.layers]
    np.testing.assert_array_equal(loaded.predict(xs, verbose=0), qat.predict(xs, verbose=0))
    ranges = lambda m: [(l.range_min.numpy(), l.range_max.numpy(), l.initialized.numpy())
                        for l in m.layers if isinstance(l, ActivationQuantizer)]
    assert ranges(loaded) == ranges(qat)
    assert convert(loaded, xs) == convert(qat, xs)
    # and it keeps training
    loaded.compile("adam", "sparse_categorical_crossentropy")
    loaded.fit(xs, rng.integers(0, 3, 32), batch_size=16, epochs=1, verbose=0)
