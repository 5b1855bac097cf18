"""`edgedistill compile MODEL.tflite --target NAME|--board NAME --out DIR`: int8 .tflite -> C
sources with a static memory plan; for the host target also a native executable, for an MCU
target or a board the firmware ELF. A board implies its target (its core's kernels and flags)
and its part's RAM and flash are the budget (pipeline/firmware/boards.target)."""

import click

from pipeline.cli.options import target_or_board


@click.command("compile")
@click.argument("model", type=click.Path(dir_okay=False))
@target_or_board
@click.option("--optimize", type=click.Choice(["auto", "speed", "size"]), default="auto", show_default=True,
              help="MCU weight layout: speed widens conv weights to int16 (2x their flash, ~25% fewer "
                   "instructions), size keeps int8, auto widens when the target's flash holds it")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="directory for model.c/model.h, the kernels and the executable (host) or firmware ELF + map (MCU)")
def command(model, target, board, out_dir, optimize):
    """Compile an int8 .tflite ahead of time into plain C (bit-exact with TFLite-Micro)."""
    import shutil
    from pathlib import Path

    from pipeline.runtimes.host import build_host
    from pipeline.compiler.sources import compile_model
    from pipeline.targets import kernel_dir

    from pipeline.cli.options import resolve_target
    from pipeline.compiler.reader import read_file
    from pipeline.firmware import boards
    profile, emulated = resolve_target(target, board)
    path = Path(model)
    tflite = read_file(path)
    src = compile_model(tflite, profile, optimize=optimize)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "memory_plan.txt").write_text(src.plan_text + "\n")
    if profile.kind == "host":
        exe = build_host(src, out)
        built = f", executable {exe}"
    elif profile.kind == "mcu":   # firmware ELF + map, sources beside them (pipeline/firmware)
        from pipeline.firmware import UART_SAMPLES, build_firmware, model_footprint
        info = build_firmware(tflite, profile, out, optimize=optimize)
        holds = (f"the UART harness + {UART_SAMPLES} test samples and their expected outputs"
                 if info["io"] == "uart" else "the semihosting harness")
        if emulated:
            fp = model_footprint(src, profile)     # the model compiled above, not again
            built = (f"\n  model footprint: flash {fp['flash_bytes']:,} B, RAM {fp['ram_bytes']:,} B "
                     f"({fp['static_ram_bytes']:,} B static + {fp['peak_stack_bytes'] or 0:,} B peak stack); "
                     f"the figures bench, verify and run report: {fp['holds']}")
        else:
            built = (f"\n  model footprint: not measured (QEMU cannot run {board}: no peak stack); "
                     f"run `edgedistill bench MODEL --target {boards.load(board).target}` for the core's figures")
        built += (f"\n  flashable image {info['elf']}: flash {info['flash_bytes']:,} B, "
                  f"{info['static_ram_bytes']:,} B static RAM + {info['stack_reserved_bytes']:,} B stack "
                  f"reserved; it holds {holds}; map {info['map']}")
    else:   # MCU/Linux firmware is linked by the emulator/bench stages; hand them the sources
        for fname, text in src.files.items():
            (out / fname).write_text(text)
        kdir = out / "kernels"
        kdir.mkdir(exist_ok=True)
        for f in sorted(kernel_dir().iterdir()):
            if f.suffix in (".c", ".h"):
                shutil.copyfile(f, kdir / f.name)
        built = ""
    click.echo(f"compiled {path.name} for {profile.name}: {len(src.ops)} ops, arena "
               f"{src.arena_bytes} B, weights {src.weights_bytes} B"
               f"{' (weights widened to int16)' if src.wide_weights else ''} -> {out}{built}")

