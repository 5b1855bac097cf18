"""edgedistill convert: the pipeline up to the convert stage (earlier stages reused when unchanged)."""

import click

from pipeline.cli.options import recipe_options, run_stages


@click.command("convert")
@recipe_options
def command(**kw):
    """Convert the QAT student to a full-integer int8 .tflite (and the recipe's variants)."""
    run_stages("convert", **kw)
