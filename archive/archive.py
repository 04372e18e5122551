"""archive.db: opening, migrating, and storing parsed pages.

Everything that writes goes through this module's functions, called by one
writer (the crawler's writer task, `qarchive import`, `qarchive reparse`), so
each page is stored in one transaction: a kill at any moment leaves either
the old rows or the new ones, never half of a page.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sqlite3
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import sqlite_utils

from archive.schema_files import schema_dir
from archive.search import QUESTION_FTS, RESOURCE_FTS, PendingIndex
from parsers import AnswerPage

__all__ = [
    "APPLICATION_ID",
    "GONE_STATUSES",
    "ArchiveError",
    "FetchedPage",
    "RecordOutcome",
    "StoreOutcome",
    "answer_hash",
    "apply_migrations",
    "compress_body",
    "decompress_body",
    "migrations",
    "open_archive",
    "record_fetched_page",
    "record_unchanged_page",
    "schema_version",
    "store_answer_page",
    "utc_now",
]

# PRAGMA application_id marks a file as a qarchive archive ("qarc").
APPLICATION_ID = 0x71617263
# A writer waits this long for a lock held by a reader or another process.
BUSY_TIMEOUT_MS = 10_000

StoreOutcome = Literal["new", "updated", "unchanged"]
# What became of a fetched page: stored, or an archived page found gone.
RecordOutcome = Literal["new", "updated", "unchanged", "gone"]
# RFC 9110 §15.5.5, §15.5.11: the page is not there (404) or was removed for good (410).
# Either way the archive keeps what it had and marks it gone.
GONE_STATUSES = frozenset({404, 410})


class ArchiveError(Exception):
    """The file cannot be used as an archive; the message says why and what to do."""


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def migrations() -> list[tuple[int, str, Path]]:
    """``(version, name, path)`` for every migration shipped, in order.

    A migration is ``NNNN_name.sql`` (statements) or ``NNNN_name.py`` with a
    ``migrate(db)`` function, for steps SQL cannot do alone (segmenting
    existing text for search, say).
    """
    found = []
    for path in (schema_dir() / "migrations").glob("[0-9][0-9][0-9][0-9]_*.*"):
        if path.suffix in (".sql", ".py"):
            found.append((int(path.name[:4]), path.stem, path))
    return sorted(found)


def schema_version(db: sqlite_utils.Database) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def _run_migration(db: sqlite_utils.Database, path: Path) -> None:
    if path.suffix == ".sql":
        for statement in _statements(path.read_text(encoding="utf-8")):
            db.execute(statement)
        return
    spec = importlib.util.spec_from_file_location(f"qarchive_migration_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ArchiveError(f"cannot load migration {path.name}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.migrate(db)


def apply_migrations(db: sqlite_utils.Database, *, target: int | None = None) -> list[str]:
    """Bring the archive up to ``target`` (default: the newest); returns what was applied.

    Each migration runs in its own transaction together with the version bump,
    so an interrupted upgrade leaves the archive at the previous version.
    """
    applied = []
    current = schema_version(db)
    for version, name, path in migrations():
        if version <= current or (target is not None and version > target):
            continue
        with db.atomic():
            _run_migration(db, path)
            db.execute(f"PRAGMA user_version = {version:d}")
            db.execute(f"PRAGMA application_id = {APPLICATION_ID:d}")
        applied.append(name)
    return applied


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in text.splitlines())


def _statements(script: str) -> Iterator[str]:
    """Split a migration into statements (sqlite3.complete_statement knows about triggers)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if not _only_comments(buffer):
                yield buffer.strip()
            buffer = ""
    if not _only_comments(buffer):
        raise ArchiveError(f"incomplete SQL statement in migration: {buffer[:60]!r}")


def open_archive(
    path: str | Path, *, create: bool = True, migrate: bool = True, readonly: bool = False
) -> sqlite_utils.Database:
    """Open (and create, and upgrade) an archive.

    Raises ArchiveError for a file that is not a qarchive archive, one made
    by a newer qarchive, or a path that cannot be written.
    """
    path = Path(path)
    if not create and not path.exists():
        raise ArchiveError(f"{path}: no such archive (run `qarchive crawl` or `import` first)")
    if path.exists() and path.is_dir():
        raise ArchiveError(f"{path}: is a directory, not an archive file")
    if create and not path.exists() and not path.parent.exists():
        raise ArchiveError(f"{path}: folder {path.parent} does not exist")
    try:
        if readonly:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        else:
            # Autocommit at the driver; transactions are explicit (db.atomic()).
            conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        db = sqlite_utils.Database(conn)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
        application_id = int(db.execute("PRAGMA application_id").fetchone()[0])
        has_tables = bool(db.table_names())
    except sqlite3.DatabaseError as error:
        raise ArchiveError(f"{path}: not a qarchive archive ({error})") from None
    if application_id != APPLICATION_ID and (has_tables or application_id != 0):
        conn.close()
        raise ArchiveError(f"{path}: not a qarchive archive (it holds other tables)")
    newest = migrations()[-1][0]
    if schema_version(db) > newest:
        conn.close()
        raise ArchiveError(
            f"{path}: made by a newer qarchive (schema {schema_version(db)}, this one knows "
            f"{newest}); upgrade qarchive"
        )
    if readonly:
        return db
    try:
        db.execute("PRAGMA foreign_keys = ON")
        # WAL: Datasette reads while a crawl writes. synchronous=NORMAL is
        # durable across a process kill (only an OS crash may lose the last commits).
        db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")
        if migrate:
            apply_migrations(db)
    except sqlite3.OperationalError as error:
        conn.close()
        raise ArchiveError(f"{path}: cannot write the archive ({error})") from None
    return db


def compress_body(body: bytes) -> bytes:
    # Level 3: within 4% of level 6 on answer pages, for 25% less CPU per page.
    return zlib.compress(body, 3)


def decompress_body(blob: bytes) -> bytes:
    return zlib.decompress(blob)


@dataclass(slots=True)
class FetchedPage:
    """What one fetch produced, whatever its outcome; becomes a ``pages`` row."""

    url: str
    status: int | None
    fetched_at: str
    final_url: str | None = None
    redirect_chain: list[str] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    charset: str | None = None
    body: bytes | None = None

    @property
    def content_hash(self) -> str | None:
        return hashlib.sha256(self.body).hexdigest() if self.body is not None else None


def _question_row(page: AnswerPage) -> dict[str, Any]:
    return {
        "id": page.id,
        "url": page.url,
        "title": page.title,
        "asked_at": page.asked_at,
        "view_count": page.view_count,
        "view_count_approximate": int(page.view_count_approximate),
        "answer_text": page.answer_text,
        "answer_markdown": page.answer_markdown,
        "is_fetched": 1,
        "profile": page.profile,
        "parser_version": page.parser_version,
    }


def answer_hash(title: str | None, answer_text: str | None, answer_markdown: str | None) -> str:
    """The identity of an answer version: what a reader sees change when it is edited."""
    text = "\x00".join(part or "" for part in (title, answer_text, answer_markdown))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _store_answer_version(
    db: sqlite_utils.Database, page: AnswerPage, *, observed_at: str | None,
    run_id: int | None, first: bool = False,
) -> None:
    """Keep every text the answer had: a changed text supersedes the current version.

    ``observed_at`` None means the same stored body was read again by a newer
    parser (reparse): that corrects the current version in place rather than
    inventing an edit the site never made.
    """
    digest = answer_hash(page.title, page.answer_text, page.answer_markdown)
    # ``first``: the question's first fetch, which has no version yet.
    current = None if first else db.execute(
        "SELECT id, version, content_hash FROM answer_versions "
        "WHERE question_id = ? AND superseded_at IS NULL ORDER BY version DESC LIMIT 1",
        [page.id]).fetchone()
    if current is not None and current[2] == digest:
        return
    texts = [digest, page.title, page.answer_text, page.answer_markdown]
    if current is not None and observed_at is None:
        db.execute("UPDATE answer_versions SET content_hash = ?, title = ?, answer_text = ?, "
                   "answer_markdown = ? WHERE id = ?", [*texts, current[0]])
        return
    seen = observed_at or utc_now()
    if current is not None:
        db.execute("UPDATE answer_versions SET superseded_at = ? WHERE id = ?",
                   [seen, current[0]])
    version = (current[1] if current is not None else 0) + 1
    db.execute(
        "INSERT INTO answer_versions (question_id, version, content_hash, title, answer_text, "
        "answer_markdown, first_seen_at, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [page.id, version, *texts, seen, run_id])


def _record_view_count(
    db: sqlite_utils.Database, question_id: str, view_count: int | None, approximate: int,
    *, observed_at: str, run_id: int | None,
) -> None:
    if view_count is None:
        return
    # One observation per question per run: a page fetched twice in a run
    # (two URLs for one question) keeps the later reading.
    db.execute(
        "INSERT INTO view_counts (question_id, observed_at, view_count, view_count_approximate, "
        "run_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT (question_id, run_id) DO UPDATE SET "
        "observed_at = excluded.observed_at, view_count = excluded.view_count, "
        "view_count_approximate = excluded.view_count_approximate",
        [question_id, observed_at, view_count, approximate, run_id])


def store_answer_page(
    db: sqlite_utils.Database, page: AnswerPage, *, observed_at: str | None = None,
    run_id: int | None = None, pending: PendingIndex | None = None,
) -> StoreOutcome:
    """Store one parsed page: its question, related links and resources.

    Idempotent: storing the same page again changes no row. A newer version
    replaces the question's related and resource lists; an answer whose text
    changed keeps its old text in ``answer_versions``. ``observed_at``: when
    the page was fetched (None: a stored body read again, see
    ``_store_answer_version``). A question first seen as a related question
    keeps its stub row until its own page completes it. Call inside a
    transaction (``record_fetched_page`` does). ``pending``: where a writer
    storing a batch gathers search-index writes (flushed by the writer before it
    commits); without it this page's are written at once.
    """
    if pending is None:
        pending = PendingIndex()
        stored = store_answer_page(db, page, observed_at=observed_at, run_id=run_id,
                                   pending=pending)
        pending.flush(db)
        return stored
    row = _question_row(page)
    existing = db.execute(
        "SELECT " + ", ".join(row) + " FROM questions WHERE id = ?", [page.id]
    ).fetchone()
    # A question never fetched before (absent, or a stub seen as a related question)
    # has no answer versions, related links or resource links yet: nothing to compare.
    first_fetch = existing is None or existing[list(row).index("is_fetched")] == 0
    if first_fetch:
        outcome: StoreOutcome = "new"
    else:
        outcome = "unchanged" if tuple(existing) == tuple(row.values()) else "updated"
    if outcome != "unchanged":
        rowid = db.execute(
            "INSERT INTO questions (" + ", ".join(row) + ") VALUES ("
            + ", ".join("?" for _ in row) + ") ON CONFLICT (id) DO UPDATE SET "
            + ", ".join(f"{column} = excluded.{column}" for column in row if column != "id")
            + " RETURNING rowid",
            list(row.values()),
        ).fetchone()[0]
        pending.add(QUESTION_FTS, rowid, page.title, page.answer_text, new=existing is None)
    _store_answer_version(db, page, observed_at=observed_at, run_id=run_id,
                          first=first_fetch)
    related_rows = [
        (page.id, related.id, related.position, related.title, related.answer_text)
        for related in page.related_questions
    ]
    stored_related = [] if first_fetch else [tuple(r) for r in db.execute(
        "SELECT from_id, to_id, position, title, answer_text FROM related_questions "
        "WHERE from_id = ? ORDER BY position", [page.id]
    ).fetchall()]
    if stored_related != related_rows:
        for related in page.related_questions:
            # A stub: the question as the linking page shows it, completed when
            # its own page is stored (ON CONFLICT leaves a fetched row alone).
            stub = db.execute(
                "INSERT INTO questions (id, url, title, is_fetched) VALUES (?, ?, ?, 0) "
                "ON CONFLICT (id) DO NOTHING RETURNING rowid",
                [related.id, related.url, related.title],
            ).fetchone()
            if stub is not None:
                pending.add(QUESTION_FTS, stub[0], related.title, None, new=True)
        if stored_related:
            db.execute("DELETE FROM related_questions WHERE from_id = ?", [page.id])
        db.conn.executemany(
            "INSERT INTO related_questions (from_id, to_id, position, title, answer_text) "
            "VALUES (?, ?, ?, ?, ?)", related_rows,
        )
        outcome = "updated" if outcome == "unchanged" else outcome
    resource_links = sorted(
        (page.id, resource.url, resource.section, resource.position)
        for resource in page.recommended_resources
    )
    stored_links = [] if first_fetch else sorted(tuple(link) for link in db.execute(
        "SELECT question_id, resource_url, section, position FROM question_resources "
        "WHERE question_id = ?", [page.id]
    ).fetchall())
    changed = stored_links != resource_links
    for resource in page.recommended_resources:
        # Writes (and returns a row) only when the resource is new or a value
        # differs, so an unchanged page writes nothing.
        written = db.execute(
            "INSERT INTO resources (url, kind, file_type, title, description) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET kind = excluded.kind, "
            "file_type = excluded.file_type, title = excluded.title, "
            "description = excluded.description WHERE (kind, file_type, title, description) "
            "IS NOT (excluded.kind, excluded.file_type, excluded.title, excluded.description) "
            "RETURNING rowid",
            [resource.url, resource.kind, resource.file_type, resource.title,
             resource.description],
        ).fetchone()
        if written is not None:
            changed = True
            # RETURNING cannot tell an insert from an update: replace any old entry.
            pending.add(RESOURCE_FTS, written[0], resource.title, resource.description,
                        new=False)
    if stored_links != resource_links:
        if stored_links:
            db.execute("DELETE FROM question_resources WHERE question_id = ?", [page.id])
        db.conn.executemany(
            "INSERT INTO question_resources (question_id, resource_url, section, position) "
            "VALUES (?, ?, ?, ?)", resource_links,
        )
    if changed and outcome == "unchanged":
        outcome = "updated"
    return outcome


def record_fetched_page(
    db: sqlite_utils.Database,
    fetch: FetchedPage,
    *,
    page: AnswerPage | None = None,
    parse_error: str | None = None,
    parser_version: int | None = None,
    run_id: int | None = None,
    pending: PendingIndex | None = None,
) -> RecordOutcome | None:
    """Store a fetch and (when it parsed) its page, in one transaction.

    The page's view count becomes an observation in ``view_counts``. A 404 or
    410 for a URL whose page is archived keeps that page (body, question, its
    history) and marks both gone instead. Returns the page's outcome, or None
    when there was no page to store.
    """
    with db.atomic():
        if fetch.status in GONE_STATUSES and _mark_gone(db, fetch, run_id=run_id):
            return "gone"
        outcome = None
        if page is not None:
            outcome = store_answer_page(db, page, observed_at=fetch.fetched_at, run_id=run_id,
                                        pending=pending)
            _record_view_count(db, page.id, page.view_count, int(page.view_count_approximate),
                               observed_at=fetch.fetched_at, run_id=run_id)
            # It answers again: no longer gone.
            db.execute("UPDATE questions SET gone_at = NULL WHERE id = ? AND gone_at IS NOT NULL",
                       [page.id])
        body = fetch.body
        db.execute(
            "INSERT INTO pages (url, final_url, redirect_chain, status, fetched_at, etag, "
            "last_modified, content_type, charset, content_hash, body, body_size, question_id, "
            "parser_version, parse_error, run_id) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET "
            "final_url = excluded.final_url, redirect_chain = excluded.redirect_chain, "
            "status = excluded.status, fetched_at = excluded.fetched_at, etag = excluded.etag, "
            "last_modified = excluded.last_modified, content_type = excluded.content_type, "
            "charset = excluded.charset, content_hash = excluded.content_hash, "
            "body = excluded.body, body_size = excluded.body_size, "
            "question_id = COALESCE(excluded.question_id, pages.question_id), "
            "parser_version = excluded.parser_version, parse_error = excluded.parse_error, "
            "run_id = excluded.run_id, gone_at = NULL",
            [
                fetch.url, fetch.final_url or fetch.url, json.dumps(fetch.redirect_chain),
                fetch.status, fetch.fetched_at, fetch.etag, fetch.last_modified,
                fetch.content_type, fetch.charset, fetch.content_hash,
                compress_body(body) if body is not None else None,
                len(body) if body is not None else None,
                page.id if page is not None else None,
                parser_version, parse_error, run_id,
            ],
        )
    return outcome


def _mark_gone(db: sqlite_utils.Database, fetch: FetchedPage, *, run_id: int | None) -> bool:
    """A 404/410 for an archived page: keep its last good copy, say since when it is gone.

    ``pages.status`` becomes the 404/410 (what the URL answers now) while the
    body, validators and hash stay those of the last good copy, so the
    question can still be reparsed and a page that comes back unchanged costs
    no rewrite. False when the URL has no archived page (then it is stored
    like any other response).
    """
    row = db.execute("SELECT question_id FROM pages WHERE url = ? AND question_id IS NOT NULL "
                     "AND body IS NOT NULL", [fetch.url]).fetchone()
    if row is None:
        return False
    db.execute("UPDATE pages SET status = ?, fetched_at = ?, run_id = ?, "
               "gone_at = COALESCE(gone_at, ?) WHERE url = ?",
               [fetch.status, fetch.fetched_at, run_id, fetch.fetched_at, fetch.url])
    db.execute("UPDATE questions SET gone_at = COALESCE(gone_at, ?) WHERE id = ?",
               [fetch.fetched_at, row[0]])
    return True


def record_unchanged_page(
    db: sqlite_utils.Database,
    url: str,
    *,
    fetched_at: str,
    run_id: int | None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> None:
    """A page that did not change (304, or the stored body again): mark it seen, nothing more.

    No parse and no archive rows rewritten: the page's ``fetched_at`` and
    validators move on, and its question gets a view-count observation with
    the stored count — the page (so the count) is as it was, and growth charts
    then have a point for every run. A page that was gone and is back with
    the same body is no longer gone.
    """
    with db.atomic():
        # RFC 9110 §15.4.5: a 304 carries the validators a 200 would have.
        db.execute(
            "UPDATE pages SET fetched_at = ?, run_id = ?, etag = COALESCE(?, etag), "
            "last_modified = COALESCE(?, last_modified), "
            "status = CASE WHEN gone_at IS NULL THEN status ELSE 200 END, gone_at = NULL "
            "WHERE url = ?", [fetched_at, run_id, etag, last_modified, url])
        row = db.execute(
            "SELECT q.id, q.view_count, q.view_count_approximate FROM pages p "
            "JOIN questions q ON q.id = p.question_id WHERE p.url = ?", [url]).fetchone()
        if row is None:
            return
        question_id, view_count, approximate = row
        _record_view_count(db, question_id, view_count, approximate, observed_at=fetched_at,
                           run_id=run_id)
        db.execute("UPDATE questions SET gone_at = NULL WHERE id = ? AND gone_at IS NOT NULL",
                   [question_id])
