"""Userland cache, CPU pinning data, and the runner's clean errors."""

import time

import pytest

from pipeline import targets
from pipeline.errors import UserError
from pipeline.linux import qemu_user, rootfs


def test_cpuinfo_names_the_profile_cpu():
    text = rootfs.cpuinfo("cortex-a72", cores=2)
    assert text.count("processor\t:") == 2
    assert "CPU implementer\t: 0x41" in text and "CPU part\t: 0xd08" in text      # Cortex-A72 MIDR
    assert "CPU part\t: 0xc0f" in rootfs.cpuinfo("cortex-a15")                    # Cortex-A15
    assert "asimddp" in rootfs.cpuinfo("cortex-a76")                              # dot product


def test_pi4_and_android_share_one_arm64_userland_but_not_the_cpu():
    rpi4, android, armv7 = (targets.load(n) for n in ("rpi4", "android-arm64", "rpi-armv7"))
    assert rootfs.spec_for(rpi4) == rootfs.spec_for(android)
    assert rootfs.spec_for(rpi4).key() != rootfs.spec_for(armv7).key()
    a, b = rootfs.view_for(rpi4), rootfs.view_for(android)
    assert a != b and (a / "usr").resolve() == (b / "usr").resolve()
    assert "0xd0b" in (b / "proc" / "cpuinfo").read_text()                        # Cortex-A76


def test_cached_userland_is_ready_in_under_5_s():
    t0 = time.monotonic()
    for name in ("rpi4", "rpi-armv7", "android-arm64"):
        assert (rootfs.view_for(targets.load(name)) / "usr" / "bin" / "python3.11").exists()
    assert time.monotonic() - t0 < 5


def test_runner_times_out_with_a_fix(tmp_path):
    script = tmp_path / "spin.py"
    script.write_text("while True: pass\n")
    with pytest.raises(UserError, match="did not finish within 2 s"):
        qemu_user.run_python(targets.load("rpi4"), script, [], timeout=2)


def test_runner_reports_a_failing_guest(tmp_path):
    script = tmp_path / "fail.py"
    script.write_text("import sys, platform\nprint(platform.machine(), file=sys.stderr)\nsys.exit(3)\n")
    with pytest.raises(UserError, match=r"rpi-armv7 userland exited 3: armv7l"):
        qemu_user.run_python(targets.load("rpi-armv7"), script, [], timeout=60)


def test_profile_without_userland_fields_is_a_user_error():
    bare = targets.Target("x", "linux", "", "cortex-a72", (), None, None, {"arch": "aarch64"})
    with pytest.raises(UserError, match="debian_arch"):
        rootfs.spec_for(bare)
