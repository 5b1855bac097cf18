"""`edgedistill bench MODEL.tflite --target NAME|--board NAME [--json] [--per-op]`: run the model's firmware
on the emulated microcontroller and report instructions per inference, MACs, stack, RAM and
flash, and with --per-op each op's instructions (the JSON always has them, under "ops")."""

import click

from pipeline.cli.options import target_or_board


@click.command("bench")
@click.argument("model", type=click.Path(dir_okay=False))
@target_or_board
@click.option("--optimize", type=click.Choice(["auto", "speed", "size"]), default="auto", show_default=True,
              help="MCU weight layout: speed widens conv weights to int16 (2x their flash, ~25% fewer "
                   "instructions), size keeps int8, auto widens when the target's flash holds it")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
@click.option("--per-op", is_flag=True, help="also print instructions and MACs op by op")
def command(model, target, board, as_json, per_op, optimize):
    """Benchmark an int8 .tflite on an emulated Cortex-M (QEMU, instruction-counting plugin)."""
    import json
    from pathlib import Path

    from pipeline import targets
    from pipeline.cli.options import emulated_target
    from pipeline.compiler.reader import read_file
    from pipeline.errors import UserError
    profile = emulated_target(target, board, "bench")
    path = Path(model)
    tflite = read_file(path)
    if profile.kind == "linux":            # emulated ARM Linux: no instruction counts (pipeline/linux/bench.py)
        from pipeline.linux import bench_linux
        r = bench_linux(tflite, profile)
        for w in r.get("warnings", ()):
            click.echo(f"warning: {w}", err=True)
        click.echo(json.dumps(r) if as_json else
                   f"{path.name} on {r['target']} ({r['runtime']}; emulated time is not device time)\n"
                   f"  MACs/inference {r['macs']:>12,}\n  tensor arena   {r['ram_bytes']:>12,} B\n"
                   f"  model file     {r['flash_bytes']:>12,} B   (weights {r['weights_bytes']:,} B)\n"
                   f"  ops            {' '.join(r['ops'])}")
        return
    if profile.kind != "mcu":
        mcus = [n for n in targets.names() if targets.load(n).kind == "mcu"]
        raise UserError(f"bench measures microcontroller firmware; '{profile.name}' is a {profile.kind} target",
                        f"use one of {', '.join(mcus)} (Linux targets are verified with `edgedistill verify`)")
    from pipeline.firmware import bench_mcu
    r = bench_mcu(tflite, profile, optimize=optimize)
    if as_json:
        click.echo(json.dumps(r))
        return
    mpi = r["macs"] / r["instructions"] if r["instructions"] else 0
    click.echo(f"{path.name} on {r['target']} (QEMU; instructions are not cycles)")
    click.echo(f"  instructions/inference {r['instructions']:>12,}")
    click.echo(f"  MACs/inference         {r['macs']:>12,}  ({mpi:.2f} MAC per instruction)")
    click.echo(f"  peak stack             {r['peak_stack_bytes']:>12,} B")
    click.echo(f"  RAM                    {r['ram_bytes']:>12,} B   ({r['static_ram_bytes']:,} B static + "
               f"{r['peak_stack_bytes'] or 0:,} B peak stack; TFLM arena alone: "
               f"{r['tflm_arena_bytes'] if r['tflm_arena_bytes'] is not None else 'n/a'} B)")
    click.echo(f"  flash                  {r['flash_bytes']:>12,} B   (weights {r['weights_bytes']:,} B"
               f"{', weights widened to int16: --optimize size keeps int8' if r['wide_weights'] else ''})")
    click.echo(f"  (flash and RAM: {r['holds']})")
    if per_op:
        click.echo(f"\n  {'op':>4} {'kind':<20} {'instructions':>13} {'share':>6} {'MACs':>11} {'MAC/instr':>9}")
        for o in r["ops"]:
            share = o["instructions"] / r["instructions"] if r["instructions"] else 0
            mpi = f"{o['macs'] / o['instructions']:.3f}" if o["macs"] and o["instructions"] else "-"
            click.echo(f"  {o['op']:>4} {o['kind']:<20} {o['instructions']:>13,} {share:>6.1%} "
                       f"{o['macs']:>11,} {mpi:>9}")
