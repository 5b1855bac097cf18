"""Progress bars show on a terminal only: a log file or a pipe gets no bar characters, a terminal
gets tqdm's bar, and QEMU's out.bin growth drives the emulator bar."""

import io

from pipeline import progress


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_no_bar_and_epoch_lines_when_not_a_terminal(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr("sys.stderr", out)
    monkeypatch.setattr("sys.stdout", io.StringIO())
    b = progress.bar(100, "cortex-m4")
    b.update_to(50)
    b.close()
    assert out.getvalue() == ""
    assert progress.fit_verbosity() == 2


def test_bar_with_eta_on_a_terminal(monkeypatch):
    err = _Tty()
    monkeypatch.setattr("sys.stderr", err)
    monkeypatch.setattr("sys.stdout", _Tty())
    b = progress.bar(200, "cortex-m4 (QEMU)")
    b.update_to(100)
    b.update_to(90)           # out.bin never shrinks; a stale poll must not move the bar back
    b._bar.refresh()          # tqdm redraws at most every 0.1 s on its own
    text = err.getvalue()
    assert "cortex-m4 (QEMU)" in text and "100/200" in text and "<" in text   # tqdm's elapsed<ETA
    b.update_to(500)          # nor past the total
    assert b._bar.n == 200
    b.close()
    assert progress.fit_verbosity() == 1


def test_one_sample_gets_no_bar(monkeypatch):
    err = _Tty()
    monkeypatch.setattr("sys.stderr", err)
    progress.bar(1, "x").update_to(1)
    assert err.getvalue() == ""
