"""Fault, stack overflow and hang reports: hand-written model.c files that misbehave on
purpose, built and run exactly like compiled models."""

import numpy as np
import pytest

HEADER = """#ifndef MODEL_H
#define MODEL_H
#include <stdint.h>
#define MODEL_ARENA_SIZE 16
#define MODEL_INPUT_ELEMENTS 4
#define MODEL_OUTPUT_ELEMENTS 4
int model_invoke(const int8_t *in, int8_t *out);
#endif
"""

BODIES = {
    # UDF: an undefined instruction -> UsageFault, escalated to HardFault
    "trap": "__attribute__((noinline)) void broken_kernel(int8_t *out) { out[0] = 1; __builtin_trap(); }",
    # 1 KiB frames, 200 deep: far past the stack at the bottom of RAM
    "overflow": """__attribute__((noinline)) int broken_kernel_rec(volatile int8_t *p, int n) {
    volatile int8_t buf[1024];
    buf[0] = (int8_t)n; buf[1023] = p[0];
    return n == 0 ? buf[0] : broken_kernel_rec(buf, n - 1) + buf[1023];
}
__attribute__((noinline)) void broken_kernel(int8_t *out) { out[0] = (int8_t)broken_kernel_rec(out, 200); }""",
    "hang": "__attribute__((noinline)) void broken_kernel(int8_t *out) { for (;;) { __asm volatile(\"\" ::: \"memory\"); } (void)out; }",
}


def sources(kind: str):
    from pipeline.compiler.sources import Sources
    c = f"""#include <stdint.h>
#include <string.h>
#include "model.h"
{BODIES[kind]}
int model_invoke(const int8_t *in, int8_t *out) {{
    memcpy(out, in, 4);  /* op 0 RESHAPE */
    broken_kernel(out);  /* op 1 CONV_2D */
    return 0;
}}
"""
    return Sources({"model.h": HEADER, "model.c": c}, "", 16, 0, "", "int8", ((1, 4),), ((1, 4),),
                   ("RESHAPE", "CONV_2D"))


def run(kind, target, timeout=None):
    from pipeline import targets
    from pipeline.firmware import FirmwareFault, emulate
    with pytest.raises(FirmwareFault) as e:
        emulate(sources(kind), targets.load(target), np.zeros((2, 4), np.int8), timeout=timeout)
    return e.value


@pytest.mark.parametrize("target", ["cortex-m4", "cortex-m0plus"])
def test_hard_fault_report_names_pc_function_and_op(target):
    f = run("trap", target)
    assert f.kind == "hardfault"
    assert f.function == "broken_kernel" and f.pc
    assert f.op == "op 1 CONV_2D"
    assert "op 1 CONV_2D" in str(f) and f"{f.pc:#010x}" in str(f)


@pytest.mark.parametrize("target", ["cortex-m4", "cortex-m55", "stm32f405"])
def test_stack_overflow_is_reported(target):
    f = run("overflow", target)
    assert f.kind == "stack-overflow", str(f)
    assert f.op == "op 1 CONV_2D"
    assert "stack_bytes" in f.fix


def test_hang_hits_the_timeout_with_the_pc():
    f = run("hang", "cortex-m7", timeout=1.5)
    assert f.kind == "hang"
    assert f.function == "broken_kernel" and f.op == "op 1 CONV_2D"
    assert "did not finish" in str(f)
