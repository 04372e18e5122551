"""Tests written against the mutants that survived in the storage code changed since 55e775d
(issue #16): giving free pages back, the pages row, and the Markdown regular expressions
of the search index and the answer's start (mutated by hand: mutmut leaves module-level
constants alone). Real archive files; expected values written from the Markdown, not from
the code's output."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from tests_support import free_pages_made

from archive import FetchedPage, open_archive
from archive.search import answer_start, markdown_words

URL = "https://wenku.csdn.net/answer/zzzzzzzzzz"


# -- Archive.release_free_pages ---------------------------------------------------------


def test_the_last_free_page_is_given_back_too(tmp_path: Path) -> None:
    """Steps of all but one page: the second step gives back the one left."""
    db = open_archive(tmp_path / "archive.db")
    free = free_pages_made(db, pages=20)
    assert db.release_free_pages(max_seconds=None, step=free - 1) == free
    assert db.free_pages() == 0
    db.close()


def test_steps_go_on_until_the_deadline(tmp_path: Path) -> None:
    """An hour is time enough for every step: the deadline is ahead of the first one."""
    db = open_archive(tmp_path / "archive.db")
    free = free_pages_made(db, pages=250)
    assert db.release_free_pages(max_seconds=3600, step=100) == free
    assert db.free_pages() == 0
    db.close()


def test_the_file_is_cut_before_the_connection_closes(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The checkpoint after the steps moves the pages into the file and cuts it now (a
    crawl's archive stays open in Datasette for days), and it is no failure to log."""
    path = tmp_path / "archive.db"
    db = open_archive(path)
    free = free_pages_made(db, pages=200)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = int(db.execute("PRAGMA page_size").fetchone()[0])
    pages = path.stat().st_size // page_size
    with caplog.at_level(logging.WARNING):
        assert db.release_free_pages() == free
    assert path.stat().st_size // page_size == pages - free
    assert caplog.records == []
    db.close()


def test_a_failed_step_logs_how_many_pages_are_kept_and_why(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = open_archive(tmp_path / "archive.db")
    free = free_pages_made(db, pages=30)
    db.execute("PRAGMA query_only = 1")
    with caplog.at_level(logging.WARNING):
        assert db.release_free_pages() == 0
    assert [record.getMessage() for record in caplog.records] == [
        f"{free} free pages not given back to the file system: "
        "attempt to write a readonly database"]
    db.close()


# -- Archive._write_page_row ------------------------------------------------------------


def test_a_final_url_equal_to_the_url_is_stored_empty(tmp_path: Path) -> None:
    """The fetcher gives every response's URL; without a redirect it is the page's own,
    stored empty (schema 18: the same text in every row otherwise)."""
    db = open_archive(tmp_path / "archive.db")
    db.record_fetched_page(FetchedPage(url=URL, status=503, fetched_at="2026-01-01T00:00:00Z",
                                       final_url=URL), parse_error="HTTP 503")
    assert db.execute("SELECT final_url, COALESCE(final_url, url) FROM pages").fetchall() == [
        (None, URL)]
    db.close()


def test_a_page_without_a_body_has_the_columns_default_codec(tmp_path: Path) -> None:
    """No body, nothing compressed: the codec is the column's default (zlib, as every row
    from before version 13), one of the two the column's description names."""
    db = open_archive(tmp_path / "archive.db")
    db.record_fetched_page(FetchedPage(url=URL, status=503, fetched_at="2026-01-01T00:00:00Z"),
                           parse_error="HTTP 503")
    assert db.execute("SELECT body, body_codec, dictionary_id FROM pages").fetchall() == [
        (None, "zlib", None)]
    db.close()


# -- search._MARKDOWN_NOT_WORDS and _MARKDOWN_LINKS (markdown_words) -----------------------


@pytest.mark.parametrize(("markdown", "words"), [
    # A fence inside a quote goes with its language; the quoted code stays.
    ("> ```python\n> print(1)\n> ```", "\n> print(1)\n"),
    # Backticks that open no line are no fence; a number that opens no line is no item.
    ("use ```x``` here", "use ```x``` here"),
    ("step 2. next", "step 2. next"),
    # A tab after the item's number; ten digits are no list item (CommonMark: nine at most).
    ("1.\tfirst", "\tfirst"),
    ("1234567890. big", "1234567890. big"),
    # An image without alt text is no word, nor is its target; an empty target is a link.
    ("a![](https://img.example/quagga.png)b", "ab"),
    ("[a]() b", "a b"),
    # Brackets without a target are no link: a task list item's box stays.
    ("- [x] done", "- [x] done"),
    # A target does not go on past its line.
    ("[a](b\nc) d", "[a](b\nc) d"),
])
def test_markdown_words_of_rarer_markup(markdown: str, words: str) -> None:
    assert markdown_words(markdown) == words


# -- search._MARKDOWN_LINE_MARKS and _MARKDOWN_INLINE_MARKS (answer_start) ----------------


@pytest.mark.parametrize(("markdown", "start"), [
    ("> > nested", "nested"),
    (">\t> tabbed", "tabbed"),
    ("  > indented quote", "indented quote"),
    ("~~~js\nlet x\n~~~", "let x"),
    ("+ plus item", "plus item"),
    # Not markup at a line's start: seven #s, a # or a minus before a word, a number
    # with no space after its dot, ten digits.
    ("####### seven", "####### seven"),
    ("#hashtag", "#hashtag"),
    ("-1 is negative", "-1 is negative"),
    ("1.5 litres", "1.5 litres"),
    ("1234567890. big", "1234567890. big"),
    # A backslash before a letter is no escape: a Windows path keeps its backslashes.
    ("C:\\Users\\x", "C:\\Users\\x"),
])
def test_answer_start_of_rarer_markup(markdown: str, start: str) -> None:
    assert answer_start(markdown) == start
