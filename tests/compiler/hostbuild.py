"""verify_host's check with the build taken out of it: several models compiled into ONE host
executable (ASan + UBSan when asked), each then run on as many input sets as a test needs, against
tflite-micro in the sandbox, exactly as compiler/host.verify_host compares them. One build of the
kernels instead of one per call (an ASan build is the expensive part of a call)."""

from pathlib import Path

import numpy as np


class HostBuild:
    def __init__(self, tflites: dict, out_dir: Path, sanitize: bool = True, opt: str = "-O2"):
        """tflites: {name: .tflite bytes}; each compiled with its own symbol prefix."""
        from pipeline.runtimes.host import build_host
        from pipeline.compiler.sources import compile_model
        self.tflites = dict(tflites)
        self.names = list(self.tflites)
        self.srcs = {n: compile_model(t, "host", prefix=f"m{i}_") for i, (n, t) in enumerate(self.tflites.items())}
        self.exe = build_host([self.srcs[n] for n in self.names], out_dir, sanitize=sanitize, opt=opt)

    def verify(self, name: str, inputs: np.ndarray | None, samples: int, seed: int = 0) -> dict:
        """verify_host(tflite, inputs, samples, seed)'s result, run on the shared executable."""
        from pipeline.runtimes import isolated
        from pipeline.runtimes.host import host_inputs, run_host
        from pipeline.stages.verify import compare
        src, tflite = self.srcs[name], self.tflites[name]
        x, out_dtype = host_inputs(src, inputs, samples, seed)
        ours = run_host(self.exe, x, self.names.index(name), src.output_elements, out_dtype)
        ref = isolated.reference_outputs(tflite, x).reshape(len(x), -1).astype(out_dtype)
        r = compare(ours, ref)
        return {"target": "host", "reference": "tflite-micro", "samples": r["samples"],
                "bitexact": r["bitexact"], "max_abs_diff": r["max_abs_diff"], "outputs": ours}
