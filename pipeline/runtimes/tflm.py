"""The TFLite-Micro host interpreter (tflite-micro wheel): the reference for microcontroller targets."""

import contextlib
import ctypes
import os
import re
import tempfile

import numpy as np

from pipeline.errors import UserError
from pipeline.modeltext import quote

# The interpreter's arena is fixed when it is made (the wheel's default: 10x the model's bytes,
# too small for a model of large activations and few weights: a 128x128x3 ADD needs 147 KiB of
# a 10 KiB model). interpreter() grows it until the model fits, up to ARENA_MAX.
ARENA_MAX = 512 << 20
_MISSING = re.compile(r"missing: (\d+)")


@contextlib.contextmanager
def _c_stderr(lines: list):
    """fd 2 (where TFLM's MicroPrintf writes, through C stdio) into `lines` while inside."""
    with tempfile.TemporaryFile(mode="w+") as tmp:
        saved = os.dup(2)
        try:
            os.dup2(tmp.fileno(), 2)
            yield
        finally:
            ctypes.CDLL(None).fflush(None)  # C stdio buffers until flushed
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            lines.extend(tmp.read().splitlines())


def _reason(said: list[str], e: Exception) -> str:
    """What TFLM printed (else the exception), escaped: it may quote model text (op names)."""
    return quote("; ".join(line.strip() for line in said if line.strip()) or str(e), 300)


def arena_hint(activation_bytes: int, tensors: int, ops: int) -> int:
    """An arena that holds a model of these sizes without any reuse, with room for TFLM's
    per-tensor and per-op structs (64-bit host): a first size that rarely needs a retry."""
    return activation_bytes + 256 * tensors + 1024 * ops + (64 << 10)


def interpreter(model: bytes, first_arena: int = 0):
    """tflite-micro's interpreter for `model` with an arena it fits in: max(the wheel's default,
    first_arena) first, then larger ones (by what TFLM reports missing, at least doubling) up to
    ARENA_MAX. Given a first_arena (arena_hint: it should fit), that first attempt prints what
    TFLM prints, as without this function, so that a model which aborts the interpreter still
    says why; the other attempts' complaints are kept for the error. A model it cannot load is
    a UserError naming what TFLM said (exit 2, no traceback)."""
    from tflite_micro.python.tflite_micro import runtime
    size = min(ARENA_MAX, max(10 * len(model), first_arena))
    said: list[str] = []
    first = first_arena > 0
    while True:
        try:
            with contextlib.nullcontext() if first else _c_stderr(said):
                return runtime.Interpreter.from_bytes(bytes(model), arena_size=size)
        except Exception as e:       # the wheel raises RuntimeError, or ValueError on bad bytes
            if "allocate tensors" in str(e) and size < ARENA_MAX:
                missing = max((int(m) for m in _MISSING.findall("\n".join(said))), default=0)
                size = min(ARENA_MAX, max(2 * size, size + 2 * missing))
                said.clear()
                first = False
                continue
            if "allocate tensors" in str(e):
                raise UserError(f"the tflite-micro reference interpreter cannot load this model: "
                                f"its tensors do not fit in a {ARENA_MAX:,}-byte arena "
                                f"({_reason(said, e)})",
                                "check the tensor shapes: a microcontroller model needs far "
                                "less") from None
            raise UserError(f"the tflite-micro reference interpreter cannot load this model: "
                            f"{_reason(said, e)}",
                            "check the model with the TFLite converter's analyzer; tflite-micro "
                            "runs int8 models of its supported ops only") from None


def invoke(interp) -> None:
    """interp.invoke(), a failure (an op's Eval; TFLM prints why) as a UserError."""
    try:
        interp.invoke()
    except Exception as e:
        raise UserError(f"the tflite-micro reference interpreter failed to run this model: "
                        f"{_reason([], e)}", "check the model with the TFLite converter's "
                        "analyzer") from None


def run(model: bytes, inputs: np.ndarray) -> np.ndarray:
    """Outputs of output 0 for each sample. `inputs`: (N, *input_shape[1:]), in the input's dtype."""
    interp = interpreter(model)
    shape = interp.get_input_details(0)["shape"]
    dtype = interp.get_input_details(0)["dtype"]
    outs = []
    for x in inputs:
        interp.set_input(np.asarray(x, dtype=dtype).reshape(shape), 0)
        invoke(interp)
        outs.append(np.array(interp.get_output(0))[0])
        # reset() clears variable tensors only; no model here keeps state between samples
    return np.stack(outs)


def io_details(model: bytes) -> tuple[dict, dict]:
    interp = interpreter(model)
    return interp.get_input_details(0), interp.get_output_details(0)


def arena_used_bytes(model: bytes) -> int:
    """Arena bytes TFLM allocates for this model, as its RecordingMicroAllocator reports.

    MicroPrintf writes through C stdio to fd 2, so fd 2 is pointed at a temp file while it runs.
    Measured on this 64-bit host: pointer-holding structs are larger than on a 32-bit MCU,
    so the figure is an upper bound for Cortex-M.
    """
    interp = interpreter(model)
    interp.set_input(np.zeros(interp.get_input_details(0)["shape"],
                              interp.get_input_details(0)["dtype"]), 0)
    invoke(interp)
    said: list[str] = []
    with _c_stderr(said):
        interp.print_allocations()
    text = "\n".join(said)
    m = re.search(r"Arena allocation total (\d+) bytes", text)
    if not m:
        raise RuntimeError(f"tflite-micro printed no arena total: {text[:200]!r}")
    return int(m.group(1))


def reference_outputs(tflite: bytes, inputs: np.ndarray) -> np.ndarray:
    """tflite-micro interpreter on packed inputs (N, input_elements) -> packed outputs, every
    input and output in model order as the AOT builds take and give them (its arena sized from
    the model; a model it cannot load or run is a UserError)."""
    from pipeline.compiler.reader import read
    g = read(bytes(tflite))
    acts = sum(t.nbytes for t in g.tensors if t.data is None)
    interp = interpreter(tflite, arena_hint(acts, len(g.tensors), len(g.ops)))
    ins = [interp.get_input_details(k) for k in range(len(g.inputs))]
    outs_d = list(g.outputs)
    result = []
    for x in inputs:
        off = 0
        for k, d in enumerate(ins):
            n = int(np.prod(d["shape"]))
            interp.set_input(np.asarray(x[off:off + n], dtype=d["dtype"]).reshape(d["shape"]), k)
            off += n
        invoke(interp)
        result.append(np.concatenate([np.array(interp.get_output(k)).reshape(-1)
                                      for k in range(len(outs_d))]))
    return np.stack(result)
