"""edgedistill teacher: the pipeline up to the teacher stage (earlier stages reused when unchanged)."""

import click

from pipeline.cli.options import recipe_options, run_stages


@click.command("teacher")
@recipe_options
def command(**kw):
    """Train the recipe's teacher (or load --teacher) and measure it."""
    run_stages("teacher", **kw)
