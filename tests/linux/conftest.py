"""Models shared by the Linux-target tests: two random-weight zoo students and one trained on
scikit-learn's digits (8x8, 10 classes), so the bundle runner has real samples to classify."""

import numpy as np
import pytest


@pytest.fixture(scope="session")
def zoo_models():
    from pipeline import zoo
    return {"cnn": zoo.random_int8("student", "cnn", (28, 28, 1), 10),
            "ds-cnn": zoo.random_int8("student", "ds-cnn", (49, 10, 1), 12)}


@pytest.fixture(scope="session")
def digits():
    """(int8 tflite, x_test float (N, 8, 8, 1) in [0, 1], y_test) of a small CNN trained for seconds."""
    import keras
    from sklearn.datasets import load_digits

    from pipeline.stages.convert import convert
    keras.utils.set_random_seed(0)
    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[..., None]
    y = d.target
    x_train, y_train, x_test, y_test = x[:1500], y[:1500], x[1500:], y[1500:]
    model = keras.Sequential([keras.Input((8, 8, 1), batch_size=1),
                              keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
                              keras.layers.MaxPooling2D(),
                              keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
                              keras.layers.GlobalAveragePooling2D(),
                              keras.layers.Dense(10)])
    train = keras.Sequential([keras.Input((8, 8, 1)), *model.layers])
    train.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    train.fit(x_train, y_train, epochs=25, batch_size=32, verbose=0)
    return convert(model, x_train[:100], "int8"), x_test, y_test
