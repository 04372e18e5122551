"""What the README tells a newcomer holds: what `parse` prints, the cron line's exit
handling, and the search SQL for plain SQLite clients."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests_support import FIXTURES

from archive import open_archive
from crawler.importer import import_files
from qarchive.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_parse_prints_expected_json_plus_the_keys_the_readme_names() -> None:
    result = CliRunner().invoke(cli, ["parse", str(FIXTURES / "answer-2kxyq3m7vd.html")])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    expected = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
    assert {key: printed[key] for key in expected} == expected
    start = README.index("plus more keys")
    sentence = README[start:README.index("checks", start)]
    named = set(re.findall(r"`([a-z_]+)`", sentence))
    assert named == set(printed) - set(expected)


@pytest.mark.parametrize(("status", "mails"), [(0, False), (75, False), (1, True), (130, True)])
def test_the_cron_line_reports_failures_but_not_a_busy_archive(status: int, mails: bool) -> None:
    line = next(line for line in README.splitlines() if line.startswith("0 */6 * * *"))
    command = line.split(None, 5)[5]
    # The crawl itself replaced by a command that exits as the crawl would.
    crawl = command[command.index("cd "):command.index("2>&1") + len("2>&1")]
    shell = command.replace(crawl, f"(exit {status})")
    output = subprocess.run(["sh", "-c", shell], capture_output=True, text=True, check=False)
    assert bool(output.stdout.strip()) == mails, (shell, output.stdout)
    if mails:
        assert output.stdout.strip() == f"qarchive crawl failed: exit {status}"


def test_the_plain_sql_search_example_works_in_sqlite3(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    db = open_archive(path)
    import_files(db, [FIXTURES / "answer-2kxyq3m7vd.html"])
    db.close()
    block = README[README.index("### Searching, in SQL"):]
    queries = re.findall(r"^(select q\.id.*?;)$", block[:block.index("```\n\n")],
                         re.S | re.M)
    plain = next(query for query in queries if "qarchive_fts_query" not in query)
    with sqlite3.connect(path) as connection:  # no qarchive function registered here
        found = connection.execute(plain).fetchall()
    assert ("5tn1yh6c2a", "模型和预训练模型的区别") in found
