"""Shared training plumbing: seeding, optimizer schedule, accuracy."""

import numpy as np


def seed_everything(seed: int) -> None:
    import keras
    keras.utils.set_random_seed(seed)


def optimizer(learning_rate: float, steps: int):
    """Adam with cosine decay to 0 over the whole run: no schedule to tune per recipe."""
    import keras
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=max(1, steps))
    return keras.optimizers.Adam(schedule)


def steps_for(n: int, batch_size: int, epochs: int) -> int:
    return -(-n // batch_size) * epochs


def fit_classifier(model, splits, epochs: int, batch_size: int, learning_rate: float):
    """Plain supervised training on hard labels (teachers, and students trained from scratch)."""
    import keras
    model.compile(optimizer=optimizer(learning_rate, steps_for(len(splits.y_train), batch_size, epochs)),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(splits.x_train, splits.y_train, batch_size=batch_size, epochs=epochs,
              validation_data=(splits.x_val, splits.y_val), verbose=2)
    return model


def accuracy(model, x: np.ndarray, y: np.ndarray) -> float:
    pred = model.predict(x, batch_size=512, verbose=0)
    return float(np.mean(np.argmax(pred, -1) == y))
