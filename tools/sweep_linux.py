"""Seeded randomized sweep of small int8 models through every Linux target's default and
reference paths (#15): which models crash a device runtime or disagree with its golden.

    python tools/sweep_linux.py --models 300 [--seed 0] [--targets rpi4,rpi-armv7,android-arm64]
    (`make bench` runs it through tools/bench.py, section "linux")

Model i is drawn from default_rng(seed + i): one op family (conv, depthwise with multiplier 1-2,
dense over one or more rows, pooling, zero-pad + valid conv, add / mul / concat of two 1x1
branches, mean, softmax head, or a chain of 2-3 of them) with random shapes, strides, padding,
activation and bias (none, all-zero (the converter drops it) or random), Dense weights per channel
(TF 2.21's default) or per tensor; converted by the TF converter (PTQ, int8 in and out, batch 1).

Each target runs all models in one emulated process per path (reference = BUILTIN_REF, default =
AUTO: XNNPACK where it applies); a crash ends the process, and the parent records the model it was
on and restarts after it. Goldens: the host run of the same runtime and version on its reference
kernels (LiteRT in-process; tflite-runtime 2.14 in its cached host venv, same batch script).
A reference-path output that differs from the golden is a mismatch; on the default path more than
1 LSB is (XNNPACK is not bit-exact: FACTS.md). Every crash is checked against
pipeline/linux/hazards.py (was it named before running?).
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
TARGETS = ("rpi4", "rpi-armv7", "android-arm64")
FAMILIES = ("conv", "depthwise", "dense", "pool", "pad_conv", "merge", "mean", "softmax", "chain")
SAMPLES = 3                # random int8 inputs per model

# Runs in the guest (and in the host tflite-runtime venv): models listed in models.json from
# index START on, one path; writes progress.txt before each model so a crash names it.
BATCH = '''import json, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np
from guest import run
d = os.path.dirname(os.path.abspath(__file__))
names = json.load(open(os.path.join(d, "models.json")))
start, mode = int(sys.argv[1]), sys.argv[2]
for k in range(start, len(names)):
    with open(os.path.join(d, "progress.txt"), "w") as f:
        f.write(str(k))
    model = open(os.path.join(d, names[k] + ".tflite"), "rb").read()
    np.save(os.path.join(d, f"{names[k]}.{mode}.npy"), run(model, np.load(os.path.join(d, names[k] + ".in.npy")), mode))
print("BATCH-DONE")
'''


def _bias(rng):
    return {"none": dict(use_bias=False), "zero": {}, "random": dict(bias_initializer="random_normal")}[
        rng.choice(["none", "zero", "random"])]


def _act(rng):
    return rng.choice([None, "relu", "relu6"])


def _spatial(rng, x, family):
    """One spatial op of `family` on x (N, H, W, C)."""
    from keras import layers as L
    h = int(min(x.shape[1], x.shape[2]))
    k = int(rng.choice([k for k in (1, 3, 5) if k <= h] or [1]))
    s = int(rng.choice([1, 2]))
    pad = str(rng.choice(["same", "valid"]))
    if family == "conv":
        return L.Conv2D(int(rng.integers(1, 17)), k, strides=s, padding=pad, activation=_act(rng), **_bias(rng))(x)
    if family == "depthwise":
        return L.DepthwiseConv2D(k, strides=s, padding=pad, depth_multiplier=int(rng.integers(1, 3)),
                                 activation=_act(rng), **_bias(rng))(x)
    if family == "pool":
        p = int(rng.choice([q for q in (2, 3) if q <= h] or [1]))
        return (L.MaxPooling2D if rng.random() < 0.5 else L.AveragePooling2D)(p, strides=s, padding=pad)(x)
    if family == "pad_conv":
        t, b, lft, r = (int(v) for v in rng.integers(0, 3, size=4))
        x = L.ZeroPadding2D(((t, b), (lft, r)))(x)
        layer = L.Conv2D(int(rng.integers(1, 9)), k, strides=s) if rng.random() < 0.5 else \
            L.DepthwiseConv2D(k, strides=s)
        return layer(x)
    raise ValueError(family)


def make_model(i: int, seed: int):
    """(keras model, input shape, family, per-channel dense?) of model i."""
    import keras
    from keras import layers as L
    rng = np.random.default_rng(seed + i)
    keras.utils.set_random_seed(seed + i)
    family = FAMILIES[i % len(FAMILIES)] if i < len(FAMILIES) else str(rng.choice(FAMILIES))
    per_channel = bool(rng.random() < 0.7)
    if family in ("dense", "softmax"):
        depth = int(rng.integers(1, 65))
        rows = 1 if family == "softmax" or rng.random() < 0.7 else int(rng.integers(2, 5))
        shape = (depth,) if rows == 1 else (rows, depth)
        x = inp = keras.Input(shape, batch_size=1)
        x = L.Dense(int(rng.integers(1, 13)), activation=_act(rng) if family == "dense" else None, **_bias(rng))(x)
        if family == "softmax":
            x = L.Softmax()(x)
        return keras.Model(inp, x), shape, family, per_channel
    shape = (int(rng.integers(3, 13)), int(rng.integers(3, 13)), int(rng.integers(1, 9)))
    x = inp = keras.Input(shape, batch_size=1)
    if family == "merge":
        a = L.Conv2D(shape[2], 1, **_bias(rng))(x)
        b = L.Conv2D(shape[2], 1, **_bias(rng))(x)
        x = {0: L.Add(), 1: L.Multiply(), 2: L.Concatenate()}[int(rng.integers(0, 3))]([a, b])
    elif family == "mean":
        x = L.GlobalAveragePooling2D()(L.Conv2D(int(rng.integers(1, 17)), 1, **_bias(rng))(x))
    elif family == "chain":
        for _ in range(int(rng.integers(2, 4))):
            x = _spatial(rng, x, str(rng.choice(["conv", "depthwise", "pool", "pad_conv"])))
        x = L.Dense(int(rng.integers(1, 11)), **_bias(rng))(L.GlobalAveragePooling2D()(x))
    else:
        x = _spatial(rng, x, family)
    return keras.Model(inp, x), shape, family, per_channel


def convert(model, shape, per_channel: bool, seed: int) -> bytes:
    import tensorflow as tf
    rep = np.random.default_rng(seed).standard_normal((16, *shape)).astype(np.float32)
    fn = tf.function(lambda x: model(x, training=False))
    conv = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function(
        tf.TensorSpec((1, *shape), tf.float32))])
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([r[None]] for r in rep)
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = conv.inference_output_type = tf.int8
    conv._experimental_disable_per_channel_quantization_for_dense_layers = not per_channel
    return conv.convert()


def _batch(folder: Path, mode: str, names: list[str], launch) -> dict:
    """Run every model on one path, restarting after crashes: {name: outputs | "crash: ..."}."""
    from pipeline.errors import UserError
    results, start = {}, 0
    while start < len(names):
        (folder / "progress.txt").write_text(str(start))
        try:
            launch(start, mode)
            start = len(names)
        except (UserError, subprocess.CalledProcessError) as e:
            k = int((folder / "progress.txt").read_text())
            results[names[k]] = "crash: " + str(e).split(" — ")[0][-160:]
            start = k + 1
    for n in names:
        f = folder / f"{n}.{mode}.npy"
        if n not in results and f.exists():
            results[n] = np.load(f)
        f.unlink(missing_ok=True)
    return results


def _folder(models: dict, names: list[str]) -> Path:
    from pipeline.linux import guest
    d = Path(tempfile.mkdtemp(prefix="edsweep-")).resolve()
    shutil.copyfile(guest.__file__, d / "guest.py")
    (d / "batch.py").write_text(BATCH)
    (d / "models.json").write_text(json.dumps(names))
    for n in names:
        (d / f"{n}.tflite").write_bytes(models[n]["tflite"])
        np.save(d / f"{n}.in.npy", models[n]["x"])
    return d


def sweep(n_models: int, seed: int = 0, target_names=TARGETS, progress=print) -> dict:
    from pipeline import targets
    from pipeline.linux import guest, hazards, hostref, qemu_user
    from pipeline.linux.verify import random_inputs
    t0 = time.time()
    models = {}
    for i in range(n_models):
        m, shape, family, pc = make_model(i, seed)
        tfl = convert(m, shape, pc, seed + i)
        models[f"m{i:04d}"] = {"tflite": tfl, "family": family, "per_channel_dense": pc,
                               "x": random_inputs(tfl, SAMPLES, seed + i)}
        if (i + 1) % 50 == 0:
            progress(f"  {i + 1} models converted ({time.time() - t0:.0f} s)")
    names = sorted(models)
    report = {"models": n_models, "seed": seed, "families": {}, "targets": {}}
    for n in names:
        report["families"][models[n]["family"]] = report["families"].get(models[n]["family"], 0) + 1
    for tname in target_names:
        target = targets.load(tname)
        d = _folder(models, names)
        try:
            spec = hostref.spec_for(target)
            if spec is None:
                golden = {n: guest.run(models[n]["tflite"], models[n]["x"], "ref") for n in names}
            else:
                py = hostref.ensure(spec)

                def host(start, mode):
                    subprocess.run([str(py), "-I", str(d / "batch.py"), str(start), mode], cwd=d, check=True,
                                   capture_output=True, timeout=1800)
                golden = _batch(d, "ref", names, host)

            def emu(start, mode):
                qemu_user.run_python(target, d / "batch.py", [str(start), mode], timeout=1800)
            row = {}
            for mode in ("ref", "default"):
                got = _batch(d, mode, names, emu)
                crashes, mismatches, diffs = [], [], []
                for n in names:
                    g, o = golden.get(n), got.get(n)
                    if isinstance(o, str):
                        named = [h.path for h in hazards.find(models[n]["tflite"], target)]
                        crashes.append({"model": n, "family": models[n]["family"],
                                        "predicted": (mode == "ref" and "reference" in named) or
                                                     (mode == "default" and "default" in named), "why": o})
                        continue
                    if isinstance(g, str) or g is None:
                        mismatches.append({"model": n, "family": models[n]["family"], "why": f"golden: {g}"})
                        continue
                    diff = int(np.max(np.abs(o.astype(np.int64) - g.astype(np.int64)))) if o.size else 0
                    diffs.append(diff)
                    if diff > (0 if mode == "ref" else 1):
                        named = [h.describe() for h in hazards.find(models[n]["tflite"], target)]
                        mismatches.append({"model": n, "family": models[n]["family"], "max_abs_diff": diff,
                                           "named": named})
                row[mode] = {"runs": len(names), "crashes": crashes, "mismatches": mismatches,
                             "exact": sum(1 for v in diffs if v == 0), "off_by_1": sum(1 for v in diffs if v == 1)}
                progress(f"  {tname} {mode}: {len(crashes)} crashes, {len(mismatches)} mismatches "
                         f"({time.time() - t0:.0f} s)")
            report["targets"][tname] = row
        finally:
            shutil.rmtree(d, ignore_errors=True)
    report["seconds"] = round(time.time() - t0, 1)
    return report


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--targets", default=",".join(TARGETS))
    ap.add_argument("--json", type=Path, default=None, help="also write the full report here")
    args = ap.parse_args()
    r = sweep(args.models, args.seed, args.targets.split(","))
    if args.json:
        args.json.write_text(json.dumps(r, indent=1, default=str))
    for t, row in r["targets"].items():
        for mode, s in row.items():
            print(f"{t:14} {mode:8} runs {s['runs']}  exact {s['exact']}  off-by-1 {s['off_by_1']}  "
                  f"crashes {len(s['crashes'])} (named before running: {sum(c['predicted'] for c in s['crashes'])})  "
                  f"mismatches {len(s['mismatches'])}")
    print(f"{r['models']} models, seed {r['seed']}, {r['seconds']:.0f} s")


if __name__ == "__main__":
    main()
