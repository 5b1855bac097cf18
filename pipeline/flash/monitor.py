"""Read what a flashed image prints over UART (harness_uart.c): one line per sample,
"EDGEDISTILL OUT <k> <hex bytes> cycles=<hex>", then PASS/FAIL and EXIT. pyserial URLs work
too (e.g. loop:// in tests, rfc2217://host:port for a remote board)."""

import time

from pipeline.errors import UserError


def parse_line(line: str) -> dict | None:
    parts = line.strip().split()
    if len(parts) < 2 or parts[0] != "EDGEDISTILL":
        return None
    tag = parts[1]
    if tag == "OUT" and len(parts) >= 4:
        cycles = int(parts[4].split("=")[1], 16) if len(parts) > 4 and parts[4].startswith("cycles=") else None
        return {"tag": "OUT", "sample": int(parts[2], 16), "output": bytes.fromhex(parts[3]), "cycles": cycles}
    if tag in ("PASS", "FAIL") and len(parts) >= 3:
        ok, n = (int(v, 16) for v in parts[2].split("/"))
        return {"tag": tag, "matched": ok, "samples": n}
    if tag == "EXIT":
        return {"tag": "EXIT", "code": int(parts[2]) if len(parts) > 2 else None}
    return {"tag": tag, "text": " ".join(parts[2:])}


def read(port, baud: int = 115200, timeout: float = 30.0, echo=None) -> dict:
    """Read lines until EXIT (or the timeout). `port`: a device path, a pyserial URL or an
    open serial object. Returns {"outputs": [...], "cycles": [...], "pass": bool|None, ...}."""
    import serial
    try:
        ser = serial.serial_for_url(port, baudrate=baud, timeout=0.2) if isinstance(port, str) else port
    except serial.SerialException as e:
        raise UserError(f"cannot open serial port '{port}': {e}", "check the port name (e.g. /dev/ttyACM0) and permissions")
    summary = {"outputs": [], "cycles": [], "pass": None, "matched": None, "samples": None, "exit": None,
               "fault": None}
    deadline = time.monotonic() + timeout
    buf = b""
    while time.monotonic() < deadline:
        buf += ser.read(256)
        while b"\n" in buf:
            raw, buf = buf.split(b"\n", 1)
            line = raw.decode(errors="replace").strip()
            if echo:
                echo(line)
            rec = parse_line(line)
            if rec is None:
                continue
            if rec["tag"] == "OUT":
                summary["outputs"].append(rec["output"])
                summary["cycles"].append(rec["cycles"])
            elif rec["tag"] in ("PASS", "FAIL"):
                summary.update(matched=rec["matched"], samples=rec["samples"], **{"pass": rec["tag"] == "PASS"})
            elif rec["tag"] == "FAULT":
                summary["fault"] = rec["text"]
            elif rec["tag"] == "EXIT":
                summary["exit"] = rec["code"]
                return summary
    if summary["exit"] is None:
        summary["timed_out"] = True
    return summary
