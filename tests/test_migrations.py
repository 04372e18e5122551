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
from tests_support import FIXTURES, REFERENCE_URL, fts_indexed

from archive import (
    FetchedPage,
    apply_migrations,
    migrations,
    open_archive,
    schema_version,
)
from parsers import Answer, AnswerPage, RecommendedResource, parse_page

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
    apply_migrations(db, target=TEXT_ONCE)
    assert schema_version(db) == TEXT_ONCE
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
    apply_migrations(db, target=TEXT_ONCE)
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
    # The writer (of the newest schema) replaces the question's links and keeps the
    # counts.
    apply_migrations(db)
    with db.atomic():
        db.execute("INSERT INTO crawl_runs (id, started_at, status, command) VALUES "
                   "(9, '2026-11-20T00:00:00Z', 'finished', 'crawl')")
    _fetch(db, _page(REFERENCE_ID, 99), "2026-11-20T00:00:00+00:00", 9)
    assert db.execute("SELECT count(*) FROM question_resources").fetchone()[0] == 0
    assert db.execute("SELECT max(recommended_by) FROM resources").fetchone()[0] == 0
    db.close()


MARKDOWN_ONCE = 16  # 0016_markdown_once.py: answers and question bodies stored as Markdown


def _index_entries(db: sqlite_utils.Database) -> list[tuple]:
    """The (term, rowid, column, offset) entries questions_fts holds (fts5vocab reads
    the index itself: a contentless table has nothing else to read)."""
    db.execute("CREATE VIRTUAL TABLE temp.entries USING fts5vocab(main, questions_fts, "
               "'instance')")
    try:
        return db.execute("SELECT term, doc, col, offset FROM temp.entries "
                          "ORDER BY doc, col, offset, term").fetchall()
    finally:
        db.execute("DROP TABLE temp.entries")


def _stack_overflow_at_version_15(db: sqlite_utils.Database) -> None:
    """A Q&A site's question as the writer of version 15 stored it: body and answers as
    text and Markdown, an edited answer's old version, and its search entry (the text)."""
    from archive.search import segment

    site, qid = "stackoverflow.com", "3402735"
    db.execute("INSERT INTO questions (site, id, url, title, is_fetched, question_text, "
               "question_markdown) VALUES (?, ?, ?, 'Read a file', 1, ?, ?)",
               [site, qid, f"https://{site}/questions/{qid}", "Whole file as one String.",
                "Whole file as one `String`."])
    answers = [("901", 1, "Use Files.readString, see the docs.",
                "Use `Files.readString`, see [the docs](https://docs.example/zebrafish)."),
               ("902", 2, "A Scanner reads it.", "A *Scanner* reads it."),
               # A text with no Markdown (no writer of qarchive stored one): kept as it.
               ("903", 3, "Only plain text here.", None)]
    db.conn.executemany(
        "INSERT INTO answers (site, question_id, id, position, text, markdown) "
        "VALUES (?, ?, ?, ?, ?, ?)", [(site, qid, *answer) for answer in answers])
    db.conn.executemany(
        "INSERT INTO answer_versions (site, question_id, answer_id, version, content_hash, "
        "title, answer_text, answer_markdown, first_seen_at, superseded_at) "
        "VALUES (?, ?, '901', ?, 'h', 'Read a file', ?, ?, ?, ?)",
        [(site, qid, 1, "Old text.", "Old **text**.", "2026-11-01", "2026-11-02"),
         (site, qid, 2, None, None, "2026-11-02", None)])
    rowid = db.execute("SELECT rowid FROM questions WHERE site = ? AND id = ?",
                       [site, qid]).fetchone()[0]
    indexed = "\n\n".join(["Whole file as one String.", *(text for _, _, text, _ in answers)])
    db.execute("INSERT INTO questions_fts (rowid, title, answer) VALUES (?, ?, ?)",
               [rowid, segment("Read a file"), segment(indexed)])
    # A body with no Markdown (none a qarchive parser wrote) and no answer.
    rowid = _inserted_rowid_of(db.execute(
        "INSERT INTO questions (site, id, url, title, is_fetched, question_text) "
        "VALUES (?, '11', ?, 'Unanswered', 1, 'Nobody answered this wombat.')",
        [site, f"https://{site}/questions/11"]))
    db.execute("INSERT INTO questions_fts (rowid, title, answer) VALUES (?, ?, ?)",
               [rowid, segment("Unanswered"), segment("Nobody answered this wombat.")])


def _inserted_rowid_of(cursor: sqlite3.Cursor) -> int:
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def test_migration_0016_keeps_the_markdown_and_indexes_it(tmp_path: Path) -> None:
    """Schema 15 -> 16: the plain text goes (answers, question bodies, versions), the
    Markdown stays as it was (a text with no Markdown becomes its Markdown), the views
    give Markdown, search finds the same questions, and its index is the Markdown's:
    equal to one rebuilt from the rows, and kept so by the writer afterwards."""
    from archive.search import fts_query, rebuild_search_index, search_questions

    db = _version_1_archive(tmp_path / "old.db")
    apply_migrations(db, target=MARKDOWN_ONCE - 1)
    _stack_overflow_at_version_15(db)
    markdown_before = {
        "answers": db.execute("SELECT site, question_id, id, markdown FROM answers "
                              "ORDER BY 1, 2, 3").fetchall(),
        "questions": db.execute("SELECT site, id, question_markdown FROM questions "
                                "ORDER BY 1, 2").fetchall(),
        "answer_history": db.execute("SELECT id, answer_markdown FROM answer_history "
                                     "ORDER BY id").fetchall()}
    words = ["模型", "预训练", "数据集", "imdb", "String", "Scanner", "plain", "readString",
             "wombat"]

    def found() -> dict[str, set[str]]:
        return {word: {row[0] for row in db.execute(
            "SELECT q.id FROM questions_fts f JOIN questions q ON q.rowid = f.rowid "
            "WHERE questions_fts MATCH ?", [fts_query(word)])} for word in words}

    found_before = found()
    assert all(found_before.values()), found_before

    assert apply_migrations(db, target=MARKDOWN_ONCE) == ["0016_markdown_once"]
    assert "text" not in db["answers"].columns_dict
    assert "question_text" not in db["questions"].columns_dict
    assert "answer_text" not in db["answer_versions"].columns_dict
    assert "answer_text" not in db["questions_with_answer"].columns_dict
    assert "answer_text" not in db["answer_history"].columns_dict
    # Every Markdown as it was; the answer that had only a text has it as its Markdown.
    plain_only = ("stackoverflow.com", "3402735", "903")
    assert db.execute("SELECT site, question_id, id, markdown FROM answers ORDER BY 1, 2, 3"
                      ).fetchall() == [(*key, "Only plain text here.") if tuple(key) == plain_only
                                       else (*key, markdown) for *key, markdown
                                       in markdown_before["answers"]]
    assert db.execute("SELECT site, id, question_markdown FROM questions ORDER BY 1, 2"
                      ).fetchall() == [(site, qid, "Nobody answered this wombat.") if qid == "11"
                                       else (site, qid, markdown) for site, qid, markdown
                                       in markdown_before["questions"]]
    assert db.execute("SELECT id, answer_markdown FROM answer_history ORDER BY id"
                      ).fetchall() == markdown_before["answer_history"]
    assert db.execute("SELECT answer_markdown FROM questions_with_answer "
                      "WHERE id = '3402735'").fetchone()[0] == markdown_before["answers"][0][3]
    # Search finds what it found: a link is its text (a phrase across its brackets), its
    # target is not words (markdown_words).
    assert found() == found_before
    assert {hit.id for hit in search_questions(db, '"see the docs"').hits} == {"3402735"}
    assert search_questions(db, "zebrafish").hits == []
    live = _index_entries(db)
    with db.atomic():
        rebuild_search_index(db)
    assert _index_entries(db) == live
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # The writer deletes the migrated entry with the values 0016 indexed: an edited
    # answer's old words are gone, its new ones found, the index still a rebuild's.
    apply_migrations(db)  # today's writer writes today's schema (0016's entries stay)
    with db.atomic():
        db.execute("INSERT INTO crawl_runs (id, started_at, status, command) VALUES "
                   "(9, '2026-11-20T00:00:00Z', 'finished', 'crawl')")
    page = AnswerPage(
        site="stackoverflow.com", url="https://stackoverflow.com/questions/3402735",
        id="3402735", title="Read a file", asked_at=None, view_count=None, answer_text="",
        answer_markdown="", question_text="Whole file as one String.",
        question_markdown="Whole file as one `String`.", answers=[
            Answer(position=1, id="901", text="Use Files.lines instead.",
                   markdown="Use `Files.lines` instead.")],
        answer_count=1, profile="stackexchange", parser_version=1)
    with db.atomic():
        db.store_answer_page(page, observed_at="2026-11-20T00:00:00+00:00", run_id=9)
    assert {hit.id for hit in search_questions(db, "lines").hits} == {"3402735"}
    assert search_questions(db, "zebrafish").hits == []
    assert search_questions(db, "Scanner").hits == []
    live = _index_entries(db)
    with db.atomic():
        rebuild_search_index(db)
    assert _index_entries(db) == live
RESOURCE_TITLES = 17  # 0017_resource_title_index.py: resources searched by title only


def test_migration_0017_indexes_resources_by_title_only(tmp_path: Path) -> None:
    """An older archive (0.1.0's, upgraded to the version before 17) upgraded: the resource
    index holds each title alone, as a rebuild from the rows would, and finds by title
    what the old index found by title; a word only a description holds finds nothing."""
    from archive.search import fts_query, rebuild_search_index

    db = _version_1_archive(tmp_path / "old.db")
    apply_migrations(db, target=RESOURCE_TITLES - 1)
    assert schema_version(db) < RESOURCE_TITLES
    assert [column for _, column, *_ in db.execute("PRAGMA table_info(resources_fts)")] == [
        "title", "description"]
    title_words = ["预训练模型", "bert", "pytorch", "zigbee", "遗传算法", "openstack", "模"]
    description_words = ["小编", "keystone", "格勒诺布尔", "embdding"]

    def found(words: list[str], column_filter: str = "") -> dict[str, set[str]]:
        return {word: {url for (url,) in db.execute(
            "SELECT r.url FROM resources_fts f JOIN resources r ON r.rowid = f.rowid "
            "WHERE resources_fts MATCH ?", [column_filter + fts_query(word)])}
            for word in words}

    by_title = found(title_words, "title : ")
    assert all(by_title.values()), by_title
    assert all(found(description_words).values())  # the old index: by its descriptions
    assert not any(found(description_words, "title : ").values())  # not by their titles

    assert apply_migrations(db, target=RESOURCE_TITLES) == ["0017_resource_title_index"]
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'resources_fts'").fetchone()[0]
    assert "content = ''" in sql, sql
    assert [column for _, column, *_ in db.execute("PRAGMA table_info(resources_fts)")] == [
        "title"]
    assert found(title_words) == by_title
    assert not any(found(description_words).values())
    migrated = fts_indexed(db, "resources_fts")
    assert len(migrated) == db.execute("SELECT count(*) FROM resources").fetchone()[0] == 10
    apply_migrations(db)
    with db.atomic():
        rebuild_search_index(db)
    assert fts_indexed(db, "resources_fts") == migrated
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


COUNTED_BY_WRITER = 19  # 0019_counted_by_writer.sql: recommended_by kept by the writer


def _distinct_recommenders(db: sqlite_utils.Database) -> dict[str, int]:
    """resources.recommended_by as it must be: each resource's distinct questions."""
    return dict(db.execute(
        "SELECT r.url, count(DISTINCT l.question_rowid) FROM resources r "
        "LEFT JOIN question_resource_links l ON l.resource_rowid = r.rowid GROUP BY r.url"
    ).fetchall())


def _recommended_by(db: sqlite_utils.Database) -> dict[str, int]:
    return dict(db.execute("SELECT url, recommended_by FROM resources").fetchall())


def test_migration_0019_moves_recommended_by_from_triggers_to_the_writer(
    tmp_path: Path,
) -> None:
    """Before 19 the triggers count, and today's writer on such an archive (a writer
    process opens without migrating) does not count again; 19 drops the triggers and
    mends a count that drifted; then the writer counts, through list changes."""
    db = _version_1_archive(tmp_path / "old.db")
    apply_migrations(db, target=COUNTED_BY_WRITER - 1)
    stored = db.execute("SELECT url, title FROM resources ORDER BY url LIMIT 2").fetchall()

    def listing(*urls: str) -> list[RecommendedResource]:
        return [RecommendedResource(section="related", position=position, url=url,
                                    title=f"资源 {url}", description="", file_type="pdf",
                                    kind="doc") for position, url in enumerate(urls, 1)]

    with db.atomic():
        db.execute("INSERT INTO crawl_runs (id, started_at, status, command) VALUES "
                   "(9, '2026-11-20T00:00:00Z', 'finished', 'crawl')")
    other = dataclasses.replace(_page("8d3jq0w5pe", 5), recommended_resources=listing(
        stored[0][0], stored[1][0], "https://example.com/new"))
    _fetch(db, other, "2026-11-20T00:00:00+00:00", 9)
    counts = _recommended_by(db)
    assert counts == _distinct_recommenders(db)  # once, by the triggers alone
    assert (counts[stored[0][0]], counts["https://example.com/new"]) == (2, 1)

    db.execute("UPDATE resources SET recommended_by = 7 WHERE url = ?", [stored[1][0]])
    assert apply_migrations(db, target=COUNTED_BY_WRITER) == ["0019_counted_by_writer"]
    assert db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND "
                      "tbl_name = 'question_resource_links'").fetchone()[0] == 0
    assert _recommended_by(db) == counts  # the drifted count made again

    # The writer's counting: one dropped, one added, one new; then the question's list
    # lists one twice (counted once) and finally nothing.
    for urls in [(stored[0][0], "https://example.com/new", "https://example.com/newer"),
                 (stored[1][0], stored[1][0], "https://example.com/newer"),
                 ()]:
        _fetch(db, dataclasses.replace(other, recommended_resources=listing(*urls)),
               "2026-11-20T00:00:00+00:00", 9)
        assert _recommended_by(db) == _distinct_recommenders(db), urls
    assert _recommended_by(db)["https://example.com/newer"] == 0
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


PARTIAL_QUESTION_INDEXES = 20  # 0020_partial_question_indexes.sql


def test_migration_0020_keeps_in_its_partial_indexes_the_rows_their_queries_read(
    tmp_path: Path,
) -> None:
    """A question gone, one closed as a duplicate and one with a first observation are in
    the three indexes; the reference question (present, open) is in none of the first
    two, and a stub is in none."""
    db = _version_1_archive(tmp_path / "old.db")
    apply_migrations(db, target=PARTIAL_QUESTION_INDEXES - 1)
    with db.atomic():
        db.execute("INSERT INTO questions (site, id, url, title) VALUES "
                   "('wenku.csdn.net', 'gone1', 'u1', 'gone'), "
                   "('wenku.csdn.net', 'dup1', 'u2', 'dup'), "
                   "('wenku.csdn.net', 'stub1', 'u3', 'stub')")
        db.execute("UPDATE questions SET gone_at = '2026-11-20T00:00:00+00:00' "
                   "WHERE id = 'gone1'")
        db.execute("UPDATE questions SET status = 'duplicate' WHERE id = 'dup1'")
    assert apply_migrations(db, target=PARTIAL_QUESTION_INDEXES) == [
        "0020_partial_question_indexes"]

    def indexed(index: str, column: str) -> set[str]:
        return {id_ for (id_,) in db.execute(
            f"SELECT id FROM questions INDEXED BY {index} WHERE {column}")}

    assert indexed("idx_questions_gone_at", "gone_at IS NOT NULL") == {"gone1"}
    assert indexed("idx_questions_status", "status = 'duplicate'") == {"dup1"}
    observed = {id_ for (id_,) in db.execute(
        "SELECT id FROM questions WHERE first_view_count IS NOT NULL")}
    assert observed and "stub1" not in observed
    assert indexed("idx_questions_view_growth", "first_view_count IS NOT NULL") == observed
    for name in ("idx_questions_gone_at", "idx_questions_status",
                 "idx_questions_view_growth"):
        assert " WHERE " in db.execute("SELECT sql FROM sqlite_master WHERE name = ?",
                                       [name]).fetchone()[0]
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
