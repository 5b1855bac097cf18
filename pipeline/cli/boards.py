"""edgedistill boards list [--json]: the boards `--board NAME` builds for (targets/boards/*/board.toml)."""

import click


def _size(n: int | None) -> str:
    if not n:
        return "-"
    return f"{n // (1 << 20)} MiB" if n % (1 << 20) == 0 else f"{n // 1024} KiB"


@click.group("boards")
def command():
    """Boards (targets/boards/<name>/board.toml): part, core, memory, clock, UART, flashing, QEMU."""


@command.command("list")
@click.option("--json", "as_json", is_flag=True, help="one JSON array of the boards' facts")
def list_(as_json):
    import json

    from pipeline.firmware import boards
    from pipeline.flash import PRINTED
    rows = [boards.load(n) for n in boards.names()]
    if as_json:
        click.echo(json.dumps([b.as_dict() for b in rows]))
        return
    click.echo(f"{'board':16s} {'part':12s} {'core':13s} {'flash':>8s} {'RAM':>8s} {'clock':>8s}  "
               f"{'UART':15s} {'flash with':38s} QEMU")
    notes = []
    for b in rows:
        name = b.name
        clock = f"{b.clock_hz // 1_000_000} MHz" if b.clock_hz else "-"
        uart = f"{b.uart_port.split(' (')[0]} {b.uart_baud}" if b.uart_port and b.uart_baud else (b.uart or "-")
        qemu = "yes" if b.qemu else "no"
        if b.aliases:
            notes.append(f"{b.name}: also --board {', '.join(b.aliases)}")
        if b.bootloader_bytes:
            notes.append(f"{b.name}: the image starts at {b.flash_base:#x}, after {b.bootloader_bytes:,} B kept for "
                         "the boot loader")
        if b.unsupported:
            qemu += ", build refused"
            notes.append(f"{b.name}: build refused: {b.unsupported}")
        methods = ", ".join(m + ("*" if m in PRINTED else "") for m in boards.flash_methods(b))
        click.echo(f"{name:16s} {b.part or '-':12s} {b.core or '-':13s} {_size(b.flash_bytes):>8s} "
                   f"{_size(b.ram_bytes or b.ram_size):>8s} {clock:>8s}  {uart:15s} "
                   f"{methods or '-':38s} {qemu}")
    for n in notes:
        click.echo(n)
    click.echo("*: `flash` writes the file the vendor tool takes and prints its command; it runs nothing")
