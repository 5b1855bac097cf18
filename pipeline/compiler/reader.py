"""Read a .tflite flatbuffer into a small graph IR, through the schema bindings the tflite-micro
wheel ships (no hand parsing). Shape-only subgraphs (SHAPE/STRIDED_SLICE/PACK feeding RESHAPE's
shape input) are folded away: with batch 1 every tensor shape is static.
"""

from dataclasses import dataclass, field

import numpy as np

from pipeline.compiler import bounds
from pipeline.compiler.errors import ModelFormatError, UnsupportedOptionError
from pipeline.modeltext import quote


def _schema():
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema
    return schema


def _enum_names(cls) -> dict[int, str]:
    return {v: k for k, v in vars(cls).items() if not k.startswith("_") and isinstance(v, int)}


_NUMPY = {"FLOAT32": np.float32, "INT32": np.int32, "INT8": np.int8, "UINT8": np.uint8,
          "INT16": np.int16, "INT64": np.int64, "BOOL": np.bool_, "FLOAT16": np.float16}


@dataclass(eq=False)
class Tensor:
    index: int
    name: str                            # escaped by modeltext.quote: safe to print anywhere
    shape: tuple[int, ...]
    dtype: str                           # schema name: "INT8", "INT32", "FLOAT32", ...
    scale: tuple[float, ...] = ()        # () when not quantized; one per channel if per-channel
    zero_point: tuple[int, ...] = ()
    quant_axis: int = 0
    data: np.ndarray | None = None       # constant contents, shaped; None for activations

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) if self.shape else 1

    @property
    def nbytes(self) -> int:
        return self.size * np.dtype(_NUMPY.get(self.dtype, np.int8)).itemsize

    @property
    def quantized(self) -> bool:
        return len(self.scale) > 0


@dataclass(eq=False)
class Op:
    index: int
    kind: str                            # builtin operator name, e.g. "CONV_2D"
    inputs: tuple[int, ...]              # tensor indices; -1 = optional input absent
    outputs: tuple[int, ...]
    options: dict = field(default_factory=dict)


@dataclass(eq=False)
class Graph:
    tensors: list[Tensor]
    ops: list[Op]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    description: str = ""                # escaped by modeltext.quote, like every model string


def _options(op_t, schema) -> dict:
    opts = op_t.builtinOptions
    if opts is None:
        return {}
    out = {}
    act_names = _enum_names(schema.ActivationFunctionType)
    pad_names = _enum_names(schema.Padding)
    for k, v in vars(opts).items():
        if k == "fusedActivationFunction":
            out["activation"] = act_names.get(v, str(v))
        elif k == "padding":
            out["padding"] = pad_names.get(v, str(v))
        else:
            out[k] = v
    return out


def _unpack(model: bytes):
    """The flatbuffer as the schema's object tree, every index and size in it checked."""
    schema = _schema()
    if len(model) < 8 or model[4:8] != b"TFL3":
        raise ModelFormatError(f"the {len(model):,}-byte file is not a .tflite flatbuffer (no TFL3 "
                               "identifier at byte 4)", fix="pass the .tflite file the TFLite converter "
                               "wrote (`edgedistill run` writes model_int8.tflite)")
    try:
        m = schema.ModelT.InitFromPackedBuf(bytearray(model), 0)
    except Exception as e:  # the bindings raise anything from struct.error to IndexError
        raise ModelFormatError(f"not a .tflite flatbuffer: truncated or corrupt ({quote(str(e))})",
                               fix="copy the file again in full, or re-export it with the TFLite "
                                   "converter") from None
    bounds.check(m, _enum_names(schema.TensorType), _enum_names(schema.BuiltinOperator))
    return m


def check(model: bytes) -> None:
    """Refuse a malformed .tflite (ModelFormatError naming the tensor or op) before any
    interpreter, runtime or emitter sees it: every command that takes a .tflite calls this."""
    _unpack(model)


def read_file(path) -> bytes:
    """A user's .tflite from disk, checked (`check`), or a UserError naming the fix."""
    from pathlib import Path
    from pipeline.errors import UserError
    p = Path(path)
    if not p.is_file():
        raise UserError(f"model file {p} not found", "pass the path of a .tflite file")
    if p.stat().st_size > bounds.MAX_TENSOR_BYTES:
        raise UserError(f"model file {p} is {p.stat().st_size} bytes, more than a .tflite flatbuffer "
                        "can hold (2 GiB)", "pass a .tflite file made by the TFLite converter")
    model = p.read_bytes()
    check(model)
    return model


def read(model: bytes) -> Graph:
    """Parse the flatbuffer; only subgraph 0 is compiled (the others must not be called)."""
    schema = _schema()
    m = _unpack(model)
    type_names = _enum_names(schema.TensorType)
    op_names = _enum_names(schema.BuiltinOperator)
    sg = m.subgraphs[0]

    tensors = []
    for i, t in enumerate(sg.tensors or []):
        name = quote(t.name)
        dtype = type_names.get(t.type, str(t.type))
        shape = tuple(int(d) for d in (t.shape if t.shape is not None else []))
        q = t.quantization
        scale = tuple(float(s) for s in q.scale) if q is not None and q.scale is not None else ()
        zp = tuple(int(z) for z in q.zeroPoint) if q is not None and q.zeroPoint is not None else ()
        axis = int(q.quantizedDimension) if q is not None else 0
        data = None
        buf = m.buffers[t.buffer] if m.buffers else None       # index checked by bounds
        if buf is not None and buf.data is not None and len(buf.data) > 0:
            raw = np.asarray(buf.data, dtype=np.uint8).tobytes()
            np_type = _NUMPY.get(dtype)
            if np_type is None:
                raise UnsupportedOptionError(f"constant of type {dtype}", tensor=name)
            data = np.frombuffer(raw, dtype=np_type).reshape(shape).copy()
        tensors.append(Tensor(i, name, shape, dtype, scale, zp[:len(scale)] if scale else (), axis, data))

    ops = []
    for i, o in enumerate(sg.operators or []):
        code = m.operatorCodes[o.opcodeIndex]
        builtin = max(int(code.builtinCode), int(code.deprecatedBuiltinCode))
        kind = op_names.get(builtin, f"BUILTIN_{builtin}")
        if kind == "CUSTOM":
            kind = f"CUSTOM:{quote(code.customCode)}"
        ops.append(Op(i, kind, tuple(int(x) for x in o.inputs), tuple(int(x) for x in o.outputs),
                      _options(o, schema)))
    desc = quote(m.description)
    g = Graph(tensors, ops, tuple(int(x) for x in sg.inputs), tuple(int(x) for x in sg.outputs), desc)
    return fold_shape_subgraphs(g)


def fold_shape_subgraphs(g: Graph) -> Graph:
    """Drop RESHAPE's computed shape input (its output shape is static) and then every op whose
    outputs nobody reads: the SHAPE/STRIDED_SLICE/PACK chains converters leave behind."""
    ops = []
    for op in g.ops:
        if op.kind == "RESHAPE" and len(op.inputs) > 1:
            op = Op(op.index, op.kind, op.inputs[:1], op.outputs, op.options)
        ops.append(op)
    live = set(g.outputs)
    kept = []
    for op in reversed(ops):
        if any(t in live for t in op.outputs):
            kept.append(op)
            live.update(t for t in op.inputs if t >= 0)
    kept.reverse()
    return Graph(g.tensors, kept, g.inputs, g.outputs, g.description)
