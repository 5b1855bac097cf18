"""Contained runs (pipeline/sandbox.py): what a program inside can see and do, and what a hostile
host executable run the way `verify --target host` runs one (compiler.host.run_host) cannot do:
write or read outside its work dir, reach the network, start a shell, or exhaust memory, disk
or CPU. Each attack is a case of one tiny C program, chosen by run_host's model index."""

import shutil
import socket
import subprocess
from dataclasses import replace

import numpy as np
import pytest

from pipeline import sandbox
from pipeline.errors import UserError

# case -> what it tries; it writes one int32 to run_host's output file: 1 where the attack worked
# (or the MiB it managed to allocate), and is stopped by a signal where a limit kills it
ATTACKS_C = r"""#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int32_t attack(int k) {
    if (k == 0) {                                  /* a file outside the work dir */
        FILE *f = fopen(OUTSIDE, "w");
        return f != NULL && fputs("pwned\n", f) >= 0 && fclose(f) == 0;
    }
    if (k == 1) {                                  /* a file the test keeps outside */
        char buf[7] = {0};
        FILE *f = fopen(SECRET, "r");
        return f != NULL && fread(buf, 1, 6, f) == 6 && strcmp(buf, "secret") == 0;
    }
    if (k == 2) {                                  /* TCP to the test's listener */
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(PORT)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return s >= 0 && connect(s, (struct sockaddr *)&a, sizeof a) == 0;
    }
    if (k == 3)                                    /* a shell, as system() and popen() start it */
        return system("echo x > shelled") == 0;    /* (in the work dir, so only the shell can fail) */
    if (k == 4) {                                  /* memory: 64 MiB blocks, touched, up to 4 GiB */
        int32_t mib = 0;
        for (; mib < 4096; mib += 64) {
            char *p = malloc(64u << 20);
            if (p == NULL) break;
            memset(p, 1, 64u << 20);
        }
        return mib;
    }
    if (k == 5) {                                  /* disk: 1 MiB blocks up to 512 MiB */
        static char block[1 << 20];
        FILE *f = fopen("big.bin", "wb");
        for (int i = 0; f != NULL && i < 512; ++i)
            if (fwrite(block, 1, sizeof block, f) != sizeof block) return 0;
        return 1;
    }
    for (volatile unsigned long i = 0;; ++i) {}    /* k == 6: CPU, forever */
}

int main(int argc, char **argv) {
    if (argc != 5) return 2;
    const int32_t r = attack(atoi(argv[1]));
    FILE *f = fopen(argv[3], "wb");
    return f != NULL && fwrite(&r, sizeof r, 1, f) == 1 && fclose(f) == 0 ? 0 : 2;
}
"""
OUTSIDE, SECRET, NET, SHELL, MEMORY, DISK, CPU = range(7)
LIMITS = sandbox.Limits(cpu_s=5, address_space=sandbox.GiB, file_size=128 * sandbox.MiB)


@pytest.fixture(scope="module")
def listener():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(4)
    s.settimeout(0.2)
    yield s
    s.close()


@pytest.fixture(scope="module")
def attacks(tmp_path_factory, listener):
    """Build the program twice: plain, and with the sanitizers (build_host's SANITIZE)."""
    from pipeline.runtimes.host import SANITIZE
    d = tmp_path_factory.mktemp("attacks")
    # not beside the programs: bwrap makes their folder, empty, to bind them read-only
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    paths = {"OUTSIDE": elsewhere / "outside", "SECRET": elsewhere / "secret"}
    paths["SECRET"].write_text("secret")
    (d / "attacks.c").write_text(ATTACKS_C)
    defs = [f'-D{k}="{v}"' for k, v in paths.items()] + [f"-DPORT={listener.getsockname()[1]}"]
    exes = {}
    for name, flags in (("plain", []), ("asan", SANITIZE)):
        exes[name] = d / f"attacks_{name}"
        subprocess.run(["gcc", "-O1", *flags, *defs, str(d / "attacks.c"), "-o", str(exes[name])],
                       check=True)
    return exes, paths


def attack(exe, case):
    """run_host's result for one attack: what the program wrote (it exited 0)."""
    from pipeline.runtimes.host import run_host
    return int(run_host(exe, np.zeros((1, 1), np.int8), case, 1, np.int32)[0, 0])


def test_status_is_bubblewrap_here():
    assert sandbox.status().startswith("bubblewrap "), sandbox.status()


def test_inside_no_capabilities_environment_or_host_folders(tmp_path):
    r = sandbox.run(["/usr/bin/cat", "/proc/self/status"], tmp_path, LIMITS)
    caps = {ln.split(":")[0]: ln.split()[1] for ln in r.stdout.splitlines() if ln.startswith("Cap")}
    assert set(caps) == {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}
    assert set(caps.values()) == {"0" * 16}
    r = sandbox.run(["/usr/bin/env"], tmp_path, LIMITS, env={"X": "1"})
    assert sorted(ln.split("=")[0] for ln in r.stdout.splitlines()) == ["HOME", "LANG", "PATH", "PWD", "X"]
    r = sandbox.run(["/usr/bin/ls", "/"], tmp_path, LIMITS)
    assert set(r.stdout.split()) == {"bin", "dev", "lib", "lib64", "proc", "sbin", "tmp", "usr"}


def test_outside_files_cannot_be_written_or_read(attacks):
    exes, paths = attacks
    assert attack(exes["plain"], OUTSIDE) == 0 and not paths["OUTSIDE"].exists()
    assert attack(exes["plain"], SECRET) == 0


def test_nothing_outside_the_work_dir_is_writable(tmp_path):
    """Not the sandbox's own root, /usr or a read-only path; its /tmp (memory) is small."""
    work, ro = tmp_path / "work", tmp_path / "ro"
    work.mkdir()
    ro.write_text("x")
    r = sandbox.run(["/usr/bin/touch", "/x", "/usr/x", ro, work / "ok"], work, LIMITS, ro=[ro])
    assert r.stderr.count("Read-only file system") == 3 and (work / "ok").is_file(), r.stderr
    r = sandbox.run(["/usr/bin/dd", "if=/dev/zero", "of=/tmp/fill", "bs=1M", "count=64"], work, LIMITS)
    assert "No space left on device" in r.stderr


def test_no_network(attacks, listener):
    assert attack(attacks[0]["plain"], NET) == 0
    with pytest.raises(TimeoutError):
        listener.accept()


def test_no_shell(attacks):
    assert attack(attacks[0]["plain"], SHELL) == 0


def test_memory_is_bounded(attacks):
    assert attack(attacks[0]["plain"], MEMORY) <= 1024          # RLIMIT_AS 1 GiB: malloc -> NULL


def test_sanitized_memory_is_bounded_by_asan_options(attacks):
    # ASan reserves terabytes, so no RLIMIT_AS: its hard RSS limit kills it at ~1 GiB
    with pytest.raises(RuntimeError, match="hard rss limit exhausted"):
        attack(attacks[0]["asan"], MEMORY)


def test_file_size_is_bounded(attacks):
    with pytest.raises(RuntimeError, match="killed by SIGXFSZ"):   # at 256 MiB
        attack(attacks[0]["plain"], DISK)


def test_cpu_is_bounded(attacks, monkeypatch):
    from pipeline.runtimes import host
    # the real backstop is 600 s (run_host's timeout): 1 s shows the mechanism
    monkeypatch.setattr(host, "HOST_LIMITS", replace(host.HOST_LIMITS, cpu_s=1))
    with pytest.raises(RuntimeError, match="killed by SIGXCPU"):
        attack(attacks[0]["plain"], CPU)


def test_unusable_bubblewrap_is_a_user_error_naming_the_fix(monkeypatch, tmp_path):
    monkeypatch.delenv(sandbox.ENV_VAR, raising=False)
    which = shutil.which
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None if name == "bwrap" else which(name))
    sandbox._probe.cache_clear()
    try:
        assert sandbox.status() == "unusable: bubblewrap (bwrap) is not installed"
        with pytest.raises(UserError) as e:
            sandbox.run(["/usr/bin/true"], tmp_path, LIMITS)
        assert "make setup" in e.value.fix and "user namespaces" in e.value.fix
    finally:
        sandbox._probe.cache_clear()


def test_opting_out_keeps_the_limits_only(monkeypatch, tmp_path):
    monkeypatch.setenv(sandbox.ENV_VAR, "none")
    assert sandbox.status() == "none (EDGEDISTILL_SANDBOX=none): rlimits only"
    r = sandbox.run(["/usr/bin/prlimit", "--cpu", "--as", "--fsize", "--raw", "--noheadings", "-o", "SOFT"],
                    tmp_path, LIMITS)
    assert r.stdout.split() == ["5", str(sandbox.GiB), str(128 * sandbox.MiB)]
    assert sandbox.run(["/usr/bin/ls", "/etc"], tmp_path, LIMITS).stdout     # no isolation
    monkeypatch.setenv(sandbox.ENV_VAR, "firejail")
    with pytest.raises(UserError, match="not a sandbox setting"):
        sandbox.status()
