"""Ahead-of-time compiler: int8 .tflite -> plain C with a static memory plan.

    reader   .tflite bytes -> Graph (tensors, ops, constants), shape-only subgraphs folded
    lower    Graph -> Calls (one kernel call per op, parameters computed here), validated
    planner  Calls -> arena offsets (lifetimes, greedy by size, overlap where a kernel allows)
    emit     Calls + plan -> model.c / model.h
    host     gcc build + run on this machine, verify against tflite-micro

Everything a kernel needs is decided at compile time; the generated C cannot fail.
"""
