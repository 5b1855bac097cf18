"""The four MLPerf Tiny reference architectures with random weights, for RAM/flash benchmarks
of the compiler against TFLite-Micro (BatchNorm omitted: the converter folds it into the conv,
so the int8 graph is the same shape). `python -m pipeline.compiler.mlperf` prints the table."""

import numpy as np

REFERENCE_MODELS = ("kws_dscnn", "ic_resnet8", "vww_mobilenet_v1_025", "ad_autoencoder")


def to_int8_tflite(model, seed: int = 0, samples: int = 16, ranges=None) -> bytes:
    """PTQ with a random representative set (uniform in `ranges`, per input), int8 in/out."""
    import tensorflow as tf
    rng = np.random.default_rng(seed)
    shapes = [tuple(int(d) for d in i.shape[1:]) for i in model.inputs]
    names = [i.name for i in model.inputs]
    ranges = ranges or [(-1.0, 1.0)] * len(shapes)

    def rep():
        # keyed by signature input name: the converted graph orders its inputs arbitrarily
        for _ in range(samples):
            yield ("serving_default", {n: rng.uniform(lo, hi, size=(1, *s)).astype(np.float32)
                                       for n, s, (lo, hi) in zip(names, shapes, ranges)})
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = rep
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    return conv.convert()


def _he(layers):
    """He-normal random weights: with the default Glorot init, 20+ random ReLU layers shrink the
    logits until softmax's input scale is below what TFLM's Prepare accepts (it aborts)."""
    import functools

    import keras
    # Keras counts a depthwise kernel's fan-in as k*k*channels; each output sees only k*k (3x3)
    dw_init = keras.initializers.RandomNormal(stddev=(2 / 9) ** 0.5)
    return type("L", (), {n: functools.partial(getattr(layers, n), kernel_initializer="he_normal")
                          if n in ("Conv2D", "Dense") else
                          functools.partial(getattr(layers, n), depthwise_initializer=dw_init)
                          if n == "DepthwiseConv2D" else getattr(layers, n)
                          for n in ("Conv2D", "Dense", "DepthwiseConv2D", "AveragePooling2D",
                                    "Flatten", "Add", "Activation")})


def kws_dscnn():
    """Keyword spotting DS-CNN: 49x10 MFCC, 64 channels, 4 depthwise-separable blocks, 12 classes."""
    import keras
    L = _he(keras.layers)
    x = inp = keras.Input((49, 10, 1), batch_size=1, name="input")
    x = L.Conv2D(64, (10, 4), strides=(2, 2), padding="same", activation="relu")(x)
    for _ in range(4):
        x = L.DepthwiseConv2D(3, padding="same", activation="relu")(x)
        x = L.Conv2D(64, 1, activation="relu")(x)
    x = L.AveragePooling2D(pool_size=(25, 5))(x)
    x = L.Flatten()(x)
    return keras.Model(inp, L.Dense(12, activation="softmax")(x), name="kws_dscnn")


def ic_resnet8():
    """Image classification ResNet-8 on 32x32x3: three residual stacks of 16/32/64 channels."""
    import keras
    L = _he(keras.layers)
    x = inp = keras.Input((32, 32, 3), batch_size=1, name="input")
    x = L.Conv2D(16, 3, padding="same", activation="relu")(x)
    for filters, stride in ((16, 1), (32, 2), (64, 2)):
        y = L.Conv2D(filters, 3, strides=stride, padding="same", activation="relu")(x)
        y = L.Conv2D(filters, 3, padding="same")(y)
        if stride != 1:
            x = L.Conv2D(filters, 1, strides=stride)(x)
        x = L.Activation("relu")(L.Add()([x, y]))
    x = L.AveragePooling2D(pool_size=8)(x)
    x = L.Flatten()(x)
    return keras.Model(inp, L.Dense(10, activation="softmax")(x), name="ic_resnet8")


def vww_mobilenet_v1_025():
    """Visual wake words MobileNetV1, width 0.25, 96x96x3, 2 classes."""
    import keras
    L = _he(keras.layers)
    x = inp = keras.Input((96, 96, 3), batch_size=1, name="input")
    x = L.Conv2D(8, 3, strides=2, padding="same", activation="relu")(x)
    for filters, stride in ((16, 1), (32, 2), (32, 1), (64, 2), (64, 1), (128, 2), (128, 1),
                            (128, 1), (128, 1), (128, 1), (128, 1), (256, 2), (256, 1)):
        x = L.DepthwiseConv2D(3, strides=stride, padding="same", activation="relu")(x)
        x = L.Conv2D(filters, 1, activation="relu")(x)
    x = L.AveragePooling2D(pool_size=3)(x)
    x = L.Flatten()(x)
    return keras.Model(inp, L.Dense(2, activation="softmax")(x), name="vww_mobilenet_v1_025")


def ad_autoencoder():
    """Anomaly detection FC autoencoder: 640 -> 128x4 -> 8 -> 128x4 -> 640."""
    import keras
    L = _he(keras.layers)
    x = inp = keras.Input((640,), batch_size=1, name="input")
    for units in (128, 128, 128, 128, 8, 128, 128, 128, 128):
        x = L.Dense(units, activation="relu")(x)
    return keras.Model(inp, L.Dense(640)(x), name="ad_autoencoder")


def build(name: str, seed: int = 0) -> bytes:
    """int8 .tflite of one reference architecture with seeded random weights."""
    import keras
    keras.utils.set_random_seed(seed)
    return to_int8_tflite(globals()[name](), seed=seed)


def ram_rows(names=REFERENCE_MODELS, seed: int = 0) -> list[dict]:
    """Our arena (activations incl. input/output + scratch) vs TFLM's arena_used_bytes."""
    from pipeline.compiler.sources import compile_model
    from pipeline.runtimes.tflm import arena_used_bytes
    rows = []
    for n in names:
        tfl = build(n, seed)
        src = compile_model(tfl, "host")
        tflm = arena_used_bytes(tfl)
        code = sum(len(t) for t in src.files.values())
        rows.append({"model": n, "ours_ram_bytes": src.arena_bytes, "tflm_arena_bytes": tflm,
                     "ratio": src.arena_bytes / tflm, "weights_bytes": src.weights_bytes,
                     "tflite_bytes": len(tfl), "generated_c_chars": code})
    return rows


if __name__ == "__main__":
    import os
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    rows = ram_rows()
    print(f"{'model':<24}{'ours RAM':>10}{'TFLM arena':>12}{'ratio':>8}{'weights':>10}")
    for r in rows:
        print(f"{r['model']:<24}{r['ours_ram_bytes']:>10}{r['tflm_arena_bytes']:>12}"
              f"{r['ratio']:>8.3f}{r['weights_bytes']:>10}")
    gm = float(np.exp(np.mean([np.log(r["ratio"]) for r in rows])))
    print(f"geometric mean ratio {gm:.3f}")
