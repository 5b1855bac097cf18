"""Cortex-M firmware under QEMU: build, run, verify against tflite-micro, benchmark.

    build_firmware(tflite, target, out_dir, inputs=None) -> dict   (ELF, map, sizes)
    verify_mcu(tflite, target, inputs, samples, seed=0) -> dict     (DESIGN.md verify JSON + outputs)
    bench_mcu(tflite, target) -> dict                               (DESIGN.md bench JSON)
    model_footprint(src, target) -> dict      flash and RAM, the same figures all four report

Modules: boards (board/target data), build (sources -> ELF), elf (sizes, symbols), plugin
(the counting plugin), qemu (safe runner), faults (fault/hang reports), macs (work per model).
"""

import tempfile
from pathlib import Path

import numpy as np

from pipeline import targets
from pipeline.firmware import boards
from pipeline.errors import UserError
from pipeline.firmware.faults import FirmwareFault

UART_SAMPLES = 4          # samples embedded in a flashable image when none are given
# What every flash/RAM figure of compile, bench, verify and the run's firmware stage measures
FOOTPRINT_HOLDS = ("model, kernels and the semihosting test harness (no samples); "
                   "RAM = static (.data + .bss: arena, I/O buffers) + peak stack measured on the emulator")


def footprint(info, stack: int | None) -> dict:
    """The one set of size figures for a model on an MCU target: the semihosting image `info`
    (FirmwareInfo) and the peak stack its run measured."""
    return {"flash_bytes": info.flash_bytes, "static_ram_bytes": info.static_ram_bytes,
            "peak_stack_bytes": stack, "ram_bytes": info.static_ram_bytes + (stack or 0),
            "holds": FOOTPRINT_HOLDS}


def model_footprint(src, target) -> dict:
    """footprint() of the compiled model `src` on `target`, from one inference of a random input
    on the emulator (what `compile` reports; bench and verify take it from their own runs)."""
    from pipeline.compiler.sources import random_inputs
    target = targets.resolve(target)
    _, _, info, stack = emulate(src, target, random_inputs(src, 1, 0))
    return footprint(info, stack)


def emulate(src, target, x: np.ndarray, timeout: float | None = None, per_op: bool = False):
    """Build the semihosting image of compiled `src` in a temp dir and run the N samples of
    `x` (N, input elements) in one QEMU run, counting instructions (per op too when `per_op`:
    RunResult.per_op, mapped while the ELF still exists). Raises FirmwareFault on a fault, hang
    or bad exit. -> (outputs (N, out), RunResult, FirmwareInfo, peak stack bytes)"""
    from pipeline import progress
    from pipeline.firmware import build, faults, plugin, qemu
    board = boards.for_target(target)
    with tempfile.TemporaryDirectory(prefix="edbuild-") as d:
        info = build.build(src, target, Path(d))
        x = np.ascontiguousarray(x)
        # ~1 s per 500 M instructions here; allow for a slow machine and the reference kernels
        limit = timeout or 60.0 + 2e-6 * len(x) * max(1, src.weights_bytes)
        out_bytes = max(1, src.output_elements * (1 if src.io_dtype == "int8" else 4))
        shown = progress.bar(len(x), f"{target.name} (QEMU)")
        try:
            res = qemu.run(info, board.machine, x.tobytes(), timeout=limit, plugin=plugin.path(),
                           progress=lambda n: shown.update_to(n // out_bytes))
        finally:
            shown.close()
        faults.check(res, info, target.name)
        if per_op:
            res.per_op = faults.per_op(info.elf, res.sites, len(res.counts))
    out_dtype = np.int8 if src.io_dtype == "int8" else np.float32
    out = np.frombuffer(res.outputs, dtype=out_dtype).reshape(len(x), -1)
    done = res.line("DONE")
    stack = int(done.split("stack=")[1].split()[0], 16) if done and "stack=" in done else None
    return out, res, info, stack


def build_firmware(tflite: bytes, target, out_dir: Path, inputs=None, seed: int = 0,
                   optimize: str = "auto") -> dict:
    """The flashable image when the board has a UART (samples and tflite-micro's outputs for
    them in flash; prints PASS/FAIL), else the semihosting image. ELF, map and sources stay in
    out_dir."""
    from pipeline.compiler.sources import compile_model, random_inputs
    from pipeline.firmware import build
    from pipeline.runtimes.isolated import reference_outputs     # the model is untrusted
    target = targets.resolve(target)
    src = compile_model(tflite, target, optimize=optimize)
    board = boards.for_target(target)
    if board.uart:
        x = random_inputs(src, UART_SAMPLES, seed) if inputs is None else \
            np.asarray(inputs).reshape(len(inputs), -1).astype(np.int8 if src.io_dtype == "int8" else np.float32)
        ref = reference_outputs(tflite, x).reshape(len(x), -1)
        info = build.build(src, target, Path(out_dir), io="uart", samples=(x, ref))
    else:
        info = build.build(src, target, Path(out_dir), io="semihost")
    (Path(out_dir) / "memory_plan.txt").write_text(src.plan_text + "\n")
    return info.as_dict()


def verify_mcu(tflite: bytes, target, inputs: np.ndarray | None, samples: int, seed: int = 0,
               optimize: str = "auto") -> dict:
    """Run `samples` inputs (random unless given) on the emulated MCU in one QEMU run and compare
    every output with the tflite-micro interpreter bit for bit."""
    from pipeline.compiler.sources import compile_model, random_inputs
    from pipeline.runtimes.isolated import reference_outputs     # the model is untrusted
    from pipeline.stages.verify import compare
    target = targets.resolve(target)
    src = compile_model(tflite, target, optimize=optimize)
    if inputs is None:
        x = random_inputs(src, samples, seed)
    else:
        x = np.asarray(inputs).reshape(len(inputs), -1)[:samples]
        x = x.astype(np.int8 if src.io_dtype == "int8" else np.float32)
    ours, _, info, stack = emulate(src, target, x)
    ref = reference_outputs(tflite, x).reshape(len(x), -1).astype(ours.dtype)
    r = compare(ours, ref)
    return {"target": target.name, "reference": "tflite-micro", "samples": r["samples"],
            "bitexact": r["bitexact"], "max_abs_diff": r["max_abs_diff"],
            "firmware": footprint(info, stack), "outputs": ours}


def bench_mcu(tflite: bytes, target, samples: int = 2, seed: int = 0, optimize: str = "auto") -> dict:
    """Instructions per inference (QEMU plugin, between bench_start/bench_stop), MACs, peak
    stack (painting), RAM (static + peak stack) and flash (ELF), weights, TFLM's arena."""
    from pipeline.compiler.sources import compile_model, random_inputs
    from pipeline.firmware.macs import macs_per_op
    from pipeline.runtimes.isolated import tflm_arena_bytes     # the model is untrusted
    target = targets.resolve(target)
    src = compile_model(tflite, target, optimize=optimize)
    _, res, info, stack = emulate(src, target, random_inputs(src, samples, seed), per_op=True)
    if len(res.counts) != samples:
        raise FirmwareFault("exit", f"the counting plugin saw {len(res.counts)} of {samples} inferences",
                            "check that qemu-system-arm supports TCG plugins (-plugin)")
    try:
        tflm_arena = tflm_arena_bytes(tflite)
    except UserError:        # tflite-micro refuses some models our compiler accepts
        tflm_arena = None
    macs = macs_per_op(tflite)
    ops = [{**r, "macs": macs.get(r["op"], 0)} for r in res.per_op]
    return {"target": target.name, "instructions": int(max(res.counts)), "macs": sum(macs.values()),
            **footprint(info, stack), "weights_bytes": src.weights_bytes,
            "tflm_arena_bytes": tflm_arena, "wide_weights": src.wide_weights, "ops": ops}


__all__ = ["build_firmware", "verify_mcu", "bench_mcu", "emulate", "footprint", "model_footprint",
           "FirmwareFault"]
