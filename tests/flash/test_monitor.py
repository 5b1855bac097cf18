"""`monitor` when the port closes before the image's EXIT line: one exit-2 line, no traceback,
no half result (a TCP server on 127.0.0.1 plays a board, or QEMU's -serial tcp, hanging up)."""

import socket
import threading
import time

import pytest

from pipeline.errors import UserError

# two whole lines, then half of a third: what a board prints when its cable is pulled mid-run
PARTIAL = (b"EDGEDISTILL OUT 0x00000000 0a0bff\r\nEDGEDISTILL CYCLES 0x00000000 0x00001000 dwt\r\n"
           b"EDGEDISTILL OUT 0x00000001 0c")


@pytest.fixture
def hangs_up():
    """A server that accepts one client, sends PARTIAL and closes: its socket:// URL."""
    srv = socket.create_server(("127.0.0.1", 0))
    srv.settimeout(60)

    def serve():
        try:
            conn, _ = srv.accept()
        except OSError:     # the test ended without connecting
            return
        time.sleep(0.5)     # pyserial's socket:// open() discards what has already arrived
        conn.sendall(PARTIAL)
        conn.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield f"socket://127.0.0.1:{srv.getsockname()[1]}"
    srv.close()
    t.join(5)


def test_read_refuses_a_port_that_closes_before_exit(hangs_up):
    from pipeline.flash.monitor import read
    with pytest.raises(UserError) as e:
        read(hangs_up, timeout=20)
    assert "closed after 2 line(s), before the image's EXIT line" in e.value.problem
    assert "reset" in e.value.fix


@pytest.mark.parametrize("as_json", [False, True])
def test_cli_exits_2_with_one_line(cli, hangs_up, as_json):
    r = cli("monitor", "--port", hangs_up, "--timeout", "20", *(["--json"] if as_json else []), timeout=60)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: serial port 'socket://127.0.0.1:") and "EXIT" in err[0]
    if as_json:
        assert r.stdout == ""       # no JSON object made of half a run
    else:   # the whole lines as they came; the half line is not echoed
        assert r.stdout.splitlines() == ["EDGEDISTILL OUT 0x00000000 0a0bff",
                                         "EDGEDISTILL CYCLES 0x00000000 0x00001000 dwt"]
