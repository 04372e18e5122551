"""Full-text search that works for unsegmented Chinese.

SQLite's FTS5 tokenizers split on spaces and punctuation, so a Chinese
sentence is one long token and ``模型`` finds nothing inside it. We index a
*segmented copy* instead: every run of CJK characters becomes its overlapping
bigrams (``预训练模型`` -> ``预训 训练 练模 模型``; a one-character run stays
one token), Latin words and numbers stay whole, everything is lowercased. A
query goes through the same segmentation and becomes an FTS5 phrase per term,
so ``预训练模型`` matches exactly the rows holding those five characters in
order, ``模型`` is the one-token phrase ``"模型"``, and ``BERT`` is ``"bert"``.
Bigrams are what CJK search engines without a dictionary use (Lucene's
CJKAnalyzer); they need no word list and never miss a substring of two or more
characters. See schema/README.md for the tables.

The writer keeps the index current: ``store_answer_page`` adds each row it
changes to a ``PendingIndex``, written in two ``executemany`` calls per batch;
migration 0003 indexes the rows an older archive already holds.
"""

from __future__ import annotations

import re
from typing import Any

import sqlite_utils

__all__ = [
    "QUESTION_FTS",
    "RESOURCE_FTS",
    "PendingIndex",
    "fts_query",
    "rebuild_search_index",
    "segment",
]

QUESTION_FTS = "questions_fts"
RESOURCE_FTS = "resources_fts"

# Han (with extensions A and B..), kana and Hangul: scripts written without spaces.
_CJK = (
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
    "\U00020000-\U0003134f"
)
# A run of CJK characters, or a run of other word characters (no underscore). The
# second class names CJK explicitly instead of a per-character lookahead: 1.4x faster.
_TOKEN_RUNS = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")


def _tokens(text: str) -> list[list[str]]:
    """Token groups: one group per CJK run (its bigrams) or per Latin word."""
    groups: list[list[str]] = []
    for cjk, word in _TOKEN_RUNS.findall(text.casefold()):
        if not cjk:
            groups.append([word])
        elif len(cjk) == 1:
            groups.append([cjk])
        else:
            groups.append(list(map(str.__add__, cjk[:-1], cjk[1:])))  # overlapping bigrams
    return groups


def segment(text: str | None) -> str:
    """The text as FTS5 should index it: bigrams for CJK runs, words for the rest.

    >>> segment("BERT预训练模型, v2")
    'bert 预训 训练 练模 模型 v2'
    """
    if not text:
        return ""
    return " ".join(token for group in _tokens(text) for token in group)


def fts_query(user_query: str | None) -> str:
    """A user's search words as a safe FTS5 expression over segmented text.

    Each whitespace-separated term becomes one phrase of its tokens (terms are
    ANDed), so FTS5 operators and quotes typed by a user are never syntax. A
    single CJK character becomes a prefix query (``模*``): it matches a
    one-character run and every bigram starting with it. A query with no
    searchable characters becomes ``""``, which matches nothing.

    >>> fts_query("预训练模型 BERT")
    '"预训 训练 练模 模型" "bert"'
    """
    phrases = []
    for term in (user_query or "").split():
        tokens = [token for group in _tokens(term) for token in group]
        if not tokens:
            continue
        if len(tokens) == 1 and len(tokens[0]) == 1 and _is_cjk(tokens[0]):
            phrases.append(f'"{tokens[0]}"*')
        else:
            phrases.append('"' + " ".join(tokens) + '"')
    return " ".join(phrases) if phrases else '""'


def _is_cjk(char: str) -> bool:
    return bool(re.fullmatch(f"[{_CJK}]", char))


# The FTS rowid is the content row's rowid: Datasette's table search compares
# ``rowid IN (SELECT rowid FROM <fts_table> WHERE ... MATCH ...)``.
_FTS_COLUMNS = {QUESTION_FTS: "title, answer", RESOURCE_FTS: "title, description"}


class PendingIndex:
    """Search-index writes gathered while pages are stored, written together by ``flush``.

    Interleaving FTS5 writes with the row writes cost ~4x: an FTS5 delete reads
    the index, which flushes FTS5's pending terms page by page. Gathered, the
    deletes and inserts each run as one ``executemany``.
    """

    __slots__ = ("_deletes", "_inserts")

    def __init__(self) -> None:
        self._deletes: dict[str, list[tuple[int]]] = {QUESTION_FTS: [], RESOURCE_FTS: []}
        self._inserts: dict[str, list[tuple[int, str, str]]] = {
            QUESTION_FTS: [], RESOURCE_FTS: []}

    def add(self, fts_table: str, rowid: int, first: str | None, second: str | None,
            *, new: bool) -> None:
        if not new:  # a row indexed before: drop its old entry first
            self._deletes[fts_table].append((rowid,))
        self._inserts[fts_table].append((rowid, segment(first), segment(second)))

    def _lists(self) -> list[list[Any]]:
        return [*self._deletes.values(), *self._inserts.values()]

    def mark(self) -> tuple[int, ...]:
        """Where the gathered writes stand: :meth:`rollback` drops what came after."""
        return tuple(len(rows) for rows in self._lists())

    def rollback(self, mark: tuple[int, ...]) -> None:
        """Drop the writes gathered since ``mark`` (a page whose rows were rolled back)."""
        for rows, length in zip(self._lists(), mark, strict=True):
            del rows[length:]

    def flush(self, db: sqlite_utils.Database) -> None:
        for fts_table, rowids in self._deletes.items():
            if rowids:
                db.conn.executemany(f"DELETE FROM {fts_table} WHERE rowid = ?", rowids)
                rowids.clear()
        for fts_table, rows in self._inserts.items():
            if rows:
                # A rowid written twice in one batch keeps its last text.
                latest = list({row[0]: row for row in rows}.values())
                db.conn.executemany(
                    f"INSERT INTO {fts_table} (rowid, {_FTS_COLUMNS[fts_table]}) "
                    "VALUES (?, ?, ?)", latest)
                rows.clear()


def rebuild_search_index(db: sqlite_utils.Database) -> None:
    """Index every question and resource from scratch (after a VACUUM,
    which may renumber the rowids the index refers to)."""
    db.execute(f"DELETE FROM {QUESTION_FTS}")
    db.execute(f"DELETE FROM {RESOURCE_FTS}")
    db.conn.executemany(
        f"INSERT INTO {QUESTION_FTS} (rowid, title, answer) VALUES (?, ?, ?)",
        ((rowid, segment(title), segment(answer)) for rowid, title, answer in
         db.execute("SELECT rowid, title, answer_text FROM questions").fetchall()),
    )
    db.conn.executemany(
        f"INSERT INTO {RESOURCE_FTS} (rowid, title, description) VALUES (?, ?, ?)",
        ((rowid, segment(title), segment(description)) for rowid, title, description in
         db.execute("SELECT rowid, title, description FROM resources").fetchall()),
    )
