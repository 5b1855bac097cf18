"""`edgedistill` entry point. One thin file per command in this folder, each exposing `command`.

Command modules import only click at top level; TensorFlow loads inside the command that needs it,
so `edgedistill targets list` answers in well under a second.
"""

import errno
import importlib
import sys

import click

from pipeline import __version__
from pipeline.errors import UserError

# module name in pipeline/cli/ for each command, in the order `--help` lists them
COMMANDS = ["run", "search", "teacher", "distill", "quantize", "convert", "verify", "bench",
            "compile", "flash", "monitor", "report", "targets", "boards", "datasets", "doctor",
            "bundle", "gpu_check"]


class _Group(click.Group):
    """Turns UserError into one line on stderr and exit status 2 (no traceback)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except UserError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(2)
        except OSError as e:
            if e.errno not in _DISK_ERRORS:
                raise
            verb = "cannot use" if e.errno == errno.EACCES else "cannot write"
            click.echo(f"error: {verb} {e.filename or 'the output'}: {e.strerror} — "
                       f"{_DISK_ERRORS[e.errno]}", err=True)
            sys.exit(2)
        except (KeyboardInterrupt, click.exceptions.Abort):
            # a stage's half-made outputs are removed where they were made (run.py); the
            # finished stages stay and the same command reuses them
            click.echo("interrupted — finished stages are kept: run the same command again to go on",
                       err=True)
            sys.exit(130)   # 128 + SIGINT, as shells report it


# Output errors a user fixes by pointing --out elsewhere or freeing space (exit 2, one line)
_DISK_ERRORS = {errno.EROFS: "pass an --out on a writable file system",
                errno.ENOSPC: "free some space on that disk, or pass an --out on another one",
                errno.EDQUOT: "free some of your quota, or pass an --out on another disk",
                errno.EACCES: "pass an --out you may write to, and inputs you may read"}


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="edgedistill")
def cli():
    """Distill a Keras teacher into a small int8 model and verify it on the device's runtime."""


for _name in COMMANDS:
    cli.add_command(importlib.import_module(f"pipeline.cli.{_name}").command)


def main():
    cli(prog_name="edgedistill")
