"""The student chosen for the device (issue 13): the most accurate zoo student whose int8
firmware fits a RAM / flash / latency budget on the target, with every cost measured on the
emulated MCU before any training.

    budget.py  --budget / [budget] -> limits for one target, the latency estimate
    space.py   the candidate students (zoo families and their knobs)
    cost.py    a candidate's RAM, flash, instructions: random weights -> int8 -> bench_mcu, cached
    halving.py successive halving of the survivors, distilled from the teacher, on the val split
    front.py   Pareto fronts (val accuracy vs instructions, RAM, flash)
    choose.py  all of it in order -> search.json's document
"""
