"""Runs inside the emulated ARM userland (Python 3.11, numpy 1.24 or 2.x, ai-edge-litert or
tflite-runtime) and, unchanged, on the host as the reference: the same code on both sides.
Standard library + numpy only; nothing from `pipeline` is importable in the guest.

    python guest.py MODEL.tflite INPUTS.npy OUT_DIR [ref,default[,arena]]

INPUTS.npy is (N, input elements) in the model's input dtype, all inputs of a sample packed in
order. Writes OUT_DIR/<mode>.npy (N, output elements; all outputs packed) per mode and
OUT_DIR/info.json (runtime, version, machine, seconds per mode).
"""

import json
import platform
import sys
import time

import numpy as np


def runtime():
    """(module name, Interpreter, OpResolverType): LiteRT first, then tflite-runtime."""
    try:
        from ai_edge_litert import interpreter as m
        name = "ai-edge-litert"
    except ImportError:
        from tflite_runtime import interpreter as m
        name = "tflite-runtime"
    return name, m.Interpreter, m.OpResolverType


def run(model: bytes, x: np.ndarray, mode: str) -> np.ndarray:
    """mode "ref": BUILTIN_REF kernels (golden); "default": the runtime's default path (XNNPACK)."""
    _, Interpreter, Resolver = runtime()
    resolver = Resolver.BUILTIN_REF if mode == "ref" else Resolver.AUTO
    interp = Interpreter(model_content=bytes(model), experimental_op_resolver_type=resolver,
                         num_threads=1)
    interp.allocate_tensors()
    ins = interp.get_input_details()
    outs = interp.get_output_details()
    result = []
    for sample in x:
        off = 0
        for d in ins:
            n = int(np.prod(d["shape"]))
            interp.set_tensor(d["index"], np.asarray(sample[off:off + n], d["dtype"]).reshape(d["shape"]))
            off += n
        interp.invoke()
        result.append(np.concatenate([interp.get_tensor(d["index"]).reshape(-1) for d in outs]))
    return np.stack(result)


def arena_bytes(model: bytes, const: set) -> int:
    """Bytes spanned by the non-constant tensors (activations + kernel scratch) after
    allocate_tensors on the reference kernels: the runtime's tensor arena for this model."""
    _, Interpreter, Resolver = runtime()
    interp = Interpreter(model_content=bytes(model), experimental_op_resolver_type=Resolver.BUILTIN_REF)
    interp.allocate_tensors()
    spans = []
    for d in interp.get_tensor_details():
        if d["index"] in const:
            continue
        try:
            a = interp.tensor(d["index"])()
        except ValueError:               # tensors without data
            continue
        if a.nbytes:
            start = a.__array_interface__["data"][0]
            spans.append((start, start + a.nbytes))
    return max(e for _, e in spans) - min(s for s, _ in spans) if spans else 0


def main(argv):
    model_path, inputs_path, out_dir = argv[:3]
    modes = (argv[3] if len(argv) > 3 else "ref,default").split(",")
    with open(model_path, "rb") as f:
        model = f.read()
    x = np.load(inputs_path)
    name = runtime()[0]
    import importlib.metadata as md
    info = {"runtime": name, "version": md.version(name), "numpy": np.__version__,
            "machine": platform.machine(), "python": platform.python_version(), "seconds": {}}
    for mode in modes:
        if mode == "arena":                 # OUT_DIR/const.json: indices of constant tensors
            with open(f"{out_dir}/const.json") as f:
                info["arena_bytes"] = arena_bytes(model, set(json.load(f)))
            continue
        t0 = time.time()
        np.save(f"{out_dir}/{mode}.npy", run(model, x, mode))
        info["seconds"][mode] = round(time.time() - t0, 3)
    with open(f"{out_dir}/info.json", "w") as f:
        json.dump(info, f)
    print("GUEST-OK", json.dumps(info))


if __name__ == "__main__":
    main(sys.argv[1:])
