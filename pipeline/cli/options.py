"""Option decorators shared by the commands, so every command spells them the same way."""

from dataclasses import replace
from pathlib import Path

import click

from pipeline.errors import UserError

DEFAULT_RECIPE = "fashion-mnist"
DEFAULT_TARGET = "cortex-m4"


def recipe_options(f):
    f = click.option("--quick", is_flag=True, help="Smaller data and fewer epochs (the recipe's [quick] table).")(f)
    f = click.option("--out", type=click.Path(path_type=Path), default=None,
                     help="Run directory [default: runs/[<your data>-]<recipe>[-quick]-<target>].")(f)
    f = click.option("--target", default=DEFAULT_TARGET, show_default=True,
                     help="Target profile (see `edgedistill targets list`).")(f)
    f = click.option("--board", default=None,
                     help="A board instead of --target: the target its core implies, its part's RAM and flash "
                          "as the budget (see `edgedistill boards list`; the firmware stage needs QEMU to run it).")(f)
    f = click.option("--recipe", default=DEFAULT_RECIPE, show_default=True,
                     help="Built-in recipe name or a recipe .toml file.")(f)
    f = click.option("--teacher", "teacher_path", type=click.Path(path_type=Path), default=None,
                     help="Your teacher (.keras, .h5 or SavedModel dir) instead of the recipe's zoo teacher.")(f)
    f = click.option("--student", "student_path", type=click.Path(path_type=Path), default=None,
                     help="Your own student architecture (.keras/.h5, untrained is fine) instead of the zoo's.")(f)
    f = click.option("--variant", "variants", multiple=True,
                     type=click.Choice(["float16", "dynamic", "float32"]),
                     help="Also convert to this variant (repeatable); int8 is always made.")(f)
    f = click.option("--baseline", is_flag=True,
                     help="Also train the student without the teacher (reported as student_scratch).")(f)
    f = click.option("--data", "data", default=None,
                     help="Train on this data set instead of the recipe's: a built-in name or your own "
                          "folder of class sub-folders (images or .wav), .npz or .csv.")(f)
    f = click.option("--resize", default=None, callback=_parse_resize, metavar="HxW",
                     help="Resize a folder of images to H x W pixels (needed when their sizes differ).")(f)
    f = click.option("--labels", "labels", default=None, callback=_labels_value, metavar="N|P%",
                     help="Keep hard labels for only N training samples (or P% of them, stratified); "
                          "the teacher's soft targets still cover every sample.")(f)
    f = click.option("--budget", "budget", default=None, metavar="ram=32K,flash=256K,latency_ms=10",
                     help="Search the most accurate student that fits this budget on the target (limits "
                          "left out: the target's part; latency is an estimate). Replaces the recipe's [budget].")(f)
    f = click.option("--force", is_flag=True,
                     help="Distill even from a teacher at or near chance on the val split (a warning instead of a refusal).")(f)
    return f


def _labels_value(ctx, param, value):
    """"500" -> 500, so --labels 500 and a recipe's labels = 500 give the same run-dir keys; other
    text as given. The form is checked with the recipe (config.parse_labels): a bad value is one
    exit-2 line, as from a recipe file."""
    return int(value) if value is not None and value.strip().isdigit() else value


def _parse_resize(ctx, param, value):
    if value is None:
        return None
    try:
        h, w = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise click.BadParameter(f"'{value}' is not HxW, e.g. 32x32") from None
    if h < 1 or w < 1:
        raise click.BadParameter(f"'{value}': both sides must be at least 1 pixel")
    return (h, w)


def run_stages(until: str, recipe, target, out, quick, teacher_path, student_path, variants, baseline,
               data=None, resize=None, labels=None, budget=None, search=False, force=False, board=None):
    """Loads recipe and target, applies the overrides, runs the pipeline up to `until`."""
    from pipeline import config, targets
    from pipeline.cli.quiet import import_tensorflow
    from pipeline.run import UNTIL, run
    if budget is not None:
        from pipeline.search.budget import parse
        budget = parse(budget)
    r = config.load_recipe(recipe, quick=quick)
    if teacher_path is not None:
        r = config.with_overrides(r, teacher={"path": str(teacher_path)})
    if student_path is not None:
        r = config.with_overrides(r, student={"path": str(student_path)})
    if baseline:
        r = config.with_overrides(r, distill={"baseline": True})
    if labels is not None:
        try:
            r = config.with_overrides(r, distill={"labels": labels})
        except UserError as e:
            raise UserError(f"--labels {labels}: {e.problem}", e.fix) from None
    if variants:
        r = replace(r, variants=tuple(dict.fromkeys(r.variants + variants)))
    if data is not None:
        r = replace(r, dataset=data)
    if resize is not None:
        r = replace(r, resize=resize)
    if budget is not None:
        r = replace(r, budget=budget)
    if search and r.budget is None:     # `edgedistill search` without a budget: the target's part
        from pipeline.search.budget import BudgetConfig
        r = replace(r, budget=BudgetConfig())
    if quick and r.budget is not None:  # --quick: a handful of candidates, as it is less data
        r = replace(r, budget=replace(r.budget, space="quick"))
    if board is None:
        t = targets.load(target)
    else:       # --board: its target, its part's RAM and flash as the budget
        from click.core import ParameterSource

        from pipeline.firmware import boards
        given = click.get_current_context().get_parameter_source("target") != ParameterSource.DEFAULT
        t, emulated = resolve_target(target if given else None, board)
        late = until in UNTIL and UNTIL.index(until) >= UNTIL.index("firmware")
        if not emulated and (late or r.budget is not None):
            raise UserError(f"QEMU cannot run board '{board}', and the run measures its firmware on the emulator "
                            f"({'the budget search' if r.budget is not None else 'the firmware stage'})",
                            f"run with --target {boards.load(board).target} (same core), "
                            f"then `edgedistill compile RUN_DIR/model_int8.tflite --board {board} --out DIR` "
                            "for the board's image" + ("" if r.budget is not None else "; or stop before it with --until tflm"))
    if out is None:   # your own data names the run dir: runs/<data>-<recipe>[-quick]-<target>
        from pipeline.data.user import display_name
        name = r.name if data is None or display_name(data) == r.name else f"{display_name(data)}-{r.name}"
        out = Path("runs") / f"{name}{'-quick' if quick else ''}-{t.name}"
    click.echo(f"edgedistill: recipe {r.name}{' (quick)' if quick else ''}, target {t.name}, run dir {out}")
    import_tensorflow()     # after every check above: a refused recipe, target or option costs no TF start-up
    return run(r, t, out, until=until, force=force)


def target_or_board(f):
    """--target NAME | --board NAME, as compile, verify and bench take them (resolve_target)."""
    f = click.option("--board", default=None,
                     help="A board instead of --target: the target its core implies, its part's RAM, flash and "
                          "clock as the budget (see `edgedistill boards list`).")(f)
    f = click.option("--target", default=None, help="Target profile (see `edgedistill targets list`).")(f)
    return f


def emulated_target(target: str | None, board: str | None, command: str):
    """The profile for a command that runs the model on the emulator (verify, bench): a board
    QEMU has no machine for is refused, naming the core's target that gives the same kernels."""
    profile, emulated = resolve_target(target, board)
    if not emulated:
        from pipeline.firmware import boards
        core = boards.load(board).target
        raise UserError(f"QEMU cannot run board '{board}', and `{command}` runs the model on the emulator",
                        f"run `edgedistill {command} MODEL --target {core}` (the same core's kernels and flags), "
                        f"and `edgedistill compile MODEL --board {board} --out DIR` for the board's image")
    return profile


def resolve_target(target: str | None, board: str | None):
    """(profile, emulated) from --target or --board (exactly one). emulated: QEMU can run the
    image (every MCU target; a board only when QEMU has its machine)."""
    from pipeline import targets
    from pipeline.errors import UserError
    from pipeline.firmware import boards
    if (target is None) == (board is None):
        raise UserError("give one of --target and --board" if target is None else
                        f"--target {target} and --board {board} both given: a board implies its target",
                        "pass --target NAME (`edgedistill targets list`) or --board NAME (`edgedistill boards list`)")
    if target is not None:
        return targets.load(target), True
    b = boards.load(board)
    return boards.target(b), b.qemu
