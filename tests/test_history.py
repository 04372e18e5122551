"""A scheduled recrawl against the sample site: what changed is refreshed, history is kept.

One scenario, shared by the tests below: crawl the site at epoch 0, move it to
epoch 1 (new pages, edits, view counts, removals), crawl again with
``refresh_after=0`` — real HTTP, real SQLite.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlite_utils
from crawl_helpers import fetched_urls, fresh_archive, run
from tests_support import FIXTURES

from archive import open_archive
from crawler.engine import CrawlReport
from sample_sites import EpochChanges
from sample_sites.testing import RunningSampleSite, running_sample_site

PAGES = 150


@dataclass
class Recrawl:
    site: RunningSampleSite
    db: sqlite_utils.Database
    first: CrawlReport
    second: CrawlReport
    changes: EpochChanges
    requests: list[dict[str, Any]]  # the second run's, from the server's log
    pages_before: dict[str, tuple[Any, ...]]  # url -> pages row after the first run
    questions_before: dict[str, tuple[Any, ...]]  # id -> questions row after the first run


# Every question row, keyed by its id (one site: the sample site's CSDN pages).
QUESTION_ROWS = "SELECT id, * FROM questions"


def _rows(db: sqlite_utils.Database, sql: str) -> dict[str, tuple[Any, ...]]:
    return {row[0]: tuple(row) for row in db.execute(sql)}


@pytest.fixture(scope="module")
def recrawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recrawl]:
    folder = tmp_path_factory.mktemp("recrawl")
    with running_sample_site(pages=PAGES, request_log=folder / "requests.jsonl") as site:
        db = fresh_archive(folder / "archive.db")
        first = run(db, [site.root_url])
        pages_before = _rows(db, "SELECT url, body, content_hash, etag, status FROM pages")
        questions_before = _rows(db, QUESTION_ROWS)
        logged = len(site.request_log_entries())
        site.set_epoch(1)
        second = run(db, [site.root_url], refresh_after=0)
        yield Recrawl(site=site, db=db, first=first, second=second,
                      changes=site.site.changes(1),
                      requests=site.request_log_entries()[logged:],
                      pages_before=pages_before, questions_before=questions_before)
        db.close()


def _answer_requests(recrawl: Recrawl) -> dict[str, dict[str, Any]]:
    return {recrawl.site.url(entry["path"]): entry for entry in recrawl.requests
            if entry["path"].startswith("/answer/")}


def test_new_pages_are_found(recrawl: Recrawl) -> None:
    assert recrawl.changes.created
    assert set(recrawl.changes.created) <= fetched_urls(recrawl.db)
    assert fetched_urls(recrawl.db) == set(recrawl.site.answer_urls(epoch=0)) | set(
        recrawl.site.answer_urls(epoch=1))
    assert recrawl.second.counts["new"] == len(recrawl.changes.created)


def test_unchanged_pages_are_answered_304_and_not_rewritten(recrawl: Recrawl) -> None:
    site, db = recrawl.site.site, recrawl.db
    requests = _answer_requests(recrawl)
    # Every page known from the first run was asked for again, conditionally.
    assert set(recrawl.pages_before) <= set(requests)
    for url in recrawl.pages_before:
        assert requests[url]["if_none_match"] == recrawl.pages_before[url][3], url
    # Exactly the pages whose HTML did not change answered 304.
    unchanged = {
        site.url_of(index) for index in site.answer_indexes(0)
        if site.status(index, 1) == 200
        and site.last_modified(index, 0) == site.last_modified(index, 1)
    }
    not_modified = {url for url, entry in requests.items() if entry["status"] == 304}
    assert unchanged and not_modified == unchanged
    assert recrawl.second.counts["unchanged"] == len(unchanged)
    # ...and cost no rewrite: same body, same question row, one answer version.
    pages_after = _rows(db, "SELECT url, body, content_hash, etag, status FROM pages")
    questions_after = _rows(db, QUESTION_ROWS)
    for url in unchanged:
        assert pages_after[url] == recrawl.pages_before[url], url
        question_id = urlsplit(url).path.rsplit("/", 1)[-1]
        assert questions_after[question_id] == recrawl.questions_before[question_id]
    seen = db.execute(
        "SELECT count(*) FROM pages WHERE run_id = ? AND url IN (SELECT value FROM "
        "json_each(?))", [recrawl.second.run_id, _json_list(unchanged)]).fetchone()[0]
    assert seen == len(unchanged)  # marked seen by this run
    versions = db.execute("SELECT max(version) FROM answer_versions").fetchone()[0]
    assert versions == 2  # only edited answers have a second version


def _json_list(values: set[str]) -> str:
    return json.dumps(sorted(values))


def test_view_count_history_has_one_row_per_run(recrawl: Recrawl) -> None:
    site, db = recrawl.site, recrawl.db
    runs = (recrawl.first.run_id, recrawl.second.run_id)
    refreshed = [index for index in site.site.answer_indexes(0)
                 if site.site.status(index, 1) == 200]
    for index in refreshed:
        question_id = site.site.page_id(index)
        rows = db.execute(
            "SELECT run_id, view_count FROM view_counts WHERE question_id = ? ORDER BY run_id",
            [question_id]).fetchall()
        expected = [(run_id, site.expected_record(index, epoch=epoch)["view_count"])
                    for epoch, run_id in enumerate(runs)]
        assert [tuple(row) for row in rows] == expected, question_id
    grew = db.execute(
        "SELECT count(*) FROM (SELECT question_id FROM view_counts GROUP BY question_id "
        "HAVING max(view_count) > min(view_count))").fetchone()[0]
    assert grew > 0
    # questions.first_view_count (kept by a trigger) is the first observation, so the
    # growth query and chart need no aggregation over every observation.
    for index in refreshed:
        question_id = site.site.page_id(index)
        first, current = db.execute(
            "SELECT first_view_count, view_count FROM questions WHERE id = ?",
            [question_id]).fetchone()
        assert first == site.expected_record(index, epoch=0)["view_count"]
        assert current == site.expected_record(index, epoch=1)["view_count"]
    # Pages new at epoch 1 have their first observation.
    for url in recrawl.changes.created:
        question_id = urlsplit(url).path.rsplit("/", 1)[-1]
        assert db.execute("SELECT run_id FROM view_counts WHERE question_id = ?",
                          [question_id]).fetchall() == [(runs[1],)]


def test_an_edited_answer_keeps_its_old_text(recrawl: Recrawl) -> None:
    db = recrawl.db
    assert recrawl.changes.edited
    for url in recrawl.changes.edited:
        question_id = urlsplit(url).path.rsplit("/", 1)[-1]
        versions = db.execute(
            "SELECT version, answer_text, answer_markdown, superseded_at, run_id "
            "FROM answer_versions WHERE question_id = ? ORDER BY version",
            [question_id]).fetchall()
        old_text = recrawl.questions_before[question_id][
            1 + list(db["questions"].columns_dict).index("answer_text")]
        current = db.execute("SELECT answer_text FROM questions WHERE id = ?",
                             [question_id]).fetchone()[0]
        assert [row[0] for row in versions] == [1, 2]
        assert versions[0][1] == old_text != current == versions[1][1]
        assert versions[0][3] is not None and versions[1][3] is None
        assert (versions[0][4], versions[1][4]) == (recrawl.first.run_id,
                                                    recrawl.second.run_id)
        assert recrawl.site.expected_record(url)["answer_phrases"][-1] in current


def test_removed_pages_are_kept_and_marked_gone(recrawl: Recrawl) -> None:
    db = recrawl.db
    assert recrawl.changes.removed
    assert recrawl.second.counts["gone"] == len(recrawl.changes.removed)
    for url in recrawl.changes.removed:
        question_id = urlsplit(url).path.rsplit("/", 1)[-1]
        title, gone_at, is_fetched = db.execute(
            "SELECT title, gone_at, is_fetched FROM questions WHERE id = ?",
            [question_id]).fetchone()
        assert title == recrawl.site.expected_record(url, epoch=0)["title"]
        assert gone_at is not None and is_fetched == 1
        status, body, page_gone_at = db.execute(
            "SELECT status, body, gone_at FROM pages WHERE url = ?", [url]).fetchone()
        assert status in (404, 410) and page_gone_at == gone_at
        assert body == recrawl.pages_before[url][1]  # the last good copy
        assert db.execute("SELECT last_status FROM frontier WHERE url = ?",
                          [url]).fetchone()[0] == status
    # Still on the site: not gone.
    assert db.execute("SELECT count(*) FROM questions WHERE gone_at IS NOT NULL").fetchone()[0] \
        == len(recrawl.changes.removed)


def test_a_page_that_comes_back_is_no_longer_gone(tmp_path: Path) -> None:
    with running_sample_site(pages=60, request_log=tmp_path / "requests.jsonl") as site:
        db = fresh_archive(tmp_path / "archive.db")
        run(db, [site.root_url])
        removed = [site.site.url_of(i) for i in range(site.pages)
                   if site.site.status(i, 0) == 200 and site.site.status(i, 3) != 200]
        assert removed
        site.set_epoch(3)
        run(db, [site.root_url], refresh_after=0)
        gone = {row[0] for row in db.execute("SELECT url FROM questions WHERE gone_at NOT NULL")}
        assert gone == set(removed)
        site.set_epoch(0)  # the same pages, the same bytes, back again
        run(db, [site.root_url], refresh_after=0)
        gone = {row[0] for row in db.execute("SELECT url FROM questions WHERE gone_at NOT NULL")}
        # Back: no longer gone, status 200 again, no new answer version (same text).
        assert not gone & set(removed)
        assert gone == {site.site.url_of(i) for i in range(site.pages, site.site.page_count(3))}
        for url in removed:
            assert db.execute("SELECT status, gone_at FROM pages WHERE url = ?",
                              [url]).fetchone() == (200, None)
        assert db.execute("SELECT max(version) FROM answer_versions WHERE question_id IN "
                          "(SELECT id FROM questions WHERE url IN (SELECT value FROM "
                          "json_each(?)))", [json.dumps(removed)]).fetchone() == (1,)


def test_migration_backfills_history_from_an_older_archive(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / "archive-v1.sql").read_text(encoding="utf-8"))
    conn.close()
    db = open_archive(path)
    fetched = db.execute(
        "SELECT id, title, answer_text, view_count FROM questions WHERE is_fetched = 1"
    ).fetchall()
    assert fetched
    versions = {row[0]: row[1:] for row in db.execute(
        "SELECT question_id, version, title, answer_text, superseded_at FROM answer_versions")}
    assert versions == {id_: (1, title, text, None) for id_, title, text, _ in fetched}
    counts = {row[0]: row[1] for row in db.execute(
        "SELECT question_id, view_count FROM view_counts")}
    assert counts == {id_: views for id_, _, _, views in fetched if views is not None}
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()
