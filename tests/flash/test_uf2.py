"""The Pico's UF2s (pipeline/flash/uf2.py): `pico` (flash, our boot2 with its CRC32) and
`pico-ram` (SRAM only). Block fields as the UF2 spec (microsoft/uf2 README) defines them, the
blocks parse back to exactly the ELF's load segments, boot2's CRC is the one the boot ROM checks,
the RAM image's entry (its lowest address) is the stub, and `flash --probe uf2` copies onto a
boot drive (a folder with INFO_UF2.TXT stands in for the board's USB drive). No RP2040 has run
any of it: QEMU 7.2 has no RP2040 machine."""

import struct

import pytest

from pipeline.firmware import boards
from pipeline.firmware.elf import Elf, Segment
from pipeline.flash import check_image, uf2

RP2040 = 0xE48BFF56     # the RP2040's family ID in the UF2 family list


def test_block_fields_by_hand():
    """7 bytes at 0x200000FE straddle two 256-byte pages: 2 blocks of 256-byte payloads at
    0x20000000 and 0x20000100, numbered 0 and 1 of 2, each 512 bytes with both magics."""
    data = uf2.write([Segment(0x200000FE, bytes(range(1, 8)))], RP2040)
    assert len(data) == 2 * 512
    for n, addr in enumerate((0x20000000, 0x20000100)):
        blk = data[512 * n:512 * (n + 1)]
        assert struct.unpack_from("<8I", blk) == (0x0A324655, 0x9E5D5157, 0x2000, addr, 256, n, 2, RP2040)
        assert struct.unpack_from("<I", blk, 508) == (0x0AB16F30,)
        assert blk[32 + 256:508] == bytes(476 - 256)
    assert data[32 + 254:32 + 256] == b"\x01\x02" and data[512 + 32:512 + 32 + 5] == b"\x03\x04\x05\x06\x07"
    assert data[32:32 + 254] == bytes(254)


def test_parse_refuses_a_torn_block():
    data = bytearray(uf2.write([Segment(0x20000000, b"\x01")], RP2040))
    data[508] ^= 1
    with pytest.raises(ValueError, match="magic"):
        uf2.parse(bytes(data))
    with pytest.raises(ValueError, match="whole number"):
        uf2.parse(bytes(data[:300]))


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    from pipeline.firmware import build_firmware
    from pipeline.zoo import random_int8
    tfl = random_int8("student", "cnn", (8, 8, 1), num_classes=3)
    return {name: build_firmware(tfl, boards.target(boards.load(name)), tmp_path_factory.mktemp(name))
            for name in ("pico", "pico-ram")}


@pytest.fixture(scope="module")
def pico(images):
    return images["pico-ram"]


def test_crc_is_crc32_mpeg2():
    """The CRC catalogue's check value for CRC-32/MPEG-2 (poly 0x04c11db7, init 0xffffffff, no
    reflection, no final XOR): the CRC of the ASCII digits 1..9."""
    from pipeline.firmware.boot2 import crc32_mpeg2
    assert crc32_mpeg2(b"123456789") == 0x0376E6E7


def test_flash_image_carries_boot2_with_its_crc(images):
    """256 bytes at 0x10000000 whose last 4 are the CRC of the first 252 (little-endian), the
    vector table after them, and the SSI set-up values in boot2's literal pool."""
    from pipeline.firmware.boot2 import crc32_mpeg2
    e = Elf(images["pico"]["elf"])
    boot2 = e.read(0x10000000, 256)
    assert e.section(".boot2").size == 256 and boot2 is not None
    assert struct.unpack("<I", boot2[252:]) == (crc32_mpeg2(boot2[:252]),) and boot2[252:] != bytes(4)
    for word in (0x18000000, (31 << 16) | (3 << 8), 0x03000218, 0x10000100, 0xE000ED08):
        assert struct.pack("<I", word) in boot2[:252]
    check_image(images["pico"]["elf"], boards.load("pico"))
    blocks = uf2.parse(uf2.write(e.segments(), RP2040))
    assert blocks[0]["addr"] == 0x10000000 and blocks[0]["payload"] == boot2
    assert all(0x10000000 <= b["addr"] < 0x10200000 for b in blocks)     # flash only: RAM is zeroed at boot


def test_pico_image_passes_the_preflight_checks(pico):
    board = boards.load("pico-ram")
    assert pico["io"] == "uart" and pico["board"] == "pico-ram"
    v = check_image(pico["elf"], board)         # vectors at 0x20000100, SP in RAM, reset in .text
    assert Elf(pico["elf"]).section(".vectors").addr == 0x20000100
    assert board.ram_base < v["sp"] <= board.ram_base + board.ram_size


@pytest.mark.parametrize("name", ["pico", "pico-ram"])
def test_uf2_blocks_are_exactly_the_elf_segments(images, name):
    segs = Elf(images[name]["elf"]).segments()
    blocks = uf2.parse(uf2.write(segs, RP2040))
    assert [b["block"] for b in blocks] == list(range(len(blocks)))
    assert {b["blocks"] for b in blocks} == {len(blocks)} and {b["family"] for b in blocks} == {RP2040}
    assert all(b["size"] == 256 and b["addr"] % 256 == 0 and b["flags"] == 0x2000 for b in blocks)
    got = {b["addr"] + k: v for b in blocks for k, v in enumerate(b["payload"])}
    want = {s.addr + k: v for s in segs for k, v in enumerate(s.data)}
    assert all(got[a] == v for a, v in want.items())
    assert all(v == 0 for a, v in got.items() if a not in want)           # only page padding besides
    assert {a & ~255 for a in want} == {b["addr"] for b in blocks}        # no page without image bytes
    if name == "pico-ram":  # everything the boot ROM loads lies in SRAM below the RAM region (stack, .bss)
        assert 0x20000000 <= min(got) and max(got) < boards.load("pico-ram").ram_base


def test_boot_rom_enters_at_the_stub(pico):
    """The boot ROM runs a RAM UF2 from its lowest address: that must be the entry stub, which
    reaches the vector table through literals holding its address and VTOR's."""
    e = Elf(pico["elf"])
    blocks = uf2.parse(uf2.write(e.segments(), RP2040))
    assert blocks[0]["addr"] == 0x20000000 == e.symbols()["ed_ram_entry"].value & ~1
    stub = e.read(0x20000000, 24)
    assert struct.pack("<I", 0x20000100) in stub and struct.pack("<I", 0xE000ED08) in stub


@pytest.fixture
def drive(tmp_path):
    d = tmp_path / "RPI-RP2"
    d.mkdir()
    (d / "INFO_UF2.TXT").write_text("UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n")
    return d


@pytest.mark.parametrize("name", ["pico", "pico-ram"])
def test_flash_uf2_copies_onto_the_boot_drive(cli, images, drive, name):
    elf = images[name]["elf"]
    r = cli("flash", elf, "--board", name, "--probe", "uf2", "--drive", drive, check=True)
    copied = drive / "firmware.uf2"
    assert copied.read_bytes() == uf2.write(Elf(elf).segments(), RP2040)
    assert f"copied to {copied}" in r.stdout


def test_flash_uf2_without_a_drive_says_how(cli, pico):
    r = cli("flash", pico["elf"], "--board", "pico-ram", "--probe", "uf2", check=True)
    assert r.stdout.startswith("cp ") and "RPI-RP2" in r.stdout and "BOOTSEL" in r.stderr


def test_flash_uf2_refusals(cli, pico, drive, tmp_path):
    (drive / "INFO_UF2.TXT").write_text("UF2 Bootloader v3.1\nModel: Arduino Zero\nBoard-ID: SAMD21G18A-Zero-v0\n")
    r = cli("flash", pico["elf"], "--board", "pico-ram", "--probe", "uf2", "--drive", drive)
    assert r.returncode == 2 and "SAMD21G18A" in r.stderr and not (drive / "firmware.uf2").exists()
    r = cli("flash", pico["elf"], "--board", "pico-ram", "--probe", "uf2", "--drive", tmp_path)
    assert r.returncode == 2 and "no INFO_UF2.TXT" in r.stderr and "BOOTSEL" in r.stderr
    for probe, says in (("pyocd", "--probe uf2"), ("openocd", "uf2")):
        r = cli("flash", pico["elf"], "--board", "pico-ram", "--probe", probe, "--dry-run")
        assert r.returncode == 2 and says in r.stderr and "Traceback" not in r.stderr, (probe, r.stderr)


def test_uf2_on_a_board_without_its_boot_loader_is_refused(cli, pico):
    r = cli("flash", pico["elf"], "--board", "microbit", "--probe", "uf2")
    assert r.returncode == 2 and "Traceback" not in r.stderr
