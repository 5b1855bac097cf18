"""gdbremote's packet sequences against a fake GDB server thread on 127.0.0.1: the vFlash path a
real probe's server takes (OpenOCD, pyOCD: a memory map with a flash region), X with escaping,
the M fallback, PacketSize, and `-` retransmits both ways. No real probe can exist here, so this
fake is the only check of vFlash; QEMU (test_gdb_flash.py) checks the plain path for real."""

import socket
import struct
import threading

import pytest

from pipeline.errors import UserError
from pipeline.flash import gdbremote

FLASH, RAM = 0x08000000, 0x20000000
MEMORY_MAP = (b'<?xml version="1.0"?><memory-map>'
              b'<memory type="flash" start="0x08000000" length="0x100000">'
              b'<property name="blocksize">0x4000</property></memory>'
              b'<memory type="ram" start="0x20000000" length="0x20000"/></memory-map>')
# bytes GDB must escape ($ # } *) in the image, so X and vFlashWrite carry escapes
CODE = bytes(range(256)) + b"$#}*" * 8
DATA = b"}}**##$$" + bytes(24)


def _elf(path, segments):
    """A minimal ELF32 ARM executable: header + PT_LOAD program headers (paddr, bytes)."""
    phoff, n = 52, len(segments)
    off = phoff + 32 * n
    head = b"\x7fELF\x01\x01\x01" + bytes(9) + struct.pack("<HHIIIIIHHHHHH", 2, 40, 1, FLASH | 1, phoff, 0, 0,
                                                            52, 32, n, 40, 0, 0)
    phdrs, body = b"", b""
    for addr, data in segments:
        phdrs += struct.pack("<8I", 1, off + len(body), addr, addr, len(data), len(data), 5, 4)
        body += data
    path.write_bytes(head + phdrs + body)
    return path


def _frame(payload: bytes) -> bytes:
    return b"$" + payload + b"#" + gdbremote.checksum(payload)


class FakeServer(threading.Thread):
    """Answers one client like a flash-programming GDB server would; records every packet."""

    def __init__(self, memory_map=True, x=True, packet_size=0x100, nak_first=False, bad_first_reply=False):
        super().__init__(daemon=True)
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(1)
        self.srv.settimeout(10)
        self.port = self.srv.getsockname()[1]
        self.memory_map, self.x, self.packet_size = memory_map, x, packet_size
        self.nak_first, self.bad_first_reply = nak_first, bad_first_reply
        self.mem, self.regs, self.log, self.naks_got = {}, {25: 0x40000000}, [], 0
        self.erased, self.biggest = [], 0

    def _byte(self):
        b = self.conn.recv(1)
        if not b:
            raise EOFError
        return b[0]

    def _packet(self) -> bytes:
        while (b := self._byte()) != ord("$"):
            if b == ord("-"):
                self.naks_got += 1
                self.conn.sendall(self.last)          # the client wants our last reply again
        body = bytearray()
        while (b := self._byte()) != ord("#"):
            body.append(b)
        self._byte(), self._byte()
        return bytes(body)

    def run(self):
        self.conn, _ = self.srv.accept()
        self.conn.settimeout(10)
        first = True
        try:
            while True:
                p = self._packet()
                if first and self.nak_first:
                    first = False
                    self.conn.sendall(b"-")
                    continue
                self.conn.sendall(b"+")
                self.log.append(p)
                self.biggest = max(self.biggest, len(p))
                reply = self.answer(p)
                self.last = _frame(reply)
                if self.bad_first_reply and len(self.log) == 1:
                    self.conn.sendall(b"$" + reply + b"#00")
                else:
                    self.conn.sendall(self.last)
                if p == b"D":
                    return
        except (EOFError, OSError):
            pass

    def answer(self, p: bytes) -> bytes:
        if p.startswith(b"qSupported"):
            return b"PacketSize=%x;qXfer:memory-map:read%s" % (self.packet_size, b"+" if self.memory_map else b"-")
        if p == b"?":
            return b"S05"
        if p.startswith(b"qXfer:memory-map:read::"):
            off, n = (int(v, 16) for v in p.split(b"::")[1].split(b","))
            part = MEMORY_MAP[off:off + n]
            return (b"l" if off + n >= len(MEMORY_MAP) else b"m") + gdbremote.escape(part)
        if p.startswith(b"vFlashErase:"):
            a, n = (int(v, 16) for v in p[12:].split(b","))
            self.erased.append((a, n))
            self.mem.update({a + i: 0xFF for i in range(n)})
            return b"OK"
        if p.startswith(b"vFlashWrite:"):
            a, data = p[12:].split(b":", 1)
            self._store(int(a, 16), gdbremote.decode(data))
            return b"OK"
        if p == b"vFlashDone":
            return b"OK"
        if p.startswith(b"X"):
            if not self.x:
                return b""
            head, data = p[1:].split(b":", 1)
            a, n = (int(v, 16) for v in head.split(b","))
            data = gdbremote.decode(data)
            assert len(data) == n
            self._store(a, data)
            return b"OK"
        if p.startswith(b"M"):
            head, hexdata = p[1:].split(b":", 1)
            self._store(int(head.split(b",")[0], 16), bytes.fromhex(hexdata.decode()))
            return b"OK"
        if p.startswith(b"m"):
            a, n = (int(v, 16) for v in p[1:].split(b","))
            return bytes(self.mem.get(a + i, 0) for i in range(n)).hex().encode()
        if p.startswith(b"P"):
            r, v = p[1:].split(b"=")
            self.regs[int(r, 16)] = struct.unpack("<I", bytes.fromhex(v.decode()))[0]
            return b"OK"
        if p.startswith(b"p"):
            return struct.pack("<I", self.regs.get(int(p[1:], 16), 0)).hex().encode()
        if p == b"D":
            return b"OK"
        return b""

    def _store(self, addr, data):
        self.mem.update({addr + i: b for i, b in enumerate(data)})


VECTORS = {"sp": 0x20002000, "reset": FLASH + 0x41}


def _load(tmp_path, srv):
    srv.start()
    elf = _elf(tmp_path / "t.elf", [(FLASH, CODE), (RAM, DATA)])
    r = gdbremote.load(elf, "127.0.0.1", srv.port, VECTORS, timeout=5)
    srv.join(5)
    return r


KINDS = ("qSupported", "qXfer", "vFlashErase", "vFlashWrite", "vFlashDone", "?", "X", "M", "m", "P", "p", "D")


def _kinds(log):
    return [next(k for k in KINDS if p.startswith(k.encode())) for p in log]


def test_vflash_path_under_a_memory_map(tmp_path):
    srv = FakeServer(memory_map=True)
    r = _load(tmp_path, srv)
    kinds = _kinds(srv.log)
    # flash bytes: erase the covering 16 KiB block, write, done; RAM bytes: X (after its probe)
    assert kinds[:3] == ["qSupported", "?", "qXfer"]
    i = kinds.index("vFlashErase")
    assert kinds[i:kinds.index("vFlashDone") + 1] == ["vFlashErase"] + ["vFlashWrite"] * 2 + ["vFlashDone"]
    assert srv.erased == [(FLASH, 0x4000)]
    assert "M" not in kinds and kinds.count("X") == 2        # the empty probe, then DATA
    assert kinds[-5:] == ["P", "P", "p", "P", "D"]      # sp, pc, read xpsr, xpsr | T, detach
    assert bytes(srv.mem[FLASH + i] for i in range(len(CODE))) == CODE
    assert bytes(srv.mem[RAM + i] for i in range(len(DATA))) == DATA
    assert srv.regs[13] == 0x20002000 and srv.regs[15] == FLASH + 0x40 and srv.regs[25] == 0x41000000
    assert r["method"] == "X+vFlash" and r["bytes"] == len(CODE) + len(DATA)
    assert srv.biggest <= 0x100 - 4                          # every packet inside PacketSize


def test_plain_writes_without_a_memory_map_fall_back_to_m(tmp_path):
    srv = FakeServer(memory_map=False, x=False)
    r = _load(tmp_path, srv)
    kinds = _kinds(srv.log)
    assert "vFlashErase" not in kinds and "qXfer" not in kinds
    assert r["method"] == "M" and kinds.count("X") == 1      # refused once, never again
    assert bytes(srv.mem[FLASH + i] for i in range(len(CODE))) == CODE
    assert srv.biggest <= 0x100 - 4


def test_retransmit_both_ways(tmp_path):
    """The server NAKs our first packet and garbles its first reply's checksum: we resend, and
    ask for the reply again with `-`."""
    srv = FakeServer(nak_first=True, bad_first_reply=True)
    _load(tmp_path, srv)
    assert srv.log[0].startswith(b"qSupported") and srv.naks_got == 1


def test_a_silent_server_times_out_with_one_line():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    try:
        with pytest.raises(UserError, match="did not answer 'qSupported"):
            g = gdbremote.GdbRemote("127.0.0.1", srv.getsockname()[1], timeout=0.5)
            g.handshake()
    finally:
        srv.close()
