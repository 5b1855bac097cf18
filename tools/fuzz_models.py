"""Fuzz the commands that take a .tflite: mutated models must exit 0 or 2, never crash or hang,
and write nothing outside --out (issues #14 and #21: a .tflite is untrusted input).

    python tools/fuzz_models.py --cases 10000 [--seed 0]      (`make bench` runs this)

Hypothesis draws the mutations, seeded (derandomized), and shrinks a failing case to its fewest
mutations. Each mutant is written to a fresh folder and run, as a user would, by
`edgedistill compile MODEL --target host --out OUT` and `edgedistill verify MODEL --target host`,
in a worker process: the reference interpreters run inside it, so a mutant that crashes one
kills the worker, which the parent sees (and restarts it), instead of killing the fuzzer.

Mutations act on the unpacked flatbuffer (shapes, types, buffer indices and contents,
quantization fields, op inputs/outputs/codes/options, subgraph I/O, op order) and on the packed
bytes (byte flips), starting from small real models made by the TFLite converter.
"""

import argparse
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CASE_TIMEOUT_S = 120        # one mutant's compile + verify; the slowest valid ones take ~5 s


# ---- seed models ---------------------------------------------------------------------------------

def seed_models() -> list[bytes]:
    """Two small int8 models covering the compiler's op families: conv / depthwise / pooling /
    FC / softmax, and add / mul / concat / pad / mean / reshape."""
    import keras
    from keras import layers as L

    from pipeline.compiler.mlperf import to_int8_tflite
    keras.utils.set_random_seed(0)
    x = inp = keras.Input((8, 8, 2))
    x = L.Conv2D(4, 3, padding="same", activation="relu")(x)
    x = L.DepthwiseConv2D(3, strides=2, padding="valid", activation="relu6")(x)
    x = L.AveragePooling2D(1)(x)
    x = L.Flatten()(x)
    out = L.Softmax()(L.Dense(3)(x))
    a = keras.Model(inp, out)

    x = inp = keras.Input((6, 6, 3))
    y = L.Conv2D(3, 1)(x)
    z = L.Concatenate()([L.Add()([x, y]), L.Multiply()([x, y])])
    z = L.ZeroPadding2D(1)(z)
    z = L.GlobalAveragePooling2D()(z)
    out = L.Reshape((2, 3))(z)
    b = keras.Model(inp, out)
    return [to_int8_tflite(a, seed=1), to_int8_tflite(b, seed=2)]


# ---- mutations -----------------------------------------------------------------------------------

EDGE_INTS = [-(1 << 31), -65536, -2, -1, 0, 1, 2, 3, 7, 255, 256, 65535, 65536, (1 << 31) - 1]
EDGE_FLOATS = [0.0, -1.0, float("nan"), float("inf"), 1e-45, 1e-30, 1e30, 3.4e38, 0.5, 1.0]


def _int(draw, st, lo: int, hi: int) -> int:
    return draw(st.one_of(st.integers(lo, hi), st.sampled_from(EDGE_INTS)))


def _mutate_tensor(m, draw, st):
    sg = m.subgraphs[0]
    t = sg.tensors[draw(st.integers(0, len(sg.tensors) - 1))]
    what = draw(st.sampled_from(["dim", "rank", "type", "buffer", "scale", "zero_point", "axis", "qcount"]))
    shape = [int(d) for d in (t.shape if t.shape is not None else [])]
    if what == "dim" and shape:
        shape[draw(st.integers(0, len(shape) - 1))] = _int(draw, st, -3, 300)
        t.shape = shape
    elif what == "rank":
        t.shape = shape[:-1] if shape and draw(st.booleans()) else shape + [_int(draw, st, 0, 9)]
    elif what == "type":
        t.type = draw(st.integers(0, 20))
    elif what == "buffer":
        t.buffer = _int(draw, st, -1, len(m.buffers) + 2)
    elif t.quantization is not None and t.quantization.scale is not None:
        q = t.quantization
        if what == "scale":
            q.scale = [draw(st.sampled_from(EDGE_FLOATS)) for _ in range(len(q.scale))]
        elif what == "zero_point":
            q.zeroPoint = [_int(draw, st, -300, 300) for _ in range(len(q.scale))]
        elif what == "axis":
            q.quantizedDimension = _int(draw, st, -1, 5)
        else:
            n = draw(st.integers(0, 4))
            q.scale, q.zeroPoint = [0.1] * n, [0] * draw(st.integers(0, 4))


def _mutate_buffer(m, draw, st):
    full = [b for b in m.buffers if b.data is not None and len(b.data)]
    if not full:
        return
    b = full[draw(st.integers(0, len(full) - 1))]
    n = len(b.data)
    how = draw(st.sampled_from(["cut", "grow", "empty"]))
    b.data = (list(b.data[:draw(st.integers(0, n - 1))]) if how == "cut"
              else list(b.data) + [0] * draw(st.integers(1, 64)) if how == "grow" else [])


def _mutate_op(m, draw, st):
    sg = m.subgraphs[0]
    op = sg.operators[draw(st.integers(0, len(sg.operators) - 1))]
    what = draw(st.sampled_from(["input", "output", "code", "option", "builtin"]))
    n = len(sg.tensors)
    if what in ("input", "output"):
        ids = [int(i) for i in (op.inputs if what == "input" else op.outputs)]
        if ids:
            ids[draw(st.integers(0, len(ids) - 1))] = _int(draw, st, -2, n + 2)
            setattr(op, what + "s", ids)
    elif what == "code":
        op.opcodeIndex = _int(draw, st, 0, len(m.operatorCodes) + 2)
    elif what == "builtin":
        code = m.operatorCodes[draw(st.integers(0, len(m.operatorCodes) - 1))]
        code.builtinCode = code.deprecatedBuiltinCode = draw(st.integers(0, 127))
    elif op.builtinOptions is not None:
        fields = sorted(k for k, v in vars(op.builtinOptions).items() if isinstance(v, (int, bool)))
        if fields:
            setattr(op.builtinOptions, draw(st.sampled_from(fields)), _int(draw, st, -3, 70000))


def _mutate_graph(m, draw, st):
    sg = m.subgraphs[0]
    what = draw(st.sampled_from(["swap", "io"]))
    if what == "swap" and len(sg.operators) > 1:
        i, j = draw(st.integers(0, len(sg.operators) - 1)), draw(st.integers(0, len(sg.operators) - 1))
        sg.operators[i], sg.operators[j] = sg.operators[j], sg.operators[i]
    else:
        attr = draw(st.sampled_from(["inputs", "outputs"]))
        setattr(sg, attr, [_int(draw, st, -1, len(sg.tensors) + 2)])


MUTATORS = [_mutate_tensor, _mutate_buffer, _mutate_op, _mutate_graph]


def mutant(draw, st, seeds: list[bytes]) -> bytes:
    """One mutated model: 1-3 structural mutations, then maybe a few byte flips."""
    import flatbuffers
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as S
    base = seeds[draw(st.integers(0, len(seeds) - 1))]
    m = S.ModelT.InitFromPackedBuf(bytearray(base), 0)
    for _ in range(draw(st.integers(1, 3))):
        MUTATORS[draw(st.integers(0, len(MUTATORS) - 1))](m, draw, st)
    b = flatbuffers.Builder(0)
    try:
        b.Finish(m.Pack(b), file_identifier=b"TFL3")
        data = bytearray(b.Output())
    except Exception:       # a value the schema's field cannot hold (e.g. > int32): keep the seed
        data = bytearray(base)
    for _ in range(draw(st.integers(0, 2))):
        i = draw(st.integers(0, len(data) - 1))
        data[i] = draw(st.integers(0, 255))
    return bytes(data)


# ---- worker: runs the commands in-process ---------------------------------------------------------

COMMANDS = (["compile", "{model}", "--target", "host", "--out", "{out}"],
            ["verify", "{model}", "--target", "host", "--samples", "2"])


def worker() -> None:
    """Reads one case folder per line; answers {"codes": [...], "stray": [...]} per line."""
    from click.testing import CliRunner

    from pipeline.cli.main import cli
    runner = CliRunner()
    for line in sys.stdin:
        case = Path(line.strip())
        codes, errors = [], []
        os.chdir(case)
        for argv in COMMANDS:
            r = runner.invoke(cli, [a.format(model=case / "model.tflite", out=case / "out") for a in argv])
            codes.append(r.exit_code)
            if r.exit_code not in (0, 2):
                errors.append(f"{argv[0]}: {r.exception!r}"[:2000])
        stray = sorted(p.name for p in case.iterdir() if p.name not in ("model.tflite", "out"))
        print(json.dumps({"codes": codes, "errors": errors, "stray": stray}), flush=True)


class Worker:
    """The parent's handle on a worker process; restarted after a crash or a hang."""

    def __init__(self):
        self.proc = None

    def _start(self):
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen([sys.executable, __file__, "--worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)

    def run(self, case: Path, timeout: float = CASE_TIMEOUT_S) -> dict:
        """{"codes", "errors", "stray"}, or {"crash": ...} / {"hang": ...}."""
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        self.proc.stdin.write(f"{case}\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            self.close()
            return {"hang": f"no answer within {timeout:.0f} s"}
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            self.proc = None
            return {"crash": f"worker died with status {code}"}
        return json.loads(line)

    def close(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def problem(result: dict) -> str | None:
    """What is wrong with a case's result, or None."""
    if "crash" in result or "hang" in result:
        return result.get("crash") or result.get("hang")
    if result["errors"]:
        return "; ".join(result["errors"])
    if result["stray"]:
        return f"wrote outside --out: {result['stray']}"
    return None


def fuzz(cases: int, seed: int = 0, seeds: list[bytes] | None = None, echo=print) -> dict:
    """Run `cases` mutants; returns {"cases", "exit_0", "exit_2", "failures", "seconds"}.
    Hypothesis stops at the first failing case; `failures` holds it (its folder is kept),
    reported, not raised."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis import strategies as st
    seeds = seeds or seed_models()
    stats = {"cases": 0, "exit_0": 0, "exit_2": 0, "failures": []}
    w = Worker()
    root = Path(tempfile.mkdtemp(prefix="edfuzz-"))
    t0 = time.monotonic()

    @hypothesis_seed(seed)
    # no shrink phase: a mutant runs for ~0.5 s, and Hypothesis shrinks for minutes; the failing
    # case's folder (its model) is kept, which is what a person debugging it wants
    @settings(max_examples=cases, deadline=None, database=None, print_blob=False,
              suppress_health_check=list(HealthCheck), phases=(Phase.generate,))
    @given(st.data())
    def case(data):
        model = mutant(data.draw, st, seeds)
        d = root / f"case{stats['cases']}"
        d.mkdir()
        (d / "model.tflite").write_bytes(model)
        stats["cases"] += 1
        r = w.run(d)
        why = problem(r)
        if why:
            stats["failures"] = [{"case": str(d), "problem": why}]
            raise AssertionError(why)
        stats["exit_2" if 2 in r["codes"] else "exit_0"] += 1
        shutil.rmtree(d)                              # a passing case leaves nothing behind
        if stats["cases"] % 200 == 0:
            echo(f"fuzz: {stats['cases']} cases, {stats['exit_2']} refused, "
                 f"{time.monotonic() - t0:.0f} s")

    try:
        case()
    except AssertionError:
        pass
    finally:
        w.close()
        if not stats["failures"]:
            shutil.rmtree(root, ignore_errors=True)
    stats["seconds"] = round(time.monotonic() - t0, 1)
    return stats


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        return worker()
    s = fuzz(a.cases, a.seed)
    print(json.dumps(s, indent=2))
    sys.exit(1 if s["failures"] else 0)


if __name__ == "__main__":
    main()
