"""edgedistill distill: the pipeline up to the distill stage (earlier stages reused when unchanged)."""

import click

from pipeline.cli.options import recipe_options, run_stages


@click.command("distill")
@recipe_options
def command(**kw):
    """Distill the teacher into the recipe's student (float)."""
    run_stages("distill", **kw)
