"""A .tflite is untrusted input (issue #21). Hostile models are made here from a real one (the
MLPerf Tiny KWS DS-CNN, converted by the real TFLite converter) by editing names, shapes, buffer
indices, quantization fields and the graph; each goes through every command that takes a model.

- Hostile *text* (names, description, metadata, signature keys): compile, verify on the host and
  on the emulated Cortex-M4, bundle and the TFLM package all work, and the generated C, run
  through the C compiler's preprocessor, is the same code as for the original model: no model
  string is anywhere but inside an escaped comment.
- Hostile *structure*: each command exits 2 with one line naming the problem, and writes nothing.
"""

import re
import shutil
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner

PAYLOADS = [
    "*/ int pwned(void){return 42;} /*",
    "ends in a backslash \\",
    "trigraph ??/",
    'two\nlines\n#include "/etc/passwd"',
    "nul\x00byte",
    "\x1b[31mred on the terminal\x1b[0m",
    "non-ASCII \u00e9\u540d\u202e",
    '"); system("id"); //',
    "</pre><script>alert(1)</script> | `x` &amp;",
    "long " + "A" * 5000,
]


def _edit(tfl: bytes, fn) -> bytes:
    """tfl unpacked, fn(model, schema) applied, packed again."""
    import flatbuffers
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as S
    m = S.ModelT.InitFromPackedBuf(bytearray(tfl), 0)
    fn(m, S)
    b = flatbuffers.Builder(0)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def _hostile_text(m, S):
    for i, t in enumerate(m.subgraphs[0].tensors):
        t.name = PAYLOADS[i % len(PAYLOADS)].encode("utf-8")
    m.description = PAYLOADS[0].encode()
    for md in m.metadata or []:
        md.name = PAYLOADS[3].encode()
    for sd in m.signatureDefs or []:
        sd.signatureKey = PAYLOADS[7].encode()
        for tm in (sd.inputs or []) + (sd.outputs or []):
            tm.name = PAYLOADS[1].encode()


@pytest.fixture(scope="module")
def models(tmp_path_factory, mlperf_models):
    d = tmp_path_factory.mktemp("untrusted")
    benign = mlperf_models["kws_dscnn"]
    paths = {"benign": d / "benign.tflite", "hostile": d / "hostile.tflite"}
    paths["benign"].write_bytes(benign)
    paths["hostile"].write_bytes(_edit(benign, _hostile_text))
    return paths


def _cli(*args):
    from pipeline.cli.main import cli
    return CliRunner().invoke(cli, [str(a) for a in args])


def _preprocessed(cc: list[str], c_file, includes) -> str:
    """The code the compiler sees: trigraphs, line splices, comments and directives done."""
    flags = [f"-I{p}" for p in includes]
    r = subprocess.run([*cc, "-std=c11", "-E", "-P", *flags, str(c_file)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def _assert_inert(text: str, where: str, ascii_only: bool = True):
    """No control characters (no terminal escapes), none of the payloads' non-ASCII characters
    (all non-ASCII for generated C), and the payloads' dangerous pieces only in escaped form."""
    bad = [c for c in text if c in "\x00\x1b\u202e\u540d\u00e9" or (c < " " and c != "\n")
           or (ascii_only and c > "~")]
    assert not bad, f"{where}: raw characters {bad[:5]!r}"
    for piece in ("*/ int pwned", "<script>", "??/", "\\\n"):
        assert piece not in text, f"{where}: {piece!r} raw"


@pytest.fixture(scope="module")
def host_compiled(models, tmp_path_factory):
    """`compile MODEL --target host` of the benign and the hostile model, once for the module:
    {kind: (exit code, output, out dir, preprocessed model.c or None)}."""
    d, got = tmp_path_factory.mktemp("host_compiled"), {}
    for kind in ("benign", "hostile"):
        out = d / kind
        r = _cli("compile", models[kind], "--target", "host", "--out", out)
        code = _preprocessed(["gcc"], out / "model.c", [out, out / "kernels"]) if r.exit_code == 0 else None
        got[kind] = (r.exit_code, r.output, out, code)
    return got


def test_compile_host_names_stay_in_comments(host_compiled):
    code = {}
    for kind in ("benign", "hostile"):
        exit_code, output, out, code[kind] = host_compiled[kind]
        assert exit_code == 0, output
        for f in ("model.c", "model.h", "memory_plan.txt"):
            _assert_inert((out / f).read_text(), f"{kind} {f}")
    assert code["hostile"] == code["benign"]
    # the names are there, escaped: the memory plan still names tensors
    plan = (host_compiled["hostile"][2] / "memory_plan.txt").read_text()
    assert "\\052/ int pwned(void){return 42;} /\\052" in plan


def test_a_payload_shaped_to_compile_stays_a_comment(models, host_compiled, tmp_path):
    """Raw, this name would compile (a tentative definition between two comments, repeatable): the build
    alone proves nothing, the preprocessed code and the symbol table do."""
    from pipeline.compiler.reader import read

    def one_name(m, S):
        g = read(models["benign"].read_bytes())
        inner = g.ops[1].outputs[0]                # an activation between two ops
        m.subgraphs[0].tensors[inner].name = b"*/ int pwned_marker; /*"
    p = tmp_path / "shaped.tflite"
    p.write_bytes(_edit(models["benign"].read_bytes(), one_name))
    exit_code, output, _, benign = host_compiled["benign"]      # the module's benign compile
    assert exit_code == 0, output
    out = tmp_path / "shaped"
    r = _cli("compile", p, "--target", "host", "--out", out)
    assert r.exit_code == 0, r.output
    assert _preprocessed(["gcc"], out / "model.c", [out, out / "kernels"]) == benign
    nm = subprocess.run(["nm", str(tmp_path / "shaped" / "model_host")], capture_output=True, text=True)
    assert "pwned_marker" not in nm.stdout


def test_compile_cortex_m4_same_code_and_same_image(models, tmp_path):
    from pipeline import targets
    from pipeline.firmware import boards
    cc = ["arm-none-eabi-gcc", *boards.cflags(targets.load("cortex-m4"))]
    code, image = {}, {}
    for kind in ("benign", "hostile"):
        out = tmp_path / kind
        r = _cli("compile", models[kind], "--target", "cortex-m4", "--out", out)
        assert r.exit_code == 0, r.output
        _assert_inert((out / "model.c").read_text(), f"{kind} model.c")
        code[kind] = _preprocessed(cc, out / "model.c", [out, out / "kernels", out / "board"])
        subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", str(out / "firmware.elf"),
                        str(out / "image.bin")], check=True)
        image[kind] = (out / "image.bin").read_bytes()
    assert code["hostile"] == code["benign"]
    assert image["hostile"] == image["benign"]      # the loaded bytes, not just the C


@pytest.mark.parametrize("target", ["host", "cortex-m4"])
def test_verify_hostile_names(models, target):
    import json
    r = _cli("verify", models["hostile"], "--target", target, "--samples", "3", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["bitexact"] == 1.0


def test_bundle_and_tflm_package_hostile_names(models, tmp_path):
    from pipeline.stages.tflm_package import package
    r = _cli("bundle", models["hostile"], "--target", "rpi4", "--out", tmp_path / "bundle")
    assert r.exit_code == 0, r.output
    package(models["hostile"].read_bytes(), tmp_path / "tflm")
    files = [p for p in (tmp_path / "bundle").rglob("*") if p.suffix in (".md", ".json", ".txt", ".py")]
    files += [p for p in (tmp_path / "tflm").iterdir()]
    for p in files:
        _assert_inert(p.read_text(), str(p.name), ascii_only=False)


def test_custom_op_name_in_the_error_is_escaped(models, tmp_path):
    def custom(m, S):
        code = m.operatorCodes[m.subgraphs[0].operators[0].opcodeIndex]
        code.builtinCode = code.deprecatedBuiltinCode = S.BuiltinOperator.CUSTOM
        code.customCode = PAYLOADS[5].encode() + b"\n" + PAYLOADS[0].encode()
    p = tmp_path / "custom.tflite"
    p.write_bytes(_edit(models["benign"].read_bytes(), custom))
    r = _cli("compile", p, "--target", "host", "--out", tmp_path / "out")
    assert r.exit_code == 2, r.output
    assert "CUSTOM:" in r.output and "\\033[31m" in r.output
    _assert_inert(r.output, "error message", ascii_only=False)
    assert not (tmp_path / "out").exists()


# ---- hostile structure: exit 2, one line, nothing written ------------------------------------

def _first(m, S, kind):
    """(subgraph, first op of `kind`)."""
    sg = m.subgraphs[0]
    return sg, next(op for op in sg.operators
                    if max(m.operatorCodes[op.opcodeIndex].builtinCode,
                           m.operatorCodes[op.opcodeIndex].deprecatedBuiltinCode) == getattr(S.BuiltinOperator, kind))


def _weights(m, S):
    sg, op = _first(m, S, "CONV_2D")
    return sg.tensors[op.inputs[1]]


def _activation(m, S):
    sg, op = _first(m, S, "CONV_2D")
    return sg.tensors[op.outputs[0]]


def _while(m, S, body: int):
    """Op 0 becomes a WHILE whose body is subgraph `body`."""
    code = S.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = S.BuiltinOperator.WHILE
    m.operatorCodes.append(code)
    op = m.subgraphs[0].operators[0]
    op.opcodeIndex = len(m.operatorCodes) - 1
    op.builtinOptionsType = S.BuiltinOptions.WhileOptions
    op.builtinOptions = S.WhileOptionsT()
    op.builtinOptions.condSubgraphIndex, op.builtinOptions.bodySubgraphIndex = 0, body


def _set(obj, **kw):
    for k, v in kw.items():
        setattr(obj, k, v)


HOSTILE = {
    "buffer index out of range": (lambda m, S: _set(_weights(m, S), buffer=len(m.buffers) + 7),
                                  "buffer index"),
    "constant shorter than its shape": (lambda m, S: _set(m.buffers[_weights(m, S).buffer],
                                                          data=m.buffers[_weights(m, S).buffer].data[:-5]),
                                        "constant holds"),
    "shape whose product overflows": (lambda m, S: _set(_activation(m, S), shape=[1 << 20, 1 << 20, 1 << 20, 8]),
                                      "more than a .tflite tensor can address"),
    "2^31-element tensor": (lambda m, S: _set(_activation(m, S), shape=[1, 1 << 16, 1 << 15, 1]),
                            "more than a .tflite tensor can address"),
    "negative dimension": (lambda m, S: _set(_activation(m, S), shape=[1, -3, 5, 64]), "negative dimension"),
    "NaN scale": (lambda m, S: _set(_activation(m, S).quantization, scale=[float("nan")]), "quantization scale"),
    "zero activation scale": (lambda m, S: _set(_activation(m, S).quantization, scale=[0.0]), "quantization scale"),
    # well-formed, but no int32 multiplier holds s_in * s_w / s_out: only the compiler refuses it
    # (LiteRT and tflite-micro accept it, so the bundle and the TFLM package are made)
    "tiny activation scale": (lambda m, S: _set(_activation(m, S).quantization, scale=[1e-44]),
                              "scales out of range"),
    "per-channel scale count": (lambda m, S: _set(_weights(m, S).quantization,
                                                  scale=list(_weights(m, S).quantization.scale)[:-1],
                                                  zeroPoint=list(_weights(m, S).quantization.zeroPoint)[:-1]),
                                "per-channel scales"),
    "zero point out of range": (lambda m, S: _set(_activation(m, S).quantization, zeroPoint=[300]), "zero point 300"),
    "quantized dimension out of range": (lambda m, S: _set(_weights(m, S).quantization, quantizedDimension=9),
                                         "quantized dimension 9"),
    "op input out of range": (lambda m, S: _set(m.subgraphs[0].operators[1], inputs=[99999, 1, 2]),
                              "reads tensor 99999"),
    # well-formed, but a conv without its weights: the compiler and LiteRT each name the op
    "conv weights absent": (lambda m, S: _first(m, S, "CONV_2D")[1].inputs.__setitem__(1, -1), "CONV_2D"),
    "op code out of range": (lambda m, S: _set(m.subgraphs[0].operators[0], opcodeIndex=4000), "operator code 4000"),
    "ops out of order (a cycle)": (lambda m, S: m.subgraphs[0].operators.reverse(), "ops out of order, or a cycle"),
    "model input out of range": (lambda m, S: _set(m.subgraphs[0], inputs=[12345]), "tensor 12345"),
    "subgraph index out of range": (lambda m, S: _while(m, S, body=7), "bodySubgraphIndex = 7"),
    "subgraph that calls itself": (lambda m, S: _while(m, S, body=0), "recursion: 0 -> 0"),
    "truncated file": (None, "not a .tflite flatbuffer"),
}


@pytest.fixture(scope="module")
def hostile(models, tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    benign = models["benign"].read_bytes()
    out = {}
    for name, (fn, _) in HOSTILE.items():
        p = d / (re.sub(r"\W+", "_", name) + ".tflite")
        p.write_bytes(benign[:len(benign) // 3] if fn is None else _edit(benign, fn))
        out[name] = p
    return out


COMPILE_ONLY = {"tiny activation scale"}
COMMANDS = {
    "compile host": ["compile", "{m}", "--target", "host", "--out", "{out}"],
    "verify host": ["verify", "{m}", "--target", "host", "--samples", "2"],
    "verify cortex-m4": ["verify", "{m}", "--target", "cortex-m4", "--samples", "2"],
    "bundle": ["bundle", "{m}", "--target", "rpi4", "--out", "{out}"],
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_structure_exits_2_naming_the_problem(hostile, name, tmp_path):
    from pipeline.errors import UserError
    from pipeline.stages.tflm_package import package
    expected = HOSTILE[name][1]
    for label, argv in COMMANDS.items():
        if name in COMPILE_ONLY and label == "bundle":
            continue
        out = tmp_path / label.replace(" ", "_")
        r = _cli(*[a.format(m=hostile[name], out=out) for a in argv])
        assert r.exit_code == 2, f"{label}: exit {r.exit_code}\n{r.output}\n{r.exception!r}"
        lines = r.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), f"{label}: {r.output}"
        assert expected in lines[0], f"{label}: {lines[0]}"
        assert not out.exists(), f"{label} wrote {out}"
    if name not in COMPILE_ONLY:
        with pytest.raises(UserError, match=re.escape(expected)):
            package(hostile[name].read_bytes(), tmp_path / "tflm")
        assert not (tmp_path / "tflm").exists()


def test_one_line_without_traceback_from_a_real_process(hostile, tmp_path):
    """The matrix above runs the CLI in-process; a user runs a process: same answer there."""
    from tests.conftest import edgedistill
    r = edgedistill("compile", hostile["buffer index out of range"], "--target", "host", "--out", tmp_path / "o")
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "Traceback" not in r.stderr
    assert "buffer index" in r.stderr


def test_the_checks_pass_every_real_model(mlperf_models):
    """No false alarm on the field's trained models (dead channels, skewed ranges) when present,
    nor on the random-weight MLPerf architectures."""
    from pathlib import Path

    from pipeline.compiler.reader import check
    shared = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "mlperf-tiny"
    for p in sorted(shared.glob("*.tflite")):
        check(p.read_bytes())
    check(mlperf_models["ad_autoencoder"])       # converted once per session (tests/conftest.py)


# ---- a model the reference interpreter crashes on ----------------------------------------------

@pytest.fixture(scope="module")
def tflm_crasher(tmp_path_factory):
    """Passes every structural check, compiles (the compiler folds the shape ops a dynamic-batch
    Reshape leaves), and segfaults tflite-micro, which runs those ops: the PACK building the
    shape claims a 0-element output. Found by tools/fuzz_models.py."""
    import keras
    from keras import layers as L

    from pipeline.compiler.mlperf import to_int8_tflite
    inp = keras.Input((6, 6, 3))
    out = L.Reshape((1, 3))(L.GlobalAveragePooling2D()(L.Conv2D(3, 1)(inp)))
    tfl = to_int8_tflite(keras.Model(inp, out), seed=2)

    def empty_pack(m, S):
        sg, op = _first(m, S, "PACK")
        sg.tensors[op.outputs[0]].shape = [0]
    p = tmp_path_factory.mktemp("crash") / "crasher.tflite"
    p.write_bytes(_edit(tfl, empty_pack))
    return p


@pytest.mark.parametrize("target", ["host", "cortex-m4"])
def test_a_reference_interpreter_crash_is_one_line_not_ours(tflm_crasher, target):
    """tflite-micro runs in a sandboxed child (runtimes/isolated.py): its segfault ends that child
    and verify exits 2 naming it; in our process it would have killed verify without a word."""
    from tests.conftest import edgedistill
    r = edgedistill("verify", tflm_crasher, "--target", target, "--samples", "2")
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert "tflite-micro reference interpreter crashed" in r.stderr and "SIGSEGV" in r.stderr
    assert r.stderr.strip().count("\n") == 0


def test_the_crasher_does_crash_tflite_micro(tflm_crasher):
    """The control: the same model in a bare process (no isolation) is killed by the signal."""
    import sys
    code = ("import sys, numpy as np; from pipeline.runtimes.tflm import reference_outputs; "
            "reference_outputs(open(sys.argv[1], 'rb').read(), np.zeros((1, 108), np.int8))")
    r = subprocess.run([sys.executable, "-c", code, str(tflm_crasher)], capture_output=True, text=True)
    assert r.returncode == -11, (r.returncode, r.stderr[-1000:])
