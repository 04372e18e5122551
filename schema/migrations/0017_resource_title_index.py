"""Version 17: resources are searched by title only (#15, "Storage and interchange").

``resources_fts`` indexed every recommended resource's title and description as
CJK bigrams: 5.9 MB of a 3,000-page archive's 36.5 MB, the biggest single object,
nearly all of it descriptions (a title is a few words, a description a paragraph).
The index now holds the title alone (a contentless one-column FTS5 table, as
before ``content=''``), rebuilt here from the rows. A resource is found by the
words of its title; its description is still stored and shown, and Datasette's
``description__contains`` filters by it (a scan of the table, not the index).

Migrations import no qarchive code: the segmentation is a copy of
archive.search's at this version.
"""

from __future__ import annotations

import re

import sqlite_utils

# --- the search index: a copy of archive.search's segmentation at this version -----------
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


RESOURCES_FTS = (
    "CREATE VIRTUAL TABLE resources_fts USING fts5("
    "title, tokenize = 'unicode61', content = '')"
)


def migrate(db: sqlite_utils.Database) -> None:
    db.execute("DROP TABLE resources_fts")
    db.execute(RESOURCES_FTS)
    db.conn.executemany(
        "INSERT INTO resources_fts (rowid, title) VALUES (?, ?)",
        ((rowid, segment(title)) for rowid, title in  # from the cursor: memory stays flat
         db.execute("SELECT rowid, title FROM resources")),
    )
