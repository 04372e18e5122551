"""The README's command reference is the CLI's --help output (sqlite-utils' test_docs idea)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from qarchive.cli import cli

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_command_reference_matches_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "README.md"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, "README is stale: run `cog -r README.md`\n" + result.stdout


def test_every_command_is_documented() -> None:
    for name in cli.commands:
        assert f"### qarchive {name}\n" in README, name


def test_readme_has_the_two_setup_commands() -> None:
    for marker in ("<!-- demo-command -->", "<!-- test-command -->"):
        block = re.search(re.escape(marker) + r"\n```bash\n(.+?)\n```", README)
        assert block, marker
        assert "python3 -m venv" in block.group(1)


def test_every_setting_is_in_the_readme_with_its_reason() -> None:
    """The settings table is generated from crawler/settings.py; each knob says why."""
    import dataclasses

    from crawler.settings import CrawlSettings

    table = README[README.rindex("| setting | default | why |"):]
    table = table[:table.index("<!-- [[[end]]] -->")]
    rows = {line.split("`")[1]: line for line in table.splitlines()[2:] if line.startswith("|")}
    names = {item.name for item in dataclasses.fields(CrawlSettings)
             if item.metadata.get("toml", True)}
    assert set(rows) == names
    assert not [name for name, row in rows.items() if row.rstrip().endswith("|  |")]
