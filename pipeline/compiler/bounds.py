"""Every index, size and number a .tflite gives is checked here before anything uses it.

A downloaded model is untrusted input: a flatbuffer edited by hand (or by an attacker) can point a
tensor at a buffer that does not exist, give a constant fewer bytes than its shape needs, declare
a 2^31-element tensor, a negative dimension, a NaN scale, an op reading a tensor written only by
a later op (a cycle), or a WHILE body that is the subgraph calling it. The reader, the compiler,
the TFLM package, the bundle and the reference interpreters all start after `check` passed, so
none of them meets such a model; each problem is one ModelFormatError naming the tensor or op.
All subgraphs are checked, not only the first: the Linux runtimes run every one.
"""

import math

from pipeline.compiler.errors import ModelFormatError
from pipeline.modeltext import quote

# A tensor's bytes are addressed with int32 offsets in the generated C, in TFLM and in LiteRT.
MAX_TENSOR_BYTES = (1 << 31) - 1
# TFLite's kernels take at most 6 dimensions (RESHAPE up to 8); more is a corrupt shape.
MAX_RANK = 8

ITEM_BYTES = {"FLOAT32": 4, "FLOAT16": 2, "INT32": 4, "UINT8": 1, "INT64": 8, "BOOL": 1,
              "INT16": 2, "INT8": 1, "FLOAT64": 8, "UINT64": 8, "UINT32": 4, "UINT16": 2}
# Zero points a quantized tensor of this type can hold (TFLite's quantization spec).
ZERO_POINT_RANGE = {"INT8": (-128, 127), "UINT8": (0, 255), "INT16": (0, 0), "INT4": (-8, 7)}


def _name(t) -> str:
    return quote(t.name)


def _fail(reason: str, tensor=None, op: str | None = None, op_index: int | None = None):
    raise ModelFormatError(reason, op=op, op_index=op_index,
                           tensor=_name(tensor) if tensor is not None else None,
                           fix="the file is corrupt or was edited: re-export it with the TFLite converter")


def _ints(v) -> list[int]:
    return [int(x) for x in v] if v is not None else []


def check(m, type_names: dict[int, str], op_names: dict[int, str]) -> None:
    """`m`: the unpacked ModelT. Raises ModelFormatError on the first problem."""
    if not m.subgraphs:
        _fail("the model has no subgraph")
    n_buffers = len(m.buffers or [])
    n_codes = len(m.operatorCodes or [])
    for s, sg in enumerate(m.subgraphs):
        where = f"subgraph {s}: " if s else ""
        tensors = sg.tensors or []
        for t in tensors:
            _check_tensor(t, m, n_buffers, type_names, where)
        n = len(tensors)
        for kind, ids in (("input", sg.inputs), ("output", sg.outputs)):
            for i in _ints(ids):
                if not 0 <= i < n:
                    _fail(f"{where}model {kind} refers to tensor {i}, but there are {n}")
        _check_order(sg, m, op_names, len(m.subgraphs), where)
    _check_calls(m)


def _check_tensor(t, m, n_buffers: int, type_names: dict, where: str) -> None:
    shape = _ints(t.shape)
    if len(shape) > MAX_RANK:
        _fail(f"{where}rank {len(shape)} (at most {MAX_RANK})", t)
    if any(d < 0 for d in shape):
        _fail(f"{where}negative dimension in shape {tuple(shape)} (export with a fixed batch of 1)", t)
    dtype = type_names.get(t.type, str(t.type))
    elements = math.prod(shape)                    # Python ints: no overflow
    nbytes = elements * ITEM_BYTES.get(dtype, 1)
    if nbytes > MAX_TENSOR_BYTES:
        _fail(f"{where}shape {tuple(shape)} is {elements} elements, {nbytes} bytes: more than a "
              f".tflite tensor can address ({MAX_TENSOR_BYTES} bytes)", t)
    if not 0 <= t.buffer < max(n_buffers, 1):
        _fail(f"{where}buffer index {t.buffer} out of range (the model has {n_buffers} buffers)", t)
    buf = m.buffers[t.buffer] if n_buffers else None
    if buf is not None and getattr(buf, "offset", 0):
        _fail(f"{where}buffer stored outside the flatbuffer (models > 2 GB are not supported)", t)
    size = len(buf.data) if buf is not None and buf.data is not None else 0
    if size and dtype in ITEM_BYTES and size != nbytes:
        _fail(f"{where}constant holds {size} bytes but shape {tuple(shape)} of {dtype.lower()} "
              f"needs {nbytes}", t)
    _check_quantization(t, shape, dtype, constant=size > 0, where=where)


def _check_quantization(t, shape: list, dtype: str, constant: bool, where: str) -> None:
    q = t.quantization
    if q is None or q.scale is None or len(q.scale) == 0:
        return
    scales, zps = list(q.scale), list(q.zeroPoint) if q.zeroPoint is not None else []
    if len(zps) != len(scales):
        _fail(f"{where}{len(scales)} quantization scales but {len(zps)} zero points", t)
    if len(scales) > 1:
        axis = q.quantizedDimension
        if not 0 <= axis < len(shape):
            _fail(f"{where}quantized dimension {axis} outside shape {tuple(shape)}", t)
        if shape[axis] != len(scales):
            _fail(f"{where}{len(scales)} per-channel scales for dimension {axis} of size {shape[axis]}", t)
    for s in scales:
        # a zero scale is a dead channel of a constant (all-zero weights); an activation's scale
        # divides, and a huge one overflows the fixed-point multipliers
        if not math.isfinite(s) or s < 0 or (s == 0 and not constant) or s > 2.0 ** 32:
            _fail(f"{where}quantization scale {s!r} (must be finite, positive and at most 2^32)", t)
    lo, hi = ZERO_POINT_RANGE.get(dtype, (-(1 << 31), (1 << 31) - 1))
    for z in zps:
        if not lo <= z <= hi:
            _fail(f"{where}zero point {z} outside [{lo}, {hi}] for {dtype.lower()}", t)


def _check_order(sg, m, op_names: dict, n_subgraphs: int, where: str) -> None:
    """Ops run in the order stored; a tensor is read only after it exists: a model input, a
    constant, a variable, or the output of an earlier op (so the graph has no cycle)."""
    tensors = sg.tensors or []
    n, codes = len(tensors), m.operatorCodes or []
    ready = set(_ints(sg.inputs))
    ready.update(i for i, t in enumerate(tensors) if t.isVariable or _has_data(m, t))
    ops = [(_ints(op.inputs), _ints(op.outputs), op) for op in sg.operators or []]
    writer: dict[int, int] = {}
    for k, (ins, outs, op) in enumerate(ops):
        if not 0 <= op.opcodeIndex < len(codes):
            _fail(f"{where}operator code {op.opcodeIndex} out of range ({len(codes)} codes)", op_index=k, op="?")
        code = codes[op.opcodeIndex]
        name = op_names.get(max(int(code.builtinCode), int(code.deprecatedBuiltinCode)), "?")
        for i in ins + _ints(op.intermediates):
            if not -1 <= i < n:
                _fail(f"{where}reads tensor {i}, but there are {n}", op_index=k, op=name)
        for i in outs:
            if not 0 <= i < n:
                _fail(f"{where}writes tensor {i}, but there are {n}", op_index=k, op=name)
        for i in ins:
            if i >= 0 and i not in ready:
                later = next((j for j, (_, o, _) in enumerate(ops) if j >= k and i in o), None)
                why = (f"written only by op #{later} (ops out of order, or a cycle)" if later is not None
                       else "that nothing writes and that is no input or constant")
                _fail(f"{where}reads a tensor {why}", tensors[i], op_index=k, op=name)
        for i in outs:
            if i in writer:
                _fail(f"{where}writes a tensor op #{writer[i]} already wrote", tensors[i], op_index=k, op=name)
            writer[i] = k
            ready.add(i)
        for key, v in _subgraph_refs(op):
            if not 0 <= v < n_subgraphs:
                _fail(f"{where}option {key} = {v}, but the model has {n_subgraphs} subgraphs",
                      op_index=k, op=name)


def _has_data(m, t) -> bool:
    buf = m.buffers[t.buffer] if 0 <= t.buffer < len(m.buffers or []) else None
    return buf is not None and buf.data is not None and len(buf.data) > 0


def _subgraph_refs(op) -> list[tuple[str, int]]:
    """(option name, subgraph index) for control-flow ops: IF, WHILE, CALL_ONCE, ..."""
    opts = op.builtinOptions
    if opts is None:
        return []
    return [(k, int(v)) for k, v in vars(opts).items() if "ubgraph" in k and isinstance(v, int)]


def _check_calls(m) -> None:
    """Subgraphs that call each other (WHILE, IF, CALL_ONCE) must not recurse: the runtimes
    would recurse without end."""
    calls = {s: {v for op in (sg.operators or []) for _, v in _subgraph_refs(op)}
             for s, sg in enumerate(m.subgraphs)}
    done: set[int] = set()
    for root in range(len(m.subgraphs)):       # depth-first, with an explicit stack
        if root in done:
            continue
        path, stack = [root], [iter(sorted(calls[root]))]
        while stack:
            c = next(stack[-1], None)
            if c is None:
                done.add(path.pop())
                stack.pop()
            elif c in path:
                _fail(f"subgraph {path[-1]} calls subgraph {c}, which is already running "
                      f"(recursion: {' -> '.join(map(str, path + [c]))})")
            elif c not in done:
                path.append(c)
                stack.append(iter(sorted(calls[c])))
