"""Training-time augmentation: each training batch varied on the fly, in the training input pipeline.

    kind          one sample           steps, in this order
    image         (H, W, C)            RandomTranslation by up to ±shift·(H, W), whole pixels, uncovered
                                       pixels 0 or the edge repeated; RandomFlip left-right (if flip);
                                       RandomErasing: with probability `erase` one rectangle, 2–33 % of
                                       the area, set to 0
    spectrogram   (frames, coeffs, 1)  time shift by up to ±time_shift·frames (edge frames repeated);
                                       Gaussian noise; SpecAugment time and frequency masks set to 0
    series        (steps, channels)    time shift (edge steps repeated); per-channel gain N(1, scale);
                                       Gaussian jitter
    none                               anomaly autoencoders: they reconstruct their input, so a
                                       changed input would change their target

The parameters and their defaults: pipeline/config.py (AugmentConfig, AUGMENT_DEFAULTS).

Where it runs: training.fit hands keras a tf.data.Dataset of (augmented x, y) batches (`batches`).
keras.distillation's Distiller unpacks each batch once and gives that one x to the student
(train_step: self(x)) and to the teacher (compute_loss: teacher(x)), so KD compares the two models
on the same view of every sample: Beyer et al.'s "consistent teaching" (arXiv 2106.05237), where
a teacher on the clean image and a student on an augmented one distil worse. Augmentation layers
inside the student would give exactly that inconsistency. Validation data goes to keras as arrays
and never passes through here.

Seeding: each random step owns a keras SeedGenerator seeded from `seed` (seed + step index, so no
two steps draw the same numbers); their states advance batch after batch and epoch after epoch,
so each epoch sees new variants, and the same seed gives the same batches.
"""

from pipeline.config import AUGMENT_DEFAULTS, AugmentConfig
from pipeline.errors import UserError


def kind_for(splits) -> str:
    """The kind "auto" means for this data."""
    if splits.task == "anomaly":
        return "none"
    if len(splits.input_shape) == 2:
        return "series"
    if len(splits.input_shape) == 3:
        return "spectrogram" if "frontend" in (splits.preprocessing or {}) else "image"
    return "none"      # flat feature vectors (a .csv): no neighbourhood to shift or mask


def resolve(cfg: AugmentConfig, splits) -> AugmentConfig:
    """The recipe's [augment] made concrete for this data: the kind picked, every parameter of the
    kind set (the recipe's value or the default). Refuses, before any training, a kind the data
    cannot take (run.py calls this right after loading the data)."""
    kind = kind_for(splits) if cfg.kind == "auto" else cfg.kind
    cfg.check_applies(kind)
    rank = len(splits.input_shape)
    if splits.task == "anomaly" and kind != "none":
        raise UserError(f"[augment] kind = {kind!r} on an anomaly data set: its autoencoders "
                        "reconstruct their input, so augmenting the input changes their target",
                        'remove [augment] or set kind = "none"')
    if kind in ("image", "spectrogram") and rank != 3:
        raise UserError(f"[augment] kind = {kind!r} needs (height, width, channels) samples and this "
                        f"data set's are {splits.input_shape}",
                        'use kind = "series" for (steps, channels) samples, or "none"')
    if kind == "series" and rank != 2:
        raise UserError(f"[augment] kind = 'series' needs (steps, channels) samples and this data "
                        f"set's are {splits.input_shape}", 'use kind = "image", "spectrogram" or "none"')
    return AugmentConfig(kind=kind, **{**AUGMENT_DEFAULTS[kind], **cfg.params()})


def describe(cfg: AugmentConfig) -> dict:
    """What ran, for metrics.json: {"kind": ..., every parameter of the kind}."""
    return {"kind": cfg.kind, **cfg.params()}


def active(cfg: AugmentConfig | None) -> bool:
    """Whether training batches go through `batches` (a resolved config of a kind other than "none")."""
    return cfg is not None and cfg.kind not in ("none", "auto")


def augmenter(cfg: AugmentConfig, input_shape, seed: int):
    """A function (B, *input_shape) float32 -> the same shape, a new random variant on every call.
    Runs inside a tf.data map (graph mode) or eagerly."""
    steps = _steps(cfg, tuple(input_shape), seed)

    def apply(x):
        for step in steps:
            x = step(x)
        return x
    return apply


def batches(x, y, batch_size: int, cfg: AugmentConfig, seed: int):
    """tf.data.Dataset of (augmented x, y) batches over the arrays, reshuffled every epoch; the
    last batch may be short, as keras' own batching of arrays. Shuffles indices and gathers
    (as keras' array adapter does) so the data is held once, not again in a shuffle buffer."""
    import tensorflow as tf
    aug = augmenter(cfg, x.shape[1:], seed)
    xs, ys = tf.constant(x), tf.constant(y)
    order = tf.data.Dataset.range(len(x)).shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    # one map call at a time: the random steps' states advance in batch order, so runs repeat
    return (order.batch(batch_size)
            .map(lambda i: (aug(tf.gather(xs, i)), tf.gather(ys, i)))
            .prefetch(2))


# --- the steps: each a function (B, *input_shape) -> same shape --------------------------------------

def _steps(cfg: AugmentConfig, shape: tuple, seed: int) -> list:
    """The kind's random steps in order; steps of strength 0 are left out."""
    import keras
    made = []

    def seeded():
        return seed + len(made)      # a distinct seed per step

    if cfg.kind == "image":
        if cfg.shift:
            made.append(_translate(cfg.shift, cfg.shift, "constant" if cfg.fill == "zeros" else "nearest",
                                   seeded()))
        if cfg.flip:
            made.append(_layer(keras.layers.RandomFlip("horizontal", seed=seeded())))
        if cfg.erase:
            # factor (p, p): erase with probability exactly p (a single float p would draw the
            # probability from [0, p]); scale: each side 14-57 % of the image's, area 2-33 %;
            # value_range only bounds the fill value, 0 (black, or the mean of standardized data)
            made.append(_layer(keras.layers.RandomErasing(factor=(cfg.erase, cfg.erase), scale=(0.02, 0.33),
                                                          fill_value=0.0, value_range=(0.0, 1.0),
                                                          seed=seeded())))
    elif cfg.kind == "spectrogram":
        if cfg.time_shift:
            made.append(_translate(cfg.time_shift, 0.0, "nearest", seeded()))
        if cfg.noise:
            made.append(_layer(keras.layers.GaussianNoise(cfg.noise, seed=seeded())))
        if cfg.time_masks and cfg.time_mask_width:
            made.append(_masks(1, cfg.time_masks, cfg.time_mask_width, seeded()))
        if cfg.freq_masks and cfg.freq_mask_width:
            made.append(_masks(2, cfg.freq_masks, cfg.freq_mask_width, seeded()))
    elif cfg.kind == "series":
        if cfg.time_shift:
            made.append(_series_shift(_translate(cfg.time_shift, 0.0, "nearest", seeded())))
        if cfg.scale:
            made.append(_gain(cfg.scale, seeded()))
        if cfg.noise:
            made.append(_layer(keras.layers.GaussianNoise(cfg.noise, seed=seeded())))
    return made


def _layer(layer):
    return lambda x: layer(x, training=True)


def _translate(height: float, width: float, fill_mode: str, seed: int):
    """Shift (B, H, W, C) by up to ±height·H rows and ±width·W columns. Nearest-pixel sampling:
    whole-pixel shifts, no blur (bilinear would smear every shifted image)."""
    import keras
    return _layer(keras.layers.RandomTranslation(height, width, fill_mode=fill_mode, fill_value=0.0,
                                                 interpolation="nearest", seed=seed))


def _series_shift(translate):
    """(B, T, C) -> (B, T, 1, C), shifted along T as an image along its height, and back."""
    import keras

    def shift(x):
        return keras.ops.squeeze(translate(keras.ops.expand_dims(x, 2)), 2)
    return shift


def _masks(axis: int, count: int, max_width: int, seed: int):
    """SpecAugment masks (Park et al. 2019, arXiv 1904.08779) on (B, T, F, 1): `count` times, a
    band of w ~ U{0..max_width} whole rows (axis 1: frames) or columns (axis 2: coefficients)
    from a start s ~ U{0..n - w} is set to 0. The features are standardized, so 0 is their mean:
    the paper's mask value for normalized inputs. Bands may overlap, and w = 0 leaves a sample be."""
    import keras
    from keras import ops
    gen = keras.random.SeedGenerator(seed)

    def mask(x):
        n = x.shape[axis]
        w_max = min(max_width, n)
        idx = ops.arange(n, dtype="float32")                                 # (n,)
        keep = ops.ones_like(x)
        batch = ops.shape(x)[0]
        for _ in range(count):
            u = keras.random.uniform((batch, 2), seed=gen)                    # (B, 2) in [0, 1)
            w = ops.floor(u[:, :1] * (w_max + 1))                             # (B, 1) in 0..w_max
            start = ops.floor(u[:, 1:] * (n - w + 1))                         # (B, 1) in 0..n - w
            band = ops.logical_and(idx >= start, idx < start + w)             # (B, n)
            band = ops.reshape(band, (-1, n, 1, 1) if axis == 1 else (-1, 1, n, 1))
            keep = ops.where(band, 0.0, keep)
        return x * keep
    return mask


def _gain(std: float, seed: int):
    """Each channel of each series times its own gain g ~ N(1, std): (B, T, C) * (B, 1, C)."""
    import keras
    gen = keras.random.SeedGenerator(seed)

    def gain(x):
        g = 1.0 + std * keras.random.normal((keras.ops.shape(x)[0], 1, x.shape[-1]), seed=gen)
        return x * g
    return gain
