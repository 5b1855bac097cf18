"""BENCHMARKS.md section: our AOT compiler's RAM and code vs the tflite-micro arena, per model.

Models: the four MLPerf Tiny reference architectures with random weights (pipeline/compiler/mlperf.py).
RAM: our static arena (every activation incl. input and output, plus kernel scratch) against
tflite-micro's `arena_used_bytes` for the same .tflite (64-bit host wheel: an upper bound for a
32-bit MCU; see the MCU section for figures measured on the emulated Cortex-M, stack included).
Code size (flash minus weights) is measured on the linked firmware, in the MCU section.
"""

import math


def section() -> str:
    from pipeline.compiler import mlperf
    from pipeline.compiler.sources import compile_model
    from pipeline.runtimes.tflm import arena_used_bytes
    rows, ratios = [], []
    for name in mlperf.REFERENCE_MODELS:
        tfl = mlperf.build(name, seed=0)
        src = compile_model(tfl, "host")
        tflm = arena_used_bytes(tfl)
        ratio = src.arena_bytes / tflm
        ratios.append(ratio)
        code = sum(len(t.encode()) for t in src.files.values())
        rows.append(f"| {name} | {src.arena_bytes:,} | {tflm:,} | {ratio:.3f} | {src.weights_bytes:,} | "
                    f"{len(tfl):,} | {code:,} |")
    gm = math.exp(sum(map(math.log, ratios)) / len(ratios))
    return ("## AOT compiler: RAM and code vs the tflite-micro arena\n\n"
            "MLPerf Tiny reference architectures, random weights, int8. Our RAM = the static arena "
            "(all activations, input and output included, plus kernel scratch); the TFLM figure is "
            "`arena_used_bytes` from the tflite-micro interpreter on the same .tflite.\n\n"
            "| model | our arena (B) | TFLM arena (B) | ratio | weights + params (B) | .tflite (B) | generated C source (B) |\n"
            "|---|---|---|---|---|---|---|\n" + "\n".join(rows) +
            f"\n\nGeometric mean of the RAM ratio: **{gm:.3f}** (goal ≤ 0.6). Stack is not in this "
            "column: the emulated-MCU section gives arena + peak stack + static RAM per target, and the\n"
            "compiled code size (flash minus weights).\n")


if __name__ == "__main__":
    print(section())
