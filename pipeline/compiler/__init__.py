"""Ahead-of-time compiler: int8 .tflite -> plain C with a static memory plan.

    reader   .tflite bytes -> Graph (tensors, ops, constants), shape-only subgraphs folded
    lower    Graph -> Calls (one kernel call per op, parameters computed here), validated
    planner  Calls -> arena offsets (lifetimes, greedy by size, overlap where a kernel allows)
    emit     Calls + plan -> model.c / model.h
    sources  compile_model: the stages above for one target -> Sources (C texts, sizes)

Building and running the C: pipeline/runtimes/host.py (this machine), pipeline/firmware
(Cortex-M under QEMU); the target facts both read: pipeline/targets.py.

Everything a kernel needs is decided at compile time; the generated C cannot fail.
"""
