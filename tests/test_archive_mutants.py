"""Tests that kill surviving mutants of the storage module (crawler/archive.py).

Written from `mutmut run` survivors (TESTING.md): each test pins down a behaviour
the other archive tests left open, on real SQLite files in tmp_path, with literal
expected values.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlite_utils
import zstandard
from tests_support import REFERENCE_URL, fts_indexed

from archive import (
    ArchiveError,
    CompressionPolicy,
    FetchedPage,
    answer_hash,
    apply_migrations,
    open_archive,
    utc_now,
)
from archive.migrator import _statements
from archive.search import PendingIndex
from parsers import AnswerPage, RecommendedResource, RelatedQuestion, parse_page

T1 = "2026-01-01T00:00:00+00:00"
T2 = "2026-01-02T00:00:00+00:00"
T3 = "2026-01-03T00:00:00+00:00"


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    database = open_archive(tmp_path / "archive.db")
    yield database
    database.close()


def _run(db: sqlite_utils.Database) -> int:
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO crawl_runs (started_at, status, command) VALUES (?, 'running', 'crawl')",
            [T1])
    return int(cursor.lastrowid)


def _page(qid: str = "aaaaaaaaaa", **changes: object) -> AnswerPage:
    page = AnswerPage(
        site="wenku.csdn.net", url=f"https://wenku.csdn.net/answer/{qid}",
        id=qid,
        title="标题 one",
        asked_at="2023-06-23T11:03:00+08:00",
        view_count=76,
        answer_text="答案 text",
        answer_markdown="答案 **text**",
        related_questions=[
            RelatedQuestion(1, "bbbbbbbbbb", "https://wenku.csdn.net/answer/bbbbbbbbbb",
                            "相关 two", "摘要"),
        ],
        recommended_resources=[
            RecommendedResource("related", 1, "https://wenku.csdn.net/doc/r1", "资源 one",
                                "描述 one", "pdf", "doc"),
            RecommendedResource("related", 2, "https://wenku.csdn.net/doc/r2", "资源 two",
                                "描述 two", "zip", "doc"),
        ],
        profile="csdn-answer",
        parser_version=1,
    )
    return dataclasses.replace(page, **changes)


def _versions(db: sqlite_utils.Database, qid: str) -> list[tuple]:
    return [tuple(row) for row in db.execute(
        "SELECT id, version, content_hash, title, answer_markdown, first_seen_at, "
        "superseded_at, run_id FROM answer_history WHERE question_id = ? ORDER BY version",
        [qid]).fetchall()]


# -- small pure functions -----------------------------------------------------


def test_utc_now_is_utc_to_the_second() -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", utc_now())


def test_answer_hash_joins_the_three_parts_with_nul() -> None:
    assert answer_hash("t", None, "m") == hashlib.sha256(b"t\x00\x00m").hexdigest()
    assert answer_hash("题", "a", "") == hashlib.sha256("题\x00a\x00".encode()).hexdigest()


def test_a_body_before_its_site_has_a_dictionary_is_zstd_at_the_policy_level(
    tmp_path: Path, reference_html: bytes,
) -> None:
    db = open_archive(tmp_path / "archive.db")
    blob, codec, dictionary_id = db.bodies.compress(reference_html, "wenku.csdn.net")
    db.close()
    assert (codec, dictionary_id) == ("zstd", None)
    assert blob == CompressionPolicy().compressor().compress(reference_html)
    assert blob != zstandard.ZstdCompressor(level=3).compress(reference_html)


def test_statements_split_and_drop_a_trailing_comment() -> None:
    script = "-- leading\nCREATE TABLE t (x);\n\n-- trailing comment\n\n"
    assert list(_statements(script)) == ["-- leading\nCREATE TABLE t (x);"]
    assert list(_statements("CREATE TABLE a (x);\nCREATE TABLE b (y);\n")) == [
        "CREATE TABLE a (x);", "CREATE TABLE b (y);"]


def test_an_incomplete_statement_is_reported_with_its_first_60_characters() -> None:
    statement = "INSERT INTO questions (id, url, title) VALUES ('0123456789', 'u', 'long title'"
    assert len(statement) > 61
    with pytest.raises(ArchiveError) as raised:
        list(_statements("CREATE TABLE t (x);\n" + statement + "\n"))
    assert str(raised.value) == (
        "incomplete SQL statement in migration: "
        "\"INSERT INTO questions (id, url, title) VALUES ('0123456789',\"")


# -- opening ------------------------------------------------------------------


def test_apply_migrations_returns_the_names_it_applied(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "a.db", migrate=False)
    assert apply_migrations(db, target=2) == ["0001_initial", "0002_frontier"]
    assert apply_migrations(db, target=2) == []
    db.close()


def test_a_write_connection_autocommits_outside_transactions(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "a.db")
    db.execute("INSERT INTO crawl_runs (started_at) VALUES (?)", [T1])
    assert not db.conn.in_transaction
    other = sqlite3.connect(tmp_path / "a.db")
    assert other.execute("SELECT started_at FROM crawl_runs").fetchall() == [(T1,)]
    other.close()
    db.close()


def test_a_write_connection_may_be_used_from_another_thread(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "a.db")
    results: list[object] = []

    def work() -> None:
        try:
            results.append(db.execute("SELECT count(*) FROM questions").fetchone()[0])
        except Exception as error:  # the assertion below shows it
            results.append(error)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert results == [0]
    db.close()


def test_a_readonly_archive_reads_the_rows_and_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    db = open_archive(path)
    with db.atomic():
        db.store_answer_page(_page())
    db.close()
    readonly = open_archive(path, readonly=True)
    assert readonly.execute("SELECT id, title FROM questions WHERE is_fetched = 1").fetchall() == [
        ("aaaaaaaaaa", "标题 one")]
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        readonly.execute("DELETE FROM questions")
    readonly.close()


# open_archive closes the connection, then calls schema_version(db) for the message, so the
# user gets sqlite3.ProgrammingError ("Cannot operate on a closed database") instead of this
# ArchiveError. strict: the day open_archive is fixed, this test says so (drop the marker).
def test_an_archive_from_a_newer_qarchive_is_refused_with_both_versions(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    db = open_archive(path)
    newest = int(db.execute("PRAGMA user_version").fetchone()[0])
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(ArchiveError) as raised:
        open_archive(path)
    assert str(raised.value) == (
        f"{path}: made by a newer qarchive (schema 99, this one knows {newest}); upgrade qarchive")


# -- storing a page -----------------------------------------------------------


def test_store_without_pending_passes_observed_at_and_run_id(db: sqlite_utils.Database) -> None:
    run_id = _run(db)
    page = _page()
    with db.atomic():
        assert db.store_answer_page(page, observed_at=T1, run_id=run_id) == "new"
    digest = hashlib.sha256("标题 one\x00答案 text\x00答案 **text**".encode()).hexdigest()
    assert _versions(db, "aaaaaaaaaa") == [
        (1, 1, digest, "标题 one", "答案 **text**", T1, None, run_id)]


def test_answer_versions_supersede_on_a_new_fetch_and_correct_in_place_on_reparse(
    db: sqlite_utils.Database,
) -> None:
    run_id = _run(db)
    # Another question first, so that answer_versions ids differ from version numbers.
    with db.atomic():
        db.store_answer_page(_page("cccccccccc"), observed_at=T1, run_id=run_id)
        db.store_answer_page(_page(), observed_at=T1, run_id=run_id)
    edited = _page(answer_text="新答案", answer_markdown="新答案")
    with db.atomic():
        assert db.store_answer_page(edited, observed_at=T2, run_id=run_id) == "updated"
    v1, v2 = _versions(db, "aaaaaaaaaa")
    assert (v1[0], v1[1], v1[5], v1[6]) == (2, 1, T1, T2)  # superseded when the edit was seen
    assert v2 == (3, 2, answer_hash("标题 one", "新答案", "新答案"), "标题 one", "新答案",
                  T2, None, run_id)
    # A reparse (observed_at None) corrects the current version in place.
    reparsed = _page(answer_text="新答案 corrected", answer_markdown="新答案 *corrected*")
    with db.atomic():
        assert db.store_answer_page(reparsed) == "updated"
    v1_after, v2_after = _versions(db, "aaaaaaaaaa")
    assert v1_after == v1
    assert v2_after == (3, 2, answer_hash("标题 one", "新答案 corrected", "新答案 *corrected*"),
                        "标题 one", "新答案 *corrected*", T2, None, run_id)
    # Only the Markdown is stored (schema 16): a change of the plain text alone writes
    # nothing, in a reparse as in a fetch (a version would keep the same Markdown).
    for observed_at in (None, T3):
        with db.atomic():
            assert db.store_answer_page(
                dataclasses.replace(reparsed, answer_text="新答案 other"),
                observed_at=observed_at, run_id=run_id) == "unchanged"
        assert _versions(db, "aaaaaaaaaa") == [v1_after, v2_after]
    # The other question's version is untouched.
    assert [row[1:7] for row in _versions(db, "cccccccccc")] == [
        (1, answer_hash("标题 one", "答案 text", "答案 **text**"), "标题 one",
         "答案 **text**", T1, None)]
    # A third text observed later is version 3.
    with db.atomic():
        db.store_answer_page(_page(title="标题 three"), observed_at=T3, run_id=run_id)
    assert [(row[1], row[5], row[6]) for row in _versions(db, "aaaaaaaaaa")] == [
        (1, T1, T2), (2, T2, T3), (3, T3, None)]


def test_only_the_related_questions_changed_is_an_update(db: sqlite_utils.Database) -> None:
    with db.atomic():
        db.store_answer_page(_page())
    newer = _page(related_questions=[
        RelatedQuestion(1, "dddddddddd", "https://wenku.csdn.net/answer/dddddddddd", "新", "x")])
    with db.atomic():
        assert db.store_answer_page(newer) == "updated"
    assert [tuple(r) for r in db.execute(
        "SELECT from_id, to_id, position, title, answer_text FROM related_questions")] == [
        ("aaaaaaaaaa", "dddddddddd", 1, "新", "x")]


def test_only_the_resource_order_changed_is_an_update(db: sqlite_utils.Database) -> None:
    with db.atomic():
        db.store_answer_page(_page())
    first, second = _page().recommended_resources
    swapped = _page(recommended_resources=[dataclasses.replace(second, position=1),
                                           dataclasses.replace(first, position=2)])
    with db.atomic():
        assert db.store_answer_page(swapped) == "updated"
    assert sorted(tuple(r) for r in db.execute(
        "SELECT resource_url, section, position FROM question_resources")) == [
        ("https://wenku.csdn.net/doc/r1", "related", 2),
        ("https://wenku.csdn.net/doc/r2", "related", 1)]


def _resource_index_segments(db: sqlite_utils.Database) -> list[tuple]:
    """The search index's own storage: any write to resources_fts adds a segment."""
    return db.execute("SELECT id, block FROM resources_fts_data ORDER BY id").fetchall()


def test_only_a_resource_text_changed_is_an_update_and_reindexed_by_its_title(
    db: sqlite_utils.Database,
) -> None:
    """The index holds titles only (schema 17): a changed description updates the row and
    leaves the index as it is; a changed title replaces the row's entry."""
    with db.atomic():
        db.store_answer_page(_page())
    first, second = _page().recommended_resources
    described = _page(recommended_resources=[
        first, dataclasses.replace(second, description="新的 description")])
    segments = _resource_index_segments(db)
    with db.atomic():
        assert db.store_answer_page(described) == "updated"
    assert db.execute("SELECT description FROM resources WHERE url = ?", [second.url]
                      ).fetchone()[0] == "新的 description"
    assert _resource_index_segments(db) == segments
    rowid = db.execute("SELECT rowid FROM resources WHERE url = ?", [second.url]).fetchone()[0]
    assert fts_indexed(db, "resources_fts")[rowid] == ("资源 源 two",)
    retitled = _page(recommended_resources=[
        first, dataclasses.replace(second, title="新的 title", description="新的 description")])
    with db.atomic():
        assert db.store_answer_page(retitled) == "updated"
    assert fts_indexed(db, "resources_fts")[rowid] == ("新的 的 title",)
    with db.atomic():
        assert db.store_answer_page(retitled) == "unchanged"


def test_resources_are_indexed_by_title_only(db: sqlite_utils.Database) -> None:
    with db.atomic():
        db.store_answer_page(_page())
    indexed = fts_indexed(db, "resources_fts")
    rows = [(url, *indexed[rowid]) for url, rowid in db.execute(
        "SELECT url, rowid FROM resources ORDER BY url")]
    assert rows == [
        ("https://wenku.csdn.net/doc/r1", "资源 源 one"),
        ("https://wenku.csdn.net/doc/r2", "资源 源 two")]


# -- recording fetches ----------------------------------------------------------


def test_record_fetched_page_stores_history_with_the_fetch_time_and_run(
    db: sqlite_utils.Database,
) -> None:
    run_id = _run(db)
    fetch = FetchedPage(url="https://wenku.csdn.net/answer/aaaaaaaaaa", status=200,
                        fetched_at=T1, final_url="https://wenku.csdn.net/answer/aaaaaaaaaa/",
                        redirect_chain=["https://wenku.csdn.net/answer/aaaaaaaaaa"],
                        body=b"<html>a</html>")
    page = _page(view_count=12000, view_count_approximate=True)
    assert db.record_fetched_page(fetch, page=page, parser_version=1, run_id=run_id) == "new"
    assert [tuple(r) for r in db.execute(
        "SELECT question_id, observed_at, view_count, view_count_approximate, run_id "
        "FROM view_counts")] == [("aaaaaaaaaa", T1, 12000, 1, run_id)]
    assert [(row[5], row[7]) for row in _versions(db, "aaaaaaaaaa")] == [(T1, run_id)]
    assert [tuple(r) for r in db.execute(
        "SELECT final_url, redirect_chain, status, body_size, question_id, run_id FROM pages")] == [
        ("https://wenku.csdn.net/answer/aaaaaaaaaa/",
         '["https://wenku.csdn.net/answer/aaaaaaaaaa"]', 200, 14, "aaaaaaaaaa", run_id)]


def test_a_page_without_a_view_count_records_no_observation(db: sqlite_utils.Database) -> None:
    fetch = FetchedPage(url="https://wenku.csdn.net/answer/aaaaaaaaaa", status=200,
                        fetched_at=T1, body=b"<html>a</html>")
    assert db.record_fetched_page(fetch, page=_page(view_count=None)) == "new"
    assert db["view_counts"].count == 0


def test_a_fetch_without_a_body_or_redirects(db: sqlite_utils.Database) -> None:
    fetch = FetchedPage(url="https://wenku.csdn.net/answer/zzzzzzzzzz", status=503,
                        fetched_at=T1)
    assert db.record_fetched_page(fetch, parse_error="HTTP 503") is None
    assert [tuple(r) for r in db.execute(
        "SELECT url, final_url, redirect_chain, status, content_hash, body, body_size, "
        "question_id, parse_error FROM pages")] == [
        # final_url empty: no redirect (0018)
        ("https://wenku.csdn.net/answer/zzzzzzzzzz", None,
         "[]", 503, None, None, None, None, "HTTP 503")]


def test_record_fetched_page_leaves_search_writes_to_the_callers_pending(
    db: sqlite_utils.Database,
) -> None:
    pending = PendingIndex()
    fetch = FetchedPage(url="https://wenku.csdn.net/answer/aaaaaaaaaa", status=200,
                        fetched_at=T1, body=b"<html>a</html>")
    db.record_fetched_page(fetch, page=_page(), pending=pending)
    assert db.execute("SELECT count(*) FROM questions_fts").fetchone()[0] == 0
    with db.atomic():
        pending.flush(db)
    assert db.execute("SELECT count(*) FROM questions_fts").fetchone()[0] == 2  # page + stub


def test_a_404_keeps_the_archived_page_and_marks_it_gone(
    db: sqlite_utils.Database, reference_html: bytes,
) -> None:
    page = parse_page(reference_html, REFERENCE_URL)
    run_1, run_2 = _run(db), _run(db)
    good = FetchedPage(url=REFERENCE_URL, status=200, fetched_at=T1, etag='"v1"',
                       body=reference_html)
    assert db.record_fetched_page(good, page=page, parser_version=1, run_id=run_1) == "new"
    gone = FetchedPage(url=REFERENCE_URL, status=404, fetched_at=T2, body=b"not found")
    assert db.record_fetched_page(gone, run_id=run_2) == "gone"
    row = db["pages"].get(REFERENCE_URL)
    assert (row["status"], row["fetched_at"], row["run_id"], row["gone_at"], row["etag"]) == (
        404, T2, run_2, T2, '"v1"')
    assert zstandard.ZstdDecompressor().decompress(row["body"]) == reference_html
    assert db["questions"].get(("wenku.csdn.net", page.id))["gone_at"] == T2
    # Still gone a day later: gone_at keeps the first time.
    again = FetchedPage(url=REFERENCE_URL, status=410, fetched_at=T3)
    assert db.record_fetched_page(again, run_id=run_2) == "gone"
    assert db["pages"].get(REFERENCE_URL)["gone_at"] == T2
    assert db["pages"].get(REFERENCE_URL)["status"] == 410
    assert db["questions"].get(("wenku.csdn.net", page.id))["gone_at"] == T2
    # Back again: no longer gone.
    assert db.record_fetched_page(good, page=page, parser_version=1, run_id=run_2) == "unchanged"
    assert db["questions"].get(("wenku.csdn.net", page.id))["gone_at"] is None
    assert db["pages"].get(REFERENCE_URL)["gone_at"] is None


def test_a_404_for_a_url_never_archived_is_stored_like_any_response(
    db: sqlite_utils.Database,
) -> None:
    missing = FetchedPage(url="https://wenku.csdn.net/answer/0000000000", status=404,
                          fetched_at=T1, body=b"404")
    assert db.record_fetched_page(missing, parse_error="HTTP 404") is None
    row = db["pages"].get("https://wenku.csdn.net/answer/0000000000")
    assert (row["status"], row["gone_at"], row["body_size"], row["parse_error"]) == (
        404, None, 3, "HTTP 404")


def test_record_unchanged_page_moves_validators_and_observes_the_stored_count(
    db: sqlite_utils.Database,
) -> None:
    run_1, run_2 = _run(db), _run(db)
    url = "https://wenku.csdn.net/answer/aaaaaaaaaa"
    fetch = FetchedPage(url=url, status=200, fetched_at=T1, etag='"v1"',
                        last_modified="Mon, 01 Jan 2026 00:00:00 GMT", body=b"<html>a</html>")
    db.record_fetched_page(fetch, page=_page(view_count=12000, view_count_approximate=True),
                        run_id=run_1)
    changes = db.conn.total_changes
    db.record_unchanged_page(url, fetched_at=T2, run_id=run_2, etag='"v2"')
    assert db.conn.total_changes > changes
    row = db["pages"].get(url)
    assert (row["fetched_at"], row["run_id"], row["etag"], row["last_modified"], row["status"],
            row["gone_at"]) == (T2, run_2, '"v2"', "Mon, 01 Jan 2026 00:00:00 GMT", 200, None)
    assert [tuple(r) for r in db.execute(
        "SELECT question_id, observed_at, view_count, view_count_approximate, run_id "
        "FROM view_counts ORDER BY observed_at")] == [
        ("aaaaaaaaaa", T1, 12000, 1, run_1), ("aaaaaaaaaa", T2, 12000, 1, run_2)]
    # Twice in one run: one observation, the later one.
    db.record_unchanged_page(url, fetched_at=T3, run_id=run_2,
                          last_modified="Tue, 02 Jan 2026 00:00:00 GMT")
    row = db["pages"].get(url)
    assert (row["etag"], row["last_modified"]) == ('"v2"', "Tue, 02 Jan 2026 00:00:00 GMT")
    assert [tuple(r) for r in db.execute(
        "SELECT observed_at, run_id FROM view_counts ORDER BY observed_at")] == [
        (T1, run_1), (T3, run_2)]


def test_record_unchanged_page_brings_a_gone_page_back(db: sqlite_utils.Database) -> None:
    url = "https://wenku.csdn.net/answer/aaaaaaaaaa"
    fetch = FetchedPage(url=url, status=200, fetched_at=T1, body=b"<html>a</html>")
    db.record_fetched_page(fetch, page=_page())
    assert db.record_fetched_page(FetchedPage(url=url, status=410, fetched_at=T2)) == "gone"
    db.record_unchanged_page(url, fetched_at=T3, run_id=None)
    row = db["pages"].get(url)
    assert (row["status"], row["gone_at"], row["fetched_at"]) == (200, None, T3)
    assert db["questions"].get(("wenku.csdn.net", "aaaaaaaaaa"))["gone_at"] is None


def test_record_unchanged_page_for_an_unknown_url_writes_nothing(
    db: sqlite_utils.Database,
) -> None:
    db.record_unchanged_page("https://wenku.csdn.net/answer/0000000000", fetched_at=T1,
                          run_id=None)
    assert db["pages"].count == 0 and db["view_counts"].count == 0


# -- runs -------------------------------------------------------------------------


def test_recent_runs_are_newest_first_with_counts_and_seconds(db: sqlite_utils.Database) -> None:
    from archive import RunCounts

    first = db.start_run(command="crawl", options={"seeds": ["种子"], "path": Path("/x")})
    assert first == 1
    assert db.execute("SELECT options FROM crawl_runs WHERE id = 1").fetchone()[0] == (
        '{"seeds": ["种子"], "path": "/x"}')
    db.finish_run(first, status="finished", counts=RunCounts(fetched=3, new=2, failed=1,
                                                              unstored=1, retried=4))
    db.execute("UPDATE crawl_runs SET started_at = ?, finished_at = ? WHERE id = 1", [T1, T2])
    second = db.start_run(command="import", options={})
    db.execute("UPDATE crawl_runs SET started_at = ? WHERE id = ?", [T2, second])
    db.write_run_counts(second, RunCounts(fetched=5, gone=1))
    third = db.start_run(command="reparse", options={})
    db.execute("UPDATE crawl_runs SET started_at = ?, finished_at = 'garbage' WHERE id = ?",
               [T3, third])
    runs = db.recent_runs()
    assert [(run.id, run.command, run.status, run.started_at, run.finished_at, run.seconds)
            for run in runs] == [
        (3, "reparse", "running", T3, "garbage", None),
        (2, "import", "running", T2, None, None),
        (1, "crawl", "finished", T1, T2, 86400.0)]
    assert runs[2].counts == {"fetched": 3, "new": 2, "updated": 0, "unchanged": 0, "gone": 0,
                              "failed": 2, "blocked": 0, "retried": 4}
    assert runs[1].counts["fetched"] == 5 and runs[1].counts["gone"] == 1
    assert [run.id for run in db.recent_runs(limit=2)] == [3, 2]
    assert runs[2].to_json() == {
        "id": 1, "command": "crawl", "status": "finished", "started_at": T1,
        "finished_at": T2, "seconds": 86400.0, "counts": runs[2].counts, "drift": None}


def test_recent_runs_of_an_archive_without_the_table_or_newer_columns(tmp_path: Path) -> None:
    bare = open_archive(tmp_path / "bare.db", migrate=False)
    assert bare.recent_runs() == []
    bare.close()
    old = open_archive(tmp_path / "old.db", migrate=False)
    apply_migrations(old, target=1)
    old.execute("INSERT INTO crawl_runs (started_at, finished_at, status, command, fetched) "
                "VALUES (?, ?, 'finished', NULL, 7)", [T1, T2])
    (run,) = old.recent_runs()
    assert (run.id, run.command, run.seconds) == (1, None, 86400.0)
    assert run.counts == {"fetched": 7, "new": 0, "updated": 0, "unchanged": 0, "failed": 0,
                          "blocked": 0, "retried": 0}
    old.close()


def test_mark_killed_runs_only_touches_running_runs_of_that_command(
    db: sqlite_utils.Database,
) -> None:
    from archive import RunCounts

    crawl = db.start_run(command="crawl", options={})
    other = db.start_run(command="import", options={})
    done = db.start_run(command="crawl", options={})
    db.finish_run(done, status="finished", counts=RunCounts())
    db.mark_killed_runs(command="crawl")
    rows = db.execute("SELECT id, status, finished_at IS NOT NULL FROM crawl_runs "
                      "ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [(crawl, "interrupted", 1), (other, "running", 0),
                                        (done, "finished", 1)]


def test_format_runs_aligns_text_left_and_numbers_right() -> None:
    from archive import RunSummary, format_runs

    counts = {"fetched": 12, "new": 3, "updated": 0, "unchanged": 9, "gone": 0, "failed": 1,
              "blocked": 0, "retried": 250}
    runs = [
        RunSummary(id=12, command="crawl", status="finished", started_at=T1,
                   finished_at=T2, seconds=65.4, counts=counts),
        RunSummary(id=3, command=None, status="running", started_at="2026-01-01T08:00:00+08:00",
                   finished_at=None, seconds=None, counts={"fetched": 1}),
    ]
    assert format_runs(runs).split("\n") == [
        "run  command  status    started (UTC)              took  fetched  new  updated  "
        "unchanged  gone  failed  blocked  retried",
        "12   crawl    finished  2026-01-01 00:00:00        65s        12    3        0  "
        "        9     0       1        0      250",
        "3             running   2026-01-01 08:00:00+08:00  -           1    0        0  "
        "        0     0       0        0        0",
    ]
    assert format_runs([]) == ("run  command  status  started (UTC)  took  fetched  new  "
                               "updated  unchanged  gone  failed  blocked  retried")


def test_run_counts_arithmetic_and_summary() -> None:
    from archive import RunCounts

    counts = RunCounts(fetched=4, new=1, updated=1, unchanged=1, gone=1, failed=2, blocked=3,
                       retried=5, deferred=6, skipped=7, requests=8, parse_errors=9,
                       sitemap_errors=10, unstored=11)
    assert counts["blocked"] == 3
    counts.add("new")
    counts.add("requests", 2)
    counts.update({"fetched": 1, "skipped": 3})
    assert (counts.new, counts.requests, counts.fetched, counts.skipped) == (2, 10, 5, 10)
    copy = counts.copy()
    assert copy == counts and copy is not counts
    assert counts.as_dict()["sitemap_errors"] == 10
    assert counts.all_failed == 13
    assert counts.columns() == {"fetched": 5, "new": 2, "updated": 1, "unchanged": 1,
                                "gone": 1, "failed": 13, "blocked": 3, "retried": 5}
    assert counts.settled == 5 + 13 + 3 + 6 + 10
    assert counts.errors == 13 + 6 + 9
    assert counts.summary() == (
        "5 fetched (2 new, 1 updated, 1 unchanged, 1 gone), 13 failed, 3 blocked by "
        "robots.txt, 6 deferred, 10 skipped, 5 retries, 9 parse errors")
    assert counts.did_work
    assert RunCounts().did_work
    assert not RunCounts(failed=1).did_work
    assert not RunCounts(unstored=1).did_work
    assert not RunCounts(blocked=1).did_work
    assert not RunCounts(deferred=1).did_work
    assert not RunCounts(sitemap_errors=1).did_work
    assert RunCounts(fetched=1, failed=1).did_work


# -- pages read again (reparse) -----------------------------------------------------


def test_parsable_pages_stored_body_and_record_reparse(db: sqlite_utils.Database) -> None:
    base = "https://wenku.csdn.net/answer/"
    fetches = [
        FetchedPage(url=base + "aaaaaaaaaa", status=200, fetched_at=T1, charset="gbk",
                    content_type="text/html", final_url=base + "aaaaaaaaaa/", body=b"<p>a</p>"),
        FetchedPage(url=base + "eeeeeeeeee", status=500, fetched_at=T1, body=b"error"),
        FetchedPage(url=base + "ffffffffff", status=None, fetched_at=T1, body=b"imported"),
        FetchedPage(url=base + "gggggggggg", status=299, fetched_at=T1, body=b"odd"),
        FetchedPage(url=base + "hhhhhhhhhh", status=300, fetched_at=T1, body=b"redirect"),
        FetchedPage(url=base + "iiiiiiiiii", status=199, fetched_at=T1, body=b"info"),
        FetchedPage(url=base + "jjjjjjjjjj", status=200, fetched_at=T1),
    ]
    db.record_fetched_page(fetches[0], page=_page(), parser_version=1)
    for fetch in fetches[1:]:
        db.record_fetched_page(fetch, parser_version=1, parse_error="x")
    gone = FetchedPage(url=base + "aaaaaaaaaa", status=404, fetched_at=T2)
    assert db.record_fetched_page(gone) == "gone"
    assert db.parsable_pages() == [
        (base + "aaaaaaaaaa", base + "aaaaaaaaaa/", 1, "text/html"),
        (base + "ffffffffff", base + "ffffffffff", 1, None),
        (base + "gggggggggg", base + "gggggggggg", 1, None),
    ]
    db.execute("UPDATE pages SET final_url = NULL WHERE url = ?", [base + "ffffffffff"])
    assert db.parsable_pages()[1] == (base + "ffffffffff", base + "ffffffffff", 1, None)
    assert db.stored_body(base + "aaaaaaaaaa") == (b"<p>a</p>", "gbk")
    assert db.stored_body(base + "ffffffffff") == (b"imported", None)
    assert db.page_fetched_at(base + "aaaaaaaaaa") == T2
    assert db.page_fetched_at(base + "eeeeeeeeee") == T1
    assert db.page_fetched_at(base + "0000000000") is None

    assert db.record_reparse(base + "ffffffffff", parser_version=7, page=None,
                             parse_error="not an answer page") is None
    assert tuple(db.execute("SELECT parser_version, parse_error, question_id FROM pages "
                            "WHERE url = ?", [base + "ffffffffff"]).fetchone()) == (
        7, "not an answer page", None)
    assert db.record_reparse(base + "ffffffffff", parser_version=8,
                             page=_page("kkkkkkkkkk")) == "new"
    assert tuple(db.execute("SELECT parser_version, parse_error, question_id FROM pages "
                            "WHERE url = ?", [base + "ffffffffff"]).fetchone()) == (
        8, None, "kkkkkkkkkk")
    assert db.record_reparse(base + "ffffffffff", parser_version=8,
                             page=_page("kkkkkkkkkk")) == "unchanged"
    # Only that URL's row changed.
    assert tuple(db.execute("SELECT parser_version, parse_error FROM pages WHERE url = ?",
                            [base + "eeeeeeeeee"]).fetchone()) == (1, "x")


def test_stored_copy_is_the_page_with_a_body(db: sqlite_utils.Database) -> None:
    from archive import StoredCopy

    url = "https://wenku.csdn.net/answer/aaaaaaaaaa"
    db.record_fetched_page(FetchedPage(url=url, status=200, fetched_at=T1, etag='"e"',
                                       last_modified="LM", body=b"<p>a</p>"), page=_page())
    assert db.stored_copy(url) == StoredCopy('"e"', "LM", 200, hashlib.sha256(
        b"<p>a</p>").hexdigest())
    db.record_fetched_page(FetchedPage(url=url + "x", status=503, fetched_at=T1))
    assert db.stored_copy(url + "x") is None
    assert db.stored_copy(url + "y") is None


# -- the frontier table -------------------------------------------------------------


def _frontier_rows(db: sqlite_utils.Database) -> list[tuple]:
    return [tuple(r) for r in db.execute(
        "SELECT url, host, kind, depth, state, discovered_from, first_seen_run, last_run, "
        "attempts, last_status, last_error, poisoned, retry_at IS NOT NULL FROM frontier "
        "ORDER BY rowid")]


def test_frontier_writes_and_reads(db: sqlite_utils.Database) -> None:
    from archive import FrontierURL
    from archive.frontier import refresh_cutoff

    run_1, run_2 = _run(db), _run(db)
    table = db.frontier_table(run_id=run_1)
    table.write_seeds([FrontierURL("https://h/answer/seed", "h", 0)])
    table.write_new([FrontierURL("https://h/answer/a", "h", 2),
                     FrontierURL("https://g/doc/r", "g", 1, kind="resource"),
                     FrontierURL("https://h/answer/seed", "h", 1)], discovered_from="https://h/x")
    assert _frontier_rows(db) == [
        ("https://h/answer/seed", "h", "page", 0, "pending", None, run_1, run_1, 0, None, None,
         0, 0),
        ("https://h/answer/a", "h", "page", 2, "pending", "https://h/x", run_1, run_1, 0, None,
         None, 0, 0),
        ("https://g/doc/r", "g", "resource", 1, "pending", "https://h/x", run_1, run_1, 0, None,
         None, 0, 0),
    ]
    assert table.count() == 3 and table.count_due() == 3
    assert "https://h/answer/a" in table and "https://h/answer/b" not in table
    assert sorted(table.hosts()) == ["g", "h"]
    due = list(table.due(refresh_before=None))
    assert [(url, host) for _, url, host in due] == [
        ("https://h/answer/seed", "h"), ("https://g/doc/r", "g"), ("https://h/answer/a", "h")]
    rowid_a = due[2][0]
    assert table.entry(rowid_a, "h") == FrontierURL("https://h/answer/a", "h", 2, "page")
    assert table.entry(999, "h") is None

    # A seed seen again as a link keeps depth 0; a known URL seeded again becomes depth 0.
    table.write_seeds([FrontierURL("https://h/answer/a", "h", 0)])
    assert _frontier_rows(db)[1][3] == 0

    table.write_state("https://h/answer/a", "done", requests=2, status=200)
    table.write_state("https://h/answer/seed", "failed", requests=3, error="timeout")
    table.write_state("https://g/doc/r", "blocked", status=None, error="robots.txt")
    rows = _frontier_rows(db)
    assert rows[0][4:12] == ("failed", None, run_1, run_1, 3, None, "timeout", 0)
    assert rows[1][4:12] == ("done", "https://h/x", run_1, run_1, 2, 200, None, 0)
    assert rows[2][4:12] == ("blocked", "https://h/x", run_1, run_1, 0, None, "robots.txt", 0)
    assert table.state_counts() == {"failed": 1, "done": 1, "blocked": 1}
    assert table.left() == 1 and table.waiting() == 0
    assert table.count_due() == 1

    # The next run: a redirect's target marks a known URL done; a pending one stays.
    next_run = db.frontier_table(run_id=run_2)
    assert not next_run.fetched_in_run("https://h/answer/a")
    assert table.fetched_in_run("https://h/answer/a")
    assert not table.fetched_in_run("https://h/answer/seed")
    next_run.write_new([FrontierURL("https://h/answer/seed", "h", 5, state="done"),
                        FrontierURL("https://g/doc/r", "g", 5)], discovered_from=None)
    rows = _frontier_rows(db)
    assert rows[0][3:8] == (0, "done", None, run_1, run_2)
    assert rows[2][3:8] == (1, "blocked", "https://h/x", run_1, run_1)
    assert next_run.fetched_in_run("https://h/answer/seed")

    # Pages fetched, for refreshing: only done pages, in chunks of 500.
    urls = [f"https://h/answer/{n}" for n in range(600)] + ["https://h/answer/a",
                                                            "https://g/doc/r"]
    assert sorted(host for _, host in table.fetched_pages(urls)) == ["h"]
    assert list(table.fetched_pages([])) == []
    many = [FrontierURL(f"https://h/answer/{n}", "h", 1, state="done") for n in range(1200)]
    next_run.write_new(many, discovered_from=None)
    assert len(list(table.fetched_pages([entry.url for entry in many]))) == 1200

    # Refresh: done pages whose copy is older than the cutoff are due again.
    db.record_fetched_page(FetchedPage(url="https://h/answer/a", status=200,
                                       fetched_at="2026-01-01T00:00:00+00:00", body=b"x"))
    assert table.count_due(refresh_before="2025-12-31T23:59:59+00:00") == 0
    assert table.count_due(refresh_before="2026-01-01T00:00:00+00:00") == 1
    assert [url for _, url, _ in table.due(refresh_before="2026-01-01T00:00:00+00:00")] == [
        "https://h/answer/a"]
    from datetime import UTC, datetime
    assert refresh_cutoff(90, now=datetime(2026, 1, 1, 0, 1, 30, 500, tzinfo=UTC)) == (
        "2026-01-01T00:00:00+00:00")


def test_a_poisoned_url_waits_twice_as_long_each_crash(db: sqlite_utils.Database) -> None:
    from archive import FrontierURL

    table = db.frontier_table(run_id=_run(db))
    table.write_new([FrontierURL("https://h/answer/p", "h", 1)], discovered_from=None)

    def waited() -> tuple[int, int]:
        poisoned, seconds = db.execute(
            "SELECT poisoned, CAST(round((julianday(retry_at) - julianday(updated_at)) * 86400) "
            "AS INTEGER) FROM frontier").fetchone()
        return poisoned, seconds

    table.write_state("https://h/answer/p", "pending", poisoned_retry_after=60)
    assert waited() == (1, 60)
    assert table.waiting() == 1 and table.left() == 1 and table.count_due() == 0
    table.write_state("https://h/answer/p", "pending", poisoned_retry_after=60)
    assert waited() == (2, 120)
    table.write_state("https://h/answer/p", "pending", poisoned_retry_after=60)
    assert waited() == (3, 240)
    db.execute("UPDATE frontier SET poisoned = 12")
    table.write_state("https://h/answer/p", "pending", poisoned_retry_after=1)
    assert waited() == (13, 1024)
    table.write_state("https://h/answer/p", "done", requests=1, status=200)
    assert tuple(db.execute("SELECT poisoned, retry_at FROM frontier").fetchone()) == (0, None)
    assert table.waiting() == 0


# -- how SQLite's errors read -------------------------------------------------------


def _sqlite_error(text: str, code: int | None, kind: type = sqlite3.OperationalError) -> Exception:
    error = kind(text)
    if code is not None:
        error.sqlite_errorcode = code  # as SQLite sets it (extended code)
    return error


def test_real_sqlite_errors_are_classified(tmp_path: Path) -> None:
    from archive.errors import database_error_message, is_busy, is_read_only

    path = tmp_path / "a.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError) as busy:
        other.execute("BEGIN IMMEDIATE")
    holder.execute("ROLLBACK")
    assert (busy.value.sqlite_errorcode, is_busy(busy.value), is_read_only(busy.value)) == (
        5, True, False)
    readonly = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as refused:
        readonly.execute("INSERT INTO t VALUES (1)")
    assert (refused.value.sqlite_errorcode, is_busy(refused.value),
            is_read_only(refused.value)) == (8, False, True)
    assert database_error_message(path, refused.value) == (
        f"cannot write {path}: read-only (attempt to write a readonly database)")
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    with pytest.raises(sqlite3.DatabaseError) as junk:
        sqlite3.connect(tmp_path / "junk.db").execute("SELECT * FROM sqlite_master")
    assert database_error_message("j.db", junk.value) == (
        "j.db: not a usable qarchive archive (file is not a database)")
    for connection in (holder, other, readonly):
        connection.close()


@pytest.mark.parametrize(
    ("error", "busy", "read_only"),
    [
        (_sqlite_error("database is locked", None), True, False),
        (_sqlite_error("the database is busy", None), True, False),
        (_sqlite_error("database table is locked", 6 | (1 << 8)), True, False),
        (_sqlite_error("busy locked", 1), False, False),  # the code decides, not the text
        (_sqlite_error("no such table", None), False, False),
        (_sqlite_error("attempt to write a readonly database", None), False, True),
        (_sqlite_error("read only", 8 | (2 << 8)), False, True),
        (_sqlite_error("read only", 8 | 256), False, True),
        (_sqlite_error("other", 5 | 256), True, False),
        (_sqlite_error("other", 0x105), True, False),
    ],
)
def test_busy_and_read_only_errors(error: Exception, busy: bool, read_only: bool) -> None:
    from archive.errors import is_busy, is_read_only

    assert (is_busy(error), is_read_only(error)) == (busy, read_only)


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (OSError(28, "No space left on device"),
         "p.db: disk full (No space left on device); free some space and run again"),
        (OSError(30, "Read-only file system"),
         "cannot write p.db: read-only (Read-only file system)"),
        (OSError(13, "Permission denied"), "cannot write p.db: read-only (Permission denied)"),
        (OSError(1, "Operation not permitted"),
         "cannot write p.db: read-only (Operation not permitted)"),
        (OSError(13, ""), "cannot write p.db: read-only ([Errno 13] )"),
        (OSError(5, "Input/output error"), "p.db: Input/output error"),
        (OSError("plain"), "p.db: plain"),
        (ValueError("bad value"), "p.db: ValueError: bad value"),
        (_sqlite_error("database or disk is full", None),
         "p.db: disk full (database or disk is full); free some space and run again: "
         "what was stored before stays"),
        (_sqlite_error("write failed", 13 | 256),
         "p.db: disk full (write failed); free some space and run again: "
         "what was stored before stays"),
        (_sqlite_error("attempt to write a readonly database", None),
         "cannot write p.db: read-only (attempt to write a readonly database)"),
        (_sqlite_error("no", 8 | 1024), "cannot write p.db: read-only (no)"),
        (_sqlite_error("malformed", 11 | 256, sqlite3.DatabaseError),
         "p.db: not a usable qarchive archive (malformed)"),
        (_sqlite_error("not a db", 26, sqlite3.DatabaseError),
         "p.db: not a usable qarchive archive (not a db)"),
        (_sqlite_error("disk I/O error", 10 | (3 << 8)), "p.db: I/O error (disk I/O error)"),
        (_sqlite_error("no such table: x", 1), "p.db: cannot use the archive (no such table: x)"),
        (_sqlite_error("no such table: x", None),
         "p.db: cannot use the archive (no such table: x)"),
    ],
)
def test_database_error_messages(error: BaseException, message: str) -> None:
    from archive.errors import database_error_message

    assert database_error_message(Path("p.db"), error) == message


def test_database_error_message_fallback() -> None:
    from archive.errors import database_error_message

    assert database_error_message("p.db", _sqlite_error("x", 1), fallback="cannot do it") == (
        "p.db: cannot do it (x)")


# -- opening read-only ----------------------------------------------------------------


def _wal_archive_with_unchecked_rows(path: Path) -> sqlite3.Connection:
    """An archive whose last row is still in its WAL, held open by a writer."""
    db = open_archive(path)
    db.close()
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("INSERT INTO crawl_runs (started_at) VALUES (?)", [T1])
    return writer


def test_readonly_sees_the_wal_unless_the_folder_is_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import archive.archive as archive_module

    path = tmp_path / "a.db"
    writer = _wal_archive_with_unchecked_rows(path)
    readonly = open_archive(path, readonly=True)
    assert readonly.execute("SELECT count(*) FROM crawl_runs").fetchone()[0] == 1
    with pytest.raises(sqlite3.OperationalError):
        readonly.execute("INSERT INTO crawl_runs (started_at) VALUES (?)", [T2])
    assert not readonly.conn.in_transaction  # autocommit: no read snapshot left open
    writer.execute("INSERT INTO crawl_runs (started_at) VALUES (?)", [T2])
    assert readonly.execute("SELECT count(*) FROM crawl_runs").fetchone()[0] == 2
    results: list[object] = []
    thread = threading.Thread(target=lambda: results.append(
        readonly.execute("SELECT count(*) FROM crawl_runs").fetchone()[0]))
    thread.start()
    thread.join()
    assert results == [2]
    readonly.close()
    # On a read-only folder: immutable=1, which reads the main file alone.
    monkeypatch.setattr(archive_module, "folder_writable", lambda _path: False)
    immutable = open_archive(path, readonly=True)
    assert immutable.execute("SELECT count(*) FROM crawl_runs").fetchone()[0] == 0
    immutable.close()
    writer.close()


def test_readonly_retries_immutable_when_mode_ro_cannot_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import archive.archive as archive_module

    path = tmp_path / "a.db"
    writer = _wal_archive_with_unchecked_rows(path)
    real_uri = archive_module.readonly_uri
    tried: list[bool] = []

    def unopenable_unless_immutable(target: Path, *, immutable: bool) -> str:
        tried.append(immutable)
        if immutable:
            return real_uri(target, immutable=True)
        return (tmp_path / "missing" / "a.db").as_uri() + "?mode=ro"  # "unable to open"

    monkeypatch.setattr(archive_module, "readonly_uri", unopenable_unless_immutable)
    db = open_archive(path, readonly=True)
    assert tried == [False, True]
    assert db.execute("SELECT count(*) FROM crawl_runs").fetchone()[0] == 0  # immutable
    db.close()
    writer.close()


def test_readonly_open_errors_are_archive_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import archive.archive as archive_module

    path = tmp_path / "a.db"
    open_archive(path).close()
    monkeypatch.setattr(archive_module, "readonly_uri",
                        lambda target, *, immutable: target.as_uri() + "?mode=bogus")
    with pytest.raises(ArchiveError) as raised:
        open_archive(path, readonly=True)
    assert str(raised.value) == f"{path}: cannot use the archive (no such access mode: bogus)"
    monkeypatch.setattr(archive_module, "readonly_uri",
                        lambda target, *, immutable: (tmp_path / "no" / "a.db").as_uri())
    with pytest.raises(ArchiveError) as raised:
        open_archive(path, readonly=True)
    assert str(raised.value) == f"{path}: cannot use the archive (unable to open database file)"


def test_readonly_of_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(ArchiveError) as raised:
        open_archive(path, readonly=True)
    assert str(raised.value) == f"{path}: not a qarchive archive (file is not a database)"


def test_readonly_of_another_programs_database_is_refused_and_closed(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE mine (x)")
    other.commit()
    other.close()
    with pytest.raises(ArchiveError) as raised:
        open_archive(path, readonly=True)
    assert str(raised.value) == f"{path}: not a qarchive archive (it holds other tables)"


# -- the writer lock ---------------------------------------------------------------------


def test_a_second_writer_is_told_who_holds_the_lock(tmp_path: Path) -> None:
    import fcntl

    from archive.lock import ArchiveBusy, archive_lock, lock_path

    path = tmp_path / "a.db"
    open_archive(path).close()
    with archive_lock(path, command="crawl"):
        holder = lock_path(path).read_text(encoding="utf-8")
        assert re.fullmatch(rf"pid {os.getpid()}, crawl, since "
                            r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n", holder)
        with pytest.raises(ArchiveBusy) as raised, archive_lock(path, command="reparse"):
            pass
        assert str(raised.value) == (
            f"{path} is being written by another qarchive ({holder.strip()}); "
            "try again when it has finished, or pass --wait")
    assert lock_path(path).read_text(encoding="utf-8") == ""
    # Held by a process that wrote nothing: "unknown process".
    with open(lock_path(path), "a+", encoding="utf-8") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        with pytest.raises(ArchiveBusy, match=r"another qarchive \(unknown process\)"), \
                archive_lock(path, command="crawl"):
            pass


def test_wait_blocks_until_the_holder_lets_go(tmp_path: Path) -> None:
    import fcntl
    import time

    from archive.lock import archive_lock, lock_path

    path = tmp_path / "a.db"
    open_archive(path).close()
    released = threading.Event()
    handle = open(lock_path(path), "a+", encoding="utf-8")  # noqa: SIM115
    handle.write("pid 1, crawl, since then\n")
    handle.flush()
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)

    def release() -> None:
        time.sleep(0.3)
        released.set()
        handle.close()

    told: list[str] = []
    thread = threading.Thread(target=release)
    thread.start()
    with archive_lock(path, command="crawl", wait=True, on_wait=told.append):
        assert released.is_set()
    thread.join()
    assert told == ["pid 1, crawl, since then"]


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (OSError(28, "No space left on device"),
         "ARCHIVE: disk full (No space left on device); free some space and run again"),
        (OSError(30, "Read-only file system"),
         "cannot write ARCHIVE: read-only (Read-only file system: cannot create its lock L)"),
        (OSError(2, "No such file or directory"),
         "ARCHIVE: cannot lock it (No such file or directory)"),
    ],
)
def test_a_lock_that_cannot_be_opened_is_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: OSError, message: str,
) -> None:
    import archive.lock as lock_module

    def refuse(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(lock_module, "open", refuse, raising=False)
    with pytest.raises(ArchiveError) as raised:
        lock_module._open_or_explain(tmp_path / "a.db", tmp_path / "L", "a+")
    assert str(raised.value) == message.replace("ARCHIVE", str(tmp_path / "a.db"))


def test_holder_of_an_unreadable_lock_file(tmp_path: Path) -> None:
    from archive.lock import _holder

    assert _holder(tmp_path) == "unknown process"  # a folder: read_text raises OSError
    (tmp_path / "l").write_text("  pid 9, crawl  \n", encoding="utf-8")
    assert _holder(tmp_path / "l") == "pid 9, crawl"


# -- search ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expression"),
    [
        ('a"b', '"a" "b"'),  # an unclosed quote: its plain words
        ('a AND "b', '"a" "b"'),
        ('x OR "y', '"x" "y"'),
        ('NOT z "', '"z"'),
        ("a , b", '"a" "b"'),  # punctuation alone is skipped, not the end
        ("TAX*", '"tax"*'),
        ("*a*", '"a"*'),
        ("(a) OR b", '( "a" ) OR "b"'),
        ("((a))", '( ( "a" ) )'),
    ],
)
def test_fts_query(query: str, expression: str) -> None:
    from archive.search import fts_query

    assert fts_query(query) == expression


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("(a OR)", "OR needs words after it"),
        ("(a OR b AND)", "AND needs words after it"),
        ("(OR a)", "OR needs words before it (a OR b)"),
        ("()", "nothing to search between ( and )"),
        ("a)", "a ) has no ( before it"),
        ("(a", "a ( is not closed: add the )"),
        ("a OR NOT b", "two operators in a row (NOT after another)"),
    ],
)
def test_search_syntax_errors(query: str, message: str) -> None:
    from archive.search import SearchSyntaxError, fts_query

    with pytest.raises(SearchSyntaxError) as raised:
        fts_query(query, strict=True)
    assert str(raised.value) == message


def test_search_questions_returns_every_field_and_pages(db: sqlite_utils.Database) -> None:
    from archive.search import QuestionHit, search_questions

    with db.atomic():
        for n in range(23):
            db.store_answer_page(_page(f"q{n:09d}", title=f"模型 {n}", view_count=100 - n,
                                       related_questions=[], recommended_resources=[],
                                       answer_text="答案" + "长" * 200,
                                       answer_markdown="答案" + "长" * 200,
                                       asked_at=f"2023-06-{n + 1:02d}T11:03:00+08:00"))
    results = search_questions(db, "模型")
    assert (results.query, results.matches, len(results.hits)) == ("模型", 23, 20)
    assert results.hits[0] == QuestionHit(
        id="q000000000", site="wenku.csdn.net", title="模型 0",
        asked_at="2023-06-01T11:03:00+08:00", view_count=100,
        is_fetched=True, answer_start="答案" + "长" * 158, relevance=100)
    past = search_questions(db, "模型", offset=40)
    assert (past.matches, past.hits) == (23, [])
    assert search_questions(db, "没有", offset=5).matches == 0


def test_rebuild_search_index_indexes_questions_and_resources(db: sqlite_utils.Database) -> None:
    from archive.search import rebuild_search_index

    with db.atomic():
        db.store_answer_page(_page())
    db.execute("INSERT INTO questions_fts (questions_fts) VALUES ('delete-all')")
    db.execute("INSERT INTO resources_fts (resources_fts) VALUES ('delete-all')")
    assert fts_indexed(db, "questions_fts") == {}
    rebuild_search_index(db)
    questions, resources = fts_indexed(db, "questions_fts"), fts_indexed(db, "resources_fts")
    assert [(id_, *questions[rowid]) for id_, rowid in db.execute(
        "SELECT id, rowid FROM questions ORDER BY id")] == [
        ("aaaaaaaaaa", "标题 题 one", "答案 案 text"), ("bbbbbbbbbb", "相关 关 two", "")]
    assert [(url, *resources[rowid]) for url, rowid in db.execute(
        "SELECT url, rowid FROM resources ORDER BY url")] == [
        ("https://wenku.csdn.net/doc/r1", "资源 源 one"),
        ("https://wenku.csdn.net/doc/r2", "资源 源 two")]


# -- the full run's survivors (second pass) ----------------------------------------------


def test_a_page_or_resource_without_an_identity_is_refused_by_name(
    db: sqlite_utils.Database,
) -> None:
    from archive.archive import IncompleteRecord

    without_url = _page(url="")
    without_id = _page(id="")
    resource = _page().recommended_resources[1]
    without_resource_url = _page(recommended_resources=[
        _page().recommended_resources[0], dataclasses.replace(resource, url="")])
    for page, message in ((without_url, "the page has no site, id or URL"),
                          (without_id, "the page has no site, id or URL"),
                          (_page(site=""), "the page has no site, id or URL"),
                          (without_resource_url, "recommended resource related 2 has no URL")):
        with pytest.raises(IncompleteRecord) as raised, db.atomic():
            db.store_answer_page(page)
        assert str(raised.value) == message
    assert db.execute("SELECT count(*) FROM questions").fetchone()[0] == 0


def test_bounded_page_cuts_what_is_over_the_limit_and_says_how_much(
    db: sqlite_utils.Database,
) -> None:
    from archive.archive import ANSWER_TEXT_MAX_CHARS, TITLE_MAX_CHARS, bounded_page

    at_limit = _page(title="题" * TITLE_MAX_CHARS, answer_text="答" * ANSWER_TEXT_MAX_CHARS,
                     answer_markdown="m" * ANSWER_TEXT_MAX_CHARS)
    assert bounded_page(at_limit) is at_limit  # nothing to cut: not even copied
    over = _page(title="题" * (TITLE_MAX_CHARS + 3),
                 answer_text="答" * (ANSWER_TEXT_MAX_CHARS + 1),
                 answer_markdown="m" * ANSWER_TEXT_MAX_CHARS)
    bounded = bounded_page(over)
    assert bounded.title == (
        "题" * TITLE_MAX_CHARS
        + "\n\n[… truncated by qarchive: 3 more characters in the stored page]")
    assert bounded.answer_text == (
        "答" * ANSWER_TEXT_MAX_CHARS
        + "\n\n[… truncated by qarchive: 1 more characters in the stored page]")
    assert bounded.answer_markdown == over.answer_markdown
    assert bounded_page(_page(asked_at=None, view_count=None)).asked_at is None
    with db.atomic():
        db.store_answer_page(over)
    assert db.execute("SELECT title, answer_markdown FROM questions_with_answer WHERE id = ?",
                      [over.id]).fetchone() == (bounded.title, bounded.answer_markdown)


def test_field_sources_are_stored_as_sorted_json_or_null(db: sqlite_utils.Database) -> None:
    def sources(qid: str) -> str | None:
        return db.execute("SELECT s.sources FROM questions q LEFT JOIN field_source_sets s "
                          "ON s.id = q.field_sources_id WHERE q.id = ?", [qid]).fetchone()[0]

    with db.atomic():
        db.store_answer_page(_page(field_sources={"view_count": "label", "title": "state"}))
        db.store_answer_page(_page("cccccccccc", title="", asked_at=None, view_count=None,
                                   answer_text="", answer_markdown="", related_questions=[],
                                   recommended_resources=[]))
    # Named sources, then every other field with a value as "unknown"; keys in order.
    assert sources("aaaaaaaaaa") == (
        '{"answer_markdown": "unknown", "answer_text": "unknown", "asked_at": "unknown", '
        '"recommended_resources": "unknown", "related_questions": "unknown", '
        '"title": "state", "view_count": "label"}')
    assert sources("cccccccccc") is None  # nothing found: no sources at all
    # The same sources named in another order: the same text (nothing to rewrite).
    with db.atomic():
        assert db.store_answer_page(_page(field_sources={"title": "state",
                                                         "view_count": "label"})) == "unchanged"
    assert json.loads(sources("aaaaaaaaaa"))["view_count"] == "label"
    # A source that moved is kept current, yet changes no question: still "unchanged".
    with db.atomic():
        assert db.store_answer_page(_page(field_sources={"title": "meta"})) == "unchanged"
    assert json.loads(sources("aaaaaaaaaa"))["title"] == "meta"
    assert json.loads(sources("aaaaaaaaaa"))["view_count"] == "unknown"


def test_a_related_question_without_an_id_or_a_url_is_no_link(
    db: sqlite_utils.Database,
) -> None:
    related = [RelatedQuestion(1, None, "https://wenku.csdn.net/doc/x", "无号", "s"),
               RelatedQuestion(2, "cccccccccc", None, "无址", "s"),
               RelatedQuestion(3, "bbbbbbbbbb", "https://wenku.csdn.net/answer/bbbbbbbbbb",
                               "相关 two", "摘要")]
    with db.atomic():
        db.store_answer_page(_page(related_questions=related))
    assert [tuple(r) for r in db.execute(
        "SELECT from_id, to_id, position FROM related_questions")] == [
        ("aaaaaaaaaa", "bbbbbbbbbb", 3)]
    assert [r[0] for r in db.execute("SELECT id FROM questions ORDER BY id")] == [
        "aaaaaaaaaa", "bbbbbbbbbb"]


def test_recent_runs_defaults_to_the_newest_20_and_reads_the_drift(
    db: sqlite_utils.Database,
) -> None:
    from archive import ExtractionHealth, RunCounts

    for _ in range(21):
        db.start_run(command="crawl", options={})
    health = ExtractionHealth()
    health.add(_page())
    db.finish_run(21, status="finished", counts=RunCounts(fetched=1), health=health,
                  drift="view_count found on 0% of pages (history: 100%)")
    runs = db.recent_runs()
    assert [run.id for run in runs] == list(range(21, 1, -1))
    assert runs[0].drift == "view_count found on 0% of pages (history: 100%)"
    assert runs[1].drift is None


def test_drift_is_described_in_whole_percent() -> None:
    from archive import ExtractionHealth, describe_drift, find_drift

    assert ExtractionHealth().share("title") == 0.0  # no pages
    usual = ExtractionHealth()
    for _ in range(20):
        usual.add(_page())
    now = ExtractionHealth()
    for n in range(20):
        now.add(_page(view_count=None) if n else _page())
    assert usual.share("view_count") == 1.0 and now.share("view_count") == 0.05
    drifts = find_drift(now, [usual, usual])
    assert describe_drift(drifts) == "view_count found on 5% of pages (history: 100%)"


def test_a_fetched_question_without_an_answer_text_is_still_fetched_in_search(
    db: sqlite_utils.Database,
) -> None:
    from archive.search import search_questions

    with db.atomic():
        db.store_answer_page(_page(answer_text="", answer_markdown=""))
    (hit,) = search_questions(db, "标题").hits
    # Fetched, with no answer to start the snippet (an empty answer is no answers row).
    assert (hit.id, hit.is_fetched, hit.answer_start) == ("aaaaaaaaaa", True, None)
    (stub,) = search_questions(db, "相关").hits
    assert (stub.id, stub.is_fetched, stub.answer_start) == ("bbbbbbbbbb", False, None)


def test_a_search_for_no_rows_still_counts_the_matches(db: sqlite_utils.Database) -> None:
    from archive.search import search_questions

    with db.atomic():
        for qid in ("aaaaaaaaaa", "cccccccccc", "dddddddddd"):
            db.store_answer_page(_page(qid, related_questions=[]))
    assert search_questions(db, "标题", limit=2).matches == 3
    empty = search_questions(db, "标题", limit=0)
    assert (empty.matches, empty.hits) == (3, [])
    assert search_questions(db, "没有", limit=0).matches == 0


def test_extraction_health_counts_pages_fields_and_their_sources() -> None:
    from collections import Counter

    from archive import ExtractionHealth
    from archive.health import fields_found

    health = ExtractionHealth()
    health.add(_page(field_sources={"title": "state", "view_count": "label"}))
    health.add(_page(view_count=None, related_questions=[],
                     field_sources={"title": "", "answer_text": "meta"}))
    health.add(None)  # a page that did not parse: counted, nothing found
    assert health.pages == 3
    assert health.to_json() == {
        "title": {"found": 2, "pages": 3, "sources": {"state": 1, "unknown": 1}},
        "asked_at": {"found": 2, "pages": 3, "sources": {"unknown": 2}},
        "view_count": {"found": 1, "pages": 3, "sources": {"label": 1}},
        "answer_text": {"found": 2, "pages": 3, "sources": {"meta": 1, "unknown": 1}},
        "answer_markdown": {"found": 2, "pages": 3, "sources": {"unknown": 2}},
        "related_questions": {"found": 1, "pages": 3, "sources": {"unknown": 1}},
        "recommended_resources": {"found": 2, "pages": 3, "sources": {"unknown": 2}},
    }
    assert ExtractionHealth.loads(health.dumps()) == health
    # Sources most common first, equally common ones by name.
    ordered = ExtractionHealth()
    for source in ("unknown", "meta", "state", "state"):
        ordered.add(_page(field_sources={"title": source}))
    assert list(ordered.to_json()["title"]["sources"].items()) == [
        ("state", 2), ("meta", 1), ("unknown", 1)]
    assert fields_found(_page()) == dict.fromkeys(
        ("title", "asked_at", "view_count", "answer_text", "answer_markdown",
         "related_questions", "recommended_resources"), "unknown")  # none named: all unknown
    assert health.found == Counter({"title": 2, "asked_at": 2, "answer_text": 2,
                                    "answer_markdown": 2, "recommended_resources": 2,
                                    "view_count": 1, "related_questions": 1})


def test_extraction_health_reads_what_it_can_of_a_field_health_value() -> None:
    from collections import Counter

    from archive import ExtractionHealth

    health = ExtractionHealth.from_json({
        "junk": 5,  # not an object: skipped, and the rest still read
        "title": {"found": 2, "pages": 3, "sources": {"state": 2, "bad": "x"}},
        "half": {"pages": 9},  # no "found": left out
        "other": {"found": 1, "pages": 4, "sources": ["not", "an", "object"]},
    })
    assert health == ExtractionHealth(pages=4, found=Counter({"title": 2, "other": 1}),
                                      sources={"title": Counter({"state": 2})})
    for text in (None, "", "not json", "[1]"):
        assert ExtractionHealth.loads(text) is None
    assert ExtractionHealth.loads('{"title": {"found": 1, "pages": 2}}') == ExtractionHealth(
        pages=2, found=Counter({"title": 1}))


def _health(pages: int, **found: int) -> object:
    from collections import Counter

    from archive import ExtractionHealth

    return ExtractionHealth(pages=pages, found=Counter(found))


@pytest.mark.parametrize(
    ("usual", "now", "drifted"),
    [
        (9, 3, True),     # 0.375 -> 0.125: a drop of exactly 0.25, below half
        (18, 9, False),   # 0.75 -> 0.375: exactly half is no drift
        (18, 12, False),  # 0.75 -> 0.5: a drop of 0.25, but above half
        (8, 3, False),    # 0.33 -> 0.125: below half, but a drop of less than 0.25
        (24, 0, True),
    ],
)
def test_drift_is_a_drop_of_a_quarter_to_below_half(usual: int, now: int, drifted: bool) -> None:
    from archive import describe_drift, find_drift

    # 24 pages a run: more than DRIFT_MIN_PAGES (20); shares in 24ths.
    drifts = find_drift(_health(24, title=now), [_health(24, title=usual)] * 3)
    assert [(d.field, d.share, d.history) for d in drifts] == (
        [("title", now / 24, usual / 24)] if drifted else [])
    assert (describe_drift(drifts) is not None) == drifted


def test_drift_needs_20_pages_in_the_run_and_in_each_run_of_history() -> None:
    from archive import describe_drift, find_drift

    history = [_health(20, title=20, extra=20), _health(19, title=0), _health(20, title=20)]
    drifts = find_drift(_health(20, title=0), history)
    # The 19-page run is left out (else the median would be 1.0 still, but of 3 runs);
    # a field only the history found ("extra") drifts too.
    assert [(d.field, d.share, d.history) for d in drifts] == [
        ("title", 0.0, 1.0), ("extra", 0.0, 0.5)]
    assert describe_drift(drifts) == ("title found on 0% of pages (history: 100%); "
                                      "extra found on 0% of pages (history: 50%)")
    assert find_drift(_health(19, title=0), history) == []
    assert find_drift(_health(20, title=0), [_health(19, title=19)]) == []


def test_health_history_reads_newest_first_only_crawls_that_ended_with_enough_pages(
    db: sqlite_utils.Database,
) -> None:
    from collections import Counter

    from archive import ExtractionHealth

    def health(pages: int) -> ExtractionHealth:
        return ExtractionHealth(pages=pages, found=Counter({"title": pages}))

    rows = [("crawl", "finished", health(20).dumps()),      # 1
            ("crawl", "interrupted", health(25).dumps()),   # 2
            ("crawl", "failed", health(30).dumps()),        # 3: failed
            ("import", "finished", health(30).dumps()),     # 4: no crawl
            ("crawl", "finished", None),                    # 5: no health
            ("crawl", "finished", "not json")]              # 6: unreadable
    rows += [("crawl", "finished", health(19).dumps())] * 150  # 7-156: too few pages
    rows += [("crawl", "finished", health(21).dumps())]        # 157
    with db.atomic():
        db.conn.executemany("INSERT INTO crawl_runs (started_at, command, status, field_health) "
                            "VALUES ('t', ?, ?, ?)", rows)
    def pages(**options: int) -> list[int]:  # each run's page count tells it apart
        return [health.pages for health in db.health_history(**options)]

    # Two pages of 100 rows, then the rest: the newest qualifying runs, newest first.
    assert pages(before_run=158) == [21, 25, 20]
    assert db.health_history(before_run=158)[0].found["title"] == 21
    assert pages(before_run=158, runs=2) == [21, 25]
    assert pages(before_run=157) == [25, 20]
    assert pages(before_run=158, min_pages=19)[:3] == [21, 19, 19]
    assert pages(before_run=2) == [20]


def test_finish_run_keeps_field_health_and_drift(tmp_path: Path) -> None:
    from collections import Counter

    from archive import ExtractionHealth, RunCounts

    db = open_archive(tmp_path / "a.db")
    read = ExtractionHealth(pages=2, found=Counter({"title": 2}))
    for health, drift in ((read, "title found on 0% of pages (history: 100%)"),
                          (ExtractionHealth(), None)):
        run = db.start_run(command="crawl", options={})
        db.finish_run(run, status="finished", counts=RunCounts(), health=health, drift=drift)
    assert [tuple(r) for r in db.execute("SELECT field_health, drift FROM crawl_runs")] == [
        (read.dumps(), "title found on 0% of pages (history: 100%)"),
        (None, None)]  # a run that read no page has no health
    db.close()
    old = open_archive(tmp_path / "old.db", migrate=False)
    apply_migrations(old, target=9)  # before field_health and drift
    run = old.start_run(command="crawl", options={})
    old.finish_run(run, status="finished", counts=RunCounts(fetched=1), health=read, drift="x")
    assert old.execute("SELECT status, fetched FROM crawl_runs").fetchone() == ("finished", 1)
    old.close()


def test_open_archive_names_a_read_only_error_and_any_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import archive.archive as archive_module
    from archive.errors import ArchiveReadOnly

    path = tmp_path / "a.db"
    for error, kind, message in (
        (sqlite3.OperationalError("attempt to write a readonly database"), ArchiveReadOnly,
         f"cannot write {path}: read-only (attempt to write a readonly database)"),
        (sqlite3.OperationalError("no such table: x"), ArchiveError,
         f"{path}: cannot write the archive (no such table: x)"),
    ):
        def failing(db: object, _error: Exception = error) -> None:
            raise _error

        monkeypatch.setattr(archive_module, "apply_migrations", failing)
        with pytest.raises(ArchiveError) as raised:
            open_archive(path)
        assert type(raised.value) is kind
        assert str(raised.value) == message


def test_an_archive_on_a_read_only_mount_is_refused_for_writing(tmp_path: Path) -> None:
    import subprocess

    from archive.errors import ArchiveReadOnly

    source, mounted = tmp_path / "source", tmp_path / "ro"
    source.mkdir()
    mounted.mkdir()
    open_archive(source / "a.db").close()
    if os.geteuid() != 0 or subprocess.run(
            ["mount", "--bind", "-o", "ro", str(source), str(mounted)],
            capture_output=True, check=False).returncode != 0:
        pytest.skip("needs root to make a read-only mount")
    try:
        with pytest.raises(ArchiveReadOnly) as raised:
            open_archive(mounted / "a.db")
        assert str(raised.value) == (
            f"cannot write {mounted / 'a.db'}: read-only (read-only file system)")
    finally:
        subprocess.run(["umount", "--lazy", str(mounted)], check=False)


def test_a_file_that_is_not_writable_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import stat

    import archive.archive as archive_module
    from archive.errors import ArchiveReadOnly

    path = tmp_path / "a.db"
    open_archive(path).close()
    path.chmod(0o444)

    def access_by_mode(target: os.PathLike[str], mode: int) -> bool:
        """os.access as for a user who owns the files (root ignores the mode bits)."""
        if mode != os.W_OK:
            return os.access(target, mode)
        return bool(os.stat(target).st_mode & stat.S_IWUSR)

    monkeypatch.setattr(archive_module.os, "access", access_by_mode)
    with pytest.raises(ArchiveReadOnly) as raised:
        open_archive(path)
    assert str(raised.value) == f"cannot write {path}: read-only (the file is not writable)"
    path.chmod(0o644)
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(ArchiveReadOnly) as raised:
            open_archive(path)
        assert str(raised.value) == (
            f"cannot write {path}: read-only (folder {tmp_path} is not writable)")
    finally:
        tmp_path.chmod(0o755)


def test_apply_migrations_from_another_folder(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_only.sql").write_text("CREATE TABLE only_this (x);\n", encoding="utf-8")
    db = open_archive(tmp_path / "a.db", migrate=False)
    assert apply_migrations(db, folder=folder) == ["0001_only"]
    assert db.table_names() == ["only_this"]
    db.close()


def test_schema_dir_prefers_the_packaged_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import archive.schema_files as schema_files

    (tmp_path / "archive").mkdir()
    monkeypatch.setattr(schema_files, "__file__", str(tmp_path / "archive" / "schema_files.py"))
    assert schema_files.schema_dir() == tmp_path / "schema"  # a source checkout
    (tmp_path / "archive" / "_schema").mkdir()
    assert schema_files.schema_dir() == tmp_path / "archive" / "_schema"  # a wheel


def test_refresh_cutoff_is_utc_and_entry_keeps_the_kind(db: sqlite_utils.Database) -> None:
    from datetime import UTC, datetime, timedelta

    from archive import FrontierURL
    from archive.frontier import refresh_cutoff

    cutoff = datetime.fromisoformat(refresh_cutoff(60))
    assert cutoff.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - timedelta(seconds=60) - cutoff) < timedelta(seconds=5)
    table = db.frontier_table(run_id=_run(db))
    table.write_new([FrontierURL("https://g/doc/r", "g", 1, kind="resource")],
                    discovered_from=None)
    (rowid,) = db.execute("SELECT rowid FROM frontier").fetchone()
    assert table.entry(rowid, "g") == FrontierURL("https://g/doc/r", "g", 1, "resource")
