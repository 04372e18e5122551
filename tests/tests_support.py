"""Helpers shared by test modules (not fixtures)."""

from __future__ import annotations

import importlib.util
import re
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlite_utils
from selectolax.lexbor import LexborHTMLParser, LexborNode

FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE_URL = "https://wenku.csdn.net/answer/2kxyq3m7vd"
ARCHIVE_TABLES = ("questions", "related_questions", "resources", "question_resources")
# `pip install .` compiles these to C with mypyc (pyproject.toml); the rest of parsers/
# (__init__.py, model.py) stays Python.
COMPILED_PARSERS = (
    "parsers.css", "parsers.decoding", "parsers.links", "parsers.markdown",
    "parsers.markdown_source", "parsers.nesting", "parsers.profile", "parsers.schema_org",
    "parsers.state", "parsers.text", "parsers.values", "parsers.sites.csdn",
    "parsers.sites.discourse", "parsers.sites.qapage", "parsers.sites.stackexchange",
    "parsers.sites.zhihu",
)


def python_source(module: ModuleType) -> ModuleType:
    """A copy of ``module`` run from its ``.py`` file, under a name of its own.

    A compiled module calls its own functions directly, so patching one of them changes
    nothing there: a test that swaps a function to compare two ways of parsing runs this
    copy (its imports of other modules are the usual ones). test_compiled_parsers.py
    checks that the compiled modules give what their source gives."""
    assert module.__file__ is not None
    source = Path(module.__file__).with_name(module.__name__.rpartition(".")[2] + ".py")
    return module_from_file(f"{module.__name__}__source", source)


def module_from_file(name: str, path: Path) -> ModuleType:
    """The module run from ``path`` under ``name`` (the Datasette plugin, as Datasette
    loads it from its plugins folder; a parser's source)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


def fail_storing(monkeypatch: pytest.MonkeyPatch, question_id: str) -> None:
    """Make the real store raise for one question's page, after its question row and answers
    are written (a storing bug a hostile page triggers): what it wrote must be rolled back."""
    from archive import Archive

    real_store = Archive._store_related

    def store_related(self: Archive, page: Any, *args: Any, **kwargs: Any) -> bool:
        if page.id == question_id:
            raise ValueError("cannot store this page (test)")
        return real_store(self, page, *args, **kwargs)

    monkeypatch.setattr(Archive, "_store_related", store_related)


def snapshot(db: sqlite_utils.Database, tables: tuple[str, ...] = ARCHIVE_TABLES) -> dict:
    """Every row of the archive tables, ordered, for before/after comparisons.

    A question's set of field sources is compared by its JSON: the sets' ids are in the
    order each archive met them (migration 0018)."""
    sets = (dict(db.execute("SELECT id, sources FROM field_source_sets").fetchall())
            if "field_source_sets" in db.table_names() else {})

    def values(row: dict) -> tuple:
        if "field_sources_id" in row:
            row["field_sources_id"] = sets.get(row["field_sources_id"])
        return tuple(row.values())

    return {table: sorted(values(row) for row in db[table].rows) for table in tables}


def views_value(text: str) -> tuple[int, bool]:
    """A view count as the sample site shows it (76, 1,234, 1.2万, 3.4w, 10万+) and whether
    it is rounded: read without the project's parser, so the site's tests stand alone."""
    if text == "10万+":
        return 100_000, True
    if match := re.fullmatch(r"(\d+(?:\.\d)?)(万|w)", text):
        return int(Decimal(match.group(1)) * 10_000), True
    assert re.fullmatch(r"\d{1,3}(,\d{3})*|\d+", text), text
    return int(text.replace(",", "")), False


def fts_indexed(db: sqlite_utils.Database, table: str) -> dict[int, tuple[str, ...]]:
    """What a search index holds, by rowid: each column's tokens in order, as ``segment``
    wrote them. Read from the index itself (fts5vocab): the tables are contentless."""
    columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
    db.execute(f"CREATE VIRTUAL TABLE temp.{table}_instances USING fts5vocab(main, {table}, "
               "'instance')")
    try:
        tokens: dict[int, dict[str, list[str]]] = {}
        for term, rowid, column, _ in db.execute(
                f"SELECT term, doc, col, offset FROM temp.{table}_instances "
                "ORDER BY doc, col, offset"):
            tokens.setdefault(rowid, {}).setdefault(column, []).append(term)
    finally:
        db.execute(f"DROP TABLE temp.{table}_instances")
    return {rowid: tuple(" ".join(found.get(column, [])) for column in columns)
            for rowid, found in tokens.items()}


def lexbor_depth(html: str, *, elements_only: bool = False) -> int:
    """The deepest node of lexbor's tree for ``html`` (``<html>`` is 1, ``<body>`` 2), walked
    without recursion; ``elements_only``: text and comment nodes not counted."""
    root = LexborHTMLParser(html).root
    assert root is not None
    deepest, todo = 0, [(root, 1)]
    while todo:
        node, depth = todo.pop()
        if elements_only and (not node.tag or node.tag.startswith(("-", "_", "!"))):
            continue
        deepest = max(deepest, depth)
        child = node.child
        while child is not None:
            todo.append((child, depth + 1))
            child = child.next
    return deepest


def by_id(root: LexborNode, name: str) -> LexborNode:
    """The element of a literal fragment with this id (the fragment must have one)."""
    node = root.css_first(f"#{name}")
    assert node is not None, name
    return node


def node_name(node: LexborNode | None) -> str | None:
    """How a literal fragment's node is named in a test: an element by its id, else its
    tag; a text node by its text."""
    if node is None:
        return None
    if node.tag == "-text":
        return node.text_content
    return node.attributes.get("id") or node.tag


def free_pages_made(db: Any, *, pages: int) -> int:
    """About ``pages`` free pages in the archive ``db``, as a merge of the search index
    leaves them: a table filled (a row a page) and dropped. Returns the freelist's length."""
    page_size = int(db.execute("PRAGMA page_size").fetchone()[0])
    with db.atomic():
        db.execute("CREATE TABLE filler (blob BLOB)")
        db.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                   "WHERE i < ?) INSERT INTO filler SELECT zeroblob(?) FROM n",
                   [pages, page_size // 2])
        db.execute("DROP TABLE filler")
    free = int(db.free_pages())
    assert free >= pages
    return free
