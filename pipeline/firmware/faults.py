"""Turn a QEMU run that went wrong into one report: what happened (hard fault, stack overflow,
hang, I/O error, bad exit), the faulting PC and its function, and the model op that was
running. The op comes from the counting plugin's last executed instruction inside
model_invoke (a `bl` to the op's kernel), mapped by addr2line to the model.c line, whose
comment names it: `ed_conv(...);  /* op 3 CONV_2D */`."""

import re
import shutil
import subprocess
from pathlib import Path

from pipeline.errors import UserError
from pipeline.firmware.elf import Elf


class FirmwareFault(UserError):
    """The firmware faulted, hung or failed; `kind` in hardfault | stack-overflow | hang | io | exit."""

    def __init__(self, kind: str, problem: str, fix: str, pc: int | None = None,
                 function: str | None = None, op: str | None = None):
        self.kind, self.pc, self.function, self.op = kind, pc, function, op
        super().__init__(problem, fix)


_OP_COMMENT = re.compile(r"/\* (op \d+ [A-Z0-9_]+)")


def ops_at(elf_path: Path, addrs) -> dict:
    """{addr: 'op N KIND'} for addresses inside model_invoke, via one addr2line call and
    model.c's comments; addresses that map to no op are left out."""
    addrs = [a for a in addrs if a is not None]
    tool = shutil.which("arm-none-eabi-addr2line")
    if not addrs or tool is None:
        return {}
    r = subprocess.run([tool, "-e", str(elf_path), *map(hex, addrs)], capture_output=True, text=True)
    found, sources = {}, {}
    for addr, loc in zip(addrs, r.stdout.splitlines()):
        m = re.match(r"(.+):(\d+)", loc.strip())
        if not m or not Path(m.group(1)).is_file():
            continue
        if m.group(1) not in sources:
            sources[m.group(1)] = Path(m.group(1)).read_text().splitlines()
        k = int(m.group(2)) - 1
        for ln in sources[m.group(1)][k:k + 3]:    # a call may span two lines (list-style ops)
            hit = _OP_COMMENT.search(ln)
            if hit:
                found[addr] = hit.group(1)
                break
    return found


def op_at(elf_path: Path, addr: int | None) -> str | None:
    """'op N KIND' for an address inside model_invoke."""
    return ops_at(elf_path, [addr]).get(addr)


def per_op(elf_path: Path, sites: dict, inferences: int) -> list[dict]:
    """The counting plugin's per-call-site instructions, summed per op and divided by the
    number of inferences: [{"op": N, "kind": KIND, "instructions": n}] in op order. What
    model_invoke does outside its calls (prologue, epilogue) maps to no op and is left out."""
    names = ops_at(elf_path, list(sites))
    total: dict = {}
    for addr, n in sites.items():
        if addr in names:
            total[names[addr]] = total.get(names[addr], 0) + n
    rows = []
    for name, n in total.items():
        _, idx, kind = name.split()
        rows.append({"op": int(idx), "kind": kind, "instructions": n // max(1, inferences)})
    return sorted(rows, key=lambda r: r["op"])


def _where(info, pc: int | None, last_invoke: int | None) -> tuple[str | None, str | None, str]:
    elf = Elf(info.elf)
    func = elf.function_at(pc) if pc else None
    op = op_at(info.elf, last_invoke)
    text = (f" at pc {pc:#010x}" if pc else "") + (f" in {func}()" if func else "") + \
           (f" while running {op}" if op else "")
    return func, op, text


def check(result, info, target_name: str) -> None:
    """Raise FirmwareFault unless the run finished cleanly."""
    fault = result.line("FAULT")
    if fault:
        f = dict(kv.split("=", 1) for kv in fault.split()[2:])
        pc = int(f.get("pc", "0"), 16) or None
        func, op, where = _where(info, pc, result.last_invoke)
        if f.get("kind") == "stack-overflow":
            raise FirmwareFault("stack-overflow", f"stack overflow on {target_name}{where} (sp {f.get('sp')}, "
                                f"stack {info.stack_reserved_bytes} B)",
                                f"raise stack_bytes in [emulator] of targets/{target_name}.toml", pc, func, op)
        raise FirmwareFault("hardfault", f"hard fault on {target_name}{where} (cfsr {f.get('cfsr')}, "
                            f"hfsr {f.get('hfsr')}, bfar {f.get('bfar')})",
                            "this is an edgedistill bug: please report it with the .tflite", pc, func, op)
    if result.timed_out:
        func, op, where = _where(info, result.hang_pc, result.last_invoke)
        raise FirmwareFault("hang", f"firmware on {target_name} did not finish within the time limit "
                            f"({result.elapsed_s:.1f} s){where}",
                            "this is an edgedistill bug (or raise the timeout for a very large model)",
                            result.hang_pc, func, op)
    err = result.line("ERROR")
    if err:
        raise FirmwareFault("io", f"firmware harness failed on {target_name}: {err[len('EDGEDISTILL ERROR '):]}",
                            "this is an edgedistill bug: please report it")
    if info.io == "semihost" and result.returncode != 0:
        raise FirmwareFault("exit", f"QEMU exited with status {result.returncode} on {target_name}: "
                            f"{result.stderr.strip()[-300:]}", "check that qemu-system-arm 7.2+ is installed")
