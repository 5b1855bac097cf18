"""run.py's stage table: a stage name is checked before anything runs, and a stage's key hashes
only the code that stage runs (editing the compiler rebuilds the firmware, not the teacher)."""

from pathlib import Path

import pytest

from pipeline import rundir
from pipeline.run import STAGES, UNTIL
from tests.conftest import edgedistill


def test_a_misspelt_stage_exits_2_before_any_work(tmp_path):
    r = edgedistill("run", "--recipe", "digits", "--quick", "--until", "teacherr", "--out", tmp_path / "r")
    assert r.returncode == 2 and "unknown stage 'teacherr'" in r.stderr and "teacher" in r.stderr
    assert r.stderr.strip().count("\n") == 0 and not (tmp_path / "r").exists()


def _keys() -> dict:
    rundir.code_hash.cache_clear()
    return {st.name: rundir.key_of(st.name, {}, code=st.code, firmware=st.firmware) for st in STAGES}


@pytest.mark.parametrize("package,changed", [
    ("compiler", {"tflm", "firmware", "device", "search"}),     # search: candidates' measured costs
    ("linux", {"device"}),
    ("zoo", {"teacher", "search", "distill", "scratch", "qat"}),
])
def test_a_code_change_redoes_only_the_stages_that_run_it(package, changed):
    probe = Path(rundir.__file__).parent / package / "_edgedistill_probe.py"
    before = _keys()
    try:
        probe.write_text("# a change to this package\n")
        after = _keys()
    finally:
        probe.unlink()
        rundir.code_hash.cache_clear()
    assert {name for name in before if before[name] != after[name]} == changed


def test_every_stage_is_a_stop():
    assert [s.name for s in STAGES] == list(UNTIL[1:-1])
