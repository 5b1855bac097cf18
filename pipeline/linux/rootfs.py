"""Debian userlands for emulated ARM Linux targets, built from the package registries without
touching the host: a private apt configuration (own status file, lists and archive cache under a
temporary directory) downloads the .debs, `dpkg -x` unpacks them, `pip install --target` adds the
runtime wheels. The result is cached per (architecture, packages, wheels) in
~/.cache/edgedistill/rootfs-<debian arch>-<hash>, built once in a temp dir and renamed into place.

    spec_for(target) -> RootfsSpec
    ensure(spec, progress=print) -> Path        (builds on first need)
    view_for(target) -> Path                    (rootfs as seen by one CPU: its own /proc/cpuinfo)
"""

import hashlib
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import UserError
from pipeline import buildonce
from pipeline.paths import cache_dir

# Debian mirror and keyring of the host (Debian 12); the rootfs suite comes from the profile
MIRROR = "http://deb.debian.org/debian"
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
LAYOUT = 2          # bump when the on-disk layout built here changes: invalidates old caches

# GNU triplets of the Debian architectures we build (multiarch library directories)
_TRIPLET = {"arm64": "aarch64-linux-gnu", "armhf": "arm-linux-gnueabihf"}

# ARM main ID register fields per emulated CPU, from the Cortex-A TRMs ("MIDR_EL1"/"MIDR"):
# implementer 0x41 (Arm), part, variant, revision; features as the kernel prints them.
_CPUS = {
    "cortex-a72": dict(part="0xd08", variant="0x0", rev=3, arch=8, bogo="108.00",
                       features="fp asimd evtstrm crc32 cpuid"),
    "cortex-a76": dict(part="0xd0b", variant="0x4", rev=1, arch=8, bogo="52.00",
                       features="fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp "
                                "cpuid asimdrdm lrcpc dcpop asimddp"),
    "cortex-a15": dict(part="0xc0f", variant="0x2", rev=3, arch=7, bogo="38.40",
                       features="half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt "
                                "vfpd32 lpae evtstrm"),
}


@dataclass(frozen=True)
class RootfsSpec:
    debian_arch: str                  # "arm64" | "armhf"
    suite: str                        # "bookworm"
    python: str                       # "3.11": the interpreter is usr/bin/python<python>
    debs: tuple[str, ...]             # apt resolves their dependencies
    wheels: tuple[str, ...]           # pinned requirements, installed into opt/pylib
    pip_platforms: tuple[str, ...]
    pip_no_deps: bool

    def key(self) -> str:
        blob = json.dumps([LAYOUT, self.debian_arch, self.suite, self.python, sorted(self.debs),
                           sorted(self.wheels), list(self.pip_platforms), self.pip_no_deps])
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    @property
    def triplet(self) -> str:
        return _TRIPLET[self.debian_arch]


def spec_for(target) -> RootfsSpec:
    e = target.emulator
    missing = [k for k in ("debian_arch", "suite", "python", "debs", "wheels", "pip_platforms")
               if k not in e]
    if missing:
        raise UserError(f"target '{target.name}' has no {', '.join(missing)} in its [emulator] table",
                        "add them to targets/%s.toml (see targets/rpi4.toml)" % target.name)
    if e["debian_arch"] not in _TRIPLET:
        raise UserError(f"target '{target.name}': Debian architecture '{e['debian_arch']}' is not supported",
                        f"use one of {', '.join(_TRIPLET)}")
    return RootfsSpec(e["debian_arch"], e["suite"], str(e["python"]), tuple(e["debs"]),
                      tuple(e["wheels"]), tuple(e["pip_platforms"]), bool(e.get("pip_no_deps", False)))


def path_for(spec: RootfsSpec) -> Path:
    return cache_dir() / f"rootfs-{spec.debian_arch}-{spec.key()}"


def ensure(spec: RootfsSpec, progress=None) -> Path:
    """The cached rootfs for `spec`, built first if missing (about a minute, ~50 MB download)."""
    def make(work: Path):
        root = work / "root"
        root.mkdir()
        debs = _download_debs(spec, work / "apt")
        for deb in debs:
            _run(["dpkg-deb", "-x", str(deb), str(root)], "unpack " + deb.name)
        _link_alternatives(spec, root)
        _pip_install(spec, root / "opt" / "pylib")
        (root / "proc").mkdir(exist_ok=True)
        (root / "proc" / "cpuinfo").write_text(cpuinfo("cortex-a72" if spec.debian_arch == "arm64"
                                                       else "cortex-a15"))
        return root, {"spec": spec.__dict__, "debs": [d.name for d in debs]}
    return buildonce.ensure(path_for(spec), f"the {spec.debian_arch} Debian {spec.suite} userland for "
                            "emulation", make, progress)


def view_for(target, progress=None) -> Path:
    """The rootfs as `target`'s CPU sees it: a directory of links to the shared rootfs plus its own
    proc/cpuinfo (LiteRT reads it to pick kernels, and segfaults on an x86 one under qemu)."""
    root = ensure(spec_for(target), progress)
    cpu = target.emulator.get("qemu_cpu", target.cpu)
    view = root.parent / f"{root.name}.{cpu}"
    if (view / ".complete").is_file():
        return view
    tmp = Path(tempfile.mkdtemp(prefix=f".{view.name}-", dir=root.parent))
    for entry in root.iterdir():
        if entry.name not in ("proc", ".complete"):
            (tmp / entry.name).symlink_to(entry)
    (tmp / "proc").mkdir()
    (tmp / "proc" / "cpuinfo").write_text(cpuinfo(cpu))
    (tmp / ".complete").write_text(cpu + "\n")
    try:
        os.rename(tmp, view)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not (view / ".complete").is_file():
            raise
    return view


def cpuinfo(cpu: str, cores: int = 4) -> str:
    """/proc/cpuinfo as an ARM Linux kernel prints it for `cores` identical `cpu` cores."""
    if cpu not in _CPUS:
        raise UserError(f"no /proc/cpuinfo template for CPU '{cpu}'", f"use one of {', '.join(_CPUS)}")
    c = _CPUS[cpu]
    blocks = []
    for i in range(cores):
        model = [f"model name\t: ARMv7 Processor rev {c['rev']} (v7l)"] if c["arch"] == 7 else []
        blocks.append("\n".join([f"processor\t: {i}", *model, f"BogoMIPS\t: {c['bogo']}",
                                 f"Features\t: {c['features']}", "CPU implementer\t: 0x41",
                                 f"CPU architecture: {c['arch']}", f"CPU variant\t: {c['variant']}",
                                 f"CPU part\t: {c['part']}", f"CPU revision\t: {c['rev']}"]))
    return "\n\n".join(blocks) + "\n\n"


def _run(cmd, what, env=None):
    return buildonce.run_step(cmd, what, "the emulated userland", "check that deb.debian.org and pypi.org are reachable, then retry "
                              "(`python tools/build_rootfs.py` rebuilds it)", env)


def _download_debs(spec: RootfsSpec, d: Path) -> list[Path]:
    """apt-get -d with everything under `d`: an empty dpkg status (so all dependencies are fetched)
    and its own lists and archive cache; the host's apt and dpkg state is never read or written."""
    for sub in ("etc/apt.conf.d", "etc/preferences.d", "etc/sources.list.d", "lists/partial",
                "archives/partial", "dpkg"):
        (d / sub).mkdir(parents=True, exist_ok=True)
    (d / "dpkg" / "status").write_text("")
    (d / "etc" / "sources.list").write_text(
        f"deb [signed-by={KEYRING}] {MIRROR} {spec.suite} main\n"
        f"deb [signed-by={KEYRING}] {MIRROR} {spec.suite}-updates main\n")
    conf = d / "apt.conf"
    conf.write_text("\n".join([
        f'APT::Architecture "{spec.debian_arch}";',
        f'APT::Architectures {{ "{spec.debian_arch}"; }};',
        'APT::Install-Recommends "false";',
        'APT::Sandbox::User "root";',          # temp dir is private; no _apt privilege drop
        f'Dir::Etc "{d}/etc";', f'Dir::Etc::Parts "{d}/etc/apt.conf.d";',
        f'Dir::Etc::PreferencesParts "{d}/etc/preferences.d";',
        f'Dir::Etc::SourceParts "{d}/etc/sources.list.d";',
        f'Dir::State "{d}";', f'Dir::State::Lists "{d}/lists";',
        f'Dir::State::status "{d}/dpkg/status";',
        f'Dir::Cache "{d}";', f'Dir::Cache::Archives "{d}/archives";',
        'Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";',
        'Debug::NoLocking "true";', "",
    ]))
    env = {**os.environ, "APT_CONFIG": str(conf), "DEBIAN_FRONTEND": "noninteractive"}
    _run(["apt-get", "-q", "update"], "apt-get update", env)
    _run(["apt-get", "-q", "-y", "-d", "install", *spec.debs], "apt-get download", env)
    debs = sorted((d / "archives").glob("*.deb"))
    if not debs:
        raise UserError("apt downloaded no packages for the emulated userland", "retry; check the mirror")
    return debs


def _link_alternatives(spec: RootfsSpec, root: Path):
    """What dpkg's update-alternatives would have done: libblas.so.3/liblapack.so.3 for numpy."""
    lib = root / "usr" / "lib" / spec.triplet
    for name in ("blas", "lapack"):
        real = lib / name / f"lib{name}.so.3"
        link = lib / f"lib{name}.so.3"
        if real.exists() and not link.exists():
            link.symlink_to(f"{name}/lib{name}.so.3")


def _pip_install(spec: RootfsSpec, dest: Path):
    cmd = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
           "--target", str(dest), "--only-binary=:all:", "--python-version", spec.python,
           "--implementation", "cp"]
    for p in spec.pip_platforms:
        cmd += ["--platform", p]
    if spec.pip_no_deps:
        cmd.append("--no-deps")
    _run(cmd + list(spec.wheels), "pip install " + " ".join(spec.wheels))
