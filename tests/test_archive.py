"""archive.db: schema, idempotent and lossless storing, migrations — on real SQLite files."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils
from tests_support import FIXTURES, REFERENCE_URL, snapshot

from archive import (
    APPLICATION_ID,
    ArchiveError,
    FetchedPage,
    apply_migrations,
    migrations,
    open_archive,
    schema_version,
)
from archive.search import fts_query
from parsers import AnswerPage, RecommendedResource, RelatedQuestion, parse_page

pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    database = open_archive(tmp_path / "archive.db")
    yield database
    database.close()


def _foreign_keys(
        db: sqlite_utils.Database) -> set[tuple[str, tuple[str, ...], str, tuple[str, ...]]]:
    """Every foreign key as (table, its columns, other table, their columns): composite ones
    too, which sqlite-utils' ``Table.foreign_keys`` reports without columns."""
    found = set()
    for table in db.table_names():
        keys: dict[int, list[tuple[str, str, str]]] = {}
        for key_id, _, other, column, other_column, *_ in db.execute(
                f"PRAGMA foreign_key_list([{table}])"):
            keys.setdefault(key_id, []).append((other, column, other_column))
        for parts in keys.values():
            found.add((table, tuple(part[1] for part in parts), parts[0][0],
                       tuple(part[2] for part in parts)))
    return found


@pytest.fixture
def reference_page(reference_html: bytes) -> AnswerPage:
    return parse_page(reference_html, REFERENCE_URL)


def test_new_archive_has_the_public_tables_and_foreign_keys(db: sqlite_utils.Database) -> None:
    tables = set(db.table_names())
    assert {"questions", "related_questions", "resources", "question_resource_links", "pages",
            "crawl_runs"} <= tables
    # question_resources is a view of question_resource_links (0015), with the old columns.
    assert {"parse_failures", "question_resources"} <= set(db.view_names())
    assert list(db["question_resources"].columns_dict) == [
        "site", "question_id", "resource_url", "section", "position"]
    assert schema_version(db) == migrations()[-1][0]
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # 8 KB pages: 4 KB ones held one 2-3 KB answer row each (archive.PAGE_SIZE).
    assert db.execute("PRAGMA page_size").fetchone()[0] == 8192
    foreign_keys = _foreign_keys(db)
    assert {
        ("related_questions", ("site", "from_id"), "questions", ("site", "id")),
        ("related_questions", ("site", "to_id"), "questions", ("site", "id")),
        ("pages", ("site", "question_id"), "questions", ("site", "id")),
        ("pages", ("run_id",), "crawl_runs", ("id",)),
        ("answers", ("site", "question_id"), "questions", ("site", "id")),
        ("question_tags", ("site", "question_id"), "questions", ("site", "id")),
        ("question_tags", ("site", "tag"), "tags", ("site", "name")),
        ("answer_versions", ("site", "question_id"), "questions", ("site", "id")),
        ("view_counts", ("site", "question_id"), "questions", ("site", "id")),
    } <= foreign_keys
    # Every foreign key's columns lead some index, so joins never scan; but those no
    # shipped query joins on, whose parent rows qarchive never deletes or rekeys (a run,
    # a question): their indexes went in 0014 (schema/README.md, "Indexes").
    unjoined = {("frontier", ("last_run",)), ("frontier", ("first_seen_run",)),
                ("view_counts", ("run_id",)), ("answer_versions", ("run_id",)),
                ("pages", ("site", "question_id"))}
    for table_name, columns, _, _ in foreign_keys:
        if (table_name, columns) in unjoined:
            continue
        table = db[table_name]
        leading = {tuple(index.columns[:len(columns)]) for index in table.indexes}
        leading.add(tuple(table.pks[:len(columns)]))
        assert columns in leading, (table_name, columns)
    assert db["questions"].pks == ["site", "id"]
    question_indexes = {tuple(index.columns) for index in db["questions"].indexes}
    assert ("view_count",) in question_indexes
    assert "CREATE TABLE questions" in db.schema


def test_storing_the_reference_page_writes_normalised_rows(
    db: sqlite_utils.Database, reference_page: AnswerPage, expected_record: dict
) -> None:
    with db.atomic():
        assert db.store_answer_page(reference_page) == "new"
    question = next(db.query("SELECT * FROM questions_with_answer WHERE site = ? AND id = ?",
                             ["wenku.csdn.net", "2kxyq3m7vd"]))
    for name in ("url", "title", "asked_at", "view_count"):
        assert question[name] == expected_record[name]
    # The answer is stored as its Markdown alone (schema 16).
    assert question["answer_markdown"] == reference_page.answer_markdown
    assert "answer_text" not in question and "question_text" not in question
    assert question["is_fetched"] == 1
    related = list(db.query(
        "SELECT to_id, position, title, answer_text FROM related_questions "
        "WHERE from_id = ? ORDER BY position", ["2kxyq3m7vd"]))
    assert [(r["to_id"], r["position"], r["title"], r["answer_text"]) for r in related] == [
        (r["id"], r["position"], r["title"], r["answer_text"])
        for r in expected_record["related_questions"]
    ]
    # Related questions exist as stubs until their own pages are stored.
    stub = db["questions"].get(("wenku.csdn.net", "8d3jq0w5pe"))
    assert stub["is_fetched"] == 0 and stub["title"] == "大模型和预训练语言模型区别"
    links = list(db.query(
        "SELECT r.url, r.kind, r.file_type, r.title, r.description, qr.section, qr.position "
        "FROM question_resources qr JOIN resources r ON r.url = qr.resource_url "
        "WHERE qr.question_id = ? ORDER BY qr.section DESC, qr.position", ["2kxyq3m7vd"]))
    assert [
        {k: link[k] for k in ("section", "position", "url", "title", "description", "file_type",
                              "kind")} for link in links
    ] == expected_record["recommended_resources"]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_storing_the_same_page_twice_changes_nothing(
    db: sqlite_utils.Database, reference_page: AnswerPage
) -> None:
    with db.atomic():
        db.store_answer_page(reference_page)
    before = snapshot(db)
    changes_before = db.conn.total_changes
    with db.atomic():
        assert db.store_answer_page(reference_page) == "unchanged"
    assert db.conn.total_changes == changes_before  # not one row written
    assert snapshot(db) == before


def test_a_newer_version_replaces_the_lists_in_one_transaction(
    db: sqlite_utils.Database, reference_page: AnswerPage
) -> None:
    with db.atomic():
        db.store_answer_page(reference_page)
    newer = dataclasses.replace(
        reference_page,
        view_count=90,
        related_questions=[RelatedQuestion(1, "5tn1yh6c2a", "https://wenku.csdn.net/answer/5tn1yh6c2a",
                                           "模型和预训练模型的区别", "新的摘要")],
        recommended_resources=[RecommendedResource("latest", 1, "https://wenku.csdn.net/doc/new",
                                                   "新资源", "描述", "pdf", "doc")],
    )
    with db.atomic():
        assert db.store_answer_page(newer) == "updated"
    assert db["questions"].get(("wenku.csdn.net", "2kxyq3m7vd"))["view_count"] == 90
    assert [r["to_id"] for r in db["related_questions"].rows] == ["5tn1yh6c2a"]
    assert [r["resource_url"] for r in db["question_resources"].rows] == [
        "https://wenku.csdn.net/doc/new"]
    # Resources once seen stay in the archive: nothing already archived is lost.
    assert db["resources"].count == 11

    # A failure halfway through rolls the whole page back.
    broken = dataclasses.replace(newer, view_count=1, recommended_resources=[
        RecommendedResource("latest", 1, "u1", "t", "d", "pdf", "doc"),
        RecommendedResource("latest", 1, "u2", "t", "d", "pdf", "doc"),  # duplicate position
    ])
    with pytest.raises(sqlite3.IntegrityError), db.atomic():
        db.store_answer_page(broken)
    assert db["questions"].get(("wenku.csdn.net", "2kxyq3m7vd"))["view_count"] == 90
    assert [r["resource_url"] for r in db["question_resources"].rows] == [
        "https://wenku.csdn.net/doc/new"]


def test_a_stub_is_completed_by_its_own_page_and_never_downgraded(
    db: sqlite_utils.Database, reference_page: AnswerPage
) -> None:
    related_page = AnswerPage(
        site="wenku.csdn.net", url="https://wenku.csdn.net/answer/8d3jq0w5pe",
        id="8d3jq0w5pe",
        title="大模型和预训练语言模型区别",
        asked_at="2023-06-01T10:00:00+08:00",
        view_count=5,
        answer_text="答案",
        answer_markdown="答案",
        related_questions=[
            RelatedQuestion(1, "2kxyq3m7vd", REFERENCE_URL, "模型训练和模型预训练的区别", "x")
        ],
    )
    with db.atomic():
        db.store_answer_page(reference_page)
    with db.atomic():
        assert db.store_answer_page(related_page) == "new"
    completed = db["questions"].get(("wenku.csdn.net", "8d3jq0w5pe"))
    assert completed["is_fetched"] == 1 and completed["view_count"] == 5
    # Storing a page that links back does not turn the fetched question into a stub.
    with db.atomic():
        db.store_answer_page(reference_page)
    assert (db.execute("SELECT answer_markdown FROM questions_with_answer WHERE id = ?",
                       ["2kxyq3m7vd"]).fetchone()[0] == reference_page.answer_markdown)
    assert db["questions"].get(("wenku.csdn.net", "8d3jq0w5pe"))["is_fetched"] == 1


def test_record_fetched_page_keeps_the_raw_body_compressed(
    db: sqlite_utils.Database, reference_html: bytes, reference_page: AnswerPage
) -> None:
    fetch = FetchedPage(url=REFERENCE_URL, status=200, fetched_at="2026-11-26T00:00:00+00:00",
                        etag='"v1"', content_type="text/html", body=reference_html)
    assert db.record_fetched_page(fetch, page=reference_page, parser_version=1) == "new"
    row = db["pages"].get(REFERENCE_URL)
    assert row["body_codec"] == "zstd" and row["dictionary_id"] is None  # no dictionary yet
    assert db.bodies.decompress(row["body"], "zstd", None) == reference_html
    assert len(row["body"]) < len(reference_html) / 2
    assert row["body_size"] == len(reference_html)
    assert row["content_hash"] == fetch.content_hash and len(row["content_hash"]) == 64
    assert row["question_id"] == "2kxyq3m7vd" and row["etag"] == '"v1"'
    failed = FetchedPage(url="https://wenku.csdn.net/answer/0000000000", status=200,
                         fetched_at="2026-11-26T00:00:00+00:00", body=b"<html>404</html>")
    assert db.record_fetched_page(failed, parse_error="not an answer page: soft 404") is None
    assert [r["parse_error"] for r in db["parse_failures"].rows] == ["not an answer page: soft 404"]


def test_a_version_1_archive_upgrades_in_place_with_no_data_lost(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / "archive-v1.sql").read_text(encoding="utf-8"))
    conn.close()
    old = sqlite_utils.Database(path)
    assert old.execute("PRAGMA user_version").fetchone()[0] == 1
    before = {name: list(old[name].rows) for name in
              ("questions", "related_questions", "resources", "question_resources", "pages",
               "crawl_runs")}
    old.close()

    db = open_archive(path)
    assert schema_version(db) == migrations()[-1][0]
    for name, rows in before.items():
        # The answer questions held (0014): read through the view, as public SQL does.
        after = list(db["questions_with_answer" if name == "questions" else name].rows)
        assert len(after) == len(rows), name
        if name == "question_resources":  # a view (0015): its rows in its key's order
            def link_key(row: dict) -> tuple:
                return row["question_id"], row["section"], row["position"]
            rows, after = sorted(rows, key=link_key), sorted(after, key=link_key)
        for old_row, new_row in zip(rows, after, strict=True):
            if name == "pages" and old_row["final_url"] is not None:
                # A final_url that was the url is empty, "no redirect" (0018).
                new_row["final_url"] = new_row["final_url"] or new_row["url"]
            # New columns may be added; every old value is still there but the answer's
            # plain text (0016: Markdown is its one stored form; reparse gives the text).
            kept = {key: value for key, value in old_row.items()
                    if (name, key) != ("questions", "answer_text")}
            assert {key: new_row[key] for key in kept} == kept, name
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    # Opening again applies nothing more.
    assert apply_migrations(db) == []
    db.close()


# A migration that fails halfway: its first statements succeed (a new column, a
# new table, a data change), a later one fails. As SQL statements and as a Python
# migrate(db), the two kinds the runner knows.
BROKEN_MIGRATIONS = {
    "sql": (
        "half_done.sql",
        "ALTER TABLE questions ADD COLUMN half_done TEXT;\n"
        "CREATE TABLE half_done_table (x INTEGER);\n"
        "UPDATE questions SET title = 'overwritten by a failed migration';\n"
        "INSERT INTO no_such_table VALUES (1);\n",
    ),
    "py": (
        "half_done.py",
        "def migrate(db):\n"
        "    db.execute('ALTER TABLE questions ADD COLUMN half_done TEXT')\n"
        "    db.execute('CREATE TABLE half_done_table (x INTEGER)')\n"
        "    db.execute(\"UPDATE questions SET title = 'overwritten by a failed migration'\")\n"
        "    db.execute('INSERT INTO no_such_table VALUES (1)')\n",
    ),
}


def _schema_and_rows(db: sqlite_utils.Database) -> tuple[int, list[tuple], dict]:
    master = sorted(tuple(row) for row in db.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master"))
    return schema_version(db), master, snapshot(db)


@pytest.mark.parametrize("kind", sorted(BROKEN_MIGRATIONS))
def test_an_interrupted_migration_leaves_the_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference_page: AnswerPage, kind: str
) -> None:
    """The real runner on a migration that fails halfway: nothing of it stays.

    The shipped migrations are copied with a broken one after them; the
    archive starts two versions back, so the same apply_migrations call first
    commits the good steps, then rolls back the failing one whole.
    """
    shipped = migrations()
    newest = shipped[-1][0]
    schema = tmp_path / "schema"
    (schema / "migrations").mkdir(parents=True)
    for _, _, path in shipped:
        shutil.copy(path, schema / "migrations" / path.name)
    name, text = BROKEN_MIGRATIONS[kind]
    # The version after the newest shipped one.
    (schema / "migrations" / f"{newest + 1:04d}_{name}").write_text(text, encoding="utf-8")

    # An archive two versions back, with data: the version-1 fixture, upgraded so far.
    path = tmp_path / "archive.db"
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / "archive-v1.sql").read_text(encoding="utf-8"))
    conn.close()
    db = open_archive(path, migrate=False)
    apply_migrations(db, target=newest - 2)
    db.close()
    # What a good upgrade to the newest shipped version gives: the expected state.
    shutil.copy(path, tmp_path / "expected.db")
    expected_db = open_archive(tmp_path / "expected.db")
    expected = _schema_and_rows(expected_db)
    expected_db.close()
    assert expected[0] == newest

    monkeypatch.setattr("archive.migrator.schema_dir", lambda: schema)
    assert [version for version, _, _ in migrations()][-1] == newest + 1
    db = open_archive(path, migrate=False)
    with pytest.raises(sqlite3.OperationalError, match="no such table: no_such_table"):
        apply_migrations(db)
    assert not db.conn.in_transaction
    assert _schema_and_rows(db) == expected
    assert "half_done" not in db["questions"].columns_dict
    assert "half_done_table" not in db.table_names()
    assert db.execute("SELECT title FROM questions WHERE id = ?",
                      [reference_page.id]).fetchone()[0] == reference_page.title
    db.close()
    # Reopened (another process, say): still the previous version, intact.
    with pytest.raises(ArchiveError, match="cannot write"):
        open_archive(path)
    db = open_archive(path, migrate=False)
    assert _schema_and_rows(db) == expected
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


@pytest.mark.parametrize("content", [b"not a database at all" * 100, None])
def test_files_that_are_not_archives_are_refused(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "other.db"
    if content is None:
        other = sqlite_utils.Database(path)
        other["notes"].insert({"text": "someone else's database"})
        other.close()
    else:
        path.write_bytes(content)
    with pytest.raises(ArchiveError, match="not a qarchive archive"):
        open_archive(path)


def test_missing_folder_and_missing_archive_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="does not exist"):
        open_archive(tmp_path / "nowhere" / "archive.db")
    with pytest.raises(ArchiveError, match="no such archive"):
        open_archive(tmp_path / "missing.db", create=False)
    with pytest.raises(ArchiveError, match="is a directory"):
        open_archive(tmp_path)


def test_recommended_by_counts_distinct_questions_as_lists_change(
    db: sqlite_utils.Database, reference_page: AnswerPage
) -> None:
    """resources.recommended_by (kept by the writer) follows every change of the lists."""

    def counts() -> dict[str, int]:
        return {row["url"]: row["recommended_by"] for row in db["resources"].rows}

    with db.atomic():
        db.store_answer_page(reference_page)
    assert set(counts().values()) == {1}
    shared = reference_page.recommended_resources[0]
    other = dataclasses.replace(
        reference_page, id="8d3jq0w5pe", url="https://wenku.csdn.net/answer/8d3jq0w5pe",
        related_questions=[],
        recommended_resources=[
            shared,
            # The same resource in the other tab of the same page counts once.
            dataclasses.replace(shared, section="latest", position=1),
        ],
    )
    with db.atomic():
        db.store_answer_page(other)
    assert counts()[shared.url] == 2
    # The first page drops it: one question left.
    with db.atomic():
        db.store_answer_page(dataclasses.replace(
            reference_page, recommended_resources=reference_page.recommended_resources[1:]))
    assert counts()[shared.url] == 1
    expected = db.execute(
        "SELECT resource_url, count(DISTINCT question_id) FROM question_resources "
        "GROUP BY resource_url").fetchall()
    assert {url: n for url, n in expected} == {url: n for url, n in counts().items() if n}


def test_links_keyed_by_rowid_survive_compact_vacuum(
    tmp_path: Path, reference_page: AnswerPage
) -> None:
    """question_resource_links holds the question's and the resource's rowids (0015):
    a VACUUM (``compact --vacuum``) must keep every link pointing where it did. Rows
    deleted before the linked ones leave gaps a renumbering VACUUM would close."""
    from archive.compact import compact_archive

    db = open_archive(tmp_path / "archive.db")
    with db.atomic():
        db.execute("INSERT INTO questions (site, id, url) VALUES ('gap', 'gap', 'gap')")
        db.execute("INSERT INTO resources (url) VALUES ('gap')")
        db.store_answer_page(reference_page)
        db.execute("DELETE FROM questions WHERE site = 'gap'")
        db.execute("DELETE FROM resources WHERE url = 'gap'")
    links = sorted(db.execute("SELECT * FROM question_resources").fetchall())
    assert len(links) == len(reference_page.recommended_resources)
    assert db.execute("SELECT min(question_rowid), min(resource_rowid) "
                      "FROM question_resource_links").fetchone() == (2, 2)
    assert compact_archive(db, vacuum=True).vacuumed
    assert sorted(db.execute("SELECT * FROM question_resources").fetchall()) == links
    assert db.execute("SELECT min(question_rowid), min(resource_rowid) "
                      "FROM question_resource_links").fetchone() == (2, 2)
    db.close()


def test_temporary_files_in_memory_puts_the_setting_back(tmp_path: Path) -> None:
    """``temporary_files_in_memory``: temp_store MEMORY (2) inside, the setting before
    after, also when the block fails; a block that leaves a transaction open leaves the
    setting alone rather than raise SQLite's refusal over the block's own error."""
    db = open_archive(tmp_path / "archive.db")
    db.execute("PRAGMA temp_store = FILE")
    with db.temporary_files_in_memory():
        assert db.execute("PRAGMA temp_store").fetchone()[0] == 2
        with db.atomic():
            db.execute("INSERT INTO questions (site, id, url) VALUES ('s', '1', 'u')")
    assert db.execute("PRAGMA temp_store").fetchone()[0] == 1
    with pytest.raises(ZeroDivisionError), db.temporary_files_in_memory(), db.atomic():
        db.execute("INSERT INTO questions (site, id, url) VALUES ('s', '2', 'u')")
        1 / 0  # noqa: B018
    assert db.execute("PRAGMA temp_store").fetchone()[0] == 1  # rolled back, then put back
    with pytest.raises(ZeroDivisionError), db.temporary_files_in_memory():
        db.execute("BEGIN")  # a transaction the block leaves open: the setting stays
        1 / 0  # noqa: B018
    assert db.conn.in_transaction
    db.execute("ROLLBACK")
    assert db.execute("PRAGMA temp_store").fetchone()[0] == 2  # left as the block had it
    db.close()


def test_new_resources_past_a_rowid_at_sqlites_largest_are_stored(
    db: sqlite_utils.Database, reference_page: AnswerPage
) -> None:
    """The writer gives a page's new resources the rowids after the largest; a row put at
    SQLite's largest rowid by hand leaves none after it, and they are inserted one by one
    with rowids SQLite picks: stored, counted and searchable like any."""
    largest = 2**63 - 1
    db.execute("INSERT INTO resources (rowid, url, recommended_by) VALUES (?, 'by-hand', 0)",
               [largest])
    with db.atomic():
        db.store_answer_page(reference_page)
    urls = {resource.url for resource in reference_page.recommended_resources}
    rows = {url: (rowid, count) for url, rowid, count in db.execute(
        "SELECT url, rowid, recommended_by FROM resources WHERE url != 'by-hand'")}
    assert set(rows) == urls
    assert all(0 < rowid < largest and count == 1 for rowid, count in rows.values())
    assert len({rowid for rowid, _ in rows.values()}) == len(urls)
    title = reference_page.recommended_resources[0].title
    found = {url for (url,) in db.execute(
        "SELECT r.url FROM resources_fts f JOIN resources r ON r.rowid = f.rowid "
        "WHERE resources_fts MATCH ?", [fts_query(title)])}
    assert reference_page.recommended_resources[0].url in found


def test_first_view_count_is_the_first_observation_whoever_writes_it(
    db: sqlite_utils.Database, reference_page: AnswerPage
) -> None:
    """first_view_count is a question's first observed view count: a first fetch's; for
    a question stored without an observation (a reparse), its first observed fetch's;
    later fetches leave it; a stub has none; nothing here becomes gone."""
    def fetch(page: AnswerPage, at: str) -> None:
        db.record_fetched_page(FetchedPage(url=page.url, status=200, fetched_at=at,
                                           body=b"<html></html>"), page=page, parser_version=1)

    def views(question_id: str) -> tuple[int | None, int | None, int, str | None]:
        row = db.execute("SELECT first_view_count, view_count, (SELECT count(*) FROM "
                         "view_counts WHERE question_id = q.id), gone_at FROM questions q "
                         "WHERE id = ?", [question_id]).fetchone()
        return tuple(row)  # type: ignore[return-value]

    first = dataclasses.replace(reference_page, view_count=10)
    fetch(first, "2026-11-20T00:00:00+00:00")
    assert views(first.id) == (10, 10, 1, None)
    stub = first.related_questions[0].id
    assert views(stub)[:3] == (None, None, 0)
    fetch(dataclasses.replace(first, view_count=25), "2026-11-21T00:00:00+00:00")
    assert views(first.id) == (10, 25, 2, None)  # a second observation; the first stays

    reparsed = dataclasses.replace(reference_page, id="8d3jq0w5pe", view_count=7,
                                   url="https://wenku.csdn.net/answer/8d3jq0w5pe")
    with db.atomic():
        db.store_answer_page(reparsed)
    assert views(reparsed.id) == (None, 7, 0, None)
    fetch(dataclasses.replace(reparsed, view_count=9), "2026-11-22T00:00:00+00:00")
    assert views(reparsed.id) == (9, 9, 1, None)  # by the trigger
