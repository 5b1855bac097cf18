"""Run code derived from an untrusted model contained: bubblewrap namespaces + resource limits.

A .tflite is untrusted input (issue #21): people run models they downloaded. The C generated
from it runs natively (verify --target host), firmware built from it runs under qemu-system-arm
whose semihosting runs host commands (SYS_SYSTEM) and opens any host file (SYS_OPEN), and the
model itself is loaded by LiteRT / tflite-runtime under qemu-user or in a host venv. Each of
those runs here, as:

    prlimit --cpu --as --fsize -- bwrap <namespaces> <read-only /usr, the paths asked for,
                                        one writable work dir> -- program

- no network, IPC, PID or UTS sharing (--unshare-all), a new user namespace with every
  capability dropped (--unshare-user --cap-drop ALL), killed with its parent (--die-with-parent),
  no controlling terminal (--new-session: no TIOCSTI into ours), an empty environment plus a
  small explicit one (--clearenv);
- a filesystem of /usr read-only, the merged-usr links, a private /proc, /dev and a small /tmp,
  the read-only paths the caller names, and the work directory read-write at its own path; no
  /etc, /root, /home or host /tmp;
- the shells masked by /dev/null (exec fails: not a regular file), so system() inside cannot
  even start one. A second line of defence: with a shell the filesystem above still holds;
- limits applied by util-linux prlimit, which sets them on itself and execs bwrap: nothing runs
  between fork and exec in our process, which is multi-threaded (TensorFlow), so no preexec_fn.

Opting out: EDGEDISTILL_SANDBOX=none (read here and nowhere else) runs programs with the
resource limits only; `edgedistill doctor` says so.

    status() -> str                                   ("bubblewrap 0.8.0", or why not)
    run(argv, work, limits, ro=(), env=None, timeout=None) -> subprocess.CompletedProcess
    popen(argv, work, limits, ro=(), env=None, **popen_kwargs) -> subprocess.Popen
    describe(returncode) -> str                       ("exited 3", "killed by SIGXCPU (...)")
"""

import functools
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import UserError

ENV_VAR = "EDGEDISTILL_SANDBOX"
GiB = 1 << 30
MiB = 1 << 20

# Merged-usr links of the host's root, recreated inside (a non-merged host gets its real
# folders bound read-only instead: the dynamic loader lives in /lib64 there).
_ROOT_LINKS = ("bin", "sbin", "lib", "lib64", "lib32", "libx32")
# Shells system() and popen() would start, under each read-only root (/, an ARM userland)
_SHELLS = ("usr/bin/sh", "usr/bin/dash", "usr/bin/bash", "usr/bin/rbash", "usr/bin/busybox",
           "bin/sh", "bin/dash", "bin/bash")
# The private /tmp is memory (tmpfs), which no rlimit counts: programs we run keep their files
# in the work dir, so a little room for a library that wants a temp file.
TMP_BYTES = 16 * MiB
# Seconds between RLIMIT_CPU's SIGXCPU (catchable) and the hard limit's SIGKILL
_CPU_GRACE_S = 2
# What a limit's signal means to whoever reads the error
_LIMIT_SIGNALS = {signal.SIGXCPU: "the CPU-time limit", signal.SIGXFSZ: "the file-size limit",
                  signal.SIGKILL: "a hard limit, the timeout or the out-of-memory killer"}

FIX = ("install bubblewrap (`make setup` does); inside Docker the container needs user "
       "namespaces (docker run --security-opt seccomp=unconfined --security-opt apparmor=unconfined); "
       f"or set {ENV_VAR}=none to run it with resource limits only, without isolation")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one contained run, per process (prlimit). Pick them per use."""
    cpu_s: int                    # RLIMIT_CPU: SIGXCPU at cpu_s CPU seconds, SIGKILL soon after
    address_space: int | None     # RLIMIT_AS, bytes; None: unlimited (ASan reserves terabytes
                                  # of shadow: bound its heap with ASAN_OPTIONS instead)
    file_size: int                # RLIMIT_FSIZE, bytes per file: a larger write gets SIGXFSZ

    def prlimit_args(self) -> list[str]:
        a = [f"--cpu={self.cpu_s}:{self.cpu_s + _CPU_GRACE_S}", f"--fsize={self.file_size}"]
        if self.address_space is not None:
            a.append(f"--as={self.address_space}")
        return a


def _mode() -> str:
    """'bubblewrap' or 'none': the one place EDGEDISTILL_SANDBOX is read."""
    value = os.environ.get(ENV_VAR, "").strip().lower()
    if value in ("", "bubblewrap", "bwrap"):
        return "bubblewrap"
    if value == "none":
        return "none"
    raise UserError(f"{ENV_VAR}={value!r} is not a sandbox setting",
                    f"unset it (bubblewrap), or set {ENV_VAR}=none to run with resource limits only")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise UserError(f"{name} is not installed: it applies the resource limits of contained runs",
                        "install util-linux (it is part of every Debian system)")
    return path


def _masks(roots) -> list[str]:
    """--ro-bind /dev/null over every shell (its real file: sh is a link to dash)."""
    out, seen = [], set()
    for root in roots:
        for rel in _SHELLS:
            real = os.path.realpath(os.path.join(root, rel))
            if real not in seen and os.path.isfile(real):
                seen.add(real)
                out += ["--ro-bind", "/dev/null", real]
    return out


def _bwrap_args(bwrap: str, work: Path, ro, env: dict) -> list[str]:
    a = [bwrap, "--unshare-all", "--unshare-user", "--cap-drop", "ALL", "--die-with-parent",
         "--new-session", "--clearenv", "--ro-bind", "/usr", "/usr"]
    for name in _ROOT_LINKS:
        host = Path("/") / name
        if host.is_symlink():
            a += ["--symlink", os.readlink(host), str(host)]
        elif host.is_dir():
            a += ["--ro-bind", str(host), str(host)]
    a += ["--proc", "/proc", "--dev", "/dev", "--size", str(TMP_BYTES), "--tmpfs", "/tmp"]
    ro = [str(Path(p)) for p in ro]
    for p in ro:                   # at their own paths: callers pass host paths on the command line
        a += ["--ro-bind", p, p]
    a += _masks(["/", *(p for p in ro if os.path.isdir(p))])
    a += ["--bind", str(work), str(work), "--chdir", str(work)]
    a += ["--remount-ro", "/"]       # bwrap's root is a tmpfs: else a place to write outside work
    for k, v in env.items():
        a += ["--setenv", k, v]
    return a + ["--"]


@functools.cache
def _probe() -> tuple[str | None, str]:
    """(bwrap's path, version) when bubblewrap runs a trivial command with our full set of
    options, else (None, the reason). Once per process: namespaces do not come and go."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return None, "bubblewrap (bwrap) is not installed"
    try:
        v = subprocess.run([bwrap, "--version"], capture_output=True, text=True, timeout=10)
        version = v.stdout.strip() or "bubblewrap (version unknown)"
        with tempfile.TemporaryDirectory(prefix="edsandbox-") as d:
            r = subprocess.run(_bwrap_args(bwrap, Path(d), (), {"PATH": "/usr/bin"}) + ["/usr/bin/true"],
                               capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"bwrap could not be run: {e}"
    if r.returncode != 0:
        tail = " | ".join(r.stderr.strip().splitlines()[-2:]) or f"exit status {r.returncode}"
        return None, f"bwrap cannot start the sandbox here ({tail})"
    return bwrap, version


def status() -> str:
    """Which sandbox contained runs get, for `doctor`: "bubblewrap 0.8.0", the opt-out, or why
    bubblewrap is unusable."""
    if _mode() == "none":
        return f"none ({ENV_VAR}=none): rlimits only"
    bwrap, said = _probe()
    return said if bwrap else f"unusable: {said}"


def usable() -> bool:
    """True when contained runs will start: bubblewrap works, or the user opted out."""
    return _mode() == "none" or _probe()[0] is not None


def command(argv, work: Path, limits: Limits, ro=(), env: dict | None = None) -> list[str]:
    """The argv that runs `argv` contained: `work` (an existing folder, the only writable path
    and the working directory), `ro` read-only at their own paths, `env` on top of PATH, HOME
    and LANG. Raises UserError when bubblewrap is unusable and the user did not opt out."""
    work = Path(work).resolve()
    limit = [_tool("prlimit"), *limits.prlimit_args(), "--"]
    if _mode() == "none":
        return [*limit, *map(str, argv)]
    bwrap, said = _probe()
    if bwrap is None:
        raise UserError(f"cannot run model-derived code contained: {said}", FIX)
    return [*limit, *_bwrap_args(bwrap, work, ro, _env(env, work)), *map(str, argv)]


def _env(env: dict | None, work: Path) -> dict:
    """The whole environment of a contained program (passed to Popen too: with
    EDGEDISTILL_SANDBOX=none there is no --clearenv)."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(Path(work).resolve()), "LANG": "C.UTF-8", **(env or {})}


def run(argv, work: Path, limits: Limits, ro=(), env: dict | None = None,
        timeout: float | None = None) -> subprocess.CompletedProcess:
    """subprocess.run of the contained `argv` (text output captured, stdin empty)."""
    return subprocess.run(command(argv, work, limits, ro, env), cwd=work, env=_env(env, work),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)


def popen(argv, work: Path, limits: Limits, ro=(), env: dict | None = None, **kwargs) -> subprocess.Popen:
    """subprocess.Popen of the contained `argv`; kwargs as for Popen (not cwd, env)."""
    return subprocess.Popen(command(argv, work, limits, ro, env), cwd=work, env=_env(env, work), **kwargs)


def describe(returncode: int) -> str:
    """A contained program's exit status in words. bwrap reports a program killed by signal S
    as exit status 128 + S (as shells do); without bwrap it is -S."""
    sig = -returncode if returncode < 0 else returncode - 128 if 128 < returncode < 128 + 65 else 0
    if not sig:
        return f"exited {returncode}"
    try:
        name = signal.Signals(sig).name
    except ValueError:
        name = f"signal {sig}"
    why = _LIMIT_SIGNALS.get(sig)
    return f"killed by {name}" + (f" ({why})" if why else "") + f", exit status {returncode}"


def python_paths(python: Path) -> list[Path]:
    """What the venv's python needs to see: the venv, and the installation it was made from
    (pyvenv.cfg `home`, e.g. ~/.pyenv/versions/3.11.7/bin) unless that is under /usr."""
    venv = python.parent.parent
    if not (venv / "pyvenv.cfg").is_file():     # not a venv: the installation itself
        return [] if venv == Path("/usr") or Path("/usr") in venv.parents else [venv]
    home = next((ln.split("=", 1)[1].strip() for ln in (venv / "pyvenv.cfg").read_text().splitlines()
                 if ln.split("=", 1)[0].strip() == "home"), "/usr/bin")
    base = Path(home).parent
    return [venv] if base == Path("/usr") or Path("/usr") in base.parents else [venv, base]
