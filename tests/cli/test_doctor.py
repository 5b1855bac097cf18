from click.testing import CliRunner

from pipeline import doctor
from pipeline.cli.doctor import command
from tests.conftest import edgedistill


def test_doctor_lists_every_part_with_its_version():
    r = edgedistill("doctor", check=True)
    for name in ("tensorflow", "keras", "ai-edge-litert", "tflite-micro", "qemu-system-arm",
                 "arm-none-eabi-gcc", "data: fashion-mnist"):
        line = next(ln for ln in r.stdout.splitlines() if name in ln)
        assert line.startswith("ok"), line


def test_doctor_names_the_fix_and_fails_when_a_required_part_is_missing(monkeypatch):
    real = doctor._pkg
    monkeypatch.setattr(doctor, "_pkg", lambda d: None if d == "tflite-micro" else real(d))
    r = CliRunner().invoke(command, [])
    assert r.exit_code == 1
    assert "tflite-micro" in r.output and "MISSING" in r.output and "fix: run `make setup`" in r.output


def test_doctor_says_which_sandbox_runs_model_code(monkeypatch):
    from pipeline import sandbox

    def line():
        return next(ln for ln in CliRunner().invoke(command, []).output.splitlines() if "sandbox" in ln)
    monkeypatch.delenv("EDGEDISTILL_SANDBOX", raising=False)
    assert line().startswith("ok") and " bubblewrap 0." in line()
    monkeypatch.setenv("EDGEDISTILL_SANDBOX", "none")
    assert line().startswith("ok") and "none: rlimits only" in line() and "isolation off" in line()
    monkeypatch.delenv("EDGEDISTILL_SANDBOX")
    monkeypatch.setattr(sandbox, "_probe", lambda: (None, "bubblewrap (bwrap) is not installed"))
    r = CliRunner().invoke(command, [])
    assert "MISSING" in line() and "not installed" in line() and "install bubblewrap (`make setup` does)" in r.output
