"""Version 9: the search index gives each CJK run's last character a token of its own.

No bigram starts with a run's last character, so a one-character search (型)
missed the runs it ends (模型). The index is rebuilt with the new segmentation.

Migrations import no qarchive code (it changes under them): the segmentation
below is a copy of archive.search's as it is at this version.
"""

from __future__ import annotations

import re

import sqlite_utils

# The most characters of a column that are indexed (archive.search.SEARCH_MAX_CHARS).
SEARCH_MAX_CHARS = 50_000
_CJK = (
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
    "\U00020000-\U0003134f"
)
_TOKEN_RUNS = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")


def segment(text: str | None) -> str:
    """CJK runs as overlapping bigrams and then their last character; other words whole."""
    tokens: list[str] = []
    for cjk, word in _TOKEN_RUNS.findall((text or "")[:SEARCH_MAX_CHARS].casefold()):
        if not cjk:
            tokens.append(word)
        elif len(cjk) == 1:
            tokens.append(cjk)
        else:
            tokens.extend([*map(str.__add__, cjk[:-1], cjk[1:]), cjk[-1]])
    return " ".join(tokens)


def migrate(db: sqlite_utils.Database) -> None:
    db.execute("DELETE FROM questions_fts")
    db.execute("DELETE FROM resources_fts")
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
