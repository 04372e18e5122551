"""`qarchive import` and `qarchive demo`: real files into a real archive.db, through the CLI."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils
from click.testing import CliRunner
from tests_support import FIXTURES, REFERENCE_URL, snapshot

from qarchive.cli import cli

REFERENCE = FIXTURES / "answer-2kxyq3m7vd.html"


def test_import_stores_good_files_and_reports_bad_ones(tmp_path: Path) -> None:
    soft_404 = tmp_path / "gone.html"
    soft_404.write_text("<html><body><h1>404</h1><p>页面不存在</p></body></html>", encoding="utf-8")
    missing = tmp_path / "missing.html"
    db_path = tmp_path / "archive.db"
    result = CliRunner().invoke(
        cli, ["import", str(soft_404), str(REFERENCE), str(missing), "--db", str(db_path)]
    )
    assert result.exit_code == 1
    assert f"skipped {soft_404}: no --url given and the page has no canonical link" in result.output
    assert f"skipped {missing}: cannot read" in result.output
    assert "stored 1 page(s)" in result.output
    db = sqlite_utils.Database(db_path)
    assert db["questions"].get(("wenku.csdn.net", "2kxyq3m7vd"))["is_fetched"] == 1
    assert db["pages"].get(REFERENCE_URL)["question_id"] == "2kxyq3m7vd"
    run = next(db.query("SELECT * FROM crawl_runs"))
    summary = (run["command"], run["new"], run["failed"], run["status"])
    assert summary == ("import", 1, 2, "finished")
    db.close()


def test_import_with_url_and_reimport_is_idempotent(tmp_path: Path) -> None:
    db_path = tmp_path / "archive.db"
    mirror = "http://127.0.0.1:8765/answer/2kxyq3m7vd"
    runner = CliRunner()
    first = runner.invoke(cli, ["import", str(REFERENCE), "--url", mirror, "--db", str(db_path)])
    assert first.exit_code == 0, first.output
    assert "(1 new)" in first.output
    db = sqlite_utils.Database(db_path)
    before = snapshot(db)
    assert db["questions"].get(("wenku.csdn.net", "2kxyq3m7vd"))["url"] == mirror
    second = runner.invoke(cli, ["import", str(REFERENCE), "--url", mirror, "--db", str(db_path)])
    assert "(1 unchanged)" in second.output
    assert snapshot(db) == before
    db.close()


def test_import_refuses_url_with_several_files_and_non_archives(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["import", str(REFERENCE), str(REFERENCE), "--url", REFERENCE_URL])
    assert result.exit_code == 2 and "--url names one page" in result.output
    other = tmp_path / "other.db"
    sqlite_utils.Database(other)["t"].insert({"a": 1})
    result = runner.invoke(cli, ["import", str(REFERENCE), "--db", str(other)])
    assert result.exit_code == 1
    expected = f"Error: {other}: not a qarchive archive (it holds other tables)"
    assert result.output.strip() == expected
