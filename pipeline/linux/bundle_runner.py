#!/usr/bin/env python3
"""Classify samples with the model in this folder on a Raspberry Pi (or any Linux box).

    python3 run_model.py SAMPLES.npy [--raw] [--reference] [--json]
    python3 run_model.py CLIP.wav [CLIP.wav ... | FOLDER] [--reference] [--json]   (audio models)

SAMPLES.npy: (N, *input shape) float model inputs, or raw values (e.g. 0..255 pixels) with --raw
(multiplied by metadata.json's preprocessing.raw_scale first). For a model trained on MFCC
features (metadata.json's preprocessing.frontend), PCM .wav clips go through the training front
end this folder carries (wav.py, frontend.py). int8 models get the inputs
quantized with the scale and zero point in metadata.json. Prints one line per sample:
`index label score`. Needs numpy and ai-edge-litert (64-bit OS: `pip install ai-edge-litert`)
or tflite-runtime (32-bit OS: `pip install tflite-runtime`).
"""

import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def interpreter(model_path, reference, hazards=()):
    """hazards: metadata.json's runtime_hazards, ops that crash tflite-runtime's default kernels
    (path "default") or get wrong outputs from its reference kernels (path "reference")."""
    try:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType
        hazards = ()                       # measured on tflite-runtime only
    except ImportError:
        from tflite_runtime.interpreter import Interpreter, OpResolverType
    for h in hazards:
        if h["path"] == "default" and not reference:
            print(f"note: {h['what']}: running the reference kernels instead", file=sys.stderr)
            reference = True
        elif h["path"] == "reference" and reference:
            raise ValueError(f"{h['what']}: run without --reference")
    # default path: XNNPACK (fast); --reference: the builtin reference kernels (bit-exact golden)
    resolver = OpResolverType.BUILTIN_REF if reference else OpResolverType.AUTO
    interp = Interpreter(model_path=model_path, experimental_op_resolver_type=resolver)
    interp.allocate_tensors()
    return interp


def wav_features(paths, params):
    """The model inputs of .wav clips (files, or folders of them), as the training data's were made."""
    sys.path.insert(0, HERE)
    import frontend
    import wav
    files = []
    for p in paths:
        inside = sorted(os.listdir(p)) if os.path.isdir(p) else None
        files += [os.path.join(p, f) for f in inside if f.lower().endswith(".wav")] if inside is not None else [p]
    if not files:
        raise ValueError(f"no .wav clips in {', '.join(paths)}")
    return frontend.mfcc(np.stack([wav.read_clip(f, params) for f in files]), params), files


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("samples", nargs="+", help="a .npy of samples, or .wav clips / folders (audio models)")
    ap.add_argument("--raw", action="store_true", help="inputs are raw values: apply raw_scale")
    ap.add_argument("--reference", action="store_true", help="use the reference kernels")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    with open(os.path.join(HERE, "metadata.json")) as f:
        meta = json.load(f)
    with open(os.path.join(HERE, meta["labels_file"])) as f:
        labels = [line.strip() for line in f if line.strip()]
    audio = (meta.get("preprocessing") or {}).get("frontend")
    names = None
    if audio and not args.samples[0].endswith(".npy"):
        try:
            x, names = wav_features(args.samples, audio)
        except Exception as e:      # a file that is not PCM .wav, or one needing scipy to resample
            print(f"error: {e}", file=sys.stderr)
            return 2
        x = x.astype(np.float64)
    elif len(args.samples) != 1 or not args.samples[0].endswith(".npy"):
        print("error: give one .npy of samples" + (" or .wav clips" if audio else " (this model was not trained "
              "on audio features: no preprocessing.frontend in metadata.json)"), file=sys.stderr)
        return 2
    else:
        x = np.load(args.samples[0]).astype(np.float64)
    if args.raw or names:   # .wav clips are raw values too: their features get the training's steps
        scale = meta.get("preprocessing", {}).get("raw_scale")
        if scale is None:   # a bundle from before raw_scale was always written
            print("error: metadata.json has no preprocessing.raw_scale — pass model inputs without --raw, "
                  "or make the bundle again with `edgedistill bundle ... --data NAME|PATH`", file=sys.stderr)
            return 2
        x = x * scale
        std = meta["preprocessing"].get("standardize")
        if std:             # per feature (the last axis): as the training data was
            x = (x - np.asarray(std["mean"])) / np.asarray(std["std"])
    try:                                   # inputs read first
        interp = interpreter(os.path.join(HERE, meta["model_file"]), args.reference,
                             meta.get("runtime_hazards", ()))
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
    q_in, q_out = meta["input"], meta["output"]
    results = []
    for i, sample in enumerate(x.reshape(len(x), *inp["shape"][1:])):
        if q_in["scale"]:                  # int8: q = clip(floor(x / scale + 0.5) + zero_point)
            sample = np.clip(np.floor(sample / q_in["scale"] + 0.5) + q_in["zero_point"], -128, 127)
        interp.set_tensor(inp["index"], sample.astype(inp["dtype"])[None])
        interp.invoke()
        y = interp.get_tensor(out["index"])[0].astype(np.float64)
        if q_out["scale"]:
            y = (y - q_out["zero_point"]) * q_out["scale"]
        k = int(np.argmax(y))
        results.append({"index": i, "class": k, "label": labels[k] if k < len(labels) else str(k),
                        "score": round(float(y[k]), 4), **({"file": names[i]} if names else {})})
    if args.json:
        print(json.dumps({"predictions": results}))
    else:
        for r in results:
            print(f"{r['index']} {r['label']} {r['score']}" + (f" {r['file']}" if "file" in r else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
