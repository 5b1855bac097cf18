"""edgedistill run: the whole pipeline, data to report."""

import click

from pipeline.cli.options import recipe_options, run_stages


@click.command("run")
@recipe_options
@click.option("--until", default="report", show_default=True, metavar="STAGE",
              help="Stop after this stage: data, teacher, search, distill, scratch, qat, convert, verify, also, "
                   "tflm, firmware, device or report.")
def command(until, **kw):
    """Data -> teacher -> distill -> QAT -> int8 .tflite -> verify -> firmware (MCU) or the device's
    runtime and a bundle (Linux) -> report."""
    run_stages(until, **kw)
