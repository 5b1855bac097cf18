"""Typed compile errors: the CLI prints them on one line and exits 2 (they are UserErrors)."""

from pipeline.errors import UserError


class CompileError(UserError):
    """The model uses something the compiler does not support, stated with op, index and tensor."""

    def __init__(self, reason: str, op: str | None = None, op_index: int | None = None,
                 tensor: str | None = None, fix: str = ""):
        self.reason, self.op, self.op_index, self.tensor = reason, op, op_index, tensor
        where = []
        if op is not None:
            where.append(f"op #{op_index} {op}" if op_index is not None else f"op {op}")
        if tensor is not None:
            where.append(f"tensor '{tensor}'")
        prefix = f"{', '.join(where)}: " if where else ""
        super().__init__(f"cannot compile {prefix}{reason}",
                         fix or "re-export the model with int8 ops the compiler supports "
                                "(see `pipeline/compiler/lower.py` SUPPORTED)")


class UnsupportedOpError(CompileError):
    """An operator kind the compiler has no kernel for."""


class UnsupportedTypeError(CompileError):
    """A tensor type or quantization the kernels do not handle (float compute, int16, ...)."""


class UnsupportedOptionError(CompileError):
    """An option or shape of a supported op the kernels do not handle."""


class ModelFormatError(CompileError):
    """The bytes are not a readable .tflite flatbuffer, or the graph is malformed."""
