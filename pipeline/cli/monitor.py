"""`edgedistill monitor --port PORT [--baud N] [--timeout S] [--clock-hz HZ] [--json]`: read what a
flashed image prints over UART, say whether the board matched tflite-micro, and give the cycles
per inference the board counted (DWT or SysTick), in ms when the board's clock is given."""

import click


def _cycles_text(s: dict) -> str:
    if s["cycles_per_inference"] is None:
        return f"cycles unavailable: {s['cycles_reason']}"
    n = len([c for c in s["cycles"] if c is not None])
    text = f"cycles/inference {s['cycles_per_inference']:,} ({s['cycles_source']}, largest of {n} samples)"
    if s["latency_ms"] is not None:
        return text + f"; {s['latency_ms']:.3f} ms at {s['clock_hz'] / 1e6:g} MHz"
    return text + f"; no latency: {s['latency_reason']}"


@click.command("monitor")
@click.option("--port", required=True, help="serial device (e.g. /dev/ttyACM0) or pyserial URL")
@click.option("--baud", default=115200, show_default=True)
@click.option("--timeout", default=30.0, show_default=True, help="seconds to wait for the image to finish")
@click.option("--clock-hz", type=float, default=None,
              help="the core clock the board runs at, to turn cycles into latency_ms (the image cannot tell)")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def command(port, baud, timeout, clock_hz, as_json):
    """Read the results a flashed edgedistill image prints over UART."""
    import json
    import sys

    from pipeline.flash.monitor import read
    if clock_hz is not None and clock_hz <= 0:
        raise click.BadParameter("must be a positive frequency in Hz, e.g. 16e6", param_hint="--clock-hz")
    s = read(port, baud, timeout, echo=None if as_json else click.echo, clock_hz=clock_hz)
    if as_json:
        click.echo(json.dumps({k: ([o.hex() for o in v] if k == "outputs" else v) for k, v in s.items()}))
    elif s.get("timed_out"):
        click.echo(f"no EXIT line within {timeout:.0f} s (reset the board, or check port and baud rate)", err=True)
    else:
        click.echo(_cycles_text(s))
    sys.exit(0 if s["pass"] else 1)
