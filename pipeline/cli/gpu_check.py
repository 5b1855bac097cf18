"""`edgedistill gpu-check MODEL.tflite [--json]`: our LiteRT GPU-delegate compatibility check."""

from pathlib import Path

import click


@click.command("gpu-check")
@click.argument("model", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def command(model, as_json):
    """Name the ops the LiteRT GPU delegate rejects and what falls back to the CPU (exit 1 if any)."""
    import json

    from pipeline.compiler.reader import read_file
    from pipeline.linux.gpu import check, summary
    r = check(read_file(model))
    click.echo(json.dumps(r) if as_json else summary(r))
    raise SystemExit(0 if r["compatible"] else 1)
