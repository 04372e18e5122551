"""Tests that kill mutants of the storing path's latest changes (schema 19: the writer
counts ``resources.recommended_by``; a page's new resources inserted in one
``executemany`` with the rowids SQLite would give them). Real archive files in tmp_path;
each test checks one behaviour a hand-made mutant changed (the record: the notes of the
fourth look at changed code, merged into TESTING.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from archive import Archive, open_archive
from parsers import AnswerPage, RecommendedResource

QUESTION_URL = "https://stackoverflow.com/questions/7/x"


def _page(resources: list[RecommendedResource]) -> AnswerPage:
    return AnswerPage(
        site="stackoverflow.com", id="7", url=QUESTION_URL, title="A title", asked_at=None,
        view_count=None, answer_text=None, answer_markdown=None, question_text=None,
        answers=[], answer_count=None, profile="stackexchange", parser_version=1,
        recommended_resources=resources)


def _store(db: Archive, page: AnswerPage) -> None:
    with db.atomic():
        db.store_answer_page(page)


def _found(db: Archive, word: str) -> list[int]:
    """The rowids of the resources whose title holds ``word`` (the search index)."""
    return [row[0] for row in db.execute(
        "SELECT rowid FROM resources_fts WHERE resources_fts MATCH ? ORDER BY rowid",
        [word])]


@pytest.mark.parametrize("stored_before", [False, True])
def test_a_resource_listed_twice_on_a_page_keeps_its_last_listing(
        tmp_path: Path, stored_before: bool) -> None:
    """A page listing one resource in both tabs with different values stores the last
    listing, whether the resource is new or was stored before (then updated twice), and
    the search index holds only its last title; it counts one recommendation."""
    db = open_archive(tmp_path / "archive.db")
    url = "https://wenku.csdn.net/doc/r1"
    if stored_before:
        _store(db, _page([RecommendedResource("related", 1, url, "aardvark", "old", "pdf",
                                              "doc")]))
        assert _found(db, "aardvark") == [1]
    _store(db, _page([
        RecommendedResource("related", 1, url, "bison", "first description", "pdf", "doc"),
        RecommendedResource("latest", 1, url, "cheetah", "last description", "zip",
                            "download"),
    ]))
    assert db.execute("SELECT rowid, kind, file_type, title, description, recommended_by "
                      "FROM resources").fetchall() == [
        (1, "download", "zip", "cheetah", "last description", 1)]
    assert (_found(db, "aardvark"), _found(db, "bison"), _found(db, "cheetah")) == (
        [], [], [1])
    assert db.execute("SELECT section, position, resource_rowid FROM "
                      "question_resource_links ORDER BY section").fetchall() == [
        ("latest", 1, 1), ("related", 1, 1)]
    db.close()


def test_new_resources_take_the_rowids_after_the_largest_past_a_gap(tmp_path: Path) -> None:
    """A page's new resources get the largest rowid + 1, + 2, ... in the page's order (what
    SQLite gives a row inserted without one), not one counted from the rows: an archive
    whose resources have a gap (a row deleted by hand, as a tool may) stores the page."""
    db = open_archive(tmp_path / "archive.db")
    with db.atomic():
        for url in ("https://a.test/1", "https://a.test/2", "https://a.test/3"):
            db.execute("INSERT INTO resources (url, kind, file_type, title, description) "
                       "VALUES (?, 'doc', 'pdf', 'three', '')", [url])
        db.execute("DELETE FROM resources WHERE url = 'https://a.test/2'")
    _store(db, _page([
        RecommendedResource("related", 1, "https://a.test/new-b", "bison", "", "pdf", "doc"),
        RecommendedResource("related", 2, "https://a.test/3", "three", "", "pdf", "doc"),
        RecommendedResource("related", 3, "https://a.test/new-a", "aardvark", "", "pdf", "doc"),
    ]))
    assert db.execute("SELECT rowid, url, title, recommended_by FROM resources "
                      "ORDER BY rowid").fetchall() == [
        (1, "https://a.test/1", "three", 0),
        (3, "https://a.test/3", "three", 1),
        (4, "https://a.test/new-b", "bison", 1),
        (5, "https://a.test/new-a", "aardvark", 1),
    ]
    assert (_found(db, "bison"), _found(db, "aardvark")) == ([4], [5])
    assert db.execute("SELECT position, resource_url FROM question_resources "
                      "ORDER BY position").fetchall() == [
        (1, "https://a.test/new-b"), (2, "https://a.test/3"), (3, "https://a.test/new-a")]
    # SQLite's own choice for the next row agrees.
    with db.atomic():
        db.execute("INSERT INTO resources (url) VALUES ('https://a.test/4')")
    assert db.execute("SELECT rowid FROM resources WHERE url = 'https://a.test/4'"
                      ).fetchone()[0] == 6
    db.close()
