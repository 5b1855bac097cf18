"""Run a Python script in an emulated ARM userland with qemu-user: no chroot, no binfmt, CPU pinned
by the target profile (an unpinned `max` CPU makes XNNPACK choose other kernels)."""

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import UserError

_QEMU = {"aarch64": "qemu-aarch64-static", "arm": "qemu-arm-static"}


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
    script's folder. Raises UserError on a timeout, a crash or a non-zero exit."""
    import time

    from pipeline.linux import rootfs
    emu = target.emulator
    qemu = qemu_binary(emu["arch"])
    root = rootfs.view_for(target, progress)
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONPATH": str(root / "opt" / "pylib"),
           "PYTHONDONTWRITEBYTECODE": "1", "HOME": "/tmp", "QEMU_CPU": emu["qemu_cpu"]}
    # a host path: -L lookups are not applied to every call the armhf Python makes on PYTHONPATH
    cmd = [qemu, "-L", str(root), "-cpu", emu["qemu_cpu"], str(root / "usr" / "bin" / f"python{emu['python']}"),
           str(script), *args]
    t0 = time.monotonic()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                           cwd=script.parent)
    except subprocess.TimeoutExpired:
        raise UserError(f"the emulated {target.name} ({emu['qemu_cpu']}) did not finish within {timeout:.0f} s",
                        "pass fewer --samples, or raise timeout_s in the target's TOML") from None
    res = GuestResult(r.returncode, r.stdout, r.stderr, time.monotonic() - t0)
    if r.returncode != 0:
        why = f"crashed with signal {-r.returncode}" if r.returncode < 0 else f"exited {r.returncode}"
        tail = " | ".join(r.stderr.strip().splitlines()[-3:]) or "no output"
        raise UserError(f"the runtime in the emulated {target.name} userland {why}: {tail}",
                        "check that the model loads with LiteRT on the host; delete "
                        f"{root.resolve().parent}/rootfs-* to rebuild the userland")
    return res

