"""A scheduled recrawl against the sample sites: what changed is refreshed, history is kept.

One scenario, shared by the tests below, on each sample site (``SITES``): crawl the
site at epoch 0, move it to epoch 1 (new pages, edits, view counts, removals; on the
QAPage site also new answers and moved votes), crawl again with ``refresh_after=0`` —
real HTTP, real SQLite. On the QAPage site a question's answers span ``?page=N``
pages, and its answers keep their history per answer id.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from crawl_helpers import (
    SITES,
    SiteAccess,
    fetched_urls,
    fresh_archive,
    question_as_expected,
    question_as_stored,
    run,
    site_access,
)
from tests_support import FIXTURES

from archive import open_archive
from crawler.engine import CrawlReport
from sample_sites import EpochChanges
from sample_sites.testing import RunningSampleSite, running_sample_site

# Questions per site: enough for every kind of change at epoch 1 (the QAPage site's
# pages are larger, and each tenth question has several pages of answers).
PAGES = {"csdn": 150, "qapage": 100}


@dataclass
class Recrawl:
    site: RunningSampleSite
    access: SiteAccess
    db: sqlite_utils.Database
    first: CrawlReport
    second: CrawlReport
    changes: EpochChanges
    requests: list[dict[str, Any]]  # the second run's, from the server's log
    pages_before: dict[str, tuple[Any, ...]]  # url -> pages row after the first run
    questions_before: dict[str, tuple[Any, ...]]  # id -> questions row after the first run
    # (question id, answer id) -> answers row after the first run
    answers_before: dict[tuple[str, str], tuple[Any, ...]]


# Every question row, keyed by its id (one site per archive here), through the view: the
# answer each question showed is part of what must not change.
QUESTION_ROWS = "SELECT id, * FROM questions_with_answer"
ANSWER_ROWS = "SELECT question_id, id, * FROM answers"


def _rows(db: sqlite_utils.Database, sql: str) -> dict[str, tuple[Any, ...]]:
    return {row[0]: tuple(row) for row in db.execute(sql)}


def _answer_rows(db: sqlite_utils.Database) -> dict[tuple[str, str], tuple[Any, ...]]:
    return {(row[0], row[1]): tuple(row) for row in db.execute(ANSWER_ROWS)}


@pytest.fixture(scope="module", params=SITES)
def recrawl(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recrawl]:
    folder = tmp_path_factory.mktemp(f"recrawl-{request.param}")
    with running_sample_site(site=request.param, pages=PAGES[request.param],
                             request_log=folder / "requests.jsonl") as site:
        db = fresh_archive(folder / "archive.db")
        first = run(db, [site.root_url])
        pages_before = _rows(db, "SELECT url, body, content_hash, etag, status FROM pages")
        questions_before = _rows(db, QUESTION_ROWS)
        answers_before = _answer_rows(db)
        logged = len(site.request_log_entries())
        site.set_epoch(1)
        second = run(db, [site.root_url], refresh_after=0)
        yield Recrawl(site=site, access=site_access(site), db=db, first=first, second=second,
                      changes=site.site.changes(1),
                      requests=site.request_log_entries()[logged:],
                      pages_before=pages_before, questions_before=questions_before,
                      answers_before=answers_before)
        db.close()


def _page_requests(recrawl: Recrawl) -> dict[str, dict[str, Any]]:
    """The second run's requests of the site's pages (not robots.txt, sitemaps), by URL."""
    pages = set(recrawl.pages_before) | set(recrawl.access.page_urls(epoch=1))
    return {recrawl.site.url(entry["path"]): entry for entry in recrawl.requests
            if recrawl.site.url(entry["path"]) in pages}


def _pages_of(recrawl: Recrawl, urls: Iterable[str], *, epoch: int) -> set[str]:
    """Every page of the questions at ``urls`` at ``epoch`` (QAPage: ``?page=N`` too)."""
    return {page for url in urls for page in recrawl.access.question_pages(url, epoch=epoch)}


def test_new_pages_are_found(recrawl: Recrawl) -> None:
    assert recrawl.changes.created
    assert set(recrawl.changes.created) <= fetched_urls(recrawl.db)
    assert fetched_urls(recrawl.db) == set(recrawl.site.answer_urls(epoch=0)) | set(
        recrawl.site.answer_urls(epoch=1))
    assert recrawl.second.counts["new"] == len(recrawl.changes.created)


def test_unchanged_pages_are_answered_304_and_not_rewritten(recrawl: Recrawl) -> None:
    site, db = recrawl.site.site, recrawl.db
    requests = _page_requests(recrawl)
    # Every page known from the first run was asked for again, conditionally.
    assert set(recrawl.pages_before) <= set(requests)
    for url in recrawl.pages_before:
        assert requests[url]["if_none_match"] == recrawl.pages_before[url][3], url
    # Exactly the pages whose HTML did not change answered 304.
    unchanged = recrawl.access.unchanged_pages(1)
    not_modified = {url for url, entry in requests.items() if entry["status"] == 304}
    assert unchanged and not_modified == unchanged
    # A 304 counts as unchanged; so does a later page of answers (QAPage) whose news
    # its question's first page, fetched in the same run, already stored.
    first_pages = set(recrawl.site.answer_urls(epoch=0)) | set(recrawl.site.answer_urls(epoch=1))
    later_pages = {url for url, entry in requests.items()
                   if entry["status"] == 200 and url not in first_pages}
    assert len(unchanged) <= recrawl.second.counts["unchanged"] <= len(unchanged) + len(
        later_pages)
    # ...and cost no rewrite: same body, same question row and answers, one answer version.
    pages_after = _rows(db, "SELECT url, body, content_hash, etag, status FROM pages")
    questions_after = _rows(db, QUESTION_ROWS)
    answers_after = _answer_rows(db)
    for url in unchanged:
        assert pages_after[url] == recrawl.pages_before[url], url
    # A question none of whose pages changed (QAPage: a later page of answers may be
    # unchanged while the first changed) keeps its row and its answers' rows.
    unchanged_questions = {
        url for url in site.answer_urls(0)
        if set(recrawl.access.question_pages(url, epoch=0)) <= unchanged}
    assert unchanged_questions
    for url in unchanged_questions:
        question_id = recrawl.access.question_id(url)
        assert questions_after[question_id] == recrawl.questions_before[question_id]
        answers = {key for key in answers_after if key[0] == question_id}
        assert answers == {key for key in recrawl.answers_before if key[0] == question_id}
        assert all(answers_after[key] == recrawl.answers_before[key] for key in answers)
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
        question_id = recrawl.access.question_id(url)
        assert db.execute("SELECT run_id FROM view_counts WHERE question_id = ?",
                          [question_id]).fetchall() == [(runs[1],)]


def test_an_edited_answer_keeps_its_old_text(recrawl: Recrawl) -> None:
    """Version 2 for the edited answer (CSDN: the page's one answer; QAPage: the answer
    that was edited, by its id), version 1 superseded and kept."""
    db = recrawl.db
    assert recrawl.changes.edited
    edited = {(recrawl.access.question_id(url), answer_id): phrase
              for url in recrawl.changes.edited
              for answer_id, phrase in recrawl.access.edited_answers(url, epoch=1).items()}
    assert edited
    markdown_column = 2 + list(db["answers"].columns_dict).index("markdown")
    for (question_id, answer_id), phrase in edited.items():
        versions = db.execute(
            "SELECT version, answer_markdown, superseded_at, run_id "
            "FROM answer_history WHERE question_id = ? AND answer_id = ? ORDER BY version",
            [question_id, answer_id]).fetchall()
        old_markdown = recrawl.answers_before[(question_id, answer_id)][markdown_column]
        current = db.execute("SELECT markdown FROM answers WHERE question_id = ? AND id = ?",
                             [question_id, answer_id]).fetchone()[0]
        assert [row[0] for row in versions] == [1, 2]
        assert versions[0][1] == old_markdown != current == versions[1][1]
        # Stored once, as Markdown: the old one in its version, the current one in answers.
        stored = db.execute("SELECT answer_markdown FROM answer_versions "
                            "WHERE question_id = ? AND answer_id = ? ORDER BY version",
                            [question_id, answer_id]).fetchall()
        assert stored == [(old_markdown,), (None,)]
        assert versions[0][2] is not None and versions[1][2] is None
        assert (versions[0][3], versions[1][3]) == (recrawl.first.run_id,
                                                    recrawl.second.run_id)
        assert phrase in current
    # The answers no edit touched have their one version.
    assert db.execute("SELECT count(*) FROM answer_versions WHERE version > 1").fetchone() \
        == (len(edited),)


def test_removed_pages_are_kept_and_marked_gone(recrawl: Recrawl) -> None:
    db = recrawl.db
    assert recrawl.changes.removed
    # Each page of a removed question is gone (QAPage: its ?page=N pages too).
    gone_pages = _pages_of(recrawl, recrawl.changes.removed, epoch=0)
    assert recrawl.second.counts["gone"] == len(gone_pages)
    for url in recrawl.changes.removed:
        question_id = recrawl.access.question_id(url)
        title, gone_at, is_fetched = db.execute(
            "SELECT title, gone_at, is_fetched FROM questions WHERE id = ?",
            [question_id]).fetchone()
        assert title == recrawl.site.expected_record(url, epoch=0)["title"]
        assert gone_at is not None and is_fetched == 1
        for page in recrawl.access.question_pages(url, epoch=0):
            status, body, page_gone_at = db.execute(
                "SELECT status, body, gone_at FROM pages WHERE url = ?", [page]).fetchone()
            assert status in (404, 410) and page_gone_at is not None
            assert body == recrawl.pages_before[page][1]  # the last good copy
            assert db.execute("SELECT last_status FROM frontier WHERE url = ?",
                              [page]).fetchone()[0] == status
        # The question went with its first page's answer.
        assert db.execute("SELECT gone_at FROM pages WHERE url = ?", [url]).fetchone() \
            == (gone_at,)
    # Still on the site: not gone.
    assert db.execute("SELECT count(*) FROM questions WHERE gone_at IS NOT NULL").fetchone()[0] \
        == len(recrawl.changes.removed)


# -- the QAPage site's own kinds of change: answers added, votes moved ------------------

# The recrawl of the QAPage site alone (indirect: the module's one recrawl of that site).
qapage_only = pytest.mark.parametrize("recrawl", ["qapage"], indirect=True)


@qapage_only
def test_a_new_answer_is_a_new_answers_row(recrawl: Recrawl) -> None:
    site, db = recrawl.site, recrawl.db
    assert recrawl.changes.answered
    for url in recrawl.changes.answered:
        question_id = recrawl.access.question_id(url)
        before = {answer["id"] for answer in site.expected_question(url, epoch=0)["answers"]}
        new = [answer for answer in site.expected_question(url, epoch=1)["answers"]
               if answer["id"] not in before]
        assert new, url
        for answer in new:
            assert (question_id, answer["id"]) not in recrawl.answers_before
            text, votes, author = db.execute(
                "SELECT markdown, votes, author FROM answers WHERE question_id = ? AND id = ?",
                [question_id, answer["id"]]).fetchone()
            assert (votes, author) == (answer["votes"], answer["author"])
            assert all(phrase in text for phrase in answer["phrases"])
            assert db.execute(
                "SELECT version, superseded_at, run_id FROM answer_versions "
                "WHERE question_id = ? AND answer_id = ?", [question_id, answer["id"]]
            ).fetchall() == [(1, None, recrawl.second.run_id)]
        assert db.execute("SELECT answer_count FROM questions WHERE id = ?",
                          [question_id]).fetchone() == (len(before) + len(new),)


@qapage_only
def test_votes_move(recrawl: Recrawl) -> None:
    site, db = recrawl.site, recrawl.db
    assert recrawl.changes.voted
    moved = 0
    for url in recrawl.changes.voted:
        question_id = recrawl.access.question_id(url)
        old, new = (site.expected_question(url, epoch=epoch) for epoch in (0, 1))
        stored = question_as_stored(db, question_id)
        assert stored["question_votes"] == new["question_votes"]
        assert {a["id"]: a["votes"] for a in stored["answers"]} == {
            a["id"]: a["votes"] for a in new["answers"]}
        moved += old["question_votes"] != new["question_votes"]
        old_votes = {a["id"]: a["votes"] for a in old["answers"]}
        moved += sum(old_votes.get(a["id"], a["votes"]) != a["votes"] for a in new["answers"])
    assert moved > 0


@qapage_only
def test_the_recrawled_archive_holds_every_question_as_the_site_shows_it(
        recrawl: Recrawl) -> None:
    """After edits, new answers and moved votes (answers moving between pages of
    answers), every live question is stored exactly as the site now shows it."""
    for url in recrawl.site.answer_urls(epoch=1):
        question_id = recrawl.access.question_id(url)
        assert question_as_stored(recrawl.db, question_id) == question_as_expected(
            recrawl.site, url, epoch=1), url


@pytest.mark.parametrize("site_name", SITES)
def test_a_page_that_comes_back_is_no_longer_gone(tmp_path: Path, site_name: str) -> None:
    with running_sample_site(site=site_name, pages=60,
                             request_log=tmp_path / "requests.jsonl") as site:
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
            for page in site_access(site).question_pages(url, epoch=0):
                assert db.execute("SELECT status, gone_at FROM pages WHERE url = ?",
                                  [page]).fetchone() == (200, None)
        assert db.execute("SELECT count(*) FROM answer_versions WHERE version > 1 AND "
                          "question_id IN (SELECT id FROM questions WHERE url IN (SELECT "
                          "value FROM json_each(?)))", [json.dumps(removed)]).fetchone() == (0,)


def test_migration_backfills_history_from_an_older_archive(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / "archive-v1.sql").read_text(encoding="utf-8"))
    conn.close()
    db = open_archive(path)
    fetched = db.execute(
        "SELECT id, title, answer_markdown, view_count FROM questions_with_answer "
        "WHERE is_fetched = 1"
    ).fetchall()
    assert fetched
    versions = {row[0]: row[1:] for row in db.execute(
        "SELECT question_id, version, title, answer_markdown, superseded_at "
        "FROM answer_history")}
    assert versions == {id_: (1, title, text, None) for id_, title, text, _ in fetched}
    counts = {row[0]: row[1] for row in db.execute(
        "SELECT question_id, view_count FROM view_counts")}
    assert counts == {id_: views for id_, _, _, views in fetched if views is not None}
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()
