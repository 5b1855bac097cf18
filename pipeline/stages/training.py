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


def fit(model, splits, epochs: int, batch_size: int, learning_rate: float):
    """Supervised training for the task: hard labels for a classifier; for an anomaly task, an
    autoencoder reconstructing the normal training samples. `model` is a plain model (teachers,
    students trained from scratch) or a keras.distillation.Distiller, whose loss is this one
    plus its distillation term.

    With splits.augment set, the training batches are augmented on the fly (pipeline/data/augment.py):
    a Distiller's teacher and student both see each augmented batch. Validation data never is."""
    import keras

    from pipeline.data import augment
    if splits.task == "anomaly":
        loss, metrics = keras.losses.MeanSquaredError(), []
        x = splits.x_train[splits.y_train == 0]          # normal samples only, as input and target
        y, xv = x, splits.x_val[splits.y_val == 0]
        val = (xv, xv) if len(xv) else None
    else:
        loss, metrics = keras.losses.SparseCategoricalCrossentropy(from_logits=True), ["accuracy"]
        x, y, val = splits.x_train, splits.y_train, (splits.x_val, splits.y_val)
    model.compile(optimizer=optimizer(learning_rate, steps_for(len(x), batch_size, epochs)),
                  loss=loss, metrics=metrics)
    if augment.active(splits.augment):    # never for an anomaly task: augment.resolve refuses it
        train = augment.batches(x, y, batch_size, splits.augment, augment_seed())
        model.fit(train, epochs=epochs, validation_data=val, verbose=2, shuffle=False)   # batches() shuffles
    else:   # the arrays straight to keras, which shuffles them each epoch
        model.fit(x, y, batch_size=batch_size, epochs=epochs, validation_data=val, verbose=2)
    return model


def augment_seed() -> int:
    """The augmentation's seed, drawn from python's random, which seed_everything(seed) seeded:
    every stage seeds before it trains, so its augmentation follows the recipe's seed without a
    seed parameter threaded through the teacher, distill, baseline and QAT stages. (keras draws
    a SeedGenerator's seed the same way when given none.)"""
    import random
    return random.randrange(1, 2 ** 31 - 64)     # room for one seed per augmentation step
