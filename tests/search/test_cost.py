"""A candidate's cost is what `edgedistill bench` measures for the same int8 model, and a second
search reads it from the per-machine cache instead of measuring again."""

import json

import pytest

from pipeline import targets
from pipeline.search import cost
from pipeline.search.space import Candidate
from tests.conftest import edgedistill


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "edgedistill" / "costs"


def test_the_cost_equals_what_bench_measures_and_is_cached(cache, monkeypatch):
    target, cand = targets.load("stm32f405"), Candidate("cnn", {"width": 4})
    got, hit = cost.measure(cand, (8, 8, 1), 10, target)
    assert not hit
    [d] = list(cache.iterdir())
    r = edgedistill("bench", d / "candidate.tflite", "--target", "stm32f405", "--json", check=True)
    bench = json.loads(r.stdout)
    assert {k: got[k] for k in cost.FIELDS} == {k: bench[k] for k in cost.FIELDS}
    assert got["instructions"] > 10_000 and got["ram_bytes"] > got["peak_stack_bytes"] > 0

    from pipeline import firmware
    monkeypatch.setattr(firmware, "bench_mcu", lambda *a, **k: pytest.fail("measured again"))
    again, hit = cost.measure(cand, (8, 8, 1), 10, target)
    assert hit and again == got
    # another width, shape or target is another candidate
    assert cost.cache_path(Candidate("cnn", {"width": 8}), (8, 8, 1), 10, target) != d
    assert cost.cache_path(cand, (8, 8, 2), 10, target) != d
    assert cost.cache_path(cand, (8, 8, 1), 10, targets.load("cortex-m4")) != d
