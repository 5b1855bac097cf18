"""edgedistill run: the whole pipeline, data to report."""

import click

from pipeline.cli.options import recipe_options, run_stages


@click.command("run")
@recipe_options
def command(**kw):
    """Data -> teacher -> distill -> QAT -> int8 .tflite -> verify -> TFLM package -> report."""
    run_stages("report", **kw)
