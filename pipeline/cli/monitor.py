"""`edgedistill monitor --port PORT [--baud N] [--timeout S] [--json]`: read what a flashed
image prints over UART and say whether the board matched tflite-micro."""

import click


@click.command("monitor")
@click.option("--port", required=True, help="serial device (e.g. /dev/ttyACM0) or pyserial URL")
@click.option("--baud", default=115200, show_default=True)
@click.option("--timeout", default=30.0, show_default=True, help="seconds to wait for the image to finish")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def command(port, baud, timeout, as_json):
    """Read the results a flashed edgedistill image prints over UART."""
    import json
    import sys

    from pipeline.flash.monitor import read
    s = read(port, baud, timeout, echo=None if as_json else click.echo)
    if as_json:
        click.echo(json.dumps({k: ([o.hex() for o in v] if k == "outputs" else v) for k, v in s.items()}))
    elif s.get("timed_out"):
        click.echo(f"no EXIT line within {timeout:.0f} s (reset the board, or check port and baud rate)", err=True)
    sys.exit(0 if s["pass"] else 1)
