"""README's CLI block and `--help` agree: every command `edgedistill --help` lists is in the block,
and each command's options as `edgedistill CMD --help` prints them are the options the block
gives for it (a line per command; "(same options ...)" lines take run's)."""

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli.main import cli

README = Path(__file__).resolve().parents[2] / "README.md"
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def _readme_block() -> dict[str, set[str]]:
    """{command: options} from the indented block under '## CLI'."""
    text = README.read_text().split("\n## CLI\n", 1)[1].lstrip("\n").split("\n\n", 1)[0]
    cmds, current = {}, None
    for line in text.splitlines():
        m = re.match(r"\s+edgedistill ([a-z][a-z-]*(?: \| [a-z-]+)*)\s*(.*)", line)
        if m:
            current = m.group(1).split(" | ")
            for c in current:
                cmds.setdefault(c, set())
            rest = m.group(2)
        else:
            rest = line
        for c in current or ():
            cmds[c] |= set(OPTION.findall(rest.split("(same options")[0]))
            if "(same options" in rest:
                cmds[c].add("SAME_AS_RUN")
    for c, opts in cmds.items():
        if "SAME_AS_RUN" in opts:
            cmds[c] = (opts - {"SAME_AS_RUN"}) | cmds["run"] - {"--until"}
    return cmds


def _help(*args) -> str:
    r = CliRunner().invoke(cli, [*args, "--help"], prog_name="edgedistill")
    assert r.exit_code == 0, r.output
    return r.output


def _commands() -> list[str]:
    listed = _help().split("Commands:", 1)[1]
    return [line.split()[0] for line in listed.splitlines() if line.strip()]


def _options(cmd: str) -> set[str]:
    out = _help(*cmd.split())
    return set(OPTION.findall(out.split("Options:", 1)[1] if "Options:" in out else "")) - {"--help"}


def test_every_command_is_in_the_readme():
    block = _readme_block()
    missing = [c for c in _commands() if c not in block and not any(k.startswith(c + " ") for k in block)]
    assert not missing, f"commands `edgedistill --help` lists that README's CLI block lacks: {missing}"


@pytest.mark.parametrize("cmd", _commands())
def test_options_agree(cmd):
    block = _readme_block()
    if cmd in ("targets", "datasets", "boards"):      # groups: their sub-commands take no options
        return
    readme, helped = block.get(cmd, set()), _options(cmd)
    assert helped - readme == set(), f"`edgedistill {cmd} --help` options missing from README: {sorted(helped - readme)}"
    assert readme - helped == set(), f"README options `edgedistill {cmd}` does not take: {sorted(readme - helped)}"
