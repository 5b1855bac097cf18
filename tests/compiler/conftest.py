"""Session fixture: every per-op model converted once, compiled, and built into ONE sanitized
host executable (AddressSanitizer + UndefinedBehaviorSanitizer, no recovery)."""

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

MODELS_PER_FAMILY = 3
BRANCHES = 20
SAMPLES = 12


@pytest.fixture(scope="session")
def op_suite(tmp_path_factory):
    from pipeline.runtimes.host import build_host
    from pipeline.compiler.sources import compile_model
    from tests.compiler.convert import to_int8_tflite
    from tests.compiler.opcases import FAMILIES, build_family

    built, failures = {}, {}
    for f_i, fam in enumerate(sorted(FAMILIES)):
        for m in range(MODELS_PER_FAMILY):
            seed = 1000 * f_i + m
            try:
                model, ranges = build_family(fam, seed, BRANCHES)
                tfl = to_int8_tflite(model, seed=seed, ranges=ranges)
                src = compile_model(tfl, "host", prefix=f"{fam}{m}_")
            except Exception as e:  # reported by that family's test, not by all of them
                failures.setdefault(fam, []).append(e)
                continue
            built.setdefault(fam, []).append((tfl, src))
    order = [(fam, k) for fam in sorted(built) for k in range(len(built[fam]))]
    exe = build_host([built[f][k][1] for f, k in order], tmp_path_factory.mktemp("ops"),
                     sanitize=True, opt="-O1")
    index = {fk: i for i, fk in enumerate(order)}
    return exe, built, failures, index
