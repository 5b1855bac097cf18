"""LiteRT (ai-edge-litert) on its reference kernels: the reference for Linux targets."""

import numpy as np

from pipeline.errors import UserError


def refused(e: Exception, who: str = "LiteRT") -> UserError:
    """An interpreter's error (LiteRT's last line names the op that failed to prepare) as one
    escaped line: a model `who` cannot load, prepare or run is the user's to fix, not a traceback."""
    from pipeline.modeltext import quote
    lines = [ln for ln in str(e).strip().splitlines() if ln.strip()] or [type(e).__name__]
    return UserError(f"{who} cannot run the model: {quote(lines[-1], limit=300)}",
                     "pass a valid .tflite file (edgedistill convert writes one)")


def _interpreter(model: bytes, reference: bool = True):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    resolver = OpResolverType.BUILTIN_REF if reference else OpResolverType.AUTO
    try:
        interp = Interpreter(model_content=bytes(model), experimental_op_resolver_type=resolver)
        interp.allocate_tensors()
    except (RuntimeError, ValueError) as e:
        raise refused(e) from None
    return interp


def run(model: bytes, inputs: np.ndarray, reference: bool = True) -> np.ndarray:
    """Outputs of output 0 for each sample; BUILTIN_REF kernels unless reference=False (XNNPACK)."""
    interp = _interpreter(model, reference)
    inp = interp.get_input_details()[0]
    out = interp.get_output_details()[0]
    outs = []
    for x in inputs:
        interp.set_tensor(inp["index"], np.asarray(x, dtype=inp["dtype"]).reshape(inp["shape"]))
        interp.invoke()
        outs.append(interp.get_tensor(out["index"])[0].copy())
    return np.stack(outs)


def input_details(model: bytes) -> dict:
    """Input 0: {'shape', 'dtype', 'quantization', ...} as LiteRT reports it (any variant)."""
    return _interpreter(model).get_input_details()[0]


def ops(model: bytes) -> list[str]:
    """Builtin op names in execution order, e.g. ['CONV_2D', 'FULLY_CONNECTED']."""
    interp = _interpreter(model)
    return [d["op_name"] for d in interp._get_ops_details()]
