"""One bad page costs that one URL: failed with a one-line reason, the run goes on, and later
runs neither crash on it nor fetch it again until its retry is due.

A parser or storing bug that a hostile page triggers is stood in for by making the real parse
(or the real store) raise for one page; everything else is the real crawl over HTTP.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from crawl_helpers import fresh_archive, run
from tests_support import fail_storing

from archive import Archive
from parsers import AnswerPage
from parsers.sites.csdn import CsdnAnswerProfile, answer_id_from_url
from sample_sites.testing import RunningSampleSite, running_sample_site

PAGES = 40


def _frontier_row(db: Archive, url: str) -> dict[str, Any]:
    row = db.execute("SELECT state, last_error, poisoned, retry_at FROM frontier WHERE url = ?",
                     [url]).fetchone()
    assert row is not None, url
    return dict(zip(("state", "last_error", "poisoned", "retry_at"), row, strict=True))


def _requested(site: RunningSampleSite, since: int) -> list[str]:
    return [entry["path"] for entry in site.request_log_entries()[since:]]


def _stored_ids(db: Archive) -> set[str]:
    return {row[0] for row in db.execute("SELECT id FROM questions WHERE is_fetched = 1")}


def _crash_parsing(monkeypatch: pytest.MonkeyPatch, victim_id: str) -> None:
    real_parse = CsdnAnswerProfile.parse

    def parse(self: CsdnAnswerProfile, body: bytes | str, url: str, *,
              charset: str | None = None) -> AnswerPage:
        if answer_id_from_url(url) == victim_id:
            raise RecursionError("maximum recursion depth exceeded\nwhile converting (test)")
        return real_parse(self, body, url, charset=charset)

    monkeypatch.setattr(CsdnAnswerProfile, "parse", parse)


@pytest.mark.parametrize("writer_process", [True, False])
def test_a_page_that_crashes_the_parser_costs_that_url_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer_process: bool) -> None:
    with running_sample_site(pages=PAGES, request_log=tmp_path / "requests.jsonl") as site:
        victim = site.answer_urls()[3]
        victim_id = answer_id_from_url(victim)
        assert victim_id
        _crash_parsing(monkeypatch, victim_id)
        db = fresh_archive(tmp_path / "archive.db")

        first = run(db, [site.root_url], writer_process=writer_process)
        assert first.status == "finished"
        assert first.counts["failed"] == 1
        expected = {answer_id_from_url(url) for url in site.answer_urls()}
        assert _stored_ids(db) == expected - {victim_id}
        row = _frontier_row(db, victim)
        assert row["state"] == "failed" and row["poisoned"] == 1
        # One line, grouped by its exception type.
        assert row["last_error"] == ("RecursionError: maximum recursion depth exceeded while "
                                     "converting (test)")
        assert row["retry_at"] > db.execute("SELECT max(updated_at) FROM frontier").fetchone()[0]
        assert db.execute("SELECT status, failed FROM crawl_runs WHERE id = ?",
                          [first.run_id]).fetchone() == ("finished", 1)

        # The next run exits cleanly and does not fetch it: its retry is not due.
        seen = len(site.request_log_entries())
        again = run(db, [site.root_url], writer_process=writer_process)
        assert again.status == "finished" and again.did_work
        assert again.counts["failed"] == 0
        assert f"/answer/{victim_id}" not in _requested(site, seen)

        # Once due (time passed; here the retry moment is moved back), it is tried again,
        # and a fixed parser stores it.
        monkeypatch.undo()
        db.execute("UPDATE frontier SET retry_at = '2000-01-01T00:00:00+00:00' WHERE url = ?",
                   [victim])
        seen = len(site.request_log_entries())
        fixed = run(db, [site.root_url], writer_process=writer_process)
        assert f"/answer/{victim_id}" in _requested(site, seen)
        assert fixed.counts["new"] == 1 and fixed.counts["failed"] == 0
        assert _stored_ids(db) == expected
        assert _frontier_row(db, victim) == {"state": "done", "last_error": None,
                                             "poisoned": 0, "retry_at": None}


def test_a_crash_again_doubles_the_wait(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with running_sample_site(pages=PAGES) as site:
        victim = site.answer_urls()[0]
        victim_id = answer_id_from_url(victim)
        assert victim_id
        _crash_parsing(monkeypatch, victim_id)
        db = fresh_archive(tmp_path / "archive.db")
        run(db, [site.root_url], poisoned_retry_after=3600.0)
        first_wait = db.execute(
            "SELECT unixepoch(retry_at) - unixepoch(updated_at) FROM frontier WHERE url = ?",
            [victim]).fetchone()[0]
        db.execute("UPDATE frontier SET retry_at = NULL WHERE url = ?", [victim])
        run(db, [site.root_url], poisoned_retry_after=3600.0)
        row = _frontier_row(db, victim)
        second_wait = db.execute(
            "SELECT unixepoch(retry_at) - unixepoch(updated_at) FROM frontier WHERE url = ?",
            [victim]).fetchone()[0]
        assert (first_wait, row["poisoned"], second_wait) == (3600, 2, 7200)


def test_a_page_that_cannot_be_stored_is_rolled_back_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer's savepoint per URL: its rows, search entries and page go; the batch stays."""
    with running_sample_site(pages=PAGES) as site:
        victim = site.answer_urls()[5]
        victim_id = answer_id_from_url(victim)
        assert victim_id
        # In the event loop's writer: a writer process would not see the patch.
        fail_storing(monkeypatch, victim_id)
        db = fresh_archive(tmp_path / "archive.db")
        report = run(db, [site.root_url], writer_process=False)
        assert report.status == "finished"
        assert report.counts["failed"] == 0 and report.counts["unstored"] == 1
        assert db.execute("SELECT failed FROM crawl_runs WHERE id = ?",
                          [report.run_id]).fetchone()[0] == 1
        expected = {answer_id_from_url(url) for url in site.answer_urls()}
        assert _stored_ids(db) == expected - {victim_id}
        assert db.execute("SELECT count(*) FROM pages WHERE url = ?", [victim]).fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM answer_versions WHERE question_id = ?",
                          [victim_id]).fetchone()[0] == 0
        # The search index holds no entry for a rolled-back row.
        assert db.execute("SELECT count(*) FROM questions_fts").fetchone()[0] == \
            db.execute("SELECT count(*) FROM questions").fetchone()[0]
        row = _frontier_row(db, victim)
        assert (row["state"], row["last_error"], row["poisoned"]) == (
            "failed", "ValueError: cannot store this page (test)", 1)


def test_a_database_error_is_the_archives_not_the_pages(tmp_path: Path) -> None:
    """A full disk fails the batch and the run; it is not blamed on one page."""
    with running_sample_site(pages=PAGES) as site:
        db = fresh_archive(tmp_path / "archive.db")
        db.execute("CREATE TRIGGER no_room BEFORE INSERT ON pages "
                   "BEGIN SELECT RAISE(ABORT, 'no room (test)'); END")
        with pytest.raises(sqlite3.DatabaseError, match="no room"):
            run(db, [site.root_url], writer_process=False)
        assert db.execute("SELECT count(*) FROM frontier WHERE poisoned > 0").fetchone()[0] == 0
