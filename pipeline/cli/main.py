"""`edgedistill` entry point. One thin file per command in this folder, each exposing `command`.

Command modules import only click at top level; TensorFlow loads inside the command that needs it,
so `edgedistill targets list` answers in well under a second.
"""

import importlib
import sys

import click

from pipeline import __version__
from pipeline.errors import UserError

# module name in pipeline/cli/ for each command, in the order `--help` lists them
COMMANDS = ["run", "search", "teacher", "distill", "quantize", "convert", "verify", "bench",
            "compile", "flash", "monitor", "report", "targets", "datasets", "doctor",
            "bundle", "gpu_check"]


class _Group(click.Group):
    """Turns UserError into one line on stderr and exit status 2 (no traceback)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except UserError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="edgedistill")
def cli():
    """Distill a Keras teacher into a small int8 model and verify it on the device's runtime."""


for _name in COMMANDS:
    cli.add_command(importlib.import_module(f"pipeline.cli.{_name}").command)


def main():
    cli(prog_name="edgedistill")
