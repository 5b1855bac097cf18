"""`edgedistill bundle MODEL.tflite --target NAME --out DIR [--labels FILE] [--data NAME|PATH] [--run DIR]`."""

from pathlib import Path

import click


@click.command("bundle")
@click.argument("model", type=click.Path(path_type=Path))
@click.option("--target", required=True, help="Linux target: rpi4, rpi-armv7 or android-arm64.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="New folder for the bundle.")
@click.option("--labels", type=click.Path(path_type=Path), default=None, help="Class names, one per line.")
@click.option("--data", "dataset", default=None,
              help="Take class names and the raw-value scale from this data set: a built-in name or "
                   "the folder, .npz or .csv the model was trained on.")
@click.option("--run", "run_dir", type=click.Path(path_type=Path), default=None,
              help="Take class names, the raw-value scale and any standardization from this run directory's metrics.json.")
def command(model, target, out, labels, dataset, run_dir):
    """Write a deployment folder: model, labels, metadata.json, and a runner script (Pi) or
    assets/ + Kotlin snippet (Android)."""
    from pipeline import targets
    from pipeline.errors import UserError
    from pipeline.linux.bundle import write_bundle
    from pipeline.compiler.reader import read_file
    tflite = read_file(model)
    names, raw_scale, standardize, frontend = None, None, None, None
    if run_dir:
        from pipeline.stages import report
        m = report.load(run_dir)
        if "data" not in m:
            raise UserError(f"{run_dir}/metrics.json predates data identity (no `data`)",
                            "run `edgedistill run` again, or pass --data NAME|PATH")
        names, raw_scale = list(m["data"]["classes"]), float(m["data"]["scale"])
        standardize = (m.get("preprocessing") or {}).get("standardize")
        frontend = (m.get("preprocessing") or {}).get("frontend")
    elif dataset:
        from pipeline.data import catalog, user
        if user.is_path(dataset):
            classes, raw_scale, frontend = user.classes_scale_frontend(dataset)
            names = list(classes)
        else:
            spec = catalog.spec(dataset)
            if spec.splits.get("standardize"):
                raise UserError(f"{dataset} is standardized per feature with statistics of the run's train "
                                "split, which a data set name does not pin down",
                                "pass --run RUN_DIR instead of --data (its metrics.json holds them)")
            names, raw_scale = list(spec.classes), float(spec.scale)
            frontend = (spec.preprocessing or {}).get("frontend")
    if labels:
        if not labels.is_file():
            raise UserError(f"labels file {labels} not found", "pass a text file with one class name per line")
        names = [line.strip() for line in labels.read_text().splitlines() if line.strip()]
    r = write_bundle(tflite, targets.load(target), out, names, raw_scale, standardize, frontend)
    for h in r["metadata"].get("runtime_hazards", ()):      # pipeline/linux/hazards.py (#15)
        click.echo(f"warning: {h['what']}: run_model.py runs the reference kernels for this model", err=True)
    click.echo(f"bundle for {target} in {r['out']}: {', '.join(r['files'])}")
