"""Firmware stage (MCU targets): the flashable image, its size and speed, and the int8 model's
outputs and accuracy (or AUC) on the emulated MCU against the tflite-micro reference."""

from pathlib import Path

import numpy as np


def firmware(tflite: bytes, target, x_int8: np.ndarray, y: np.ndarray, out: Path,
             task: str = "classification") -> dict:
    """Builds `out/` (firmware.elf, .map, sources) and runs len(x_int8) samples under QEMU."""
    from pipeline.firmware import bench_mcu, build_firmware, verify_mcu
    from pipeline.report import outcomes
    from pipeline.stages import score
    built = build_firmware(tflite, target, out)
    bench = bench_mcu(tflite, target)
    v = verify_mcu(tflite, target, x_int8, len(x_int8))
    x_seen, out_seen = score.as_seen(tflite, task, v["outputs"], x_int8)   # the device's own units
    return {
        "firmware": {"board": built.get("board", target.emulator.get("board")),
                     **{k: bench[k] for k in ("flash_bytes", "ram_bytes", "static_ram_bytes",
                                              "peak_stack_bytes", "holds", "weights_bytes")},
                     "image": {"io": built["io"], "flash_bytes": built["flash_bytes"],
                               "static_ram_bytes": built["static_ram_bytes"]}},
        "emulator": {"machine": target.emulator.get("machine"), "samples": v["samples"],
                     "bitexact": v["bitexact"], "max_abs_diff": v["max_abs_diff"],
                     score.metric(task): score.from_outputs(task, out_seen, x_seen, y),
                     "instructions": bench["instructions"],
                     "macs": bench["macs"],
                     "ops": bench["ops"],     # per op: {"op", "kind", "instructions", "macs"}
                     "outcomes": outcomes.of(task, out_seen, y[:len(x_int8)], x_seen)},
    }
