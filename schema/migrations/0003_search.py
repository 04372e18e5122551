"""Version 3: full-text search over segmented Chinese (see archive/search.py).

One FTS5 table per searchable table, holding a segmented copy of its text
(CJK bigrams, Latin words) under the content row's rowid. Created empty and
filled from the rows the archive already holds, so an older archive upgrades
in place; from then on ``store_answer_page`` keeps them current.
"""

from __future__ import annotations

import sqlite_utils

from archive.search import rebuild_search_index

# unicode61 splits on the spaces segment() puts between tokens and keeps each
# CJK bigram whole (CJK characters are letters to it). detail=full (the
# default) is what phrase queries over bigrams need.
STATEMENTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS questions_fts USING fts5("
    "title, answer, tokenize = 'unicode61')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS resources_fts USING fts5("
    "title, description, tokenize = 'unicode61')",
)


def migrate(db: sqlite_utils.Database) -> None:
    for statement in STATEMENTS:
        db.execute(statement)
    rebuild_search_index(db)
