"""The four MLPerf Tiny reference architectures (random weights) compile, run bit-exact with
tflite-micro under the sanitizers, and need less RAM than TFLM's arena."""

import numpy as np
import pytest

from pipeline.compiler.mlperf import REFERENCE_MODELS


@pytest.fixture(scope="module")
def mlperf_build(tmp_path_factory, mlperf_models):
    from pipeline.runtimes.host import build_host
    from pipeline.compiler.sources import compile_model
    tfls = {n: mlperf_models[n] for n in REFERENCE_MODELS}     # converted once per session
    srcs = {n: compile_model(tfls[n], "host", prefix=f"{n}_") for n in REFERENCE_MODELS}
    exe = build_host([srcs[n] for n in REFERENCE_MODELS], tmp_path_factory.mktemp("mlperf"),
                     sanitize=True, opt="-O2")
    return tfls, srcs, exe


@pytest.mark.parametrize("name", REFERENCE_MODELS)
def test_mlperf_bitexact_and_smaller(mlperf_build, name):
    from pipeline.compiler.sources import random_inputs
    from pipeline.runtimes.tflm import reference_outputs
    from pipeline.runtimes.host import run_host
    from pipeline.runtimes.tflm import arena_used_bytes
    tfls, srcs, exe = mlperf_build
    src = srcs[name]
    x = random_inputs(src, 3, seed=7)
    ours = run_host(exe, x, REFERENCE_MODELS.index(name), src.output_elements)
    assert np.array_equal(ours, reference_outputs(tfls[name], x).astype(np.int8))
    assert src.arena_bytes <= 0.75 * arena_used_bytes(tfls[name])
