"""Run a firmware ELF under qemu-system-arm, contained and with a time limit.

Semihosting with target=native lets firmware open any host file (SYS_OPEN) and run host
commands (SYS_SYSTEM), and the firmware is built from the model, which is untrusted input. So
QEMU runs in the sandbox (pipeline/sandbox.py): a fresh directory holding the ELF and in.bin is
the only path it can write and the counting plugin the only other path it sees, without
network or shells, under resource limits; and it is stopped at the timeout. On a timeout the
QEMU monitor (a Unix socket in that directory) is asked for the registers first: the PC says
where the firmware hangs. QEMU is stopped through the monitor too (`quit`): bwrap stands
between us and QEMU, so a signal would reach bwrap, which kills QEMU before the plugin writes
its counts."""

import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import sandbox
from pipeline.errors import UserError

QEMU = "qemu-system-arm"
# RLIMIT_AS: QEMU reserves its TCG translation buffer and the board's RAM up front.
# Measured smallest limits that run an image (QEMU 7.2): 1.2 GiB on the mps2 boards and
# netduinoplus2, 3.4 GiB on mps3-an547 (Cortex-M55); 6 GiB leaves room over the largest.
ADDRESS_SPACE = 6 * sandbox.GiB
# RLIMIT_FSIZE: out.bin (samples x outputs), counts.txt (one line per block with blocks=1) and
# uart.txt stay in the low MiB for any model we run; this bounds a runaway SYS_WRITE.
FILE_SIZE = 256 * sandbox.MiB


@dataclass
class RunResult:
    returncode: int | None            # None when stopped at the timeout
    stderr: str                       # semihosting text output (SYS_WRITE0) + QEMU messages
    uart: str                         # what the board printed on its UART (io="uart")
    outputs: bytes                    # out.bin (io="semihost")
    counts: list = field(default_factory=list)   # instructions per inference, in order
    last_invoke: int | None = None    # last instruction executed in model_invoke
    timed_out: bool = False
    hang_pc: int | None = None        # PC read through the monitor at the timeout
    elapsed_s: float = 0.0
    sites: dict = field(default_factory=dict)    # model_invoke address -> instructions charged
    per_op: list = field(default_factory=list)   # faults.per_op(sites), filled by emulate
    blocks: dict = field(default_factory=dict)   # block start address -> instructions (blocks=1)

    def line(self, tag: str) -> str | None:
        """Last 'EDGEDISTILL <tag> ...' line from semihosting or UART output."""
        found = re.findall(rf"EDGEDISTILL {tag}\b[^\r\n]*", self.stderr + "\n" + self.uart)
        return found[-1] if found else None


def _monitor(sock_path: Path, command: str, timeout: float = 2.0) -> str:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(str(sock_path))
        buf = b""
        while b"(qemu)" not in buf:                  # banner, then the first prompt
            buf += s.recv(4096)
        s.sendall(command.encode() + b"\n")
        buf = b""
        while buf.count(b"(qemu)") < 1:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
    return buf.decode(errors="replace")


def _parse_counts(text: str) -> tuple[list, int | None, dict, dict]:
    counts, last, sites, blocks = [], None, {}, {}
    for ln in text.splitlines():
        parts = ln.split()
        if parts[:1] == ["pair"]:
            counts.append(int(parts[2]) - int(parts[1]))
        elif parts[:1] == ["last_invoke"]:
            last = int(parts[1], 16) or None
        elif parts[:1] == ["site"]:
            sites[int(parts[1], 16)] = int(parts[2])
        elif parts[:1] == ["block"]:
            blocks[int(parts[1], 16)] = int(parts[2])
    return counts, last, sites, blocks


def run(info, machine: str, inputs: bytes = b"", timeout: float = 120.0, plugin: Path | None = None,
        wait_for: str | None = None, plugin_args: str = "", progress=None) -> RunResult:
    """Run `info.elf` on `machine`. io="semihost" images read in.bin and write out.bin;
    io="uart" images print on the first serial port, and sleep when done: QEMU is then stopped
    as soon as the `wait_for` line appears (or at the timeout).
    `progress(bytes)`: called while it runs with out.bin's size so far (the harness writes each
    sample's outputs as it finishes them), for a progress bar."""
    qemu = shutil.which(QEMU)
    if qemu is None:
        raise UserError("qemu-system-arm not found", "install qemu-system-arm (make setup)")
    with tempfile.TemporaryDirectory(prefix="edfw-") as d:
        d = Path(d).resolve()               # the path the sandbox binds, and QEMU is told
        elf = d / "firmware.elf"
        shutil.copyfile(info.elf, elf)
        (d / "in.bin").write_bytes(inputs)
        cmd = [qemu, "-M", machine, "-display", "none", "-nodefaults", "-no-reboot",
               "-monitor", f"unix:{d / 'mon.sock'},server=on,wait=off", "-kernel", str(elf)]
        if info.io == "semihost":
            cmd += ["-semihosting-config", "enable=on,target=native", "-serial", "null"]
        else:
            cmd += ["-serial", f"file:{d / 'uart.txt'}"]
        ro = []
        if plugin is not None:
            plugin = Path(plugin).resolve()
            ro.append(plugin)
            sym = info.symbols
            lo, size = sym.get("model_invoke", (0, 0))
            cmd += ["-plugin", f"{plugin},start={sym['bench_start'][0]},stop={sym['bench_stop'][0]},"
                               f"invoke={lo}:{lo + size},out=counts.txt{plugin_args}"]
        # RLIMIT_CPU is the backstop should this loop stall: the wall-clock timeout comes first,
        # and QEMU's main-loop and RCU threads add a little to the vCPU thread's time.
        limits = sandbox.Limits(cpu_s=int(2 * timeout) + 10, address_space=ADDRESS_SPACE,
                                file_size=FILE_SIZE)
        t0 = time.monotonic()
        proc = sandbox.popen(cmd, d, limits, ro=ro, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        timed_out, hang_pc = False, None
        deadline = t0 + timeout
        while proc.poll() is None:
            if progress is not None and (d / "out.bin").is_file():
                progress((d / "out.bin").stat().st_size)
            if wait_for and (d / "uart.txt").is_file() and wait_for in (d / "uart.txt").read_text(errors="replace"):
                break
            if time.monotonic() > deadline:
                timed_out = True
                try:
                    regs = _monitor(d / "mon.sock", "info registers")
                    m = re.search(r"R15=([0-9a-fA-F]{8})", regs)
                    hang_pc = int(m.group(1), 16) if m else None
                except OSError:
                    pass
                break
            time.sleep(0.01 if time.monotonic() - t0 < 1 else 0.05)
        stopped = proc.poll() is None
        if stopped:
            try:                     # QEMU shuts down cleanly and the plugin reports
                _monitor(d / "mon.sock", "quit")
            except OSError:
                proc.terminate()     # no monitor: bwrap goes, and QEMU with it (no counts)
        try:
            out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        counts_txt = (d / "counts.txt").read_text() if (d / "counts.txt").is_file() else ""
        counts, last, sites, blocks = _parse_counts(counts_txt)
        return RunResult(None if stopped else proc.returncode, err.decode(errors="replace"),
                         (d / "uart.txt").read_text(errors="replace") if (d / "uart.txt").is_file() else "",
                         (d / "out.bin").read_bytes() if (d / "out.bin").is_file() else b"",
                         counts, last, timed_out, hang_pc, time.monotonic() - t0, sites, [], blocks)
