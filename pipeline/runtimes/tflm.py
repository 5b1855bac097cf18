"""The TFLite-Micro host interpreter (tflite-micro wheel): the reference for microcontroller targets."""

import ctypes
import os
import re
import tempfile

import numpy as np


def _interpreter(model: bytes, arena_size: int | None = None):
    from tflite_micro.python.tflite_micro import runtime
    return runtime.Interpreter.from_bytes(bytes(model), arena_size=arena_size)


def run(model: bytes, inputs: np.ndarray) -> np.ndarray:
    """Outputs of output 0 for each sample. `inputs`: (N, *input_shape[1:]), in the input's dtype."""
    interp = _interpreter(model)
    shape = interp.get_input_details(0)["shape"]
    dtype = interp.get_input_details(0)["dtype"]
    outs = []
    for x in inputs:
        interp.set_input(np.asarray(x, dtype=dtype).reshape(shape), 0)
        interp.invoke()
        outs.append(np.array(interp.get_output(0))[0])
        # reset() clears variable tensors only; no model here keeps state between samples
    return np.stack(outs)


def io_details(model: bytes) -> tuple[dict, dict]:
    interp = _interpreter(model)
    return interp.get_input_details(0), interp.get_output_details(0)


def arena_used_bytes(model: bytes) -> int:
    """Arena bytes TFLM allocates for this model, as its RecordingMicroAllocator reports.

    MicroPrintf writes through C stdio to fd 2, so fd 2 is pointed at a temp file while it runs.
    Measured on this 64-bit host: pointer-holding structs are larger than on a 32-bit MCU,
    so the figure is an upper bound for Cortex-M.
    """
    interp = _interpreter(model)
    interp.set_input(np.zeros(interp.get_input_details(0)["shape"],
                              interp.get_input_details(0)["dtype"]), 0)
    interp.invoke()
    with tempfile.TemporaryFile(mode="w+") as tmp:
        saved = os.dup(2)
        try:
            os.dup2(tmp.fileno(), 2)
            interp.print_allocations()
            ctypes.CDLL(None).fflush(None)  # C stdio buffers until flushed
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        text = tmp.read()
    m = re.search(r"Arena allocation total (\d+) bytes", text)
    if not m:
        raise RuntimeError(f"tflite-micro printed no arena total: {text[:200]!r}")
    return int(m.group(1))
