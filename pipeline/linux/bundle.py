"""Deployment bundle for a Linux target: what to copy to the device.

    Raspberry Pi (rpi4, rpi-armv7)        Android (android-arm64)
      model.tflite                          assets/model.tflite
      labels.txt                            assets/labels.txt
      metadata.json                         assets/metadata.json
      run_model.py  (LiteRT/tflite-runtime) README.md (Kotlin snippet, GPU-delegate check)
      README.md
      wav.py, frontend.py (audio models: .wav -> MFCC, the training front end)

metadata.json describes the artifact: edgedistill version, model sha256 and bytes, target and
runtime, input/output dtype, shape, scale and zero point, preprocessing (raw value * raw_scale =
float model input; the audio front end's parameters; float -> int8 rounding rule).
"""

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np

from pipeline.errors import UserError

_README_PI = """# {model} for {target}

Copy this folder to the Pi, then:

    pip install {wheel} numpy
    python3 run_model.py samples.npy            # (N, {shape}) float inputs
    python3 run_model.py raw.npy --raw          # raw values, scaled by preprocessing.raw_scale
{audio}
Runtime: {runtime}. `--reference` uses the builtin reference kernels, whose outputs
`edgedistill verify --target {target}` proved bit-exact with LiteRT on the host (emulated
{cpu}); the default path (XNNPACK) may differ by {xnn} LSB.
"""

_README_ANDROID = """# {model} for Android (arm64-v8a)

Copy `assets/` into `app/src/main/assets/` and add LiteRT to `app/build.gradle.kts`:

    implementation("com.google.ai.edge.litert:litert:<version>")
    implementation("com.google.ai.edge.litert:litert-gpu:<version>")   // only for the GPU delegate

Kotlin (LiteRT keeps the org.tensorflow.lite API):

```kotlin
import org.tensorflow.lite.Interpreter
import org.tensorflow.lite.support.common.FileUtil   // or map the asset yourself

val model = FileUtil.loadMappedFile(context, "model.tflite")
val interpreter = Interpreter(model, Interpreter.Options().setNumThreads(4))
// input {in_dtype} {shape}: int8 q = clamp(floor(x / {in_scale} + 0.5) + {in_zp}, -128, 127)
val input = java.nio.ByteBuffer.allocateDirect({in_bytes}).order(java.nio.ByteOrder.nativeOrder())
val output = Array(1) {{ {out_array}({classes}) }}
interpreter.run(input, output)
// logits: y = (q - {out_zp}) * {out_scale}; label = labels[argmax(y)] (assets/labels.txt)
```

GPU delegate (our check of LiteRT's GPU delegate rules): {gpu}
CPU path verified on an emulated Cortex-A76 arm64 Linux userland (no Android image offline):
reference kernels bit-exact with LiteRT on the host.
"""


def _io(d: dict) -> dict:
    scale, zp = d["quantization"]
    return {"dtype": np.dtype(d["dtype"]).name, "shape": [int(s) for s in d["shape"]],
            "scale": float(scale), "zero_point": int(zp)}


def write_bundle(tflite: bytes, target, out_dir, labels: list[str] | None = None,
                 raw_scale: float | None = None, standardize: dict | None = None,
                 frontend: dict | None = None) -> dict:
    """Write the bundle for `target` into out_dir (created; must be empty or absent).
    `standardize`: {"mean", "std"} per feature applied after raw_scale (flat feature vectors and
    standardized series are trained on (raw * raw_scale - mean) / std). `frontend`: the audio front
    end's parameters (pipeline.data.audio.frontend) for a model trained on MFCC features; a Pi bundle
    then carries that front end and its runner takes .wav files."""
    from pipeline import __version__, targets
    from pipeline.compiler.reader import check
    from pipeline.linux.verify import io_details
    check(tflite)                  # before LiteRT parses it
    target = targets.resolve(target)
    if target.kind != "linux":
        raise UserError(f"bundles are for Linux targets; '{target.name}' is a {target.kind} target",
                        "use `edgedistill compile` for MCU targets, or --target rpi4|rpi-armv7|android-arm64")
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise UserError(f"output folder {out} is not empty", "pass a new or empty --out folder")
    ins, outs = io_details(tflite)
    from pipeline.linux import hazards
    found = hazards.find(tflite, target)
    paths = {h.path for h in found}
    if paths == {"default", "reference"}:     # neither kernel set runs it right: nothing to fall back on
        raise UserError(f"{target.name}: {hazards.summary(found)}", hazards.FIX)
    classes = int(np.prod(outs[0]["shape"][1:]))
    labels = list(labels) if labels else [f"class_{i}" for i in range(classes)]
    if len(labels) != classes:
        raise UserError(f"{len(labels)} labels for a model with {classes} outputs",
                        "pass a labels file with one line per class")
    android = target.name.startswith("android")
    files = out / "assets" if android else out
    files.mkdir(parents=True, exist_ok=True)
    (files / "model.tflite").write_bytes(bytes(tflite))
    (files / "labels.txt").write_text("\n".join(labels) + "\n")
    meta = {"edgedistill": __version__, "target": target.name, "runtime": target.runtime,
            "model_file": "model.tflite", "labels_file": "labels.txt",
            "model_sha256": hashlib.sha256(bytes(tflite)).hexdigest(), "model_bytes": len(tflite),
            "input": _io(ins[0]), "output": _io(outs[0]),
            # raw_scale is always a number: without a data set raw values are taken as model inputs
            "preprocessing": {"raw_scale": 1.0 if raw_scale is None else float(raw_scale),
                              "raw_scale_from": "the data set" if raw_scale is not None else
                              "no data set given (bundle --data NAME|PATH sets it)",
                              "standardize": standardize,
                              "frontend": frontend,
                              "float_input": "raw value * raw_scale" + (", then (x - standardize.mean) / "
                                                                        "standardize.std per feature" if standardize else ""),
                              "int8_rule": "q = clip(floor(x / scale + 0.5) + zero_point, -128, 127)"}}
    if found:   # read by run_model.py: "default" -> it runs the reference kernels, and says why
        meta["runtime_hazards"] = [{"op": h.op, "kind": h.kind, "shape": h.shape, "path": h.path,
                                    "runtime": " ".join(hazards.RUNTIME), "what": h.describe()}
                                   for h in found]
    if android:
        from pipeline.linux.gpu import check, summary
        gpu = check(tflite)
        meta["gpu_delegate"] = {k: gpu[k] for k in ("compatible", "unsupported", "gpu_ops", "cpu_ops",
                                                    "cpu_fallback", "source")}
    (files / "metadata.json").write_text(json.dumps(meta, indent=2) + "\n")
    shape = "x".join(str(s) for s in meta["input"]["shape"])
    if android:
        i, o = meta["input"], meta["output"]
        readme = _README_ANDROID.format(
            model="model.tflite", shape=shape, in_dtype=i["dtype"], in_scale=i["scale"], in_zp=i["zero_point"],
            in_bytes=int(np.prod(i["shape"])) * np.dtype(i["dtype"]).itemsize, classes=classes,
            out_array="ByteArray" if o["dtype"] == "int8" else "FloatArray", out_zp=o["zero_point"],
            out_scale=o["scale"], gpu=summary(gpu).replace("\n", "\n    "))
    else:
        shutil.copyfile(Path(__file__).with_name("bundle_runner.py"), out / "run_model.py")
        (out / "run_model.py").chmod(0o755)
        if frontend:        # the training front end itself, so the device computes the same features
            audio_dir = Path(__file__).resolve().parent.parent / "data" / "audio"
            for name in ("wav.py", "frontend.py"):
                shutil.copyfile(audio_dir / name, out / name)
        wheel = "ai-edge-litert" if target.runtime == "litert" else "tflite-runtime"
        readme = _README_PI.format(model="model.tflite", target=target.name, wheel=wheel, shape=shape,
                                   runtime=" ".join(target.emulator.get("wheels", [wheel])), cpu=target.cpu,
                                   xnn="2", audio=(
                                       "    python3 run_model.py a.wav b.wav ...       # PCM .wav clips (or a folder of "
                                       "them) through\n                                                # the training "
                                       "front end (frontend.py, wav.py)\n" if frontend else ""))
    if found:
        readme += ("\nKnown defects of " + " ".join(hazards.RUNTIME) + " on this model (run_model.py "
                   "runs the reference kernels where the default ones crash):\n\n" +
                   "".join(f"- {h.describe()}\n" for h in found))
    (out / "README.md").write_text(readme)
    return {"out": str(out), "files": sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()),
            "metadata": meta}
