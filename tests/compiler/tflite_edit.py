"""Edit a converted .tflite for a test: weights, biases, scales, the subgraph's outputs. The
flatbuffer is unpacked with the schema bindings the tflite-micro wheel ships, edited, packed
again; TFLM and the compiler then read the same edited model, so a bit-exact check stays one."""

import numpy as np


def schema():
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as S
    return S


def edit(tfl: bytes, fn) -> bytes:
    """tfl after fn(model, subgraph 0) (a ModelT and its SubGraphT, edited in place)."""
    import flatbuffers
    m = schema().ModelT.InitFromPackedBuf(bytearray(tfl), 0)
    fn(m, m.subgraphs[0])
    b = flatbuffers.Builder(0)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def ops_of(m, g, kind: str) -> list:
    """The subgraph's operators of one builtin kind ("CONV_2D"), in order."""
    code = getattr(schema().BuiltinOperator, kind)
    return [op for op in g.operators
            if max(m.operatorCodes[op.opcodeIndex].builtinCode,
                   m.operatorCodes[op.opcodeIndex].deprecatedBuiltinCode) == code]


def array(m, g, tensor: int, dtype) -> np.ndarray:
    """A constant tensor's contents as a writable view (shaped; edits go into the model)."""
    t = g.tensors[tensor]
    data = m.buffers[t.buffer].data
    return data.view(dtype).reshape([int(d) for d in t.shape])
