"""Randomized per-op suite: every configuration must equal the tflite-micro interpreter bit
for bit, on every sample, with the host build under ASan/UBSan."""

import numpy as np
import pytest

from tests.compiler.conftest import SAMPLES
from tests.compiler.opcases import FAMILIES


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_op_bitexact(op_suite, family):
    from pipeline.compiler.sources import random_inputs
    from pipeline.runtimes.tflm import reference_outputs
    from pipeline.runtimes.host import run_host
    exe, built, failures, index = op_suite
    if family in failures:
        raise failures[family][0]
    for k, (tfl, src) in enumerate(built[family]):
        x = random_inputs(src, SAMPLES, seed=k)
        ours = run_host(exe, x, index[(family, k)], src.output_elements)
        ref = reference_outputs(tfl, x).astype(np.int8)
        bad = np.argwhere(ours != ref)
        if len(bad):
            sizes = np.cumsum([int(np.prod(s)) for s in src.output_shapes])
            outs = sorted({int(np.searchsorted(sizes, j, side="right")) for _, j in bad})
            pytest.fail(f"{family} model {k}: {len(bad)} values differ, outputs {outs} "
                        f"(shapes {[src.output_shapes[o] for o in outs]}), ops {set(src.ops)}")
