"""edgedistill quantize: the pipeline up to the qat stage (earlier stages reused when unchanged)."""

import click

from pipeline.cli.options import recipe_options, run_stages


@click.command("quantize")
@recipe_options
def command(**kw):
    """Quantization-aware fine-tuning of the distilled student, KD loss on."""
    run_stages("qat", **kw)
