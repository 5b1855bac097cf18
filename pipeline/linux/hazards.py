"""Known defects of tflite-runtime 2.14 (the rpi-armv7 runtime), found in the model before it
runs, as gpu.py names what the GPU delegate rejects. Measured in the armhf userland and on the
host (README, Linux targets, #15):

  crash   int8 FULLY_CONNECTED with per-channel weights (more than one scale) and no bias, on
          the default path (AUTO, BUILTIN, BUILTIN_WITHOUT_DEFAULT_DELEGATES) of the armv7
          wheel, unless the NEON GEMV takes it (one row, >= 4 units, depth >= 8). Those shapes
          go to gemmlowp's per-channel output pipeline, which adds the bias vector without
          checking it exists: a load from address 0 (SIGSEGV in gemmlowp::UnpackResult). The
          x86_64 wheel uses ruy there and runs it; the reference kernels run it correctly.
  wrong   int8 FULLY_CONNECTED with per-channel weights and more than one row (3-D input):
          the reference kernels (BUILTIN_REF) leave all but the first outputs undefined
          (they change from run to run, on x86_64 and armv7 alike).

    find(tflite, target) -> list[Hazard]       ([] for targets not on tflite-runtime 2.14)

The TF 2.21 converter quantizes Dense layers per channel and drops an all-zero bias (an untrained
or use_bias=False Dense), which is how a plain Keras model meets the first one.
"""

from dataclasses import dataclass

import numpy as np

RUNTIME = ("tflite-runtime", "2.14")   # the runtime and version these were measured on
# the fix when no kernel set runs a model right (verify and bundle refuse it with this)
FIX = ("give FULLY_CONNECTED a 2-D input (Flatten or a global pool before the Dense layer), or "
       "quantize Dense layers per tensor (QAT does)")
# CustomGemv in TF's cpu_backend_gemm_custom_gemv.h: the NEON kernel handles 4 rows at a time
# and needs at least 8 columns (it walks back by < 8 to finish a row)
GEMV_MIN_UNITS, GEMV_MIN_DEPTH = 4, 8


@dataclass(frozen=True)
class Hazard:
    op: int            # operator index in subgraph 0
    kind: str          # "FULLY_CONNECTED"
    units: int
    depth: int
    rows: int          # batches: product of the output's leading dimensions
    path: str          # "default" (crashes) | "reference" (undefined outputs)

    @property
    def shape(self) -> str:
        return (f"weights {self.units}x{self.depth} per-channel, no bias, {self.rows} row"
                f"{'s' if self.rows != 1 else ''}" if self.path == "default" else
                f"weights {self.units}x{self.depth} per-channel, {self.rows} rows")

    def describe(self) -> str:
        what = ("crashes the default kernels (SIGSEGV: gemmlowp adds a missing bias)"
                if self.path == "default" else "gets undefined outputs from the reference kernels")
        return f"op {self.op} {self.kind} ({self.shape}) {what} of {' '.join(RUNTIME)}"


def _fully_connected(tflite: bytes):
    """(op index, weights tensor, has bias, output shape) of each int8 FULLY_CONNECTED."""
    from ai_edge_litert import schema_py_generated as S

    from pipeline.compiler.reader import check
    check(tflite)                          # every index below is in range
    m = S.ModelT.InitFromPackedBuf(bytearray(tflite), 0)
    g = m.subgraphs[0]
    for k, o in enumerate(g.operators or []):
        code = m.operatorCodes[o.opcodeIndex]
        if max(int(code.builtinCode), int(code.deprecatedBuiltinCode)) != S.BuiltinOperator.FULLY_CONNECTED:
            continue
        ins = [int(i) for i in o.inputs]
        if len(ins) < 2 or g.tensors[ins[0]].type != S.TensorType.INT8:
            continue
        bias = len(ins) > 2 and ins[2] >= 0
        yield k, g.tensors[ins[1]], bias, tuple(int(d) for d in g.tensors[int(o.outputs[0])].shape)


def find(tflite: bytes, target) -> list[Hazard]:
    """The ops of `tflite` that crash or misbehave on `target`'s runtime, in op order."""
    pins = [w for w in target.emulator.get("wheels", ()) if w.startswith(RUNTIME[0] + "==")]
    if target.runtime != RUNTIME[0] or not pins or not pins[0].split("==")[1].startswith(RUNTIME[1] + "."):
        return []
    found = []
    for k, w, bias, out in _fully_connected(tflite):
        q = w.quantization
        if q is None or q.scale is None or len(q.scale) < 2:      # per-tensor: the uniform path
            continue
        units, depth = int(w.shape[0]), int(w.shape[-1])
        rows = int(np.prod(out[:-1])) if len(out) > 1 else 1
        gemv = rows == 1 and units >= GEMV_MIN_UNITS and depth >= GEMV_MIN_DEPTH
        if not bias and not gemv:
            found.append(Hazard(k, "FULLY_CONNECTED", units, depth, rows, "default"))
        if rows > 1:
            found.append(Hazard(k, "FULLY_CONNECTED", units, depth, rows, "reference"))
    return found


def summary(hazards: list[Hazard]) -> str:
    return "; ".join(h.describe() for h in hazards)
