"""Read what a flashed image prints over UART (harness_uart.c): per sample
"EDGEDISTILL OUT <k> <hex bytes>[ cycles=<n>]" and "EDGEDISTILL CYCLES <k> <n> <dwt|systick>"
(or "... CYCLES <k> unavailable (<why>)"), one "EDGEDISTILL CYCLES unavailable (<why>)" first when
the core's counter cannot be trusted (QEMU), a "CYCLES summary" line, then PASS/FAIL and EXIT.
Images built before cycle counting print cycles= on every OUT line and no CYCLES lines: their
`cycles` list is kept, but they give no cycles_per_inference (QEMU printed 0 there).
pyserial URLs work too (e.g. loop:// in tests, rfc2217://host:port for a remote board)."""

import time

from pipeline.errors import UserError

NO_CYCLE_LINES = "the image prints no CYCLES lines (built before cycle counting)"
NO_CLOCK = "no clock given (--clock-hz)"


def _reason(parts: list[str], i: int) -> str:
    """'unavailable (<why>)' from parts[i] on -> why"""
    text = " ".join(parts[i + 1:])
    return text[1:-1] if text.startswith("(") and text.endswith(")") else text


def _cycles(parts: list[str]) -> dict:
    if parts[2] == "summary":
        if parts[3] == "unavailable":
            return {"tag": "CYCLES_SUMMARY", "min": None, "max": None, "source": None, "reason": _reason(parts, 3)}
        return {"tag": "CYCLES_SUMMARY", "min": int(parts[3], 16), "max": int(parts[4], 16), "source": parts[5],
                "reason": None}
    if parts[2] == "unavailable":                    # the counter failed its check: no sample has cycles
        return {"tag": "CYCLES", "sample": None, "cycles": None, "source": None, "reason": _reason(parts, 2)}
    if parts[3] == "unavailable":                    # this sample's count was lost (SysTick wrapped)
        return {"tag": "CYCLES", "sample": int(parts[2], 16), "cycles": None, "source": None,
                "reason": _reason(parts, 3)}
    return {"tag": "CYCLES", "sample": int(parts[2], 16), "cycles": int(parts[3], 16), "source": parts[4],
            "reason": None}


def parse_line(line: str) -> dict | None:
    parts = line.strip().split()
    if len(parts) < 2 or parts[0] != "EDGEDISTILL":
        return None
    tag = parts[1]
    if tag == "OUT" and len(parts) >= 4:
        cycles = int(parts[4].split("=")[1], 16) if len(parts) > 4 and parts[4].startswith("cycles=") else None
        return {"tag": "OUT", "sample": int(parts[2], 16), "output": bytes.fromhex(parts[3]), "cycles": cycles}
    if tag == "CYCLES" and len(parts) >= 4:
        return _cycles(parts)
    if tag in ("PASS", "FAIL") and len(parts) >= 3:
        ok, n = (int(v, 16) for v in parts[2].split("/"))
        return {"tag": tag, "matched": ok, "samples": n}
    if tag == "EXIT":
        return {"tag": "EXIT", "code": int(parts[2]) if len(parts) > 2 else None}
    return {"tag": tag, "text": " ".join(parts[2:])}


def summarize(lines, clock_hz: float | None = None) -> dict:
    """What a run printed, as monitor --json gives it. cycles_per_inference is the largest
    sample's count, as `bench` reports the largest sample's instructions; latency_ms =
    cycles_per_inference / clock_hz (the clock the board runs at, which the image cannot tell).
    A figure that is missing is None, and *_reason says why."""
    s = {"outputs": [], "cycles": [], "pass": None, "matched": None, "samples": None, "exit": None,
         "fault": None}
    per_sample, reason, summary, saw_cycles = {}, None, None, False
    for line in lines:
        rec = parse_line(line)
        if rec is None:
            continue
        if rec["tag"] == "OUT":
            s["outputs"].append(rec["output"])
            s["cycles"].append(rec["cycles"])
        elif rec["tag"] == "CYCLES":
            saw_cycles = True
            reason = rec["reason"] or reason
            if rec["sample"] is not None:
                per_sample[rec["sample"]] = (rec["cycles"], rec["source"])
        elif rec["tag"] == "CYCLES_SUMMARY":
            saw_cycles, summary = True, rec
        elif rec["tag"] in ("PASS", "FAIL"):
            s.update(matched=rec["matched"], samples=rec["samples"], **{"pass": rec["tag"] == "PASS"})
        elif rec["tag"] == "FAULT":
            s["fault"] = rec["text"]
        elif rec["tag"] == "EXIT":
            s["exit"] = rec["code"]
            break
    if saw_cycles:          # the CYCLES lines are the authority; OUT's cycles= agrees when present
        s["cycles"] = [per_sample.get(k, (None, None))[0] for k in range(len(s["outputs"]))]
    counts = [c for c in s["cycles"] if c is not None]
    sources = {src for _, src in per_sample.values() if src}
    if not saw_cycles:
        reason = NO_CYCLE_LINES
    elif summary is not None and summary["reason"]:
        reason = summary["reason"]
    elif not s["outputs"] or len(counts) < len(s["outputs"]):
        reason = reason or "not every sample has a cycle count"
    else:
        reason = None
    cpi = max(counts) if reason is None else None
    s.update(cycles_per_inference=cpi, cycles_source=(sorted(sources)[0] if cpi is not None and sources else None),
             cycles_reason=reason, clock_hz=clock_hz,
             latency_ms=cpi / clock_hz * 1000.0 if cpi is not None and clock_hz else None,
             latency_reason=None if cpi is not None and clock_hz else (reason or NO_CLOCK))
    return s


def read(port, baud: int = 115200, timeout: float = 30.0, echo=None, clock_hz: float | None = None) -> dict:
    """Read lines until EXIT (or the timeout). `port`: a device path, a pyserial URL or an
    open serial object. Returns summarize()'s dict, + "timed_out": True without an EXIT line.
    A port that closes first (UserError) gives nothing: half a run's outputs are not a result."""
    import serial
    try:
        ser = serial.serial_for_url(port, baudrate=baud, timeout=0.2) if isinstance(port, str) else port
    except serial.SerialException as e:
        raise UserError(f"cannot open serial port '{port}': {e}", "check the port name (e.g. /dev/ttyACM0) and permissions")
    lines, done = [], False
    deadline = time.monotonic() + timeout
    buf = b""
    while time.monotonic() < deadline and not done:
        try:    # no more than is waiting: pyserial's socket:// drops what one read() got if the peer then closes
            buf += ser.read(max(1, ser.in_waiting))
        except serial.SerialException as e:     # a socket peer hung up, a USB adapter was pulled
            raise UserError(f"serial port '{port}' closed after {len(lines)} line(s), before the image's EXIT "
                            f"line ({e})", "keep the board powered and its cable plugged in, then reset it and "
                            "run monitor again (for QEMU: start monitor before the emulator runs the image)") from None
        while b"\n" in buf:
            raw, buf = buf.split(b"\n", 1)
            line = raw.decode(errors="replace").strip()
            if echo:
                echo(line)
            lines.append(line)
            rec = parse_line(line)
            if rec is not None and rec["tag"] == "EXIT":
                done = True
                break
    s = summarize(lines, clock_hz)
    if not done:
        s["timed_out"] = True
    return s
