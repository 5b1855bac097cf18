"""edgedistill doctor: each tool and package, its version, and the fix where missing."""

import sys

import click


@click.command("doctor")
def command():
    """Check the tools and packages the pipeline needs."""
    from pipeline.doctor import checks
    missing_required = False
    for c in checks():
        state = c.version or "MISSING"        # whole: a cut version is no version
        line = f"{'ok ' if c.version else ('!! ' if c.required else '-- ')} {c.name:22s} {state:32s} {c.needed_for}"
        if not c.version:
            line += f"\n     fix: {c.fix}"
            missing_required |= c.required
        click.echo(line)
    if missing_required:
        click.echo("some required parts are missing: see the fixes above", err=True)
        sys.exit(1)
