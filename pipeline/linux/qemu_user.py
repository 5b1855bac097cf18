"""Run a Python script in an emulated ARM userland with qemu-user: no chroot, no binfmt, CPU pinned
by the target profile (an unpinned `max` CPU makes XNNPACK choose other kernels). The script
loads an untrusted model, so it runs in the sandbox (pipeline/sandbox.py): the userland
read-only, the script's folder the only writable path."""

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pipeline import sandbox
from pipeline.errors import UserError

_QEMU = {"aarch64": "qemu-aarch64-static", "arm": "qemu-arm-static"}
# RLIMIT_AS, measured as the smallest limit that verifies the zoo students (64 MiB steps):
# qemu-arm reserves the 32-bit guest's whole 4 GiB up front and needs 4.25 GiB in all; the
# guest's memory lives inside that reservation, so 6 GiB is headroom for QEMU alone. A 64-bit
# guest maps its memory straight into ours: 0.5 GiB for LiteRT + XNNPACK on those models, and 4
# GiB leaves room for Linux-sized models while still stopping a runaway allocation.
ADDRESS_SPACE = {"arm": 6 * sandbox.GiB, "aarch64": 4 * sandbox.GiB}
# RLIMIT_FSIZE: the .npy outputs and info.json the guest writes are small
FILE_SIZE = 256 * sandbox.MiB
# The host's CPU list, read-only, as the guest saw it before the sandbox: without it the cpuinfo
# library fails ("failed to parse both lists of possible and present processors"), LiteRT
# creates no XNNPACK delegate, and the default path's outputs change (measured: 1 LSB on rpi4).
CPU_SYSFS = "/sys/devices/system/cpu"


@dataclass(frozen=True)
class GuestResult:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def qemu_binary(arch: str) -> str:
    if arch not in _QEMU:
        raise UserError(f"no qemu-user emulator for architecture '{arch}'", f"use one of {', '.join(_QEMU)}")
    exe = shutil.which(_QEMU[arch])
    if exe is None:
        raise UserError(f"{_QEMU[arch]} is not installed",
                        "install the Debian package qemu-user-static (`make setup` does)")
    return exe


def run_python(target, script: Path, args: list[str], timeout: float, progress=None) -> GuestResult:
    """`python<ver> script args...` in `target`'s userland (built on first need); cwd is the
    script's folder, the one host folder the script sees (read-write). Raises UserError on a
    timeout, a crash or a non-zero exit."""
    import time

    from pipeline.linux import rootfs
    emu = target.emulator
    qemu = qemu_binary(emu["arch"])
    root = rootfs.view_for(target, progress)
    shared = rootfs.path_for(rootfs.spec_for(target))      # what the view's links point into
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONPATH": str(root / "opt" / "pylib"),
           "PYTHONDONTWRITEBYTECODE": "1", "HOME": "/tmp", "QEMU_CPU": emu["qemu_cpu"]}
    # a host path: -L lookups are not applied to every call the armhf Python makes on PYTHONPATH
    cmd = [qemu, "-L", str(root), "-cpu", emu["qemu_cpu"], str(root / "usr" / "bin" / f"python{emu['python']}"),
           str(script), *args]
    # RLIMIT_CPU is a backstop: the timeout comes first, even with two guest threads busy
    limits = sandbox.Limits(cpu_s=2 * int(timeout) + 30, address_space=ADDRESS_SPACE[emu["arch"]],
                            file_size=FILE_SIZE)
    t0 = time.monotonic()
    try:
        r = sandbox.run(cmd, script.parent.resolve(), limits, ro=[root, shared, CPU_SYSFS], env=env,
                        timeout=timeout)
    except subprocess.TimeoutExpired:
        raise UserError(f"the emulated {target.name} ({emu['qemu_cpu']}) did not finish within {timeout:.0f} s",
                        "pass fewer --samples, or raise timeout_s in the target's TOML") from None
    res = GuestResult(r.returncode, r.stdout, r.stderr, time.monotonic() - t0)
    if r.returncode != 0:
        why = sandbox.describe(r.returncode)
        tail = " | ".join(r.stderr.strip().splitlines()[-3:]) or "no output"
        if why.startswith("killed by") and "limit" not in why:
            # a signal from the runtime's own code (#15: SIGSEGV in tflite-runtime 2.14's gemmlowp
            # path): the userland imported and ran it, so rebuilding the userland cannot help
            raise UserError(f"{emu.get('wheels', [target.runtime])[0]} in the emulated {target.name} "
                            f"({emu['qemu_cpu']}) crashed on this model ({why}): {tail}",
                            "this is the runtime (or the emulator), not the userland: find the op by "
                            "removing layers from the end; pipeline/linux/hazards.py lists the ops "
                            "known to crash it, and `run_model.py --reference` avoids them")
        raise UserError(f"the runtime in the emulated {target.name} userland {why}: {tail}",
                        "check that the model loads with LiteRT on the host; delete "
                        f"{root.resolve().parent}/rootfs-* to rebuild the userland")
    return res

