"""Firmware build: the flashable UART image runs under QEMU, compile leaves ELF + map + sources,
budgets are checked before building."""

from dataclasses import replace

import pytest


def test_uart_image_passes_on_netduinoplus2(tmp_path, small_model):
    """The image `flash` would put on the real STM32F405 board prints PASS on QEMU's UART."""
    from pipeline.firmware import build_firmware, qemu
    from pipeline.firmware.build import FirmwareInfo
    from pipeline.flash.monitor import parse_line
    info = build_firmware(small_model, "stm32f405", tmp_path)
    fi = FirmwareInfo(tmp_path / "firmware.elf", None, tmp_path, "netduinoplus2", "uart", 0, 0, 0, 0, 0, {})
    res = qemu.run(fi, "netduinoplus2", timeout=30, wait_for="EDGEDISTILL EXIT")
    recs = [parse_line(ln) for ln in res.uart.splitlines()]
    assert [r["tag"] for r in recs if r][-3:] == ["PASS", "DONE", "EXIT"], res.uart
    assert sum(1 for r in recs if r and r["tag"] == "OUT") == 4
    assert info["flash_bytes"] < 1 << 20


def test_cli_compile_mcu_leaves_elf_map_sources(cli, tmp_path, small_model):
    p = tmp_path / "m.tflite"
    p.write_bytes(small_model)
    out = tmp_path / "fw"
    cli("compile", p, "--target", "cortex-m4", "--out", out, check=True)
    for f in ("firmware.elf", "firmware.map", "model.c", "model.h", "memory_plan.txt",
              "kernels/conv.c", "kernels/simd.h", "board/startup.c", "board/link.ld"):
        assert (out / f).is_file(), f
    assert "ed_conv" in (out / "firmware.map").read_text()


def test_budget_refused_before_building_with_numbers(tmp_path, models):
    from pipeline import targets
    from pipeline.errors import UserError
    from pipeline.firmware import build_firmware
    small = replace(targets.load("cortex-m4"), ram_bytes=32 * 1024)
    with pytest.raises(UserError) as e:
        build_firmware(models["vww_mobilenet_v1_025"], small, tmp_path)
    assert "RAM" in str(e.value) and "32,768" in str(e.value)   # the budget, as `targets show` prints it
    assert not (tmp_path / "firmware.elf").exists()
    tiny_flash = replace(targets.load("cortex-m4"), flash_bytes=64 * 1024)
    with pytest.raises(UserError, match="flash"):
        build_firmware(models["ad_autoencoder"], tiny_flash, tmp_path)


def test_non_mcu_target_is_refused(tmp_path, small_model):
    from pipeline.errors import UserError
    from pipeline.firmware import verify_mcu
    with pytest.raises(UserError, match="not a microcontroller"):
        verify_mcu(small_model, "rpi4", None, 2)
