"""Migration 0018 (#15): text every row repeated is stored once.

- questions.field_sources (one JSON object a question, the same on every page of a
  layout) became a set in ``field_source_sets`` that questions name by id;
- pages.final_url, captured_at and captured_run_id are empty where they repeated url,
  fetched_at and run_id.

Real SQLite files: the writer's own rows, and an archive built at version 17 by SQL and
upgraded by the real ``apply_migrations``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from pathlib import Path

import pytest
import sqlite_utils

from archive import FetchedPage, apply_migrations, open_archive, schema_version
from parsers import AnswerPage

LEAN_ROWS = 18  # 0018_lean_rows.sql


def _page(qid: str, **sources: str) -> AnswerPage:
    return AnswerPage(site="wenku.csdn.net", url=f"https://wenku.csdn.net/answer/{qid}",
                      id=qid, title=f"问题 {qid}", asked_at="2023-07-01T09:00:00+08:00",
                      view_count=7, answer_text="答案", answer_markdown="答案",
                      profile="csdn-answer", parser_version=1,
                      field_sources=sources or {"title": "heading", "view_count": "label"})


def _sources(db: sqlite_utils.Database, qid: str) -> tuple[int | None, str | None]:
    return db.execute("SELECT q.field_sources_id, s.sources FROM questions q "
                      "LEFT JOIN field_source_sets s ON s.id = q.field_sources_id "
                      "WHERE q.id = ?", [qid]).fetchone()


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    archive = open_archive(tmp_path / "archive.db")
    yield archive
    archive.close()


def test_questions_of_one_layout_share_one_set_of_sources(db: sqlite_utils.Database) -> None:
    with db.atomic():
        db.store_answer_page(_page("aaaaaaaaaa"))
        db.store_answer_page(_page("bbbbbbbbbb"))
        db.store_answer_page(_page("cccccccccc", title="meta", view_count="state"))
    first, second, third = (_sources(db, qid) for qid in ("aaaaaaaaaa", "bbbbbbbbbb",
                                                             "cccccccccc"))
    assert first == second and first[0] is not None
    assert third[0] != first[0]
    assert json.loads(first[1])["title"] == "heading"
    assert json.loads(third[1])["title"] == "meta"
    assert db.execute("SELECT count(*) FROM field_source_sets").fetchone()[0] == 2
    assert "field_sources" not in db["questions"].columns_dict
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_set_added_by_a_rolled_back_batch_goes_with_it(db: sqlite_utils.Database) -> None:
    """No id is remembered across transactions: a set the rolled-back batch added is
    gone, and the next page with those sources adds it again (no dangling id)."""
    with contextlib.suppress(ZeroDivisionError), db.atomic():
        db.store_answer_page(_page("aaaaaaaaaa", title="state"))
        assert db.execute("SELECT count(*) FROM field_source_sets").fetchone()[0] == 1
        1 / 0  # noqa: B018 - the batch fails after the page was stored
    assert db.execute("SELECT count(*) FROM field_source_sets").fetchone()[0] == 0
    with db.atomic():
        db.store_answer_page(_page("bbbbbbbbbb", title="state"))
    set_id, sources = _sources(db, "bbbbbbbbbb")
    assert json.loads(sources)["title"] == "state"
    assert db.execute("SELECT id FROM field_source_sets").fetchall() == [(set_id,)]


def test_a_page_row_leaves_empty_what_repeats_url_fetched_at_and_run_id(
    db: sqlite_utils.Database,
) -> None:
    page = _page("aaaaaaaaaa")
    plain = FetchedPage(url=page.url, status=200, fetched_at="2026-11-20T00:00:00+00:00",
                        body=b"<html>one</html>")
    moved = dataclasses.replace(plain, url="https://wenku.csdn.net/answer/old",
                                final_url=page.url, redirect_chain=[page.url])
    run = db.start_run(command="crawl", options={})
    with db.atomic():
        db.record_fetched_page(plain, page=page, parser_version=1, run_id=run)
        db.record_fetched_page(moved, page=page, parser_version=1, run_id=run)
    rows = dict((row[0], row[1:]) for row in db.execute(
        "SELECT url, final_url, captured_at, captured_run_id FROM pages"))
    assert rows == {page.url: (None, None, None), moved.url: (page.url, None, None)}
    # Read back, every empty value is what it stands for.
    stored = {response.url: response for response in db.stored_responses()}
    assert stored[page.url].final_url == page.url
    assert stored[moved.url].final_url == page.url
    for response in stored.values():
        assert (response.captured_at, response.captured_run_id) == (plain.fetched_at, run)
    # A later visit that finds the body unchanged keeps when it was captured.
    run2 = db.start_run(command="crawl", options={})
    db.record_unchanged_page(page.url, fetched_at="2026-11-21T00:00:00+00:00", run_id=run2,
                             status=304)
    response = next(r for r in db.stored_responses() if r.url == page.url)
    assert (response.fetched_at, response.run_id) == ("2026-11-21T00:00:00+00:00", run2)
    assert (response.captured_at, response.captured_run_id) == (plain.fetched_at, run)


def test_migration_0018_keeps_every_value(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "old.db", migrate=False)
    apply_migrations(db, target=LEAN_ROWS - 1)
    assert schema_version(db) < LEAN_ROWS
    sources = ['{"title": "heading"}', '{"title": "state"}']
    with db.atomic():
        db.execute("INSERT INTO crawl_runs (id, started_at, status, command) VALUES "
                   "(1, '2026-11-20T00:00:00Z', 'finished', 'crawl'), "
                   "(2, '2026-11-21T00:00:00Z', 'finished', 'crawl')")
        for number, value in enumerate([sources[0], sources[1], sources[0], None]):
            db.execute("INSERT INTO questions (site, id, url, is_fetched, field_sources) "
                       "VALUES ('s', ?, ?, 1, ?)", [f"q{number}", f"https://s/{number}", value])
        pages = [  # url, final_url, fetched_at, run_id, captured_at, captured_run_id
            ("https://s/0", "https://s/0", "2026-11-20", 1, "2026-11-20", 1),
            ("https://s/1", "https://s/one", "2026-11-21", 2, "2026-11-20", 1),
            ("https://s/2", None, "2026-11-21", 2, None, None),
        ]
        db.conn.executemany("INSERT INTO pages (url, final_url, fetched_at, run_id, "
                            "captured_at, captured_run_id) VALUES (?, ?, ?, ?, ?, ?)", pages)
    read = "SELECT url, final_url, captured_at, captured_run_id FROM pages ORDER BY url"

    def effective(rows: list[tuple]) -> list[tuple]:
        return [(url, final or url, captured or fetched, captured_run or run)
                for url, final, fetched, run, captured, captured_run in rows]

    assert apply_migrations(db)[0] == "0018_lean_rows"
    assert [_sources(db, f"q{n}")[1] for n in range(4)] == [
        sources[0], sources[1], sources[0], None]
    assert db.execute("SELECT count(*) FROM field_source_sets").fetchone()[0] == 2
    assert db.execute(read).fetchall() == [
        ("https://s/0", None, None, None),
        ("https://s/1", "https://s/one", "2026-11-20", 1),
        ("https://s/2", None, None, None),
    ]
    # Nothing lost: the upgraded rows, read as every reader reads them, are the old ones.
    upgraded = db.execute("SELECT url, final_url, fetched_at, run_id, captured_at, "
                          "captured_run_id FROM pages ORDER BY url").fetchall()
    assert effective(upgraded) == effective(pages)
    with db.atomic():
        db.execute("UPDATE pages SET parse_error = 'no title' WHERE url LIKE 'https://s/%'")
    assert db.execute("SELECT url, final_url FROM parse_failures ORDER BY url").fetchall() == [
        ("https://s/0", "https://s/0"), ("https://s/1", "https://s/one"),
        ("https://s/2", "https://s/2")]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
