"""`edgedistill verify`: run a .tflite on a target (or its emulator) and compare with the reference
of that target's family (DESIGN.md): tflite-micro for host and MCU targets, LiteRT's reference
kernels for Linux targets (Raspberry Pi, Android userlands under qemu-user)."""

import numpy as np

from pipeline.errors import UserError


def _dataset_inputs(tflite: bytes, dataset: str, samples: int):
    """The data set's test split: quantized with the model's input scale and zero point for an
    int8 model, as float32 for a float model (float16 / dynamic / float32 variants)."""
    from pipeline import data
    from pipeline.runtimes import litert
    from pipeline.stages.convert import quantize_inputs
    splits = data.load(dataset)
    detail = litert.input_details(tflite)
    want = tuple(int(d) for d in detail["shape"][1:])
    if splits.input_shape != want:
        raise UserError(f"data set '{dataset}' has inputs {splits.input_shape} but the model takes {want}",
                        "pass the data set the model was trained on, or leave --data out for random inputs")
    x = splits.x_test[:samples]
    x = quantize_inputs(tflite, x) if detail["dtype"] == np.int8 else x.astype(detail["dtype"])
    return x, splits.y_test[:samples]


def verify(tflite: bytes, target, samples: int, dataset: str | None = None, seed: int = 0,
           optimize: str = "auto") -> dict:
    """DESIGN.md's verify JSON; with a data set also the target's accuracy on its test split."""
    if samples < 1:
        raise UserError(f"--samples must be at least 1 (got {samples})", "pass --samples 20, say")
    inputs, labels = _dataset_inputs(tflite, dataset, samples) if dataset else (None, None)
    if target.kind == "host":
        from pipeline.runtimes.host import verify_host
        result = verify_host(tflite, inputs, samples, seed)
    elif target.kind == "mcu":
        from pipeline.firmware import verify_mcu
        result = verify_mcu(tflite, target, inputs, samples, seed, optimize)
    elif target.kind == "linux":
        from pipeline.linux import verify_linux
        result = verify_linux(tflite, target, inputs, samples, seed)
    else:
        raise UserError(f"target '{target.name}' has kind '{target.kind}', which verify does not know",
                        "set kind to host, mcu or linux in its TOML")
    outputs = result.pop("outputs", None)
    if labels is not None and outputs is not None:
        result["accuracy"] = float(np.mean(np.argmax(outputs.reshape(len(labels), -1), -1) == labels))
    return result
