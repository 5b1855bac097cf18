"""edgedistill verify MODEL.tflite --target NAME|--board NAME [--samples N] [--data NAME] [--json].
A board runs its own image on its QEMU machine (microbit, stm32vldiscovery, netduinoplus2), with
its part's RAM and flash as the budget."""

from pathlib import Path

import click

from pipeline.cli.options import target_or_board


@click.command("verify")
@click.argument("model", type=click.Path(path_type=Path))
@target_or_board
@click.option("--samples", default=20, show_default=True, help="How many inputs to compare.")
@click.option("--data", "dataset", default=None,
              help="Use this data set's test split (and report accuracy) instead of random inputs.")
@click.option("--seed", default=0, show_default=True, help="Seed of the random inputs.")
@click.option("--optimize", type=click.Choice(["auto", "speed", "size"]), default="auto", show_default=True,
              help="MCU weight layout: speed widens conv weights to int16 (2x their flash, ~25% fewer "
                   "instructions), size keeps int8, auto widens when the target's flash holds it")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (DESIGN.md contract).")
def command(model, target, board, samples, dataset, seed, as_json, optimize):
    """Run MODEL on TARGET and compare every output with the reference interpreter, bit for bit."""
    import json

    from pipeline.cli.options import emulated_target
    from pipeline.compiler.reader import read_file
    from pipeline.target_verify import verify
    profile = emulated_target(target, board, "verify")
    tflite = read_file(model)
    r = verify(tflite, profile, samples, dataset, seed, optimize)
    for w in r.get("warnings", ()):        # stderr: --json keeps stdout one JSON object
        click.echo(f"warning: {w}", err=True)
    if as_json:
        click.echo(json.dumps(r))
    else:
        acc = f", accuracy {r['accuracy']:.2%}" if "accuracy" in r else ""
        if "tolerance" in r:    # a float model: compared within a stated tolerance, not bit for bit
            t = r["tolerance"]
            click.echo(f"{profile.name}: float model: {r['within_tolerance']:.1%} of {r['samples']} samples "
                       f"within |diff| <= {t['atol']:g} + {t['rtol']:g} x |reference| of {r['reference']} "
                       f"(max |diff| {r['max_abs_diff']:.3g}; {r['bitexact']:.1%} bit-exact){acc}")
        else:
            click.echo(f"{profile.name}: {r['bitexact']:.1%} of {r['samples']} samples bit-exact with "
                       f"{r['reference']} (max |diff| {r['max_abs_diff']}){acc}")
        fw = r.get("firmware")
        if fw:
            click.echo(f"  firmware: flash {fw['flash_bytes']:,} B, RAM {fw['ram_bytes']:,} B "
                       f"({fw['static_ram_bytes']:,} B static + {fw['peak_stack_bytes'] or 0:,} B peak stack)")
        other = r.get("vs_litert_builtin_ref")
        if other:
            click.echo(f"  vs {other['reference']}: {other['bitexact']:.1%} bit-exact, max |diff| "
                       f"{other['max_abs_diff']} ({other['note']})")
