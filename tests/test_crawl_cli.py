"""`qarchive crawl` and `qarchive reparse` from the command line: errors, exit status, reparse."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from crawl_helpers import fresh_archive, run
from tests_support import snapshot

from archive import open_archive
from qarchive.commands.crawl import crawl_command
from qarchive.commands.reparse import reparse_command
from sample_sites.testing import running_sample_site


@pytest.mark.parametrize(("args", "message"), [
    (["not a url"], "not an http(s) URL"),
    (["http://"], "URL has no host"),
    (["--max-duration", "30x", "http://127.0.0.1:1/answer/a"], "bad duration '30x'"),
    (["--bogus"], "No such option '--bogus'"),
    (["--concurrency", "0", "http://127.0.0.1:1/answer/a"], "--concurrency"),
    ([], "nothing to crawl"),
])
def test_bad_input_is_a_one_line_error(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(crawl_command, [*args, "--db", str(tmp_path / "a.db")])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_archive_problems_are_one_line_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    not_archive = tmp_path / "notes.db"
    not_archive.write_text("hello, not sqlite", encoding="utf-8")
    seed = "http://127.0.0.1:1/answer/abcdefghij"
    result = runner.invoke(crawl_command, [seed, "--db", str(not_archive)])
    assert result.exit_code == 1 and "not a qarchive archive" in result.output
    result = runner.invoke(crawl_command, [seed, "--db", str(tmp_path / "no" / "such.db")])
    assert result.exit_code == 1 and "does not exist" in result.output
    result = runner.invoke(reparse_command, ["--db", str(tmp_path / "missing.db")])
    assert result.exit_code == 1 and "no such archive" in result.output
    config = tmp_path / "qarchive.toml"
    config.write_text("speed = 3\n", encoding="utf-8")
    result = runner.invoke(crawl_command, [seed, "--config", str(config),
                                           "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 1 and "unknown setting 'speed'" in result.output


def test_exit_status_says_whether_the_run_did_work(tmp_path: Path) -> None:
    runner = CliRunner()
    with running_sample_site(pages=20) as site:
        ok = runner.invoke(crawl_command, [site.root_url, "--db", str(tmp_path / "ok.db"),
                                           "--delay", "0", "--max-pages", "5"])
        assert ok.exit_code == 0, ok.output
        assert "5 fetched" in ok.output and "left for the next run" in ok.output
        # Everything disallowed by robots.txt: nothing fetched, exit 1.
        blocked = runner.invoke(crawl_command, [site.url("/private/answer/abcdefghij"),
                                                "--db", str(tmp_path / "blocked.db")])
        assert blocked.exit_code == 1, blocked.output
        assert "1 blocked by robots.txt" in blocked.output
        db = open_archive(tmp_path / "blocked.db")
        assert db.execute("SELECT count(*) FROM pages").fetchone()[0] == 0
    # The site is gone: the resumed crawl can fetch nothing and says so.
    failed = runner.invoke(crawl_command, ["--db", str(tmp_path / "ok.db"),
                                           "--delay", "0"])
    assert failed.exit_code == 1, failed.output
    assert "deferred" in failed.output


def test_reparse_restores_pages_from_stored_bodies_without_network(tmp_path: Path) -> None:
    with running_sample_site(pages=40, request_log=tmp_path / "requests.jsonl") as site:
        db = fresh_archive(tmp_path / "archive.db")
        run(db, [site.root_url])
        before = snapshot(db)
        requests_before = len(site.request_log_entries())
        page_id = site.expected_record(site.root_url)["id"]
        with db.atomic():
            db.execute("UPDATE questions SET title = 'corrupted' WHERE id = ?", [page_id])
            db.execute("DELETE FROM related_questions WHERE from_id = ?", [page_id])
            db.execute("UPDATE pages SET parser_version = 0 WHERE question_id = ?", [page_id])
        db.close()
        result = CliRunner().invoke(reparse_command, ["--db", str(tmp_path / "archive.db")])
        assert result.exit_code == 0, result.output
        assert "1 page(s) reparsed" in result.output and "1 updated" in result.output
        assert len(site.request_log_entries()) == requests_before  # no network
        db = open_archive(tmp_path / "archive.db")
        assert snapshot(db) == before
        assert db.execute("SELECT min(parser_version) FROM pages").fetchone()[0] >= 1
        run_row = db.execute("SELECT command, status, updated FROM crawl_runs "
                             "ORDER BY id DESC LIMIT 1").fetchone()
        assert run_row == ("reparse", "finished", 1)
        everything = CliRunner().invoke(reparse_command,
                                        ["--db", str(tmp_path / "archive.db"), "--all"])
        assert everything.exit_code == 0
        assert "40 page(s) reparsed" in everything.output and "40 unchanged" in everything.output
