"""`--help` as a newcomer reads it: whole summaries, unbroken examples, each default once."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from qarchive.cli import cli

COMMANDS = sorted(cli.commands)


def _help(*args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_command_list_shows_whole_summaries() -> None:
    listing = _help().split("Commands:\n", 1)[1]
    lines = [line for line in listing.splitlines() if line.strip()]
    assert sorted(line.split()[0] for line in lines) == COMMANDS
    assert not [line for line in lines if line.rstrip().endswith("...")]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_reads_whole(command: str) -> None:
    text = _help(command)
    # No option or example broken across lines (``--request-`` then ``log``).
    assert not re.search(r"--[a-z-]*-\n", text), text
    # Each default stated once: in the sentence, not again as click's [default: ...].
    for option in re.split(r"\n  (?=-)", text):
        assert not ("default" in option.split("[default:")[0] and "[default:" in option), option
    # Examples use the ports qarchive uses: 8765 (sample site) and 8001 (Datasette).
    assert not re.search(r"127\.0\.0\.1:(?!8765|8001)\d+", text), text
    # Settings are described for users, not by a source file.
    assert ".py" not in text, text
