"""kernel_features.h (pipeline/compiler/features.py): the compiler tells the DSP depthwise kernel
which step kernels of its plane paths the model's layers can take, the rest compile out. The
flags for the MLPerf layers, the C and Python lists of flags agreeing, a firmware with step
kernels forced out still bit-exact (they fall through to the path's general steps), and the
code really gone. Beside them the paths model.c names (pipeline/compiler/paths.py): the conv
GEMM loops and the depthwise plane paths; only those are linked."""

import dataclasses
import re

import numpy as np
import pytest

from pipeline.compiler import features
from pipeline.targets import kernel_dir


def _on(src) -> set[str]:
    text = src.files[features.HEADER]
    return {m for m in re.findall(r"#define (ED_USE_\w+) 1$", text, re.M)}


def _with_flags(src, **values):
    """src with its kernel_features.h rewritten: the given flags set, the others kept."""
    text = src.files[features.HEADER]
    for name, v in values.items():
        text, n = re.subn(rf"#define {name} \d", f"#define {name} {v}", text)
        assert n == 1, name
    return dataclasses.replace(src, files={**src.files, features.HEADER: text})


@pytest.fixture(scope="module")
def kws(mlperf_models) -> bytes:
    return mlperf_models["kws_dscnn"]          # converted once per session (tests/conftest.py)


def _loops(src) -> set[str]:
    """the conv GEMM loops model.c names"""
    return set(re.findall(r"\.gemm = ed_conv_dsp_(\w+),", src.files["model.c"]))


def _dw(src) -> set[str]:
    """the depthwise entries model.c calls"""
    return set(re.findall(r"(ed_depthwise_conv\w*)\(&", src.files["model.c"]))


def test_flags_match_the_c():
    """Every flag the compiler writes is one a DSP kernel reads (with its default of 1), and no
    other kernel reads any: the conv and fully connected paths are named by model.c."""
    c = {}
    for f in sorted(p.name for p in kernel_dir("dsp").glob("*.[ch]")):
        c.update(dict.fromkeys(re.findall(r"#ifndef (ED_USE_\w+)\n#define \1 1\n",
                                          (kernel_dir("dsp") / f).read_text())))
    assert sorted(c) == sorted(features.FLAGS)


def test_flags_of_mlperf_layers(mlperf_models):
    """KWS: 5-wide stride-1 depthwise planes (strip path, its 5-output step) and 1x1 / 10x4 convs
    in triples (K4 / 4 = 16 and 10: the u8 and u2 loops); VWW adds stride 2, ring rows and 3-,
    6-, 12-output steps, a pair loop; int8 rows with --optimize size; M55 uses no DSP conv or
    depthwise. No MLPerf depthwise layer is left to the pixel path."""
    from pipeline.compiler.sources import compile_model
    src = compile_model(mlperf_models["kws_dscnn"], "cortex-m4")
    assert _on(src) == {"ED_USE_DW_STRIP_S1_5"}
    assert _loops(src) == {"gemm24", "gemm24_u8"} and _dw(src) == {"ed_depthwise_conv_strips"}
    vww = mlperf_models["vww_mobilenet_v1_025"]
    big = compile_model(vww, "cortex-m4")
    assert _dw(big) == {"ed_depthwise_conv_strips", "ed_depthwise_conv_ring"}
    assert {"ED_USE_DW_STRIP_S1_12", "ED_USE_DW_RING6_S1"} <= _on(big)
    assert not any("gemm8" in f for f in _loops(big))   # its last conv (2 channels): gemm16
    small = _loops(compile_model(vww, "cortex-m4", optimize="size"))
    assert small and all(f.startswith("gemm8") for f in small)
    m55 = compile_model(vww, "cortex-m55")
    assert _on(m55) == set() and _loops(m55) == set() and _dw(m55) == {"ed_depthwise_conv"}
    # several models in one binary (a prefix) share the kernels: no header, everything stays
    assert features.HEADER not in compile_model(vww, "host", prefix="a_").files


def test_gated_paths_fall_back_bitexact(kws, tmp_path):
    """KWS with its strip path's 5-output step forced out: the depthwise layers take the 4- and
    1-output steps (more instructions), outputs identical to tflite-micro's and to the ungated
    firmware's; the gated code is not linked, flash shrinks. Of the conv GEMM loops and the
    depthwise paths only those model.c names are: not the pixel path, which no layer takes."""
    from pipeline import targets
    from pipeline.compiler.sources import compile_model, random_inputs
    from pipeline.runtimes.tflm import reference_outputs
    from pipeline.firmware import build, emulate
    from pipeline.firmware.elf import Elf
    target = targets.resolve("cortex-m4")
    src = compile_model(kws, target)
    gated = _with_flags(src, ED_USE_DW_STRIP_S1_5=0)
    everything = _with_flags(src, **{f: 1 for f in features.FLAGS})
    x = random_inputs(src, 3, seed=5)
    ref = reference_outputs(kws, x).reshape(len(x), -1)
    out = {}
    for name, s in (("model", src), ("gated", gated)):
        y, res, _, _ = emulate(s, target, x)
        assert np.array_equal(y, ref), name
        out[name] = int(np.sum(res.counts))
    assert out["gated"] > out["model"]          # the fallbacks ran
    sizes, syms = {}, {}
    for name, s in (("everything", everything), ("model", src), ("gated", gated)):
        info = build.build(s, target, tmp_path / name)
        sizes[name], syms[name] = info.flash_bytes, set(Elf(info.elf).symbols())
    # everything - model: the strip steps no KWS layer takes, 2,300 B
    assert sizes["gated"] < sizes["model"] < sizes["everything"] - 2000, sizes
    assert {"ed_dw_strip_s1_5", "ed_dw_strip_s1_12"} <= syms["everything"]
    assert {"ed_dw_strip_s1_5", "ed_conv_dsp_gemm24_u8"} <= syms["model"]
    assert "ed_dw_strip_s1_12" not in syms["model"]
    assert not {"ed_conv_dsp_gemm8", "ed_conv_dsp_gemm16", "ed_conv_grouped", "ed_conv_dsp_rest",
                "ed_depthwise_conv", "ed_dw_ring6_s1", "pixel_fast"} & syms["everything"]
    assert "ed_dw_strip_s1_5" not in syms["gated"]


@pytest.fixture(scope="module")
def mirror_families() -> dict:
    """The op families at seed 7300, converted once for both `optimize` cases (was once each)."""
    from tests.firmware.conftest import op_families
    return op_families(7300)


@pytest.mark.parametrize("optimize", ("auto", "size"))
def test_the_mirror_leaves_no_layer_on_a_fallback(optimize, mlperf_models, mirror_families):
    """features.py must switch on every path a layer takes, or the layer silently runs a slower
    fallback: over the random conv and depthwise families (dozens of shapes: strides, padding,
    odd channel counts) and VWW (the strip and ring depthwise paths and their step kernels, pair
    and triple GEMM loops), each op's instructions with the generated header
    stay within 3 % of those with every path compiled in (a fallback costs 1.5-3x; what is left
    is GCC laying out the dispatch code differently)."""
    from pipeline import targets
    from pipeline.compiler.sources import compile_model, random_inputs
    from pipeline.firmware import emulate
    target = targets.resolve("cortex-m4")
    models = {"conv": mirror_families["conv"], "depthwise": mirror_families["depthwise"],
              "vww": mlperf_models["vww_mobilenet_v1_025"]}
    for fam, tfl in models.items():
        src = compile_model(tfl, target, optimize=optimize)
        everything = _with_flags(src, **{f: 1 for f in features.FLAGS})
        x = random_inputs(src, 1, seed=2)
        ops = {}
        for name, s in (("model", src), ("everything", everything)):
            _, res, _, _ = emulate(s, target, x, per_op=True)
            ops[name] = {r["op"]: r["instructions"] for r in res.per_op}
        for op, n in ops["everything"].items():
            assert ops["model"][op] <= 1.03 * n + 200, (fam, op, ops["model"][op], n)
