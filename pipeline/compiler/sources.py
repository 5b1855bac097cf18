"""Compile an int8 .tflite for a target: the stage function and what it returns.

    compile_model(tflite, target) -> Sources          (pure: bytes in, texts out)
    random_inputs(src, samples) -> packed inputs       (the model's I/O type)

The target's facts (kernel variants, flash budget, code estimate) come from pipeline/targets.py;
building and running what this returns is pipeline/runtimes/host.py (this machine) and
pipeline/firmware (Cortex-M under QEMU)."""

from dataclasses import dataclass

import numpy as np

from pipeline import targets


@dataclass(frozen=True)
class Sources:
    files: dict                  # file name -> text: {prefix}model.c, {prefix}model.h
                                 # (+ kernel_features.h without a prefix: features.py)
    prefix: str
    arena_bytes: int
    weights_bytes: int           # const arrays: weights, bias, per-channel parameters
    plan_text: str
    io_dtype: str                # "int8" | "float32"
    input_shapes: tuple
    output_shapes: tuple
    ops: tuple                   # op kinds, in call order
    wide_weights: bool = False   # conv / fully connected weights widened to int16 (layouts.py)

    @property
    def input_elements(self) -> int:
        return sum(int(np.prod(s)) for s in self.input_shapes)

    @property
    def output_elements(self) -> int:
        return sum(int(np.prod(s)) for s in self.output_shapes)


def _variants(profile) -> list[str]:
    """Kernel folders the target builds with: the host (and no target) uses reference/ only."""
    if profile is None or profile.kind != "mcu":
        return ["reference"]
    return list(profile.kernel_variants)


def _flash_room(profile, program) -> int | None:
    """Flash the target's budget leaves beside the int8 weights and the code, or None."""
    from pipeline.compiler.layouts import const_bytes
    if profile is None or not profile.flash_bytes:
        return None
    return profile.flash_bytes - const_bytes(program) - targets.CODE_ESTIMATE


def compile_model(tflite: bytes, target=None, prefix: str = "", optimize: str = "auto") -> Sources:
    """Stage function: .tflite bytes (+ target profile) -> generated C sources. `optimize`
    (auto | speed | size) chooses weight layouts that trade flash for speed (layouts.py)."""
    from pipeline.compiler import deadchannels, features, layouts, paths
    from pipeline.compiler.emit import Emitter
    from pipeline.compiler.lower import lower
    from pipeline.compiler.planner import plan
    from pipeline.compiler.reader import read
    from pipeline.compiler.scratch import assign, variant_of
    program = lower(read(bytes(tflite)))
    deadchannels.prune(program)
    profile = None if target is None else targets.resolve(target)
    variants = _variants(profile)
    wide = layouts.apply(program, variant_of("conv.c", variants), optimize, _flash_room(profile, program),
                         fc_variant=variant_of("fully_connected.c", variants))
    assign(program, variants)
    p = plan(program)
    paths.choose(program, variants, p)
    em = Emitter(program, p, prefix=prefix, source=bytes(tflite))
    files = {f"{prefix}model.h": em.header(), f"{prefix}model.c": em.source()}
    if not prefix:   # one model: its kernels need only the paths its layers take
        files[features.HEADER] = features.header(features.flags(program))
    g = program.graph
    return Sources(files, prefix, p.arena_bytes, em.weights_bytes, p.format(), program.io_dtype,
                   tuple(g.tensors[t].shape for t in program.inputs),
                   tuple(g.tensors[t].shape for t in program.outputs),
                   tuple(c.kind for c in program.calls), wide)


def random_inputs(src: Sources, samples: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if src.io_dtype == "int8":
        return rng.integers(-128, 128, size=(samples, src.input_elements), dtype=np.int8)
    return rng.standard_normal((samples, src.input_elements)).astype(np.float32)
