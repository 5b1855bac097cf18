"""Firmware image = generated model + kernels + board support + a harness, linked with
arm-none-eabi-gcc into one ELF (and its map file).

    build(sources, target, out_dir, io="semihost"|"uart", samples=None) -> FirmwareInfo

io="semihost": the emulator harness, N samples read from a host file in one QEMU run.
io="uart": the flashable harness, samples and tflite-micro's outputs for them in flash,
results printed on the board's UART (no debugger needed: the image for real boards).
The budget is checked before anything is built (STYLE: validate once)."""

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.errors import UserError
from pipeline.firmware import boards
from pipeline.firmware.elf import Elf
from pipeline.targets import CODE_ESTIMATE, kernel_dir

GCC = "arm-none-eabi-gcc"
# Release flags as a product would ship them; -g only adds debug sections (not in flash) for
# addr2line, which maps a faulting address back to model.c's "op N KIND" comments.
OPT = ["-O2", "-g", "-ffunction-sections", "-fdata-sections", "-fno-common"]
WARN = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-Wno-unused-function"]


@dataclass(frozen=True)
class FirmwareInfo:
    elf: Path
    map: Path
    dir: Path
    board: str
    io: str
    flash_bytes: int
    static_ram_bytes: int         # .data + .bss: arena, I/O buffers, fault stack
    stack_reserved_bytes: int
    arena_bytes: int
    weights_bytes: int
    symbols: dict                 # bench_start, bench_stop, model_invoke: (address, size)

    def as_dict(self) -> dict:
        return {"elf": str(self.elf), "map": str(self.map), "dir": str(self.dir), "board": self.board,
                "io": self.io, "flash_bytes": self.flash_bytes, "static_ram_bytes": self.static_ram_bytes,
                "stack_reserved_bytes": self.stack_reserved_bytes, "arena_bytes": self.arena_bytes,
                "weights_bytes": self.weights_bytes}


def _io_ctype(src) -> str:
    return "int8_t" if src.io_dtype == "int8" else "float"


def stack_bytes(target, board: boards.Board) -> int:
    return int(target.emulator.get("stack_bytes", 0x2000 if board.ram_size <= 0x20000 else 0x4000))


def ram_limit(target, board: boards.Board) -> tuple[int, str]:
    """The RAM an image may use on this target and where that number comes from: the part's RAM
    (the target's ram_bytes), or less when the board's linker RAM region is smaller (STM32F405:
    192 KiB, of which 64 KiB CCM outside the 128 KiB region the image is linked into). The one
    number check_budget refuses over and `targets show` prints."""
    if target.ram_bytes and target.ram_bytes <= board.ram_size:
        return target.ram_bytes, "the target's ram_bytes"
    if target.ram_bytes:
        return board.ram_size, (f"board {board.name}'s RAM region, smaller than the part's "
                                f"{target.ram_bytes:,} B")
    return board.ram_size, f"board {board.name}'s RAM region"


def check_budget(src, target, board: boards.Board) -> None:
    """Refuse a model that cannot fit, with the numbers, before compiling anything."""
    ram_limit_bytes, why = ram_limit(target, board)
    io_bytes = (src.input_elements + src.output_elements) * (1 if src.io_dtype == "int8" else 4)
    ram_need = src.arena_bytes + stack_bytes(target, board) + io_bytes + 512
    flash_need = src.weights_bytes + CODE_ESTIMATE
    if ram_need > ram_limit_bytes:
        raise UserError(f"model needs ~{ram_need:,} B of RAM on {target.name} (arena {src.arena_bytes:,} B "
                        f"+ stack {stack_bytes(target, board):,} B + I/O {io_bytes} B) but the image may use "
                        f"{ram_limit_bytes:,} B ({why})", "shrink the student (fewer channels or a smaller input) or pick a larger target")
    if target.flash_bytes and flash_need > target.flash_bytes:
        raise UserError(f"model needs ~{flash_need} B of flash on {target.name} (weights {src.weights_bytes} B "
                        f"+ ~{CODE_ESTIMATE} B code) but the target has {target.flash_bytes} B",
                        "shrink the student (fewer parameters) or pick a target with more flash")


def _c_rows(a: np.ndarray, ctype: str) -> str:
    if ctype == "float":
        return ",\n".join("    {" + ", ".join(float(v).hex() + "f" for v in row) + "}" for row in a)
    return ",\n".join("    {" + ", ".join(str(int(v)) for v in row) + "}" for row in a)


def _samples_files(src, inputs: np.ndarray, expected: np.ndarray) -> dict:
    ct = _io_ctype(src)
    n = len(inputs)
    h = (f"/* Generated: {n} samples and tflite-micro's outputs for them. */\n#ifndef ED_SAMPLES_H\n"
         f"#define ED_SAMPLES_H\n#include <stdint.h>\n#include \"model.h\"\n#define ED_SAMPLES {n}u\n"
         f"extern const {ct} ed_inputs[ED_SAMPLES][MODEL_INPUT_ELEMENTS];\n"
         f"extern const {ct} ed_expected[ED_SAMPLES][MODEL_OUTPUT_ELEMENTS];\n#endif\n")
    c = (f'#include "samples.h"\n\nconst {ct} ed_inputs[ED_SAMPLES][MODEL_INPUT_ELEMENTS] = {{\n'
         f"{_c_rows(inputs.reshape(n, -1), ct)}\n}};\n\n"
         f"const {ct} ed_expected[ED_SAMPLES][MODEL_OUTPUT_ELEMENTS] = {{\n"
         f"{_c_rows(expected.reshape(n, -1), ct)}\n}};\n")
    return {"samples.h": h, "samples.c": c}


def _copy_kernels(target, dest: Path) -> list[str]:
    """Reference kernels, then the target's variant folders over them (same file names)."""
    dest.mkdir(parents=True, exist_ok=True)
    chosen = {}
    for v in target.kernel_variants:
        d = kernel_dir(v)
        if d.is_dir():
            for f in sorted(d.iterdir()):
                if f.suffix in (".c", ".h"):
                    chosen[f.name] = f
    for name, f in sorted(chosen.items()):
        shutil.copyfile(f, dest / name)
    return [str(dest / n) for n in sorted(chosen) if n.endswith(".c")]


def _board_sources(board: boards.Board, io: str, dest: Path) -> list[str]:
    common = boards.common_dir()
    dest.mkdir(parents=True, exist_ok=True)
    for f in common.iterdir():
        if f.suffix in (".c", ".h", ".ld"):
            shutil.copyfile(f, dest / f.name)
    shutil.copyfile(board.dir / "link.ld", dest / "link.ld")
    for f in board.sources:
        shutil.copyfile(board.dir / f, dest / f)
    names = ["startup.c", "fault.c", *board.sources]
    if io == "semihost":
        names += ["io_semihost.c", "harness_semihost.c"]
    else:
        if not board.uart:
            raise UserError(f"board '{board.name}' has no UART driver", "build the semihosting image instead")
        names += ["io_uart.c", f"{board.uart}.c", "harness_uart.c"]
    return [str(dest / n) for n in names]


def build(src, target, out_dir: Path, io: str = "semihost", samples=None) -> FirmwareInfo:
    """Link one firmware ELF. `samples`: (inputs, expected) for io="uart"."""
    board = boards.for_target(target)
    check_budget(src, target, board)
    gcc = shutil.which(GCC)
    if gcc is None:
        raise UserError("arm-none-eabi-gcc not found", "install gcc-arm-none-eabi and libnewlib-arm-none-eabi (make setup)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    srcs = []
    for fname, text in src.files.items():
        (out / fname).write_text(text)
        if fname.endswith(".c"):
            srcs.append(str(out / fname))
    (out / "harness_config.h").write_text(f"/* Generated */\n#define ED_IO_T {_io_ctype(src)}\n")
    if io == "uart":
        for fname, text in _samples_files(src, *samples).items():
            (out / fname).write_text(text)
        srcs.append(str(out / "samples.c"))
    srcs += _copy_kernels(target, out / "kernels")
    srcs += _board_sources(board, io, out / "board")
    elf, map_path = out / "firmware.elf", out / "firmware.map"
    defines = [f"-D{k}={v}" for k, v in sorted(board.uart_defines.items())]
    cmd = [gcc, *boards.cflags(target), *OPT, *WARN, *defines, "-I", str(out), "-I", str(out / "kernels"),
           "-I", str(out / "board"), *srcs, "-T", str(out / "board" / "link.ld"), "-L", str(out / "board"),
           f"-Wl,--defsym=__stack_size={stack_bytes(target, board)}", "-Wl,--gc-sections",
           f"-Wl,-Map={map_path}", "--specs=nano.specs", "-nostartfiles", "-o", str(elf), "-lm"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        if "overflowed by" in r.stderr:
            lines = [ln.split(": ", 1)[-1] for ln in r.stderr.splitlines() if "overflowed by" in ln]
            raise UserError(f"firmware for {target.name} does not fit: {'; '.join(lines)}",
                            "shrink the model or pick a target with more memory")
        raise RuntimeError(f"firmware build failed:\n{' '.join(cmd)}\n{r.stderr[-4000:]}")
    if board.boot2_crc:     # the RP2040 boot ROM runs boot2 only with its CRC32 in place
        from pipeline.firmware import boot2
        boot2.patch(elf)
    e = Elf(elf)
    syms = e.symbols()
    keep = {k: (syms[k].value & ~1, syms[k].size) for k in ("bench_start", "bench_stop", "model_invoke")
            if k in syms}
    sizes = e.sizes()
    return FirmwareInfo(elf, map_path, out, board.name, io, sizes["flash_bytes"], sizes["static_ram_bytes"],
                        sizes["stack_reserved_bytes"], src.arena_bytes, src.weights_bytes, keep)
