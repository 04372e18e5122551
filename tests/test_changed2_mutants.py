"""Behaviour tests for the code changed since 7739f3a, written against mutmut's survivors
(issue 16): literal pages and values, expected values written by hand."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from test_qapage_forums import zhihu_page
from tests_support import fail_storing

from archive import Archive, FetchedPage, open_archive
from archive.archive import _inserted_rowid
from parsers import AnswerPage, _stale_compiled_modules, parse_page

ZHIHU_URL = "https://www.zhihu.com/question/5"

# -- Zhihu: the <title> fallback, the question's own visitsCount -------------------------------


def _zhihu_titled_in_body(before_title: str) -> str:
    """A Zhihu page with no heading whose ``<title>`` is in the body (an ``<img>`` ended the
    head), after ``before_title``."""
    return zhihu_page().replace(
        "<title>标题？ - 知乎</title>",
        f'<img src="/pixel.gif">{before_title}<title>真的标题 - 知乎</title>').replace(
        '<div id="zh-question-title"><h2 class="zm-item-title">\n标题？\n</h2></div>', "")


@pytest.mark.parametrize("before", [
    # an icon's tooltip, in a group of the SVG: not the SVG's own child
    '<svg viewBox="0 0 1 1"><g><title>图标</title></g></svg>',
    '<svg><title>图标</title></svg>',
    # MathML's <title> is a foreign element too (no HTML breakout tag)
    "<math><title>公式</title><mi>x</mi></math>",
    "<math><mrow><title>公式</title></mrow></math>",
])
def test_zhihu_title_fallback_passes_over_svg_and_math_titles(before: str) -> None:
    page = parse_page(_zhihu_titled_in_body(before), ZHIHU_URL)
    assert (page.title, page.field_sources["title"]) == ("真的标题", "title-tag")


@pytest.mark.parametrize("wrapped", [
    '<div class="meta"><meta itemprop="visitsCount" content="321"></div>',
    '<div><span><meta itemprop="visitsCount" content="321"></span></div>',
])
def test_zhihu_question_views_in_a_plain_element_of_the_question_are_its_own(
        wrapped: str) -> None:
    """A ``visitsCount`` inside a plain element (no ``itemscope``) of the question's item is
    the question's, exact; the related question's inside the sidebar is not read first."""
    related = ('<div itemscope itemtype="http://schema.org/Question">'
               '<meta itemprop="visitsCount" content="9"><a href="/question/6">别的</a></div>')
    html = zhihu_page(sidebar=related).replace(
        '<meta itemprop="visitsCount" content="321">', "").replace(
        '<div class="zu-main-sidebar">', wrapped + '<div class="zu-main-sidebar">')
    page = parse_page(html, ZHIHU_URL)
    assert (page.view_count, page.view_count_approximate, page.field_sources["view_count"]) \
        == (321, False, "meta")


# -- archive: a page stored with or without a savepoint of its own ---------------------------


def _page(question_id: str) -> AnswerPage:
    return AnswerPage(site="stackoverflow.com", id=question_id,
                      url=f"https://stackoverflow.com/questions/{question_id}/x",
                      title=f"Question {question_id}", asked_at=None, view_count=None,
                      answer_text=None, answer_markdown=None, question_text="Body",
                      answers=[], answer_count=0, profile="stackexchange", parser_version=1)


def _record(db: Archive, question_id: str, **savepoint: bool) -> None:
    page = _page(question_id)
    db.record_fetched_page(FetchedPage(url=page.url, status=200, body=b"<html></html>",
                                       fetched_at="2026-01-01T00:00:00+00:00"),
                           page=page, **savepoint)


def _stored(db: Archive) -> list[tuple[str, ...]]:
    return [tuple(row) for table in ("questions", "pages") for row in db.execute(
        f"SELECT '{table}', {'id' if table == 'questions' else 'question_id'} FROM {table} "
        "ORDER BY 2")]


@pytest.mark.parametrize("savepoint", [{}, {"savepoint": True}])
def test_a_page_that_fails_inside_a_transaction_is_rolled_back_alone_by_default(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, savepoint: dict[str, bool]) -> None:
    """By default (and with savepoint=True) a page stored inside the caller's transaction
    takes a savepoint: the page whose store raises (after its question row was written)
    leaves nothing, and the pages before and after it are committed."""
    db = open_archive(tmp_path / "archive.db")
    fail_storing(monkeypatch, "2")
    with db.atomic():
        _record(db, "1", **savepoint)
        with pytest.raises(ValueError, match="cannot store this page"):
            _record(db, "2", **savepoint)
        _record(db, "3", **savepoint)
    assert _stored(db) == [("questions", "1"), ("questions", "3"),
                           ("pages", "1"), ("pages", "3")]
    db.close()


def test_without_a_savepoint_a_failed_page_is_left_to_the_callers_rollback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """savepoint=False inside a transaction: what the failed page wrote stays in the
    caller's transaction (the caller rolls the batch back); outside one, the page is still
    stored in a transaction of its own, rolled back when it fails."""
    db = open_archive(tmp_path / "archive.db")
    fail_storing(monkeypatch, "2")
    db.conn.execute("BEGIN")
    _record(db, "1", savepoint=False)
    with pytest.raises(ValueError, match="cannot store this page"):
        _record(db, "2", savepoint=False)
    assert db.conn.in_transaction
    assert ("questions", "2") in _stored(db)  # written, not rolled back by the store
    db.conn.execute("ROLLBACK")
    assert _stored(db) == []
    _record(db, "1", savepoint=False)  # no transaction: its own, committed
    assert not db.conn.in_transaction
    with pytest.raises(ValueError, match="cannot store this page"):
        _record(db, "2", savepoint=False)
    assert not db.conn.in_transaction
    assert _stored(db) == [("questions", "1"), ("pages", "1")]
    db.close()


# -- archive: the rowid of an INSERT ----------------------------------------------------------


def test_a_cursor_that_inserted_nothing_gives_no_rowid() -> None:
    """_inserted_rowid's guard: a cursor that has run no INSERT (sqlite3 leaves lastrowid None
    until a statement runs) is an error that says so, not a rowid of None."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (x)")
    assert _inserted_rowid(conn.execute("INSERT INTO t VALUES (1)")) == 1
    with pytest.raises(sqlite3.InterfaceError) as raised:
        _inserted_rowid(conn.cursor())
    assert str(raised.value) == "the INSERT gave no rowid"
    conn.close()


# -- parsers/__init__.py: compiled modules older than their source -------------------------


def test_compiled_modules_older_than_their_source_or_without_one_are_stale(
        tmp_path: Path) -> None:
    """A compiled module is stale when its .py is more than 1 s newer (an install writes
    the two a moment apart) or gone; each is named by its .py, or by itself when that is gone."""
    package = tmp_path / "parsers"
    (package / "sites").mkdir(parents=True)
    so = ".cpython-311-x86_64-linux-gnu.so"
    times = {  # file: mtime
        "a.py": 1_000, "a" + so: 1_000,          # written together
        "b.py": 1_001, "b" + so: 1_000,          # 1 s apart: the slack
        "c.py": 1_002, "c" + so: 1_000,          # edited since
        "e" + so: 1_000,                         # its .py deleted
        "f.py": 5_000,                           # never compiled (model.py)
        "g.py": 1_000, "g" + so: 2_000,          # compiled after the edit
        "sites/d.py": 9_000, "sites/d" + so: 1_000,
    }
    for name, mtime in times.items():
        (package / name).write_text("")
        os.utime(package / name, (mtime, mtime))
    assert _stale_compiled_modules(package) == [
        "parsers/c.py", "parsers/e" + so, "parsers/sites/d.py"]
    assert _stale_compiled_modules(package / "sites") == ["sites/d.py"]
    assert _stale_compiled_modules(tmp_path / "empty") == []
