"""`edgedistill flash FIRMWARE.elf --board NAME [--probe openocd|pyocd|gdb|bossac|nrfjprog|uf2] [--gdb-host H]
[--gdb-port N] [--port P] [--drive DIR] [--dry-run]`."""

import click


@click.command("flash")
@click.argument("firmware", type=click.Path(dir_okay=False))
@click.option("--board", required=True, help="board name (targets/boards/<name>/board.toml)")
@click.option("--probe", type=click.Choice(["openocd", "pyocd", "gdb", "bossac", "nrfjprog", "uf2"]), default="openocd",
              show_default=True,
              help="debug probe software that programs the board: openocd runs OpenOCD, pyocd uses pyOCD's "
                   "Python API, gdb loads through a running GDB server; bossac and nrfjprog write the .bin/.hex "
                   "beside the ELF and print the vendor tool's command (nothing is run); uf2 writes the .uf2 and "
                   "copies it onto the boot loader's drive (--drive)")
@click.option("--gdb-host", default=None, help="--probe gdb: the GDB server's host  [default: 127.0.0.1]")
@click.option("--gdb-port", type=int, default=None, help="--probe gdb: the GDB server's TCP port  [default: 3333]")
@click.option("--port", default=None, help="--probe bossac: the boot loader's serial port  [default: /dev/ttyACM0]")
@click.option("--drive", type=click.Path(file_okay=False), default=None,
              help="--probe uf2: the mount point of the board's boot loader drive (e.g. /media/$USER/RPI-RP2)")
@click.option("--dry-run", is_flag=True, help="check the image and print the command; touch no hardware")
def command(firmware, board, probe, gdb_host, gdb_port, port, drive, dry_run):
    """Program a firmware ELF (from `edgedistill compile --target <mcu>`) onto a real board."""
    from pathlib import Path

    from pipeline.errors import UserError
    from pipeline.flash import flash
    if probe != "gdb" and (gdb_host is not None or gdb_port is not None):
        raise UserError(f"--gdb-host/--gdb-port apply to --probe gdb, not --probe {probe}",
                        "add --probe gdb, or drop them")
    if probe != "bossac" and port is not None:
        raise UserError(f"--port is the bossac boot loader's serial port, not used by --probe {probe}",
                        "add --probe bossac, or drop --port")
    if probe != "uf2" and drive is not None:
        raise UserError(f"--drive is the UF2 boot loader's drive, not used by --probe {probe}",
                        "add --probe uf2, or drop --drive")
    host, gport = gdb_host or "127.0.0.1", 3333 if gdb_port is None else gdb_port
    r = flash(Path(firmware), board, probe, dry_run, host, gport, port, Path(drive) if drive else None)
    if r["note"]:
        click.echo(f"note: {r['note']}", err=True)
    if probe == "uf2":
        click.echo(f"wrote {r['file']}: {r['blocks']} UF2 blocks", err=True)
        click.echo(f"copied to {r['copied']}; the boot loader runs it once the copy ends" if r["copied"] else r["command"])
    elif r.get("printed"):
        click.echo(f"wrote {r['file']}; run (edgedistill runs nothing for {probe}):", err=True)
        click.echo(r["command"])
    elif dry_run:
        click.echo(r["command"])
    elif probe == "gdb":
        ld = r["load"]
        click.echo(f"flashed {firmware} to {r['board']} through the GDB server at {host}:{gport}: {ld['bytes']} bytes "
                   f"in {ld['segments']} segment(s) by {ld['method']}, verified, {ld['packets']} packets, "
                   f"{ld['seconds']:.2f} s; running")
    elif probe == "pyocd":
        po = r["pyocd"]
        click.echo(f"flashed {firmware} to {r['board']} through pyOCD (target {po['target']}, probe {po['probe']}): "
                   f"{po['bytes']} bytes, reset; running")
    else:
        click.echo(f"flashed {firmware} to {r['board']} with {r['probe']}")
