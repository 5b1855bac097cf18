"""The tflite-micro reference interpreter's arena is sized from the model (runtimes/tflm.py): a
model of large activations and few weights, which the wheel's default arena (10x the model's
bytes) cannot hold, verifies; a model it cannot load at all is one line and exit 2."""

import pytest

from tests.conftest import edgedistill


@pytest.fixture(scope="module")
def big_add(tmp_path_factory):
    """int8 ADD of two 128x128x3 inputs: a 1 KB model whose tensors need 147 KiB of arena."""
    import keras
    from tests.compiler.convert import to_int8_tflite
    a = keras.Input((128, 128, 3), batch_size=1, name="a")
    b = keras.Input((128, 128, 3), batch_size=1, name="b")
    tfl = to_int8_tflite(keras.Model([a, b], keras.layers.Add()([a, b])), seed=1)
    assert 10 * len(tfl) < 3 * 128 * 128 * 3
    path = tmp_path_factory.mktemp("big") / "add128.tflite"
    path.write_bytes(tfl)
    return path


def test_large_activations_verify(big_add):
    """`verify --target host` as a user runs it: bit-exact (it died with a traceback in the
    interpreter's AllocateTensors before)."""
    r = edgedistill("verify", big_add, "--target", "host", "--samples", "3", "--json")
    assert r.returncode == 0, r.stderr[-2000:]
    assert '"bitexact": 1.0' in r.stdout and "Traceback" not in r.stderr


def test_the_arena_grows_without_a_hint(big_add, capfd):
    """Without reference_outputs' first size (runtimes.tflm.run, the verify stage): the wheel's
    default fails, the retries (their complaints kept off the terminal) find one that fits."""
    import numpy as np
    from pipeline.runtimes import tflm
    interp = tflm.interpreter(big_add.read_bytes())
    for k in range(2):
        interp.set_input(np.full((1, 128, 128, 3), 3 * k - 1, np.int8), k)
    tflm.invoke(interp)
    assert np.array(interp.get_output(0)).shape == (1, 128, 128, 3)
    assert "Failed to resize" not in capfd.readouterr().err


def test_a_model_the_interpreter_cannot_load_is_one_line(big_add, monkeypatch):
    """With the arena's ceiling below what the model needs, and with bytes that are no model:
    a UserError, which the CLI prints as one `error:` line with exit status 2."""
    from pipeline.errors import UserError
    from pipeline.runtimes import tflm
    with pytest.raises(UserError, match="cannot load"):
        tflm.interpreter(b"TFL3" * 64)
    # in this process: `verify` runs the interpreter in a sandboxed child (runtimes/isolated.py),
    # which a monkeypatch does not reach; the child hands the same UserError back as one line
    import numpy as np
    from pipeline.runtimes.tflm import reference_outputs
    monkeypatch.setattr(tflm, "ARENA_MAX", 64 << 10)
    with pytest.raises(UserError, match="65,536-byte arena"):
        reference_outputs(big_add.read_bytes(), np.zeros((1, 128 * 128 * 3 * 2), np.int8))
