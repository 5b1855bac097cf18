"""Where a model's firmware spends its instructions, function by function (a developer's tool
for kernel work; `edgedistill bench --per-op` gives the per-op view users see).

    python tools/profile_functions.py MODEL.tflite [--target cortex-m4] [--samples 2]

Builds the semihosting firmware, runs it under QEMU with the counting plugin's per-block
counts (blocks=1) and sums them per ELF function symbol; figures are per inference, from the
whole run (start-up and harness included, so they sum to slightly more than `bench`'s)."""

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--target", default="cortex-m4")
    ap.add_argument("--samples", type=int, default=2)
    ap.add_argument("--top", type=int, default=25)
    a = ap.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from pipeline import targets
    from pipeline.compiler.sources import compile_model, random_inputs
    from pipeline.firmware import boards, build, plugin, qemu
    from pipeline.firmware.elf import Elf
    target = targets.load(a.target)
    src = compile_model(Path(a.model).read_bytes(), target)
    with tempfile.TemporaryDirectory(prefix="edprof-") as d:
        info = build.build(src, target, Path(d))
        x = random_inputs(src, a.samples, 0)
        res = qemu.run(info, boards.for_target(target).machine, x.tobytes(), timeout=600,
                       plugin=plugin.path(), plugin_args=",blocks=1")
        elf = Elf(info.elf)
        per: dict = {}
        for addr, n in res.blocks.items():
            name = elf.function_at(addr) or f"{addr:#x}"
            per[name] = per.get(name, 0) + n
    total = sum(per.values())
    print(f"{a.model} on {target.name}: {total // a.samples:,} instructions per inference "
          f"(whole run / {a.samples}; bench counts {max(res.counts):,} between the markers)")
    for name, n in sorted(per.items(), key=lambda kv: -kv[1])[:a.top]:
        print(f"  {n // a.samples:>12,} {n / total:>6.1%}  {name}")


if __name__ == "__main__":
    main()
