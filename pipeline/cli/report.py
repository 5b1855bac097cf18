"""edgedistill report: the summary table of a finished run; --html writes its report.html, or for
several runs one page comparing them."""

from pathlib import Path

import click


@click.command("report")
@click.argument("run_dirs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print metrics.json instead of the table.")
@click.option("--html", "as_html", is_flag=True,
              help="Write RUN_DIR/report.html (one run) or one page comparing the runs (several).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where the comparison page goes (several runs; default ./report-compare.html).")
def command(run_dirs, as_json, as_html, out):
    """Print the summary of RUN_DIR ... (default: runs/fashion-mnist-cortex-m4)."""
    import json
    from pipeline.errors import UserError
    from pipeline.stages import report
    run_dirs = list(run_dirs) or [Path("runs/fashion-mnist-cortex-m4")]
    if out is not None and not (as_html and len(run_dirs) > 1):
        raise UserError("--out names the comparison page", "give --html and two or more run directories")
    for d in run_dirs:
        m = report.load(d)          # a missing metrics.json fails here, naming the fix
        if not as_html:
            click.echo(json.dumps(m, indent=2) if as_json else report.table(m))
    if not as_html:
        return
    if len(run_dirs) == 1:
        click.echo(f"report: {report.write_html(run_dirs[0])}")
    else:
        from pipeline.report import compare
        click.echo(f"comparison: {compare.write(run_dirs, out or Path('report-compare.html'))}")
