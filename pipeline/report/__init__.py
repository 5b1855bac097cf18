"""report.html: one self-contained page (images inlined as base64 PNG, no script, no network)
drawn from what a finished run directory already holds.

    rundir.py    reads a run directory: metrics.json, search.json, firmware/memory_plan.txt
    outcomes.py  confusion matrices / anomaly scores, recorded by the stages that hold outputs
    charts.py    one matplotlib figure per figure of merit -> PNG bytes
    model_charts.py  the model's own figures: confusion, ROC, per-op profile, memory plan
    html.py      the page of one run: a section per figure, or a one-line note why it is missing
    compare.py   one page comparing several runs

The stages import only outcomes.py; matplotlib is imported by the charts alone.
"""
