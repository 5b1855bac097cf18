"""edgedistill search: the pipeline up to the student chosen for the budget (search.json)."""

import click

from pipeline.cli.options import recipe_options, run_stages


@click.command("search")
@recipe_options
def command(**kw):
    """Measure every candidate student's RAM, flash and instructions on the emulated target, drop
    those over the budget (--budget, the recipe's [budget], else the target's part), rank the rest
    by successive halving on the validation split; stop after the choice (run dir: search.json)."""
    info = run_stages("search", search=True, **kw)
    ch = info["search"]["chosen"]
    click.echo(f"chosen: {ch['name']} (`edgedistill run` with the same options and budget trains it on)")
