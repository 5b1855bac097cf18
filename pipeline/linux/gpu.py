"""Our own LiteRT GPU-delegate compatibility check (TF's analyzer says "compatible" for ops the
delegate rejects, FACTS.md). The rules restate the delegate's per-op checks from
tensorflow/lite/tools/versioning/gpu_compatibility.cc (`CheckGpuDelegateCompatibility`, the code
the delegate's model builder calls for every node; read at commit 03a5e4e1): an op not in RULES is
"Not supported op", exactly as that switch's default branch.

How much then runs on the GPU: the delegate replaces connected runs of supported nodes, and by
default only the largest one (TfLiteGpuDelegateOptionsV2.max_delegated_partitions = 1, from
TfLiteGpuDelegateOptionsV2Default in tensorflow/lite/delegates/gpu/delegate_options.cc); every
other node stays on the CPU (XNNPACK / builtin kernels). Quantized (int8) nodes are accepted via
the delegate's quantized-model path (TFLITE_GPU_EXPERIMENTAL_FLAGS_ENABLE_QUANT, on by default)
and computed in float16/float32 on the GPU.

    check(tflite) -> dict   {"compatible", "ops": [...], "unsupported": [...], "gpu_ops", "cpu_ops", ...}
"""

from dataclasses import dataclass

import numpy as np

SOURCE = ("tensorflow/lite/tools/versioning/gpu_compatibility.cc (CheckGpuDelegateCompatibility); "
          "tensorflow/lite/delegates/gpu/delegate_options.cc (max_delegated_partitions = 1)")
MAX_DELEGATED_PARTITIONS = 1

# fused activations the delegate accepts (IsActivationSupported: all but SIGN_BIT)
_ACT_OK = {0, 1, 2, 3, 4, 6}          # NONE, RELU, RELU_N1_TO_1, RELU6, TANH, SIGMOID (schema codes)


@dataclass(frozen=True)
class T:
    type: str
    shape: tuple[int, ...]
    const: bool


@dataclass(frozen=True)
class Node:
    index: int
    kind: str
    inputs: tuple[T, ...]           # absent optional inputs dropped
    outputs: tuple[T, ...]
    options: dict


def _runtime(n: Node) -> int:
    return sum(not t.const for t in n.inputs)


def _act(n: Node):
    a = n.options.get("fusedActivationFunction", 0)
    return None if a in _ACT_OK else "fused activation SIGN_BIT is not supported"


def _io(n: Node, runtime: int, outputs: int = 1, consts: int | None = None):
    if _runtime(n) != runtime or len(n.outputs) != outputs:
        return f"expects {runtime} runtime input(s) and {outputs} output(s)"
    if consts is not None and sum(t.const for t in n.inputs) != consts:
        return f"expects {consts} constant input(s)"
    return None


def _conv(n: Node):
    if _runtime(n) > 2 or len(n.outputs) != 1:
        return "expects 1 or 2 runtime inputs and 1 output"
    o = n.options
    if min(o.get("strideH", 1), o.get("strideW", 1)) <= 0 or \
            min(o.get("dilationHFactor", 1), o.get("dilationWFactor", 1)) <= 0:
        return "non-positive stride or dilation"
    return _act(n)


def _depthwise(n: Node):
    r = _conv(n)
    if r:
        return r
    x, w, y = n.inputs[0], n.inputs[1], n.outputs[0]
    if len(x.shape) != 4 or len(w.shape) != 4 or len(y.shape) != 4:
        return "tensors must be 4-D"
    mult = n.options.get("depthMultiplier", 1)
    if mult != 1 and x.shape[3] != 1:
        return f"depth_multiplier {mult} with {x.shape[3]} input channels (only 1 is supported)"
    return None


def _pool(n: Node):
    o = n.options
    if min(o.get("filterHeight", 1), o.get("filterWidth", 1), o.get("strideH", 1), o.get("strideW", 1)) <= 0:
        return "non-positive kernel or stride"
    return _io(n, 1) or _act(n)


def _axes_const(n: Node):
    if len(n.inputs) < 2 or not n.inputs[1].const:
        return "axes must be a constant"
    return None if n.inputs[1].type == "INT32" else "axes must be int32"


def _fc(n: Node):
    if n.options.get("weightsFormat", 0) != 0:
        return "shuffled weights format is not supported"
    if _runtime(n) > 2:
        return "more than 2 runtime inputs"
    if n.inputs[0].const:
        return "constant input is not supported"
    if n.options.get("keepNumDims") and len(n.inputs[0].shape) != len(n.outputs[0].shape):
        return "keep_num_dims with a rank change is not supported"
    return None


def _softmax(n: Node):
    return None if n.options.get("beta", 1.0) == 1.0 else f"beta {n.options.get('beta')} != 1"


def _strided_slice(n: Node):
    o = n.options
    for mask in ("ellipsisMask", "newAxisMask", "shrinkAxisMask"):
        if o.get(mask):
            return f"{mask} is not supported"
    if len(n.inputs[0].shape) not in (3, 4):
        return "input must be 3-D or 4-D"
    return None


def _pad(n: Node):
    if n.kind == "MIRROR_PAD" and n.options.get("mode", 0) != 0:
        return "only REFLECT mirror padding is supported"
    r = _io(n, 1)
    if r:
        return r
    p = n.inputs[1].shape
    return None if len(p) == 2 and p[0] in (3, 4) and p[1] == 2 else "paddings must be 3x2 or 4x2"


def _unary(n: Node):
    return _io(n, 1, consts=0)


def _binary(n: Node):
    if _io(n, 2, consts=0) and _io(n, 1, consts=1):
        return "only 1 or 2 operands are supported"
    return _act(n)


def _two_inputs(n: Node):
    return None if len(n.inputs) == 2 else "requires two input tensors"


def _cast(n: Node):
    a, b = n.inputs[0].type, n.outputs[0].type
    floats = ("FLOAT16", "FLOAT32")
    if (a == "BOOL" and b in floats) or (a in floats and b == "BOOL") or \
            (a in ("FLOAT32", "INT32") and b in ("FLOAT32", "INT32")):
        return _io(n, 1)
    return f"CAST {a} -> {b} is not supported"


def _ok(n: Node):
    return None


RULES = {
    "ADD": _two_inputs, "ADD_N": lambda n: None if len(n.inputs) == 2 else "only 2 inputs",
    "AVERAGE_POOL_2D": _pool, "MAX_POOL_2D": _pool, "BATCH_MATMUL": lambda n: None if len(n.inputs) == 2 and len(n.outputs) == 1 else "expects 2 inputs, 1 output",
    "CAST": _cast, "CONCATENATION": _ok, "CONV_2D": _conv, "DEPTHWISE_CONV_2D": _depthwise,
    "TRANSPOSE_CONV": lambda n: None if _runtime(n) <= 2 and len(n.outputs) == 1 else "expects 1 or 2 runtime inputs",
    "DEQUANTIZE": lambda n: "int16 dequantization" if n.inputs[0].type == "INT16" else None,
    "QUANTIZE": lambda n: _io(n, 1), "FULLY_CONNECTED": _fc, "HARD_SWISH": lambda n: _io(n, 1),
    "MEAN": lambda n: _io(n, 1, consts=1) or _axes_const(n),
    "SUM": lambda n: _io(n, 1) or _axes_const(n), "REDUCE_MAX": lambda n: _io(n, 1) or _axes_const(n),
    "REDUCE_MIN": lambda n: _io(n, 1) or _axes_const(n), "REDUCE_PROD": lambda n: _io(n, 1) or _axes_const(n),
    "MUL": lambda n: _two_inputs(n) or _act(n), "PACK": _ok, "RELU_N1_TO_1": _ok, "PRELU": _ok,
    "RESHAPE": lambda n: _io(n, 1), "SLICE": lambda n: None if len(n.inputs[0].shape) in (3, 4) else "input must be 3-D or 4-D",
    "SOFTMAX": _softmax, "SPLIT": _ok, "SPLIT_V": _ok, "STRIDED_SLICE": _strided_slice,
    "TILE": lambda n: _io(n, 1), "TRANSPOSE": lambda n: _io(n, 1),
    "RESIZE_BILINEAR": lambda n: _io(n, 1) or ("align_corners with half_pixel_centers"
                                              if n.options.get("alignCorners") and n.options.get("halfPixelCenters") else None),
    "RESIZE_NEAREST_NEIGHBOR": lambda n: _io(n, 1), "RELU": _ok, "RELU6": _ok, "LEAKY_RELU": _ok,
    "PAD": _pad, "PADV2": _pad, "MIRROR_PAD": _pad,
    "CUMSUM": lambda n: None if n.inputs[0].type in ("FLOAT32", "FLOAT16") and n.inputs[1].const
    else "float input and constant int32 axis only",
    "DEPTH_TO_SPACE": lambda n: None if n.options.get("blockSize", 2) > 1 else "block_size must be > 1",
    "SPACE_TO_DEPTH": lambda n: None if n.options.get("blockSize", 2) > 1 else "block_size must be > 1",
    "GATHER": lambda n: None if n.inputs[0].type != "INT32" and len(n.inputs[1].shape) == 1 and
    n.inputs[1].type == "INT32" else "int32 data, or indices not 1-D int32",
    **{k: _unary for k in ("ABS", "CEIL", "COS", "ELU", "EXP", "FLOOR", "GELU", "LOG", "LOGISTIC", "NEG",
                           "RSQRT", "SIGN", "SIN", "SQRT", "SQUARE", "TANH")},
    **{k: _binary for k in ("ATAN2", "DIV", "EQUAL", "FLOOR_DIV", "FLOOR_MOD", "GREATER", "GREATER_EQUAL",
                            "LOGICAL_AND", "LESS", "LESS_EQUAL", "MAXIMUM", "MINIMUM", "NOT_EQUAL", "POW",
                            "SQUARED_DIFFERENCE", "SUB")},
    # SELECT/SELECT_V2, ONE_HOT, EMBEDDING_LOOKUP, DYNAMIC_UPDATE_SLICE, LSTM, DENSIFY and three
    # custom ops have detailed type rules there; they are treated as unsupported here (conservative).
}


def _enum_names(cls) -> dict[int, str]:
    return {v: k for k, v in vars(cls).items() if not k.startswith("_") and isinstance(v, int)}


def read_nodes(tflite: bytes) -> list[Node]:
    """Subgraph 0's operators in execution order, with tensor types, shapes and constness."""
    from ai_edge_litert import schema_py_generated as S

    from pipeline.compiler.reader import check as check_model
    from pipeline.errors import UserError
    from pipeline.modeltext import quote
    check_model(tflite)            # every index below is in range
    try:
        m = S.ModelT.InitFromPackedBuf(bytearray(tflite), 0)
        sg = m.subgraphs[0]
    except Exception:
        raise UserError("not a .tflite flatbuffer", "pass a .tflite file written by `edgedistill convert`") from None
    types, ops = _enum_names(S.TensorType), _enum_names(S.BuiltinOperator)

    def tensor(i):
        t = sg.tensors[i]
        buf = m.buffers[t.buffer] if t.buffer < len(m.buffers) else None
        const = buf is not None and buf.data is not None and len(buf.data) > 0
        return T(types.get(t.type, str(t.type)), tuple(int(d) for d in (t.shape if t.shape is not None else [])), const)

    nodes = []
    for k, o in enumerate(sg.operators or []):
        code = m.operatorCodes[o.opcodeIndex]
        kind = ops.get(max(int(code.builtinCode), int(code.deprecatedBuiltinCode)), "UNKNOWN")
        if kind == "CUSTOM":
            kind = "CUSTOM:" + quote(code.customCode)
        opts = {a: (v.item() if isinstance(v, np.generic) else v)
                for a, v in vars(o.builtinOptions).items()} if o.builtinOptions is not None else {}
        nodes.append(Node(k, kind, tuple(tensor(i) for i in o.inputs if i >= 0),
                          tuple(tensor(i) for i in o.outputs), opts))
    return nodes


def check(tflite: bytes) -> dict:
    """Per op: supported or the reason; then which ops the GPU runs and which fall back to the CPU."""
    nodes = read_nodes(tflite)
    per_op = []
    for n in nodes:
        rule = RULES.get(n.kind)
        reason = f"Not supported op {n.kind}" if rule is None else rule(n)
        per_op.append({"index": n.index, "op": n.kind, "supported": reason is None, "reason": reason})
    # connected runs of supported nodes; sequential models: runs in execution order
    runs, cur = [], []
    for r in per_op:
        if r["supported"]:
            cur.append(r["index"])
        elif cur:
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    delegated = sorted(runs, key=len, reverse=True)[:MAX_DELEGATED_PARTITIONS]
    on_gpu = {i for run in delegated for i in run}
    for r in per_op:
        r["runs_on"] = "gpu" if r["index"] in on_gpu else "cpu"
        if r["supported"] and r["runs_on"] == "cpu":
            r["reason"] = (f"supported, but outside the delegated partition (max_delegated_partitions="
                           f"{MAX_DELEGATED_PARTITIONS})")
    unsupported = sorted({r["op"] for r in per_op if not r["supported"]})
    return {"compatible": not unsupported, "unsupported": unsupported,
            "gpu_ops": sum(r["runs_on"] == "gpu" for r in per_op),
            "cpu_ops": sum(r["runs_on"] == "cpu" for r in per_op),
            "cpu_fallback": [f"{r['index']}:{r['op']}" for r in per_op if r["runs_on"] == "cpu"],
            "partitions": len(runs), "ops": per_op, "source": SOURCE}


def summary(result: dict) -> str:
    if result["compatible"]:
        return f"GPU delegate: all {result['gpu_ops']} ops supported (one partition on the GPU)"
    lines = [f"GPU delegate: {len(result['unsupported'])} unsupported op type(s): {', '.join(result['unsupported'])}",
             f"  {result['gpu_ops']} ops on the GPU, {result['cpu_ops']} fall back to the CPU "
             f"({result['partitions']} supported partition(s), {MAX_DELEGATED_PARTITIONS} delegated):"]
    lines += [f"    #{r['index']:<3} {r['op']:<22} {r['reason']}" for r in result["ops"] if r["runs_on"] == "cpu"]
    return "\n".join(lines)
