"""Helpers shared by test modules (not fixtures)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import sqlite_utils
from selectolax.lexbor import LexborHTMLParser, LexborNode

FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE_URL = "https://wenku.csdn.net/answer/2kxyq3m7vd"
ARCHIVE_TABLES = ("questions", "related_questions", "resources", "question_resources")


def snapshot(db: sqlite_utils.Database, tables: tuple[str, ...] = ARCHIVE_TABLES) -> dict:
    """Every row of the archive tables, ordered, for before/after comparisons."""
    return {
        table: sorted(tuple(row.values()) for row in db[table].rows) for table in tables
    }


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
