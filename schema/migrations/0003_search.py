"""Version 3: full-text search over segmented Chinese (see archive/search.py).

One FTS5 table per searchable table, holding a segmented copy of its text
(CJK bigrams, Latin words) under the content row's rowid. Created empty and
filled from the rows the archive already holds, so an older archive upgrades
in place; from then on the archive's writer keeps them current.

Migrations import no qarchive code (it changes under them): the segmentation
below is a copy of archive.search.segment as it was at this version.
"""

from __future__ import annotations

import re

import sqlite_utils

# unicode61 splits on the spaces segment() puts between tokens and keeps each
# CJK bigram whole (CJK characters are letters to it). detail=full (the
# default) is what phrase queries over bigrams need.
STATEMENTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS questions_fts USING fts5("
    "title, answer, tokenize = 'unicode61')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS resources_fts USING fts5("
    "title, description, tokenize = 'unicode61')",
)

_CJK = (
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
    "\U00020000-\U0003134f"
)
_TOKEN_RUNS = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")


def segment(text: str | None) -> str:
    """CJK runs as overlapping bigrams (a one-character run stays whole), other words whole."""
    tokens: list[str] = []
    for cjk, word in _TOKEN_RUNS.findall((text or "").casefold()):
        if not cjk:
            tokens.append(word)
        elif len(cjk) == 1:
            tokens.append(cjk)
        else:
            tokens.extend(map(str.__add__, cjk[:-1], cjk[1:]))
    return " ".join(tokens)


def migrate(db: sqlite_utils.Database) -> None:
    for statement in STATEMENTS:
        db.execute(statement)
    db.conn.executemany(
        "INSERT INTO questions_fts (rowid, title, answer) VALUES (?, ?, ?)",
        ((rowid, segment(title), segment(answer)) for rowid, title, answer in
         db.execute("SELECT rowid, title, answer_text FROM questions").fetchall()),
    )
    db.conn.executemany(
        "INSERT INTO resources_fts (rowid, title, description) VALUES (?, ?, ?)",
        ((rowid, segment(title), segment(description)) for rowid, title, description in
         db.execute("SELECT rowid, title, description FROM resources").fetchall()),
    )
