"""Version 4: history for scheduled crawls — view counts over time, answer versions, gone pages.

``view_counts`` keeps every observation of a question's view count (one per
run that fetched or re-checked its page), ``answer_versions`` every distinct
text a question's answer had, and ``questions.gone_at`` / ``pages.gone_at``
say since when a page answers 404 or 410 (its data is kept). A Python
migration because the backfill hashes the answers: the current answer of
every fetched question becomes its version 1, its current view count its
first observation, so an archive made before history began has a start.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import sqlite_utils

STATEMENTS = (
    # When the question's page began answering 404 or 410; NULL while it answers.
    "ALTER TABLE questions ADD COLUMN gone_at TEXT",
    "CREATE INDEX idx_questions_gone_at ON questions (gone_at)",
    # Same, for the URL: its last good body, etag and hash stay in the row.
    "ALTER TABLE pages ADD COLUMN gone_at TEXT",
    # Pages a run found gone (404/410) that had been archived.
    "ALTER TABLE crawl_runs ADD COLUMN gone INTEGER NOT NULL DEFAULT 0",
    """CREATE TABLE view_counts (
        id INTEGER PRIMARY KEY,
        question_id TEXT NOT NULL REFERENCES questions (id),
        observed_at TEXT NOT NULL,           -- ISO 8601 UTC: the fetch (or 304) that read it
        view_count INTEGER NOT NULL,
        view_count_approximate INTEGER NOT NULL DEFAULT 0,
        run_id INTEGER REFERENCES crawl_runs (id)
    )""",
    # One observation per question per run; also the index for question_id.
    "CREATE UNIQUE INDEX idx_view_counts_question_run ON view_counts (question_id, run_id)",
    "CREATE INDEX idx_view_counts_run_id ON view_counts (run_id)",
    "CREATE INDEX idx_view_counts_observed_at ON view_counts (observed_at)",
    """CREATE TABLE answer_versions (
        id INTEGER PRIMARY KEY,
        question_id TEXT NOT NULL REFERENCES questions (id),
        version INTEGER NOT NULL,            -- 1, 2, ... in the order they were seen
        content_hash TEXT NOT NULL,          -- sha256 of title, answer_text, answer_markdown
        title TEXT,
        answer_text TEXT,
        answer_markdown TEXT,
        first_seen_at TEXT NOT NULL,         -- ISO 8601 UTC
        superseded_at TEXT,                  -- when a newer text replaced it; NULL: current
        run_id INTEGER REFERENCES crawl_runs (id)  -- the run that first stored it
    )""",
    "CREATE UNIQUE INDEX idx_answer_versions_question_version "
    "ON answer_versions (question_id, version)",
    "CREATE INDEX idx_answer_versions_run_id ON answer_versions (run_id)",
)


def answer_hash(title: str | None, answer_text: str | None, answer_markdown: str | None) -> str:
    # A copy of archive.answer_hash as of this version: migrations import no
    # qarchive code, which may change under them.
    text = "\x00".join(part or "" for part in (title, answer_text, answer_markdown))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def migrate(db: sqlite_utils.Database) -> None:
    for statement in STATEMENTS:
        db.execute(statement)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    # The page each fetched question came from (its latest fetch, if several URLs).
    rows = db.execute(
        "SELECT q.id, q.title, q.answer_text, q.answer_markdown, q.view_count, "
        "q.view_count_approximate, p.fetched_at, p.run_id "
        "FROM questions q LEFT JOIN pages p ON p.url = ("
        "  SELECT url FROM pages WHERE question_id = q.id ORDER BY fetched_at DESC LIMIT 1) "
        "WHERE q.is_fetched = 1"
    ).fetchall()
    db.conn.executemany(
        "INSERT INTO answer_versions (question_id, version, content_hash, title, answer_text, "
        "answer_markdown, first_seen_at, run_id) VALUES (?, 1, ?, ?, ?, ?, ?, ?)",
        [(id_, answer_hash(title, text, markdown), title, text, markdown, fetched_at or now,
          run_id) for id_, title, text, markdown, _, _, fetched_at, run_id in rows],
    )
    db.conn.executemany(
        "INSERT OR IGNORE INTO view_counts (question_id, observed_at, view_count, "
        "view_count_approximate, run_id) VALUES (?, ?, ?, ?, ?)",
        [(id_, fetched_at or now, views, approximate, run_id)
         for id_, _, _, _, views, approximate, fetched_at, run_id in rows if views is not None],
    )
