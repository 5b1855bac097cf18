"""Cortex-M benchmark section of BENCHMARKS.md: every MCU target x the four MLPerf Tiny
reference architectures (random weights) and one zoo student, measured on QEMU with our
instruction-counting plugin.

    python tools/bench_mcu.py            # prints the Markdown section
    from tools.bench_mcu import section  # the lead's tools/bench.py appends it
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

TARGETS = ("cortex-m0plus", "cortex-m4", "stm32f405", "cortex-m7", "cortex-m55")
from pipeline.compiler.mlperf import REFERENCE_MODELS as MLPERF  # noqa: E402  (after sys.path)
LABEL = {"kws_dscnn": "KWS DS-CNN", "ic_resnet8": "IC ResNet-8", "vww_mobilenet_v1_025": "VWW MobileNetV1-0.25",
         "ad_autoencoder": "AD FC autoencoder", "student_ds_cnn": "zoo ds-cnn student 32x32x3"}
# Peer counts measured on this machine with the same plugin (FACTS.md): TFLM reference kernels,
# TFLM + CMSIS-NN, on the emulated Cortex-M4.
TFLM_M4 = {"kws_dscnn": (43_011_344, 7_701_193), "ic_resnet8": (107_348_910, 29_854_945),
           "vww_mobilenet_v1_025": (100_327_464, 24_101_629), "ad_autoencoder": (1_689_187, 595_923)}
# Published MLPerf Tiny v1.2, X-CUBE-AI 9.0 on STM32L4R5 @ 120 MHz (issue 5): cycles = latency x clock.
XCUBE_M4_CYCLES = {"kws_dscnn": 5_200_000, "ic_resnet8": 19_800_000, "vww_mobilenet_v1_025": 10_700_000,
                   "ad_autoencoder": 630_000}


def models() -> dict:
    import contextlib
    import io

    from pipeline.compiler import mlperf
    from pipeline.zoo import random_int8
    with contextlib.redirect_stdout(io.StringIO()):     # the TFLite converter prints to stdout
        out = {n: mlperf.build(n) for n in MLPERF}
        out["student_ds_cnn"] = random_int8("student", "ds-cnn", (32, 32, 3))
    return out


def measure(tfls: dict, targets=TARGETS) -> dict:
    """{(target, model): bench JSON} at the default --optimize auto, plus ("cortex-m4 size",
    model) for the MLPerf models with int8 conv weights (--optimize size)."""
    from pipeline.firmware import bench_mcu
    out = {(t, m): bench_mcu(tfl, t) for t in targets for m, tfl in tfls.items()}
    if "cortex-m4" in targets:
        out.update({("cortex-m4 size", m): bench_mcu(tfls[m], "cortex-m4", optimize="size")
                    for m in MLPERF if m in tfls})
    return out


def _k(n) -> str:
    return "n/a" if n is None else f"{n / 1000:,.1f} k"


def section(results: dict | None = None) -> str:
    results = results or measure(models())
    lines = ["## Cortex-M firmware on QEMU (instructions per inference)", "",
             "Our AOT C + kernels, built with arm-none-eabi-gcc 12 -O2, run under qemu-system-arm 7.2; "
             "instructions counted by our TCG plugin between `bench_start`/`bench_stop` (deterministic). "
             "Instructions are not cycles: a Cortex-M4 needs more than one cycle for loads, multiplies "
             "and taken branches, an M7 can issue two instructions per cycle, and QEMU models no "
             "caches or wait states. RAM = static (.data + .bss: arena, I/O buffers, fault stack) + "
             "peak stack (painted); the TFLM arena column is tflite-micro's arena alone (64-bit host "
             "figure) before its own stack and statics. Kernels: reference C on cortex-m0plus "
             "(armv6-m, run on QEMU's M3 machine), ARMv7E-M DSP variants on the others. Default "
             "`--optimize auto`: on the DSP targets conv weights are widened to int16 when the "
             "target's flash holds them (weights column; `--optimize size` keeps int8, compared "
             "below).", ""]
    for t in sorted({t for t, _ in results if t in TARGETS}, key=TARGETS.index):
        lines += [f"### {t}", "", "| model | MACs | instructions | MAC/instr | peak RAM | TFLM arena | "
                  "RAM/TFLM | weights | flash − weights | peak stack |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for (tt, m), r in results.items():
            if tt != t:
                continue
            ratio = f"{r['ram_bytes'] / r['tflm_arena_bytes']:.2f}" if r["tflm_arena_bytes"] else "n/a"
            lines.append(f"| {LABEL[m]} | {r['macs']:,} | {r['instructions']:,} | "
                         f"{r['macs'] / r['instructions']:.3f} | {r['ram_bytes']:,} B | "
                         f"{r['tflm_arena_bytes']:,} B | {ratio} | {r['weights_bytes']:,} B"
                         f"{' (int16 conv)' if r['wide_weights'] else ''} | "
                         f"{r['flash_bytes'] - r['weights_bytes']:,} B | "
                         f"{r['peak_stack_bytes']:,} B |")
        lines.append("")
    if any(t == "cortex-m4" for t, _ in results):
        lines += ["### Cortex-M4 against the peers", "",
                  "TFLM columns: TFLite-Micro built for cortex-m4+fp and counted with the same plugin "
                  "on the same QEMU machine (FACTS.md). X-CUBE-AI column: published MLPerf Tiny v1.2 "
                  "latency × 120 MHz on a real STM32L4R5, i.e. **cycles**, not instructions; our "
                  "instruction counts would need about 1.5 cycles each on M4 silicon, so the last "
                  "column is a lower bound of the true cycle ratio. Goal: ≤ 0.8. `speed` = the "
                  "default (int16 conv weights where they fit, about twice the conv weights' flash), "
                  "`size` = `--optimize size` (int8 weights, as TFLM and CMSIS-NN store them).", "",
                  "| model | ours speed (instr) | ours size (instr) | TFLM ref (instr) | "
                  "TFLM+CMSIS-NN (instr) | speed / CMSIS-NN | size / CMSIS-NN | X-CUBE-AI (cycles) | "
                  "speed instr / X-CUBE-AI cycles | size instr / X-CUBE-AI cycles | weights speed / size |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for m in MLPERF:
            r, z = results.get(("cortex-m4", m)), results.get(("cortex-m4 size", m))
            if r is None or z is None:
                continue
            ref, cmsis = TFLM_M4[m]
            x = XCUBE_M4_CYCLES[m]
            lines.append(f"| {LABEL[m]} | {r['instructions']:,} | {z['instructions']:,} | {ref:,} | "
                         f"{cmsis:,} | {r['instructions'] / cmsis:.2f} | {z['instructions'] / cmsis:.2f} | "
                         f"{x:,} | {r['instructions'] / x:.2f} | {z['instructions'] / x:.2f} | "
                         f"{r['weights_bytes']:,} / {z['weights_bytes']:,} B |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(section())
