"""``Archive``: archive.db, and every statement qarchive runs on it.

In the spirit of sqlite-utils' ``Database``: the crawler's writer, ``import``,
``reparse`` and the command line call its methods, and no other module writes
SQL (the migrations and Datasette's canned queries aside). Each page is stored
in one transaction: a kill at any moment leaves either the old rows or the new
ones, never half of a page.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import sqlite_utils

from archive.clock import utc_now
from archive.errors import (
    ArchiveError,
    ArchiveReadOnly,
    database_error_message,
    is_read_only,
    read_only_message,
)
from archive.fetched import FetchedPage, compress_body, decompress_body
from archive.frontier import FrontierTable
from archive.health import (
    DRIFT_HISTORY_RUNS,
    DRIFT_MIN_PAGES,
    ExtractionHealth,
    fields_found,
)
from archive.migrator import APPLICATION_ID, apply_migrations, migrations, schema_version
from archive.runs import RunCounts, RunSummary, run_seconds
from archive.search import QUESTION_FTS, RESOURCE_FTS, PendingIndex
from parsers import AnswerPage

__all__ = [
    "GONE_STATUSES",
    "Archive",
    "RecordOutcome",
    "StoreOutcome",
    "StoredCopy",
    "answer_hash",
    "bounded_page",
    "folder_writable",
    "open_archive",
]

# A writer waits this long for a lock held by a reader or another process.
BUSY_TIMEOUT_MS = 10_000

StoreOutcome = Literal["new", "updated", "unchanged"]
# What became of a fetched page: stored, or an archived page found gone.
RecordOutcome = Literal["new", "updated", "unchanged", "gone"]
# RFC 9110 §15.5.5, §15.5.11: the page is not there (404) or was removed for good (410).
# Either way the archive keeps what it had and marks it gone.
GONE_STATUSES = frozenset({404, 410})

# The most characters of an answer's text (and of its Markdown) a row keeps; a title, the
# most of a title. A real answer is a few thousand characters; a hostile page of 10 MB
# (the crawl's max_body_bytes) would otherwise be stored four times over (questions and
# answer_versions, text and Markdown) plus its search index: 68 MB of archive and
# hundreds of MB of memory for one page. The page's raw body is always kept whole
# (compressed, in ``pages``), so nothing is lost: a reparse reads it again.
ANSWER_TEXT_MAX_CHARS = 200_000
TITLE_MAX_CHARS = 2_000
TRUNCATED_MARK = "\n\n[… truncated by qarchive: {more} more characters in the stored page]"
# The schema version that added questions.field_sources and crawl_runs.field_health and
# drift (0010_extraction_health.sql): an archive opened without migrating has none of them.
HEALTH_SCHEMA_VERSION = 10


def answer_hash(title: str | None, answer_text: str | None, answer_markdown: str | None) -> str:
    """The identity of an answer version: what a reader sees change when it is edited."""
    text = "\x00".join(part or "" for part in (title, answer_text, answer_markdown))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class StoredCopy:
    """What the archive holds of a URL's last good page: its validators and body hash."""

    etag: str | None
    last_modified: str | None
    status: int | None
    content_hash: str | None


def open_archive(
    path: str | Path, *, create: bool = True, migrate: bool = True, readonly: bool = False
) -> Archive:
    """Open (and create, and upgrade) an archive.

    Raises ArchiveError for a file that is not a qarchive archive, one made
    by a newer qarchive, or a path that cannot be written (``readonly`` opens
    without writing anything, on read-only media too).
    """
    path = Path(path)
    _check_path(path, create=create)
    if readonly:
        return _open_readonly(path)
    _check_writable(path)
    archive = _connect(path)
    try:
        _check_identity(archive, path)
    except ArchiveError:
        archive.conn.close()
        raise
    try:
        archive.execute("PRAGMA foreign_keys = ON")
        # WAL: Datasette reads while a crawl writes. synchronous=NORMAL is
        # durable across a process kill (only an OS crash may lose the last commits).
        archive.enable_wal()
        archive.execute("PRAGMA synchronous = NORMAL")
        if migrate:
            apply_migrations(archive)
    except sqlite3.DatabaseError as error:
        archive.conn.close()
        kind = ArchiveReadOnly if is_read_only(error) else ArchiveError
        raise kind(database_error_message(path, error,
                                          fallback="cannot write the archive")) from None
    return archive


def _check_path(path: Path, *, create: bool) -> None:
    if not create and not path.exists():
        raise ArchiveError(f"{path}: no such archive (run `qarchive crawl` or `import` first)")
    if path.exists() and path.is_dir():
        raise ArchiveError(f"{path}: is a directory, not an archive file")
    if create and not path.exists() and not path.parent.exists():
        raise ArchiveError(f"{path}: folder {path.parent} does not exist")


def folder_writable(path: Path) -> bool:
    """Whether files can be created beside ``path`` (SQLite's -wal and -shm)."""
    return os.access(path.parent if str(path.parent) else Path("."), os.W_OK)


def _read_only_reason(path: Path) -> str | None:
    """Why the archive at ``path`` cannot be written, or None when it can."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "read-only file system"
    except (OSError, AttributeError):
        pass
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is not writable"
    if not os.access(folder, os.W_OK):
        return f"folder {folder} is not writable"
    return None


def _check_writable(path: Path) -> None:
    reason = _read_only_reason(path)
    if reason is not None:
        raise ArchiveReadOnly(read_only_message(path, reason))


def _connect(path: Path) -> Archive:
    try:
        # Autocommit at the driver; transactions are explicit (db.atomic()).
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        archive = Archive(conn)
        archive.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
    except sqlite3.DatabaseError as error:
        raise ArchiveError(f"{path}: not a qarchive archive ({error})") from None
    return archive


def readonly_uri(path: Path, *, immutable: bool) -> str:
    """The SQLite URI that reads ``path`` without writing: ``mode=ro``, or ``immutable=1``
    where SQLite cannot create the -shm file a WAL reader needs (a read-only folder or
    file system; nothing can be writing the archive there either)."""
    return path.resolve().as_uri() + ("?immutable=1" if immutable else "?mode=ro")


def _open_readonly(path: Path) -> Archive:
    """The archive opened read-only: ``mode=ro``, or immutable on read-only media."""
    immutable = not folder_writable(path)
    while True:
        try:
            conn = sqlite3.connect(readonly_uri(path, immutable=immutable), uri=True,
                                   isolation_level=None, check_same_thread=False)
            archive = Archive(conn)
            archive.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
            archive.execute("PRAGMA user_version").fetchone()  # touches the file
        except sqlite3.OperationalError as error:
            # mode=ro cannot open a WAL archive whose -shm it cannot create (root
            # passes os.access on a read-only folder; SQLite's open then fails).
            if not immutable and "unable to open" in str(error):
                immutable = True
                continue
            raise ArchiveError(database_error_message(path, error)) from None
        except sqlite3.DatabaseError as error:
            raise ArchiveError(f"{path}: not a qarchive archive ({error})") from None
        break
    try:
        _check_identity(archive, path)
    except ArchiveError:
        archive.conn.close()
        raise
    return archive


def _check_identity(archive: Archive, path: Path) -> None:
    """A qarchive archive (or an empty file) of a schema this qarchive knows."""
    try:
        application_id = int(archive.execute("PRAGMA application_id").fetchone()[0])
        has_tables = bool(archive.table_names())
        version = schema_version(archive)
    except sqlite3.DatabaseError as error:
        raise ArchiveError(f"{path}: not a qarchive archive ({error})") from None
    if application_id != APPLICATION_ID and (has_tables or application_id != 0):
        raise ArchiveError(f"{path}: not a qarchive archive (it holds other tables)")
    newest = migrations()[-1][0]
    if version > newest:
        raise ArchiveError(
            f"{path}: made by a newer qarchive (schema {version}, this one "
            f"knows {newest}); upgrade qarchive"
        )


class IncompleteRecord(ValueError):
    """A parsed record lacks an identity a row needs: the page is not stored (its URL fails
    with this reason), rather than the database refusing the row and failing the crawl."""


def _check_identities(page: AnswerPage) -> None:
    """Raise IncompleteRecord when the page or a resource has no id or URL: a parser
    meeting an unfamiliar layout must cost that page, not stop the crawl with a constraint
    error. A related question shown without its link is a real item of the page (the
    record keeps it); it has no question to link to, so ``related_questions`` skips it."""
    if not page.id or not page.url:
        raise IncompleteRecord("the page has no id or URL")
    for resource in page.recommended_resources:
        if not resource.url:
            raise IncompleteRecord(
                f"recommended resource {resource.section} {resource.position} has no URL")


def bounded_page(page: AnswerPage) -> AnswerPage:
    """The page with its title and answer cut to what a row keeps (ANSWER_TEXT_MAX_CHARS)."""
    changes: dict[str, Any] = {}
    for name, limit in (("title", TITLE_MAX_CHARS), ("answer_text", ANSWER_TEXT_MAX_CHARS),
                        ("answer_markdown", ANSWER_TEXT_MAX_CHARS)):
        value = getattr(page, name)
        if value is not None and len(value) > limit:
            changes[name] = value[:limit] + TRUNCATED_MARK.format(more=len(value) - limit)
    return dataclasses.replace(page, **changes) if changes else page


class Archive(sqlite_utils.Database):
    """archive.db: pages, questions and their history, search, runs and the frontier."""

    # --- the file and its transactions -----------------------------------------

    @property
    def file(self) -> str | None:
        """The archive's file, or None for an in-memory or temporary database."""
        for _, name, path in self.execute("PRAGMA database_list").fetchall():
            if name == "main":
                return str(path) if path else None
        return None

    @contextlib.contextmanager
    def immediate_transaction(self) -> Iterator[None]:
        """A transaction that takes the write lock at once (the writer process's batches)."""
        self.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.execute("ROLLBACK")
            raise

    def frontier_table(self, *, run_id: int | None) -> FrontierTable:
        return FrontierTable(self, run_id=run_id)

    def _has_health(self) -> bool:
        """Whether the archive has the columns of extraction health (field_sources,
        field_health, drift): always, but in an archive opened without migrating."""
        return schema_version(self) >= HEALTH_SCHEMA_VERSION

    # --- runs ------------------------------------------------------------------

    def start_run(self, *, command: str, options: Mapping[str, Any]) -> int:
        with self.atomic():
            cursor = self.execute(
                "INSERT INTO crawl_runs (started_at, status, command, options) "
                "VALUES (?, 'running', ?, ?)",
                [utc_now(), command, json.dumps(dict(options), ensure_ascii=False, default=str)],
            )
        return int(cursor.lastrowid or 0)

    def write_run_counts(self, run_id: int, counts: RunCounts) -> None:
        """Kept current in the run's row (inside the writer's transaction), so a killed run
        still shows what it did."""
        columns = counts.columns()
        self.execute("UPDATE crawl_runs SET " + ", ".join(f"{name} = ?" for name in columns)
                     + " WHERE id = ?", [*columns.values(), run_id])

    def finish_run(self, run_id: int, *, status: str, counts: RunCounts,
                   health: ExtractionHealth | None = None, drift: str | None = None) -> None:
        """The run's end: its status and counts, and (a crawl) its extraction health (left
        empty when it read no page) and drift alarm."""
        columns: dict[str, Any] = dict(counts.columns())
        if health is not None and self._has_health():
            columns["field_health"] = health.dumps() if health.pages else None
            columns["drift"] = drift
        with self.atomic():
            self.execute(
                "UPDATE crawl_runs SET finished_at = ?, status = ?, "
                + ", ".join(f"{name} = ?" for name in columns) + " WHERE id = ?",
                [utc_now(), status, *columns.values(), run_id],
            )

    def health_history(self, *, before_run: int, runs: int = DRIFT_HISTORY_RUNS,
                       min_pages: int = DRIFT_MIN_PAGES) -> list[ExtractionHealth]:
        """The extraction health of the newest ``runs`` crawl runs before ``before_run``
        that ended (finished or interrupted, not failed) having read ``min_pages`` or
        more pages, newest first: the drift alarm's history."""
        history: list[ExtractionHealth] = []
        # Newest first, a page of rows at a time: runs that read few pages are skipped.
        last = before_run
        while len(history) < runs:
            rows = self.execute(
                "SELECT id, field_health FROM crawl_runs WHERE id < ? AND command = 'crawl' "
                "AND status IN ('finished', 'interrupted') AND field_health IS NOT NULL "
                "ORDER BY id DESC LIMIT 100", [last]).fetchall()
            for run_id, text in rows:
                health = ExtractionHealth.loads(text)
                if health is not None and health.pages >= min_pages:
                    history.append(health)
                last = run_id
            if len(rows) < 100:
                break
        return history[:runs]

    def mark_killed_runs(self, *, command: str) -> None:
        """Runs of ``command`` still 'running' were killed: one writes an archive at a time."""
        with self.atomic():
            self.execute("UPDATE crawl_runs SET status = 'interrupted', finished_at = ? "
                         "WHERE status = 'running' AND command = ?", [utc_now(), command])

    def recent_runs(self, *, limit: int = 20) -> list[RunSummary]:
        """The newest ``limit`` runs, newest first (none in an archive not yet written)."""
        if not self["crawl_runs"].exists():
            return []
        columns = set(self["crawl_runs"].columns_dict)  # an archive not yet upgraded lacks some
        counts = [name for name in RunCounts.COLUMNS if name in columns]
        drift = "drift" if "drift" in columns else "NULL"
        rows = self.execute(
            f"SELECT id, command, status, started_at, finished_at, {drift}, "
            + ", ".join(counts) + " FROM crawl_runs ORDER BY id DESC LIMIT ?",
            [limit]).fetchall()
        return [
            RunSummary(id=row[0], command=row[1], status=row[2], started_at=row[3],
                       finished_at=row[4], seconds=run_seconds(row[3], row[4]),
                       counts={name: int(value or 0)
                               for name, value in zip(counts, row[6:], strict=True)},
                       drift=row[5])
            for row in rows
        ]

    # --- pages -----------------------------------------------------------------

    def stored_copy(self, url: str) -> StoredCopy | None:
        """The URL's stored page (one with a body), for a conditional request."""
        row = self.execute(
            "SELECT etag, last_modified, status, content_hash FROM pages "
            "WHERE url = ? AND body IS NOT NULL", [url]).fetchone()
        return StoredCopy(*row) if row is not None else None

    def page_fetched_at(self, url: str) -> str | None:
        row = self.execute("SELECT fetched_at FROM pages WHERE url = ?", [url]).fetchone()
        return row[0] if row is not None else None

    def record_fetched_page(
        self,
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
        with self.atomic():
            if fetch.status in GONE_STATUSES and self._mark_gone(fetch, run_id=run_id):
                return "gone"
            outcome = None
            if page is not None:
                outcome = self.store_answer_page(page, observed_at=fetch.fetched_at,
                                                 run_id=run_id, pending=pending)
                self._record_view_count(page.id, page.view_count,
                                        int(page.view_count_approximate),
                                        observed_at=fetch.fetched_at, run_id=run_id)
                self._not_gone(page.id)  # it answers again
            self._write_page_row(fetch, question_id=page.id if page is not None else None,
                                 parser_version=parser_version, parse_error=parse_error,
                                 run_id=run_id)
        return outcome

    def _write_page_row(self, fetch: FetchedPage, *, question_id: str | None,
                        parser_version: int | None, parse_error: str | None,
                        run_id: int | None) -> None:
        body = fetch.body
        self.execute(
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
                question_id, parser_version, parse_error, run_id,
            ],
        )

    def _mark_gone(self, fetch: FetchedPage, *, run_id: int | None) -> bool:
        """A 404/410 for an archived page: keep its last good copy, say since when it is gone.

        ``pages.status`` becomes the 404/410 (what the URL answers now) while the
        body, validators and hash stay those of the last good copy, so the
        question can still be reparsed and a page that comes back unchanged costs
        no rewrite. False when the URL has no archived page (then it is stored
        like any other response).
        """
        row = self.execute("SELECT question_id FROM pages WHERE url = ? "
                           "AND question_id IS NOT NULL AND body IS NOT NULL",
                           [fetch.url]).fetchone()
        if row is None:
            return False
        self.execute("UPDATE pages SET status = ?, fetched_at = ?, run_id = ?, "
                     "gone_at = COALESCE(gone_at, ?) WHERE url = ?",
                     [fetch.status, fetch.fetched_at, run_id, fetch.fetched_at, fetch.url])
        self.execute("UPDATE questions SET gone_at = COALESCE(gone_at, ?) WHERE id = ?",
                     [fetch.fetched_at, row[0]])
        return True

    def _not_gone(self, question_id: str) -> None:
        self.execute("UPDATE questions SET gone_at = NULL WHERE id = ? AND gone_at IS NOT NULL",
                     [question_id])

    def record_unchanged_page(
        self,
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
        with self.atomic():
            # RFC 9110 §15.4.5: a 304 carries the validators a 200 would have.
            self.execute(
                "UPDATE pages SET fetched_at = ?, run_id = ?, etag = COALESCE(?, etag), "
                "last_modified = COALESCE(?, last_modified), "
                "status = CASE WHEN gone_at IS NULL THEN status ELSE 200 END, gone_at = NULL "
                "WHERE url = ?", [fetched_at, run_id, etag, last_modified, url])
            row = self.execute(
                "SELECT q.id, q.view_count, q.view_count_approximate FROM pages p "
                "JOIN questions q ON q.id = p.question_id WHERE p.url = ?", [url]).fetchone()
            if row is None:
                return
            question_id, view_count, approximate = row
            self._record_view_count(question_id, view_count, approximate,
                                    observed_at=fetched_at, run_id=run_id)
            self._not_gone(question_id)

    # --- reparse: stored bodies read again -------------------------------------

    def parsable_pages(self) -> list[tuple[str, str, int | None, str | None]]:
        """``(url, page URL, parser_version, content_type)`` of every stored body a parser
        may read: successful responses, imported files (no status) and pages now gone
        (they keep their last good body); error pages were never parsed."""
        return [
            (url, final_url or url, version, content_type)
            for url, final_url, version, content_type in self.execute(
                "SELECT url, final_url, parser_version, content_type FROM pages "
                "WHERE body IS NOT NULL AND (status IS NULL OR status BETWEEN 200 AND 299 "
                "OR gone_at IS NOT NULL) ORDER BY rowid")
        ]

    def stored_body(self, url: str) -> tuple[bytes, str | None]:
        """The URL's stored body, decompressed, and its charset."""
        body, charset = self.execute(
            "SELECT body, charset FROM pages WHERE url = ?", [url]).fetchone()
        return decompress_body(body), charset

    def record_reparse(self, url: str, *, parser_version: int, page: AnswerPage | None,
                       parse_error: str | None = None) -> StoreOutcome | None:
        """A stored body read again by ``parser_version``: its page, or why it did not parse."""
        if page is None:
            self.execute("UPDATE pages SET parser_version = ?, parse_error = ? WHERE url = ?",
                         [parser_version, parse_error, url])
            return None
        outcome = self.store_answer_page(page)
        self.execute("UPDATE pages SET parser_version = ?, parse_error = NULL, question_id = ? "
                     "WHERE url = ?", [parser_version, page.id, url])
        return outcome

    # --- questions -------------------------------------------------------------

    def store_answer_page(
        self, page: AnswerPage, *, observed_at: str | None = None,
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
        _check_identities(page)
        if pending is None:
            pending = PendingIndex()
            stored = self.store_answer_page(page, observed_at=observed_at, run_id=run_id,
                                            pending=pending)
            pending.flush(self)
            return stored
        page = bounded_page(page)  # once: a bounded page is over the limit by its mark
        outcome, first_fetch = self._store_question(page, pending)
        self._store_answer_version(page, observed_at=observed_at, run_id=run_id,
                                   first=first_fetch)
        related_changed = self._store_related(page, pending, first_fetch=first_fetch)
        resources_changed = self._store_resources(page, pending, first_fetch=first_fetch)
        if outcome == "unchanged" and (related_changed or resources_changed):
            outcome = "updated"
        return outcome

    def _store_question(self, page: AnswerPage,
                        pending: PendingIndex) -> tuple[StoreOutcome, bool]:
        """Write the question's row if it changed; its outcome, and whether it is a first fetch."""
        row = _question_row(page)
        existing = self.execute(
            "SELECT " + ", ".join(row) + " FROM questions WHERE id = ?", [page.id]
        ).fetchone()
        # A question never fetched before (absent, or a stub seen as a related question)
        # has no answer versions, related links or resource links yet: nothing to compare.
        first_fetch = existing is None or existing[list(row).index("is_fetched")] == 0
        if first_fetch:
            outcome: StoreOutcome = "new"
        else:
            outcome = "unchanged" if tuple(existing) == tuple(row.values()) else "updated"
        # Where the fields came from is kept current, but a change of source alone (a new
        # parser, the site's markup moving a field) changes no question: not "updated".
        sources = _field_sources_json(page) if self._has_health() else None
        if outcome == "unchanged":
            if sources is not None:
                self.execute("UPDATE questions SET field_sources = ? WHERE id = ? "
                             "AND field_sources IS NOT ?", [sources, page.id, sources])
        else:
            if sources is not None:
                row = {**row, "field_sources": sources}
            rowid = self.execute(
                "INSERT INTO questions (" + ", ".join(row) + ") VALUES ("
                + ", ".join("?" for _ in row) + ") ON CONFLICT (id) DO UPDATE SET "
                + ", ".join(f"{column} = excluded.{column}" for column in row if column != "id")
                + " RETURNING rowid",
                list(row.values()),
            ).fetchone()[0]
            pending.add(QUESTION_FTS, rowid, page.title, page.answer_text, new=existing is None)
        return outcome, first_fetch

    def _store_related(self, page: AnswerPage, pending: PendingIndex, *,
                       first_fetch: bool) -> bool:
        """Replace the question's related links if they changed; True if they did.

        Only items with a question to link to: one shown without its link stays in the
        parsed record (and its position counts), but has no row here.
        """
        linked = [related for related in page.related_questions if related.id and related.url]
        related_rows = [
            (page.id, related.id, related.position, related.title, related.answer_text)
            for related in linked
        ]
        stored_related = [] if first_fetch else [tuple(r) for r in self.execute(
            "SELECT from_id, to_id, position, title, answer_text FROM related_questions "
            "WHERE from_id = ? ORDER BY position", [page.id]
        ).fetchall()]
        if stored_related == related_rows:
            return False
        for related in linked:
            # A stub: the question as the linking page shows it, completed when
            # its own page is stored (ON CONFLICT leaves a fetched row alone).
            stub = self.execute(
                "INSERT INTO questions (id, url, title, is_fetched) VALUES (?, ?, ?, 0) "
                "ON CONFLICT (id) DO NOTHING RETURNING rowid",
                [related.id, related.url, related.title],
            ).fetchone()
            if stub is not None:
                pending.add(QUESTION_FTS, stub[0], related.title, None, new=True)
        if stored_related:
            self.execute("DELETE FROM related_questions WHERE from_id = ?", [page.id])
        self.conn.executemany(
            "INSERT INTO related_questions (from_id, to_id, position, title, answer_text) "
            "VALUES (?, ?, ?, ?, ?)", related_rows,
        )
        return True

    def _store_resources(self, page: AnswerPage, pending: PendingIndex, *,
                         first_fetch: bool) -> bool:
        """Write the page's resources and its links to them; True if anything changed."""
        resource_links = sorted(
            (page.id, resource.url, resource.section, resource.position)
            for resource in page.recommended_resources
        )
        stored_links = [] if first_fetch else sorted(tuple(link) for link in self.execute(
            "SELECT question_id, resource_url, section, position FROM question_resources "
            "WHERE question_id = ?", [page.id]
        ).fetchall())
        changed = stored_links != resource_links
        for resource in page.recommended_resources:
            # Writes (and returns a row) only when the resource is new or a value
            # differs, so an unchanged page writes nothing.
            written = self.execute(
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
                self.execute("DELETE FROM question_resources WHERE question_id = ?", [page.id])
            self.conn.executemany(
                "INSERT INTO question_resources (question_id, resource_url, section, position) "
                "VALUES (?, ?, ?, ?)", resource_links,
            )
        return changed

    # --- history ---------------------------------------------------------------

    def _store_answer_version(
        self, page: AnswerPage, *, observed_at: str | None, run_id: int | None,
        first: bool = False,
    ) -> None:
        """Keep every text the answer had: a changed text supersedes the current version.

        ``observed_at`` None means the same stored body was read again by a newer
        parser (reparse): that corrects the current version in place rather than
        inventing an edit the site never made.
        """
        digest = answer_hash(page.title, page.answer_text, page.answer_markdown)
        # ``first``: the question's first fetch, which has no version yet.
        current = None if first else self.execute(
            "SELECT id, version, content_hash FROM answer_versions "
            "WHERE question_id = ? AND superseded_at IS NULL ORDER BY version DESC LIMIT 1",
            [page.id]).fetchone()
        if current is not None and current[2] == digest:
            return
        texts = [digest, page.title, page.answer_text, page.answer_markdown]
        if current is not None and observed_at is None:
            self.execute("UPDATE answer_versions SET content_hash = ?, title = ?, "
                         "answer_text = ?, answer_markdown = ? WHERE id = ?",
                         [*texts, current[0]])
            return
        seen = observed_at or utc_now()
        if current is not None:
            self.execute("UPDATE answer_versions SET superseded_at = ? WHERE id = ?",
                         [seen, current[0]])
        version = (current[1] if current is not None else 0) + 1
        self.execute(
            "INSERT INTO answer_versions (question_id, version, content_hash, title, "
            "answer_text, answer_markdown, first_seen_at, run_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [page.id, version, *texts, seen, run_id])

    def _record_view_count(
        self, question_id: str, view_count: int | None, approximate: int,
        *, observed_at: str, run_id: int | None,
    ) -> None:
        if view_count is None:
            return
        # One observation per question per run: a page fetched twice in a run
        # (two URLs for one question) keeps the later reading.
        self.execute(
            "INSERT INTO view_counts (question_id, observed_at, view_count, "
            "view_count_approximate, run_id) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (question_id, run_id) DO UPDATE SET "
            "observed_at = excluded.observed_at, view_count = excluded.view_count, "
            "view_count_approximate = excluded.view_count_approximate",
            [question_id, observed_at, view_count, approximate, run_id])


def _field_sources_json(page: AnswerPage) -> str | None:
    """questions.field_sources: where each field was found (archive.health.fields_found),
    as JSON; None for a page whose parser says nothing and has no field (never, in practice)."""
    found = fields_found(page)
    return json.dumps(found, ensure_ascii=False, sort_keys=True) if found else None


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
