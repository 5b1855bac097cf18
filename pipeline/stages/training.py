"""Shared training plumbing: seeding, optimizer schedule, supervised fitting."""


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
    """Plain supervised training on hard labels (teachers, and students trained from scratch);
    for an anomaly task, an autoencoder learning to reconstruct the normal training samples."""
    import keras
    if splits.task == "anomaly":
        loss, metrics, (x, y), val = keras.losses.MeanSquaredError(), [], normal_pairs(splits), normal_val(splits)
    else:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        metrics, (x, y), val = ["accuracy"], (splits.x_train, splits.y_train), (splits.x_val, splits.y_val)
    model.compile(optimizer=optimizer(learning_rate, steps_for(len(x), batch_size, epochs)),
                  loss=loss, metrics=metrics)
    model.fit(x, y, batch_size=batch_size, epochs=epochs, validation_data=val, verbose=2)
    return model


def normal_pairs(splits):
    """(inputs, targets) for an autoencoder: the normal (label 0) training samples, twice."""
    x = splits.x_train[splits.y_train == 0]
    return x, x


def normal_val(splits):
    x = splits.x_val[splits.y_val == 0]
    return (x, x) if len(x) else None
