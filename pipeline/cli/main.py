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
COMMANDS = ["run", "data", "teacher", "distill", "quantize", "convert", "verify", "bench",
            "compile", "report", "targets", "datasets", "doctor"]


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
    try:
        _mod = importlib.import_module(f"pipeline.cli.{_name}")
    except ModuleNotFoundError as _e:
        if _e.name != f"pipeline.cli.{_name}":
            raise
        continue  # command not built yet
    cli.add_command(_mod.command)


def main():
    cli(prog_name="edgedistill")
