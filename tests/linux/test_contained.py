"""The Python that loads a model on a Linux target's emulated userland (qemu_user.run_python) and
the host reference venv run contained: a script standing in for a hostile model's payload reaches
no file outside its folder, no network and no shell."""

import json
import socket
import subprocess
from types import SimpleNamespace

import numpy as np
import pytest

from pipeline import targets

# prints {attack: True where it worked}; called as guest.py is by hostref.run (MODEL INPUTS
# OUT_DIR MODE: the "model" holds the target paths, outputs go where hostref.run reads them)
PAYLOAD = """import json, os, socket, sys
as_guest = len(sys.argv) == 5
outside, port = json.load(open(sys.argv[1])) if as_guest else (sys.argv[1], int(sys.argv[2]))
res = {}
try:
    open(outside, "w").write("pwned")
    res["write"] = True
except OSError:
    res["write"] = False
try:
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    res["connect"] = True
except OSError:
    res["connect"] = False
res["shell"] = os.system("echo x > shelled") == 0
print(json.dumps(res))
if as_guest:
    import numpy as np
    json.dump({"runtime": "tflite-runtime", "version": "2.14.0"},
              open(os.path.join(sys.argv[3], "info.json"), "w"))
    np.save(os.path.join(sys.argv[3], sys.argv[4] + ".npy"), np.array([list(res.values())]))
"""


@pytest.fixture
def setup(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    work = tmp_path / "work"
    work.mkdir()
    (work / "payload.py").write_text(PAYLOAD)
    # not in work's parent, which bwrap makes (empty) in the sandbox's private /tmp to mount work
    (tmp_path / "elsewhere").mkdir()
    yield work, tmp_path / "elsewhere" / "outside", listener.getsockname()[1]
    listener.close()


def check(stdout, outside):
    assert json.loads(stdout) == {"write": False, "connect": False, "shell": False}
    assert not outside.exists()


def test_emulated_userland_is_contained(setup):
    from pipeline.linux import qemu_user
    work, outside, port = setup
    res = qemu_user.run_python(targets.load("rpi4"), work / "payload.py", [str(outside), str(port)],
                               timeout=120)
    check(res.stdout, outside)


def test_host_reference_venv_is_contained(setup, monkeypatch):
    from pipeline.linux import hostref
    work, outside, port = setup
    monkeypatch.setattr(hostref, "guest", SimpleNamespace(__file__=str(work / "payload.py")))
    spec = hostref.spec_for(targets.load("rpi-armv7"))
    assert spec.version == "2.14.0"
    out = hostref.run(spec, json.dumps([str(outside), port]).encode(), np.zeros((1, 1), np.int8))
    assert out.tolist() == [[False, False, False]] and not outside.exists()


def test_the_payload_does_all_of_it_uncontained(setup):
    """The control: the same script under the host's Python."""
    work, outside, port = setup
    r = subprocess.run(["python3", work / "payload.py", outside, str(port)], cwd=work,
                       capture_output=True, text=True, timeout=60)
    assert json.loads(r.stdout) == {"write": True, "connect": True, "shell": True}
