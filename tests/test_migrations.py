"""Migrations as the runner applies them to an older archive: what each backfills.

Real SQLite files: an archive built at an older schema version (the v1 fixture,
or the runner stopped at a target), given rows, then upgraded by the real
``apply_migrations``.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils
from tests_support import FIXTURES, REFERENCE_URL

from archive import (
    FetchedPage,
    apply_migrations,
    migrations,
    open_archive,
    schema_version,
)
from parsers import AnswerPage, parse_page

pytestmark = pytest.mark.filterwarnings("error")

REFERENCE_ID = "2kxyq3m7vd"
VIEW_GROWTH = 6  # 0006_view_growth.sql: questions.first_view_count and its backfill


def _version_1_archive(path: Path) -> sqlite_utils.Database:
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / "archive-v1.sql").read_text(encoding="utf-8"))
    conn.close()
    db = open_archive(path, migrate=False)
    assert schema_version(db) == 1
    return db


def _page(id_: str, view_count: int | None) -> AnswerPage:
    return AnswerPage(url=f"https://wenku.csdn.net/answer/{id_}", id=id_, title=f"问题 {id_}",
                      asked_at="2023-07-01T09:00:00+08:00", view_count=view_count,
                      answer_text="答案", answer_markdown="答案", profile="csdn-answer",
                      parser_version=1, site="wenku.csdn.net")


def _fetch(db: sqlite_utils.Database, page: AnswerPage, fetched_at: str, run_id: int) -> None:
    fetch = FetchedPage(url=page.url, status=200, fetched_at=fetched_at, body=b"<html></html>")
    db.record_fetched_page(fetch, page=page, parser_version=1, run_id=run_id)


def _fetch_at_version_5(db: sqlite_utils.Database, question_id: str, view_count: int | None,
                       fetched_at: str, run_id: int) -> None:
    """What the writer of version 5 stored for a fetched page: its question's row and
    its view-count observation (today's writer needs today's schema)."""
    db.execute("INSERT INTO questions (id, url, title, view_count, is_fetched) "
               "VALUES (?, ?, ?, ?, 1) ON CONFLICT (id) DO UPDATE SET view_count = "
               "excluded.view_count", [question_id, f"https://wenku.csdn.net/answer/"
                                       f"{question_id}", f"问题 {question_id}", view_count])
    if view_count is not None:
        db.execute("INSERT INTO view_counts (question_id, observed_at, view_count, run_id) "
                   "VALUES (?, ?, ?, ?) ON CONFLICT (question_id, run_id) DO UPDATE SET "
                   "observed_at = excluded.observed_at, view_count = excluded.view_count",
                   [question_id, fetched_at, view_count, run_id])


def _observe(db: sqlite_utils.Database, question_id: str, observed_at: str, views: int,
             run_id: int) -> None:
    db.execute("INSERT INTO view_counts (question_id, observed_at, view_count, run_id) "
               "VALUES (?, ?, ?, ?)", [question_id, observed_at, views, run_id])


def test_migration_0006_backfills_first_view_count_with_the_first_observation(
    tmp_path: Path, reference_html: bytes
) -> None:
    """An archive at version 5 with view-count history: after the upgrade every question's
    first_view_count is its earliest observation (by observed_at, then id), not its current
    count, not the last row written, and NULL for a question never observed."""
    db = _version_1_archive(tmp_path / "archive.db")
    assert apply_migrations(db, target=VIEW_GROWTH - 1)[-1].startswith("0005")
    assert schema_version(db) == VIEW_GROWTH - 1
    assert "first_view_count" not in db["questions"].columns_dict
    # 0004 made the v1 page's count (76, fetched by run 1) its first observation.
    assert db.execute("SELECT question_id, observed_at, view_count, run_id FROM view_counts"
                      ).fetchall() == [(REFERENCE_ID, "2026-11-01T00:00:01+00:00", 76, 1)]

    reference = parse_page(reference_html, REFERENCE_URL)
    with db.atomic():
        for run_id in (2, 3, 4):
            db.execute("INSERT INTO crawl_runs (id, started_at, status, command) VALUES "
                       "(?, ?, 'finished', 'crawl')", [run_id, f"2026-11-0{run_id}T00:00:00Z"])
    # Later runs saw more views, stored as the writer of version 5 stored them.
    _fetch_at_version_5(db, REFERENCE_ID, 90, "2026-11-08T00:00:00+00:00", 2)
    _fetch_at_version_5(db, "late0first", 1500, "2026-11-15T00:00:00+00:00", 3)
    # Written last, observed first: an older observation imported afterwards.
    _observe(db, "late0first", "2026-11-10T00:00:00+00:00", 1400, 2)
    # Two observations at the same instant: the first row written (lower id) wins.
    _fetch_at_version_5(db, "same0time0", 5, "2026-11-09T00:00:00+00:00", 2)
    _fetch_at_version_5(db, "same0time0", 7, "2026-11-09T00:00:00+00:00", 4)
    # Stored, but its page showed no count: never observed.
    _fetch_at_version_5(db, "n0views000", None, "2026-11-09T00:00:00+00:00", 2)
    assert db.execute("SELECT count(*) FROM view_counts").fetchone()[0] == 6

    applied = apply_migrations(db)
    assert applied[0] == "0006_view_growth"
    assert schema_version(db) == migrations()[-1][0]
    first = dict(db.execute("SELECT id, first_view_count FROM questions").fetchall())
    assert first == {
        REFERENCE_ID: 76,
        "late0first": 1400,
        "same0time0": 5,
        "n0views000": None,
        # Stubs, seen only as related questions: no observation.
        "8d3jq0w5pe": None,
        "5tn1yh6c2a": None,
    }
    # The current count is untouched: growth is measured from the first one.
    growth = dict(db.execute(
        "SELECT id, view_count - first_view_count FROM questions "
        "WHERE first_view_count IS NOT NULL").fetchall())
    assert growth == {REFERENCE_ID: 14, "late0first": 100, "same0time0": 2}

    # From then on the trigger keeps it: a new observation does not move it,
    # a question's first one sets it.
    with db.atomic():
        db.execute("INSERT INTO crawl_runs (id, started_at, status, command) VALUES "
                   "(5, '2026-11-20T00:00:00Z', 'finished', 'crawl')")
    _fetch(db, dataclasses.replace(reference, view_count=120), "2026-11-20T00:00:00+00:00", 5)
    _fetch(db, _page("n0views000", 3), "2026-11-20T00:00:00+00:00", 5)
    assert db["questions"].get(("wenku.csdn.net", REFERENCE_ID))["first_view_count"] == 76
    assert db["questions"].get(("wenku.csdn.net", "n0views000"))["first_view_count"] == 3
    db.close()


SITES_AND_ANSWERS = 11  # 0011_sites_and_answers.py: questions keyed by (site, id), answers


def test_migration_0011_keys_a_0_1_0_archive_by_site_and_gives_each_answer_a_row(
    tmp_path: Path,
) -> None:
    """The archive 0.1.0 made (version 1), upgraded: every row kept, every question of
    CSDN, each fetched question's answer an ``answers`` row with its history, the search
    index still pointing at the same rows, and today's SQL by id still working."""
    db = _version_1_archive(tmp_path / "archive.db")
    apply_migrations(db, target=SITES_AND_ANSWERS - 1)
    old_columns = {table: list(db[table].columns_dict)
                   for table in ("questions", "related_questions", "question_resources",
                                 "pages", "view_counts", "answer_versions")}
    before = {table: db.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
              for table in old_columns}
    fts_before = db.execute("SELECT rowid, title, answer FROM questions_fts ORDER BY rowid"
                            ).fetchall()
    assert apply_migrations(db, target=SITES_AND_ANSWERS) == ["0011_sites_and_answers"]

    for table, rows in before.items():
        # Every old column of every row, the same: only columns were added.
        after = db.execute(f"SELECT {', '.join(old_columns[table])} FROM {table} "
                           "ORDER BY rowid").fetchall()
        assert after == rows, table
    assert {site for (site,) in db.execute("SELECT site FROM questions")} == {"wenku.csdn.net"}
    assert db.execute("SELECT DISTINCT kind FROM related_questions").fetchall() == [("related",)]
    assert db.execute("SELECT count(*) FROM pages WHERE question_id IS NOT NULL "
                      "AND site IS NOT 'wenku.csdn.net'").fetchone()[0] == 0
    # The one fetched question's answer, as its row; stubs have none.
    assert db.execute(
        "SELECT a.site, a.question_id, a.id, a.position, a.text = q.answer_text, "
        "a.markdown = q.answer_markdown FROM answers a JOIN questions q "
        "ON q.site = a.site AND q.id = a.question_id").fetchall() == [
        ("wenku.csdn.net", REFERENCE_ID, REFERENCE_ID, 1, 1, 1)]
    assert db.execute("SELECT question_id, answer_id, version FROM answer_versions"
                      ).fetchall() == [(REFERENCE_ID, REFERENCE_ID, 1)]
    # Same rowids: the search index finds the same questions without a rebuild.
    assert db.execute("SELECT rowid, title, answer FROM questions_fts ORDER BY rowid"
                      ).fetchall() == fts_before
    assert db.execute("SELECT title FROM questions WHERE id = ?", [REFERENCE_ID]
                      ).fetchone()[0] == "模型训练和模型预训练的区别"
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not [name for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE name LIKE 'old_%'")]
    # The writer goes on where 0.1.0 stopped (once the later migrations ran, as
    # open_archive runs them): the same question again is that question.
    apply_migrations(db)
    with db.atomic():
        db.execute("INSERT INTO crawl_runs (id, started_at, status, command) VALUES "
                   "(9, '2026-11-20T00:00:00Z', 'finished', 'crawl')")
    _fetch(db, _page(REFERENCE_ID, 99), "2026-11-20T00:00:00+00:00", 9)
    assert db.execute("SELECT count(*), max(view_count) FROM questions WHERE id = ?",
                      [REFERENCE_ID]).fetchone() == (1, 99)
    assert db.execute("SELECT count(*) FROM answers").fetchone()[0] == 1
    db.close()


TEXT_ONCE = 14  # 0014_text_once.py: every text stored once, contentless search


def test_migration_0014_keeps_every_text_of_a_0_1_0_archive_readable_once(
        tmp_path: Path) -> None:
    db = _version_1_archive(tmp_path / "old.db")
    texts = {row[0]: row[1:] for row in db.execute(
        "SELECT id, answer_text, answer_markdown FROM questions WHERE is_fetched = 1")}
    assert texts
    # What a search found in 0.1.0 (its index as 0.1.0 wrote it, searched by rowid).
    apply_migrations(db, target=TEXT_ONCE - 1)
    words = ["模型", "预训练", "数据集", "区别", "python"]
    from archive.search import fts_query
    found_before = {word: {row[0] for row in db.execute(
        "SELECT q.id FROM questions_fts f JOIN questions q ON q.rowid = f.rowid "
        "WHERE questions_fts MATCH ?", [fts_query(word)])} for word in words}
    apply_migrations(db)
    assert schema_version(db) == migrations()[-1][0]
    # Public SQL through the view reads every text as the questions table held it.
    assert {row[0]: row[1:] for row in db.execute(
        "SELECT id, answer_text, answer_markdown FROM questions_with_answer "
        "WHERE is_fetched = 1")} == texts
    assert not {"answer_text", "answer_markdown"} & set(db["questions"].columns_dict)
    # The current version keeps no copy; answer_history gives it back.
    assert db.execute("SELECT count(*) FROM answer_versions WHERE answer_text IS NOT NULL "
                      "OR answer_markdown IS NOT NULL").fetchone()[0] == 0
    assert {row[0]: row[1:] for row in db.execute(
        "SELECT question_id, answer_text, answer_markdown FROM answer_history")} == texts
    # The index is contentless and finds what it found.
    for table in ("questions_fts", "resources_fts"):
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [table]).fetchone()[0]
        assert "content = ''" in sql, sql
    assert {word: {row[0] for row in db.execute(
        "SELECT q.id FROM questions_fts f JOIN questions q ON q.rowid = f.rowid "
        "WHERE questions_fts MATCH ?", [fts_query(word)])} for word in words} == found_before
    assert any(found_before.values())
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


def test_migration_0014_keeps_an_answer_text_no_answer_row_holds(tmp_path: Path) -> None:
    """A question's answer_text that its answers row does not hold (no archive qarchive
    wrote has one) becomes a superseded version rather than going with the column."""
    db = _version_1_archive(tmp_path / "old.db")
    apply_migrations(db, target=TEXT_ONCE - 1)
    db.execute("UPDATE questions SET answer_text = 'only here', answer_markdown = 'only *here*' "
               "WHERE id = ?", [REFERENCE_ID])
    apply_migrations(db)
    kept = db.execute("SELECT answer_id, version, answer_text, answer_markdown, superseded_at "
                      "FROM answer_history WHERE question_id = ? AND answer_text = 'only here'",
                      [REFERENCE_ID]).fetchall()
    assert [(row[0], row[1], row[3]) for row in kept] == [(REFERENCE_ID, 2, "only *here*")]
    assert kept[0][4] is not None
    db.close()


COMPACT_LINKS = 15  # 0015_compact_links.sql: recommendation links keyed by rowids


def test_migration_0015_keeps_every_link_of_a_0_1_0_archive(tmp_path: Path) -> None:
    """The links move to question_resource_links (rowids); the view question_resources
    gives back every row with the old columns, recommended_by is unchanged, a link
    whose resource row is missing gets one (nothing lost), and the writer goes on."""
    db = _version_1_archive(tmp_path / "old.db")
    apply_migrations(db, target=COMPACT_LINKS - 1)
    db.execute("PRAGMA foreign_keys = OFF")  # an orphan link, which foreign keys forbid
    db.execute("INSERT INTO question_resources (site, question_id, resource_url, section, "
               "position) VALUES ('wenku.csdn.net', ?, 'https://example.com/orphan', "
               "'latest', 9)", [REFERENCE_ID])
    db.execute("PRAGMA foreign_keys = ON")
    links = sorted(db.execute("SELECT site, question_id, resource_url, section, position "
                              "FROM question_resources").fetchall())
    counts = dict(db.execute("SELECT url, recommended_by FROM resources").fetchall())
    assert len(links) == 11
    assert apply_migrations(db, target=COMPACT_LINKS) == ["0015_compact_links"]
    assert sorted(db.execute("SELECT * FROM question_resources").fetchall()) == links
    assert dict(db.execute("SELECT url, recommended_by FROM resources").fetchall()) == {
        **counts, "https://example.com/orphan": 1}
    assert "question_resources" in db.view_names()
    assert "WHERE recommended_by > 1" in db.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'idx_resources_recommended_by'"
    ).fetchone()[0]
    assert db.execute("SELECT count(*) FROM sqlite_master WHERE sql LIKE "
                      "'%question_resources %' AND type IN ('index', 'trigger')"
                      ).fetchone()[0] == 0
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # The writer replaces the question's links: the triggers keep the counts.
    with db.atomic():
        db.execute("INSERT INTO crawl_runs (id, started_at, status, command) VALUES "
                   "(9, '2026-11-20T00:00:00Z', 'finished', 'crawl')")
    _fetch(db, _page(REFERENCE_ID, 99), "2026-11-20T00:00:00+00:00", 9)
    assert db.execute("SELECT count(*) FROM question_resources").fetchone()[0] == 0
    assert db.execute("SELECT max(recommended_by) FROM resources").fetchone()[0] == 0
    db.close()
