"""Load a firmware ELF through any GDB server (OpenOCD, pyOCD gdbserver, J-Link, ST-LINK
gdbserver, QEMU's -gdb) with our own GDB Remote Serial Protocol client, written from GDB's
manual, "Remote Protocol" appendix.

What one load does, in order:
  connect (TCP) -> qSupported (PacketSize, qXfer:memory-map / features) -> halt (`?`, then ^C)
  -> write each PT_LOAD segment at its physical (load) address -> read it back (`m`) and compare
  -> MSP, PC and xPSR.T from the image's vector table (`P`) -> detach (`D`): the core runs.

Two write paths, chosen by what the server says about the memory:
  * the server sends a memory map (qXfer:memory-map:read) with a "flash" region: the bytes that
    fall in it go through vFlashErase / vFlashWrite / vFlashDone (OpenOCD and pyOCD program
    flash this way; a plain `M` to flash is refused there);
  * otherwise (QEMU: no memory map, its debug writes reach ROM directly) binary `X`, or hex `M`
    when the server answers `X` with an empty reply (unsupported).

Exercised here: the plain path against QEMU 7.2's gdbstub on netduinoplus2, end to end
(tests/flash/test_gdb_flash.py: QEMU has no `X`, so the `M` fallback carries the image), and the
vFlash / `X` packet sequences against a fake server thread on 127.0.0.1
(tests/flash/test_gdbremote.py). Untested: vFlash against a real probe and flash chip (no board
here); OpenOCD/pyOCD are written to the same manual, but their timing on a real erase is not
known to us, hence the longer `flash_timeout` on erase and done.

Register numbers come from the server's target description (qXfer:features:read:target.xml,
names "sp", "pc", "xpsr"); without one, GDB's fixed ARM numbering: r13 = sp, r15 = pc and
25 = cpsr/xPSR (16-23 were the FPA f0-f7, 24 fps). QEMU 7.2's gdb-xml/arm-m-profile.xml gives
xpsr regnum="25" for that reason, not 16."""

import re
import socket
import struct
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from pipeline.errors import UserError
from pipeline.firmware.elf import Elf, Segment

START_SERVER = ("start one: openocd -f interface/stlink.cfg -f target/<chip>.cfg, pyocd gdbserver, "
                "JLinkGDBServer, or qemu-system-arm -M <machine> -S -gdb tcp::{port}")
RETRIES = 5                 # a packet NAKed (`-`) this often is a broken link, not noise
THUMB = 1 << 24             # xPSR.T: a Cortex-M core faults (INVSTATE) on its first instruction without it
LEGACY_REGS = {"sp": 13, "pc": 15, "xpsr": 25}


def checksum(payload: bytes) -> bytes:
    return b"%02x" % (sum(payload) & 0xFF)


def escape(data: bytes) -> bytes:
    """Binary data in X / vFlashWrite: $ # } * become } then the byte XOR 0x20."""
    out = bytearray()
    for b in data:
        if b in b"$#}*":
            out += bytes((0x7D, b ^ 0x20))
        else:
            out.append(b)
    return bytes(out)


def decode(payload: bytes) -> bytes:
    """A reply's data: run-length `X*n` (n - 29 more copies of X) and `}` escapes undone."""
    out = bytearray()
    i = 0
    while i < len(payload):
        b = payload[i]
        if b == 0x7D and i + 1 < len(payload):
            out.append(payload[i + 1] ^ 0x20)
            i += 2
        elif b == 0x2A and out and i + 1 < len(payload):
            out += bytes((out[-1],)) * (payload[i + 1] - 29)
            i += 2
        else:
            out.append(b)
            i += 1
    return bytes(out)


class GdbRemote:
    """One connection to a GDB server in all-stop mode, acks on."""

    def __init__(self, host: str, port: int, timeout: float = 5.0):
        self.where = f"{host}:{port}"
        self.timeout = timeout
        self.packet_size = 400               # GDB's own default until qSupported says more
        self.features: dict[str, str] = {}
        self.packets = 0
        try:
            self.sock = socket.create_connection((host, port), timeout=timeout)
        except ConnectionRefusedError:
            raise UserError(f"no GDB server at {self.where}", START_SERVER.format(port=port)) from None
        except (socket.timeout, OSError) as e:
            raise UserError(f"cannot reach a GDB server at {self.where} ({e})",
                            "check --gdb-host/--gdb-port and that the server is running") from None
        self.sock.settimeout(timeout)
        # small packets each waiting for a one-byte ack: Nagle + delayed ACK would add ~40 ms to each
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buf = b""

    def close(self):
        self.sock.close()

    # -- framing ---------------------------------------------------------------------------
    def _read(self, timeout: float) -> int:
        if not self._buf:
            self.sock.settimeout(timeout)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError from None
            if not chunk:
                raise UserError(f"the GDB server at {self.where} closed the connection",
                                "is another debugger attached? servers take one client at a time")
            self._buf = chunk
        b, self._buf = self._buf[0], self._buf[1:]
        return b

    def _send(self, payload: bytes):
        frame = b"$" + payload + b"#" + checksum(payload)
        for _ in range(RETRIES):
            self.sock.sendall(frame)
            self.packets += 1
            ack = self._read(self.timeout)
            while ack not in b"+-":          # stray bytes before the ack (e.g. a late reply)
                ack = self._read(self.timeout)
            if ack == ord("+"):
                return
        raise UserError(f"the GDB server at {self.where} rejected a packet {RETRIES} times (bad checksum)",
                        "the link is corrupting data: check the connection")

    def _recv(self, timeout: float) -> bytes:
        for _ in range(RETRIES):
            while self._read(timeout) != ord("$"):       # skip acks, notifications' noise
                pass
            body = bytearray()
            while (b := self._read(timeout)) != ord("#"):
                body.append(b)
            cs = bytes((self._read(timeout), self._read(timeout)))
            if cs.lower() == checksum(bytes(body)):
                self.sock.sendall(b"+")
                return bytes(body)
            self.sock.sendall(b"-")                      # ask for a retransmit
        raise UserError(f"replies from the GDB server at {self.where} keep failing their checksum",
                        "the link is corrupting data: check the connection")

    def request(self, payload: bytes, timeout: float | None = None) -> bytes:
        """Send one packet, return the decoded reply. Exx replies raise."""
        try:
            self._send(payload)
            reply = decode(self._recv(timeout or self.timeout))
        except TimeoutError:
            raise UserError(f"the GDB server at {self.where} did not answer '{payload[:24].decode(errors='replace')}' "
                            f"within {timeout or self.timeout:g} s",
                            "check that a GDB server (not another service) listens there and the target is powered") from None
        if len(reply) == 3 and reply[:1] == b"E" and not payload.startswith((b"qXfer", b"X")):
            raise UserError(f"the GDB server at {self.where} answered '{payload[:24].decode(errors='replace')}' "
                            f"with error {reply.decode()}", "check that the image fits the target's memory")
        return reply

    # -- session ---------------------------------------------------------------------------
    def handshake(self):
        reply = self.request(b"qSupported:xmlRegisters=arm")
        for item in reply.decode(errors="replace").split(";"):
            if "=" in item:
                k, v = item.split("=", 1)
                self.features[k] = v
            elif item[-1:] in "+-?":
                self.features[item[:-1]] = item[-1]
        if "PacketSize" in self.features:
            self.packet_size = int(self.features["PacketSize"], 16)     # hex, per the manual

    def halt(self) -> bytes:
        """All-stop servers halt the core when a client attaches; `?` says why it stopped.
        A server whose target still runs does not answer `?` until it stops: send ^C."""
        self._send(b"?")
        try:
            return self._recv(min(self.timeout, 2.0))
        except TimeoutError:
            self.sock.sendall(b"\x03")
            try:
                return self._recv(self.timeout)
            except TimeoutError:
                raise UserError(f"the target behind {self.where} does not halt",
                                "reset the board, or restart the GDB server") from None

    def xfer(self, obj: str, annex: str) -> bytes | None:
        """qXfer:<obj>:read:<annex>, all of it; None when the server has no such object."""
        out, offset, n = b"", 0, max(self.packet_size - 16, 64)
        while True:
            r = self.request(f"qXfer:{obj}:read:{annex}:{offset:x},{n:x}".encode())
            if not r or r[:1] == b"E":
                return None
            out += r[1:]
            offset += len(r) - 1
            if r[:1] == b"l":
                return out

    def flash_regions(self) -> list[tuple[int, int, int]]:
        """[(start, length, blocksize)] of the memory map's flash regions; [] without a map."""
        if self.features.get("qXfer:memory-map:read") != "+":
            return []
        text = self.xfer("memory-map", "")
        if not text:
            return []
        try:
            memories = list(ET.fromstring(text).iter("memory"))
        except ET.ParseError as e:
            raise UserError(f"the GDB server at {self.where} sent a memory map that is not XML ({e})",
                            "update the GDB server, or report its memory map") from None
        out = []
        for m in memories:
            if m.get("type") == "flash":
                bs = next((p.text for p in m.iter("property") if p.get("name") == "blocksize"), "0x400")
                out.append((int(m.get("start"), 0), int(m.get("length"), 0), int(bs.strip(), 0)))
        return out

    def register_numbers(self) -> dict[str, int]:
        """{"sp", "pc", "xpsr": regnum} from target.xml (xi:include files followed), numbering
        as GDB does: in document order, a regnum attribute restarting the count."""
        if self.features.get("qXfer:features:read") != "+":
            return dict(LEGACY_REGS)
        found, nxt = {}, 0
        todo = ["target.xml"]
        while todo:
            text = self.xfer("features", todo.pop(0))
            if text is None:
                continue
            # regex, not an XML parser: QEMU's target.xml uses the xi: prefix without declaring it
            for tag, attrs in re.findall(rb"<(xi:include|reg)\b([^>]*)>", text):
                a = dict(re.findall(rb'([\w-]+)\s*=\s*"([^"]*)"', attrs))
                if tag == b"xi:include":
                    todo.append(a[b"href"].decode())
                else:
                    nxt = int(a.get(b"regnum", nxt))
                    found.setdefault(a.get(b"name", b"").decode().lower(), nxt)
                    nxt += 1
        regs = {k: found.get(k, v) for k, v in LEGACY_REGS.items()}
        if "xpsr" not in found and "cpsr" in found:
            regs["xpsr"] = found["cpsr"]
        return regs

    # -- memory ----------------------------------------------------------------------------
    def _room(self, header: bytes) -> int:
        return self.packet_size - len(header) - 8        # $, #cs and a margin

    def write(self, addr: int, data: bytes) -> str:
        """Plain memory writes: `X` (binary) when the server takes it, else `M` (hex). Returns
        the packet used. Each packet is cut to fit PacketSize after escaping."""
        use_x = self.features.get("_X")
        if use_x is None:                    # GDB's probe: an empty X; "" = unsupported
            use_x = self.request(b"X%x,0:" % addr) == b"OK"
            self.features["_X"] = use_x
        pos = 0
        while pos < len(data):
            if use_x:
                room = self._room(b"X%x,%x:" % (addr + pos, 0xFFFF))
                chunk, esc = _fit(data[pos:], room)
                r = self.request(b"X%x,%x:" % (addr + pos, len(chunk)) + esc)
            else:
                chunk = data[pos:pos + self._room(b"M%x,%x:" % (addr + pos, 0xFFFF)) // 2]
                r = self.request(b"M%x,%x:" % (addr + pos, len(chunk)) + chunk.hex().encode())
            if r != b"OK":
                raise UserError(f"the GDB server at {self.where} refused a write at {addr + pos:#010x} "
                                f"({r.decode(errors='replace') or 'empty reply'})",
                                "check the address is writable memory on this target")
            pos += len(chunk)
        return "X" if use_x else "M"

    def read(self, addr: int, n: int) -> bytes:
        out = bytearray()
        step = max((self.packet_size - 8) // 2, 16)
        while len(out) < n:
            k = min(step, n - len(out))
            r = self.request(b"m%x,%x" % (addr + len(out), k))
            if not r:
                raise UserError(f"reading back {addr + len(out):#010x} gave an empty reply",
                                "check the address is readable on this target")
            out += bytes.fromhex(r.decode())
        return bytes(out)

    def flash(self, segments: list[Segment], regions, flash_timeout: float) -> int:
        """vFlashErase the blocks the segments cover, vFlashWrite them, vFlashDone. Returns
        bytes written. The server may buffer writes until vFlashDone, so that one gets the
        long timeout, like the erase."""
        written = 0
        for start, length, bs in regions:
            parts = [s for s in segments if start <= s.addr < start + length]
            if not parts:
                continue
            lo = min(s.addr for s in parts) // bs * bs
            hi = -(-max(s.addr + len(s.data) for s in parts) // bs) * bs
            self._ok(self.request(b"vFlashErase:%x,%x" % (lo, hi - lo), flash_timeout), "vFlashErase")
            for s in parts:
                pos = 0
                while pos < len(s.data):
                    chunk, esc = _fit(s.data[pos:], self._room(b"vFlashWrite:%x:" % (s.addr + pos)))
                    self._ok(self.request(b"vFlashWrite:%x:" % (s.addr + pos) + esc, flash_timeout), "vFlashWrite")
                    pos += len(chunk)
                    written += len(chunk)
        self._ok(self.request(b"vFlashDone", flash_timeout), "vFlashDone")
        return written

    def _ok(self, reply: bytes, what: str):
        if reply != b"OK":
            raise UserError(f"{what} failed on the GDB server at {self.where} ({reply.decode(errors='replace') or 'unsupported'})",
                            "check that the server's flash driver matches the chip (e.g. OpenOCD's target config)")

    # -- registers and run -----------------------------------------------------------------
    def set_register(self, num: int, value: int):
        r = self.request(b"P%x=" % num + struct.pack("<I", value).hex().encode())
        if r != b"OK":
            raise UserError(f"the GDB server at {self.where} would not set register {num} ({r.decode() or 'no P packet'})",
                            "use a GDB server that supports the P packet (OpenOCD, pyOCD, J-Link, QEMU do)")

    def get_register(self, num: int) -> int | None:
        """The register's value, or None when the server cannot read it (Exx, empty, timeout)."""
        self._send(b"p%x" % num)
        try:
            r = decode(self._recv(self.timeout))
        except TimeoutError:
            return None
        return struct.unpack("<I", bytes.fromhex(r.decode()))[0] if len(r) == 8 else None

    def detach(self):
        """`D`: the server resumes the core and drops this client."""
        self.request(b"D")


def _fit(data: bytes, room: int) -> tuple[bytes, bytes]:
    """The longest prefix of data whose escaped form fits in room bytes: (prefix, escaped)."""
    chunk = data[:room]
    esc = escape(chunk)
    while len(esc) > room:                   # each escape costs a byte: trim and retry
        chunk = chunk[:len(chunk) - (len(esc) - room)]
        esc = escape(chunk)
    return chunk, esc


def load(elf_path: Path, host: str, port: int, vectors: dict, timeout: float = 5.0,
         flash_timeout: float = 60.0) -> dict:
    """Write the image, check it, point the core at it and let it run. Returns what was done:
    {"segments", "bytes", "method", "verified", "seconds", "packets", "regs"}."""
    segments = Elf(elf_path).segments()
    t0 = time.monotonic()
    g = GdbRemote(host, port, timeout)
    try:
        g.handshake()
        g.halt()
        regions = g.flash_regions()
        in_flash = [s for s in segments if any(a <= s.addr < a + n for a, n, _ in regions)]
        rest = [s for s in segments if s not in in_flash]
        methods = []
        if in_flash:
            g.flash(in_flash, regions, flash_timeout)
            methods.append("vFlash")
        for s in rest:
            methods.append(g.write(s.addr, s.data))
        for s in segments:
            back = g.read(s.addr, len(s.data))
            if back != s.data:
                bad = next(i for i, (a, b) in enumerate(zip(back, s.data)) if a != b)
                raise UserError(f"verify failed: {s.addr + bad:#010x} reads {back[bad]:#04x}, the image has {s.data[bad]:#04x}",
                                "the memory there is not writable this way: is it flash without a memory map from the server?")
        regs = g.register_numbers()
        g.set_register(regs["sp"], vectors["sp"])
        g.set_register(regs["pc"], vectors["reset"] & ~1)
        xpsr = g.get_register(regs["xpsr"])
        g.set_register(regs["xpsr"], (xpsr or 0) | THUMB)
        g.detach()
    except TimeoutError:
        raise UserError(f"the GDB server at {g.where} stopped answering (no ack within {timeout:g} s)",
                        "check that a GDB server (not another service) listens there and the target is powered") from None
    except OSError as e:
        raise UserError(f"the connection to the GDB server at {g.where} failed: {e}",
                        "restart the GDB server and try again") from None
    finally:
        g.close()
    return {"segments": len(segments), "bytes": sum(len(s.data) for s in segments),
            "method": "+".join(sorted(set(methods))), "verified": True,
            "seconds": round(time.monotonic() - t0, 3), "packets": g.packets, "regs": regs}
