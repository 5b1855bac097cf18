"""bench on an emulated ARM Linux target. Time under qemu-user says nothing about a Cortex-A72's
time, so only what does not depend on the emulator is reported: MACs, model bytes, weights, ops
and the runtime's tensor arena measured in the emulated runtime. No device-latency estimate:
we have no per-profile published figure for these models to cite, so that field stays null."""

import numpy as np

from pipeline.linux.gpu import read_nodes


def count_macs(tflite: bytes) -> int:
    """Multiply-accumulates per inference of CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED,
    TRANSPOSE_CONV (padding taps counted, as MLPerf Tiny counts them)."""
    total = 0
    for n in read_nodes(tflite):
        if not n.outputs:
            continue
        out = int(np.prod(n.outputs[0].shape))              # (N, H, W, C) or (N, units)
        if n.kind in ("CONV_2D", "DEPTHWISE_CONV_2D") and len(n.inputs) > 1:
            w = n.inputs[1].shape                           # conv (O, kh, kw, I); depthwise (1, kh, kw, C)
            total += out * w[1] * w[2] * (w[3] if n.kind == "CONV_2D" else 1)
        elif n.kind == "FULLY_CONNECTED" and len(n.inputs) > 1:
            total += out * n.inputs[1].shape[-1]            # weights (units, depth)
        elif n.kind == "TRANSPOSE_CONV" and len(n.inputs) > 2:
            w = n.inputs[1].shape                           # (O, kh, kw, I): every input tap scatters
            total += int(np.prod(n.inputs[2].shape)) * w[0] * w[1] * w[2]
    return int(total)


def _constants(tflite: bytes) -> tuple[list[int], int]:
    """(indices of constant tensors, their bytes) in subgraph 0."""
    from ai_edge_litert import schema_py_generated as S
    m = S.ModelT.InitFromPackedBuf(bytearray(tflite), 0)
    idx, size = [], 0
    for i, t in enumerate(m.subgraphs[0].tensors):
        buf = m.buffers[t.buffer] if t.buffer < len(m.buffers) else None
        if buf is not None and buf.data is not None and len(buf.data):
            idx.append(i)
            size += len(buf.data)
    return idx, size


def bench_linux(tflite: bytes, target) -> dict:
    """DESIGN.md bench JSON for a linux target (+ ops, runtime, arena notes)."""
    from pipeline import targets
    from pipeline.linux.verify import random_inputs, run_emulated
    from pipeline.linux import hazards
    target = targets.resolve(target)
    found = hazards.find(tflite, target)     # named before the run (which uses the reference kernels)
    const, weights = _constants(tflite)
    _, info = run_emulated(tflite, target, random_inputs(tflite, 1), modes=("arena",), const=const)
    return {"target": target.name, "instructions": None, "macs": count_macs(tflite),
            "peak_stack_bytes": None, "ram_bytes": info.get("arena_bytes"),
            "flash_bytes": len(tflite), "weights_bytes": weights, "tflm_arena_bytes": None,
            "ops": [n.kind for n in read_nodes(tflite)],
            "runtime": f"{info['runtime']} {info['version']} ({info['machine']}, "
                       f"qemu-user -cpu {target.emulator['qemu_cpu']})",
            "ram_note": "tensor arena of the reference kernels (activations + scratch) measured in the "
                        "emulated runtime; XNNPACK adds its packed-weight cache on top",
            "estimated_latency_ms": None,
            "latency_note": "emulated time is not device time; no cited per-device figure, so no estimate",
            **({"warnings": [h.describe() for h in found]} if found else {})}
