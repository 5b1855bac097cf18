"""edgedistill targets list | show NAME."""

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
@click.argument("name")
def show(name):
    from dataclasses import asdict
    from pipeline import targets
    t = targets.load(name)
    for k, v in asdict(t).items():
        click.echo(f"{k:12s} {v}")
    if t.kind == "mcu":         # the numbers compile, bench and run refuse over (firmware/build.py)
        from pipeline.firmware import boards
        from pipeline.firmware.build import ram_limit
        limit, why = ram_limit(t, boards.for_target(t))
        click.echo(f"{'ram_limit':12s} {limit} B usable by the image ({why})")
