"""edgedistill targets list | show NAME | show --board NAME."""

import click


@click.group("targets")
def command():
    """Target profiles (targets/*.toml)."""


@command.command("list")
def list_():
    from pipeline import targets
    for name in targets.names():
        t = targets.load(name)
        ram = f"{t.ram_bytes // 1024} KiB RAM" if t.ram_bytes else "-"
        click.echo(f"{t.name:15s} {t.kind:5s} {t.runtime:15s} {ram:>13s}  {t.description}")


@command.command("show")
@click.argument("name", required=False)
@click.option("--board", default=None,
              help="Show the profile this board implies: its core's target with the part's RAM, flash and clock.")
def show(name, board):
    """A target profile by NAME, or the one `--board NAME` builds with."""
    from dataclasses import asdict

    from pipeline.cli.options import resolve_target
    from pipeline.errors import UserError
    if (name is None) == (board is None):
        raise UserError("give a target NAME or --board NAME, not both" if name else "give a target NAME or --board NAME",
                        "see `edgedistill targets list` and `edgedistill boards list`")
    t, _ = resolve_target(name, board)
    for k, v in asdict(t).items():
        click.echo(f"{k:12s} {v}")
    if t.kind == "mcu":         # the numbers compile, bench and run refuse over (firmware/build.py)
        from pipeline.firmware import boards
        from pipeline.firmware.build import ram_limit
        limit, why = ram_limit(t, boards.for_target(t))
        click.echo(f"{'ram_limit':12s} {limit} B usable by the image ({why})")
