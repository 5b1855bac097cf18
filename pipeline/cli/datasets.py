"""edgedistill datasets list | show NAME."""

import click


@click.group("datasets")
def command():
    """Built-in data sets (datasets/*.toml); all load offline."""


@command.command("list")
def list_():
    from pipeline.data import catalog
    for name in catalog.names():
        s = catalog.spec(name)
        shape = "x".join(map(str, s.input_shape))
        click.echo(f"{s.name:15s} {s.samples:>7,} samples  {shape:9s} {len(s.classes):3d} classes  {s.licence}")


@command.command("show")
@click.argument("name")
def show(name):
    from dataclasses import asdict
    from pipeline.data import catalog
    for k, v in asdict(catalog.spec(name)).items():
        click.echo(f"{k:14s} {v}")
