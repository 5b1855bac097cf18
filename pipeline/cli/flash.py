"""`edgedistill flash FIRMWARE.elf --board NAME [--probe pyocd|openocd] [--dry-run]`."""

import click


@click.command("flash")
@click.argument("firmware", type=click.Path(dir_okay=False))
@click.option("--board", required=True, help="board name (targets/boards/<name>/board.toml)")
@click.option("--probe", type=click.Choice(["openocd", "pyocd"]), default="openocd", show_default=True,
              help="debug probe software that programs the board")
@click.option("--dry-run", is_flag=True, help="check the image and print the command; touch no hardware")
def command(firmware, board, probe, dry_run):
    """Program a firmware ELF (from `edgedistill compile --target <mcu>`) onto a real board."""
    from pathlib import Path

    from pipeline.flash import flash
    r = flash(Path(firmware), board, probe, dry_run)
    if r["note"]:
        click.echo(f"note: {r['note']}", err=True)
    click.echo(r["command"] if dry_run else f"flashed {firmware} to {r['board']} with {r['probe']}")
