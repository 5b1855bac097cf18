"""edgedistill report: the summary table of a finished run."""

from pathlib import Path

import click


@click.command("report")
@click.argument("run_dir", type=click.Path(path_type=Path), default=None, required=False)
@click.option("--json", "as_json", is_flag=True, help="Print metrics.json instead of the table.")
def command(run_dir, as_json):
    """Print the summary of RUN_DIR (default: runs/fashion-mnist-cortex-m4)."""
    import json
    from pipeline.stages import report
    m = report.load(run_dir or Path("runs/fashion-mnist-cortex-m4"))
    click.echo(json.dumps(m, indent=2) if as_json else report.table(m))
