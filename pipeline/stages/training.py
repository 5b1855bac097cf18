"""Shared training plumbing: seeding, optimizer schedule, supervised fitting."""

from pipeline.config import AugmentConfig


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


def fit(model, splits, epochs: int, batch_size: int, learning_rate: float,
        steps_per_epoch: int | None = None):
    """Supervised training for the task: hard labels for a classifier; for an anomaly task, an
    autoencoder reconstructing the normal training samples. `model` is a plain model (teachers,
    students trained from scratch) or a keras.distillation.Distiller, whose loss is this one
    plus its distillation term.

    With splits.augment set, the training batches are augmented on the fly (pipeline/data/augment.py):
    a Distiller's teacher and student both see each augmented batch. Validation data never is.

    Few labels (pipeline/data/labels.py: some y_train are UNLABELLED, -1): the hard-label loss and
    the training accuracy are taken over the labelled samples only (pipeline/stages/few_labels.py);
    the Distiller's KD term still covers every sample. Without -1 labels the loss and metric are
    keras' own, as before.

    steps_per_epoch: each of the `epochs` epochs is this many optimizer steps, the training data
    repeated as often as that takes (the few-labels baseline, a small set trained for the KD
    student's steps); None: one pass over the data per epoch."""
    import keras

    from pipeline import progress
    from pipeline.data import augment, labels
    from pipeline.stages import few_labels
    if splits.task == "anomaly":
        loss, metrics = keras.losses.MeanSquaredError(), []
        x = splits.x_train[splits.y_train == 0]          # normal samples only, as input and target
        y, xv = x, splits.x_val[splits.y_val == 0]
        val = (xv, xv) if len(xv) else None
    elif labels.partial(splits):
        loss, metrics = few_labels.masked_sparse_ce, [few_labels.MaskedAccuracy(name="accuracy")]
        x, y, val = splits.x_train, splits.y_train, (splits.x_val, splits.y_val)
    else:
        loss, metrics = keras.losses.SparseCategoricalCrossentropy(from_logits=True), ["accuracy"]
        x, y, val = splits.x_train, splits.y_train, (splits.x_val, splits.y_val)
    per_epoch = steps_per_epoch or steps_for(len(x), batch_size, 1)
    model.compile(optimizer=optimizer(learning_rate, per_epoch * epochs), loss=loss, metrics=metrics)
    if steps_per_epoch is not None:
        # kind "none" gives batches() plain shuffled batches; repeat() reshuffles on every pass
        cfg = splits.augment if augment.active(splits.augment) else AugmentConfig(kind="none")
        train = augment.batches(x, y, batch_size, cfg, augment_seed()).repeat()
        h = model.fit(train, epochs=epochs, steps_per_epoch=steps_per_epoch, validation_data=val,
                      verbose=progress.fit_verbosity(), shuffle=False)
    elif augment.active(splits.augment):    # never for an anomaly task: augment.resolve refuses it
        train = augment.batches(x, y, batch_size, splits.augment, augment_seed())
        h = model.fit(train, epochs=epochs, validation_data=val, verbose=progress.fit_verbosity(),
                      shuffle=False)   # batches() shuffles
    else:   # the arrays straight to keras, which shuffles them each epoch
        h = model.fit(x, y, batch_size=batch_size, epochs=epochs, validation_data=val,
                      verbose=progress.fit_verbosity())
    getattr(model, "student", model).history = h    # a Distiller's epochs are its student's
    return model


def history(model) -> dict | None:
    """{figure: [one value per epoch]} (loss, accuracy, val_loss, val_accuracy, ...) of the model's
    last fit(), for the report's training curves; None for a model loaded from a file."""
    h = getattr(model, "history", None)
    return {k: [round(float(v), 5) for v in vs] for k, vs in h.history.items()} if h is not None else None


def augment_seed() -> int:
    """The augmentation's seed, drawn from python's random, which seed_everything(seed) seeded:
    every stage seeds before it trains, so its augmentation follows the recipe's seed without a
    seed parameter threaded through the teacher, distill, baseline and QAT stages. (keras draws
    a SeedGenerator's seed the same way when given none.)"""
    import random
    return random.randrange(1, 2 ** 31 - 64)     # room for one seed per augmentation step
