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
import functools
import hashlib
import json
import logging
import os
import shlex
import sqlite3
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import sqlite_utils

from archive.bodies import BodyStore, body_site
from archive.clock import utc_now
from archive.errors import (
    ArchiveError,
    ArchiveReadOnly,
    database_error_message,
    is_read_only,
    read_only_message,
)
from archive.fetched import FetchedPage, StoredResponse
from archive.frontier import FrontierTable
from archive.health import (
    DRIFT_HISTORY_RUNS,
    DRIFT_MIN_PAGES,
    ExtractionHealth,
    fields_found,
)
from archive.migrator import APPLICATION_ID, apply_migrations, migrations, schema_version
from archive.runs import RunCounts, RunSummary, run_seconds
from archive.search import QUESTION_FTS, RESOURCE_FTS, PendingIndex, searchable_text
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

log = logging.getLogger(__name__)

# A writer waits this long for a lock held by a reader or another process.
BUSY_TIMEOUT_MS = 10_000
# The page size of a new archive (SQLite's default is 4096). An answer row is 2-3 KB,
# so 4 KB pages held one each and left ~1.5 KB empty: 8 KB pages made a 3,000-page
# archive 3 % smaller (37.2 -> 36.1 MB, VACUUMed), 16 KB no smaller again. An archive
# made before keeps its pages' size (SQLite changes it only by a VACUUM outside WAL).
PAGE_SIZE = 8192
# A new archive keeps a map of which page points to which (auto_vacuum = INCREMENTAL, one
# pointer-map page per 1,600 pages), so free pages can be given back to the file system
# without a VACUUM: release_free_pages at the end of each crawl, import, reparse and
# compact. Free pages come from FTS5 merging the search index's segments (a merge
# deletes the segments it read) and from bodies moved to a new compression dictionary:
# 0.25-0.55 MB left at the end of a 3,000-page crawl, far more once merges reach the big
# segments of a large archive (schema/README.md, "Free pages"). An archive made before
# 0.2 keeps NONE until ``qarchive compact --vacuum``.
AUTO_VACUUM_INCREMENTAL = 2
# release_free_pages moves at most this many pages in one transaction (16 MB of 8 KB
# pages): SQLite's write lock is held ~10 µs a page, so tens of ms at most, and a kill
# loses no more than that step (the transaction rolls back; nothing is lost either way).
FREE_PAGES_STEP = 2048
# ... and stops starting new steps after this many seconds, so the end of a crawl never
# waits long on a huge freelist (a merge of the search index's biggest segments, an
# upgrade that dropped a column): what is left goes at the next run, or is reused by it.
FREE_PAGES_SECONDS = 2.0

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
# The most answers and tags a question keeps from one page. Stack Overflow's busiest
# questions show 30 answers a page and 5 tags; a hostile page could list millions.
MAX_ANSWERS = 500
MAX_TAGS = 100
# An UPDATE that moves a page's fetched_at and run_id to a later visit keeps when its
# body was captured: a page stored before version 12 has no captured_at, and its last
# fetch (the old fetched_at, which an UPDATE's right-hand sides read) is the best known.
_KEEP_CAPTURE = ("captured_at = COALESCE(captured_at, fetched_at), "
                 "captured_run_id = COALESCE(captured_run_id, run_id)")
TRUNCATED_MARK = "\n\n[… truncated by qarchive: {more} more characters in the stored page]"
# The schema version that added questions.field_sources and crawl_runs.field_health and
# drift (0010_extraction_health.sql): an archive opened without migrating has none of them.
HEALTH_SCHEMA_VERSION = 10
# The schema version that moved questions.field_sources into field_source_sets.
FIELD_SOURCE_SETS_SCHEMA_VERSION = 18
# The schema version from which the writer counts resources.recommended_by itself
# (0019_counted_by_writer.sql dropped the triggers that did).
COUNTED_BY_WRITER_SCHEMA_VERSION = 19


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
        # synchronous=NORMAL is durable across a process kill (only an OS crash may
        # lose the last commits).
        archive.execute("PRAGMA synchronous = NORMAL")
        if archive.execute("PRAGMA page_count").fetchone()[0] == 0:
            # A new file: both only take effect before the first table (and WAL). Its
            # tables are made with a rollback journal, WAL after: in WAL mode the
            # migrations' 1.7 MB of frames and the 0.6 MB file were both on disk at once.
            archive.execute(f"PRAGMA page_size = {PAGE_SIZE:d}")
            archive.execute(f"PRAGMA auto_vacuum = {AUTO_VACUUM_INCREMENTAL:d}")
        else:
            archive.enable_wal()  # WAL: Datasette reads while a crawl writes
        if migrate:
            before = schema_version(archive)
            if apply_migrations(archive) and before > 0:
                archive.upgraded_from = before
                # What an upgrade freed (a column dropped in place: many pages). Not a
                # new archive's 11: its first writes reuse them, and the WAL it would
                # write and the checkpoint after would make it 0.4 MB bigger for a while.
                archive.release_free_pages()
        if archive.journal_mode != "wal":
            archive.enable_wal()
            # SQLite 3.40 refuses (SQLITE_LOCKED) a checkpoint that is the first statement
            # after this switch when the connection ran an ALTER TABLE … RENAME before it
            # (migration 0011 does): any read first, and it works.
            schema_version(archive)
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
    if not page.id or not page.url or not page.site:
        raise IncompleteRecord("the page has no site, id or URL")
    for resource in page.recommended_resources:
        if not resource.url:
            raise IncompleteRecord(
                f"recommended resource {resource.section} {resource.position} has no URL")


def _cut(value: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters, saying how many more the stored page holds."""
    if len(value) > limit:
        return value[:limit] + TRUNCATED_MARK.format(more=len(value) - limit)
    return value


def bounded_page(page: AnswerPage) -> AnswerPage:
    """The page with its title, question and answers cut to what a row keeps
    (ANSWER_TEXT_MAX_CHARS), and at most MAX_ANSWERS answers and MAX_TAGS tags."""
    changes: dict[str, Any] = {}
    for name, limit in (("title", TITLE_MAX_CHARS), ("answer_text", ANSWER_TEXT_MAX_CHARS),
                        ("answer_markdown", ANSWER_TEXT_MAX_CHARS),
                        ("question_text", ANSWER_TEXT_MAX_CHARS),
                        ("question_markdown", ANSWER_TEXT_MAX_CHARS)):
        value = getattr(page, name)
        if value is not None and len(value) > limit:
            changes[name] = _cut(value, limit)
    # Answers are rebuilt only when one is over a limit: the writer bounds every page, and
    # rebuilding (then comparing) every answer of every page is work on its hot path.
    if len(page.answers) > MAX_ANSWERS or any(
            len(answer.text) > ANSWER_TEXT_MAX_CHARS
            or len(answer.markdown) > ANSWER_TEXT_MAX_CHARS for answer in page.answers):
        changes["answers"] = [
            dataclasses.replace(answer, text=_cut(answer.text, ANSWER_TEXT_MAX_CHARS),
                                markdown=_cut(answer.markdown, ANSWER_TEXT_MAX_CHARS))
            for answer in page.answers[:MAX_ANSWERS]
        ]
    if len(page.tags) > MAX_TAGS:
        changes["tags"] = page.tags[:MAX_TAGS]
    return dataclasses.replace(page, **changes) if changes else page


# Migrations 0014-0018 drop columns and move rows in place: an archive upgraded from an
# older schema keeps the freed pages until it is VACUUMed (1.9 -> 1.0 GB on 100k questions
# for 0014-0015; 0016 frees the plain text of every answer and question body, 0017 the
# descriptions' search index, 0018 every question's field sources).
_VACUUM_AFTER_UPGRADE_FROM_BELOW = 18


class Archive(sqlite_utils.Database):
    """archive.db: pages, questions and their history, search, runs and the frontier."""

    # The schema version open_archive upgraded this file from; None when it was new or
    # already up to date.
    upgraded_from: int | None = None

    def upgrade_notice(self, path: str) -> str | None:
        """One line for the user when opening ``path`` upgraded it, or None."""
        if self.upgraded_from is None:
            return None
        notice = (f"{path}: upgraded from schema {self.upgraded_from} to "
                  f"{schema_version(self)}")
        if self.upgraded_from < _VACUUM_AFTER_UPGRADE_FROM_BELOW:
            notice += (f"; run `qarchive compact --db {shlex.quote(path)} --vacuum` once to give "
                       "back the space the upgrade freed")
        return notice

    # --- the file and its transactions -----------------------------------------

    @property
    def file(self) -> str | None:
        """The archive's file, or None for an in-memory or temporary database."""
        for _, name, path in self.execute("PRAGMA database_list").fetchall():
            if name == "main":
                return str(path) if path else None
        return None

    @contextlib.contextmanager
    def temporary_files_in_memory(self) -> Iterator[None]:
        """SQLite's temporary files kept in memory while the block runs (``PRAGMA
        temp_store = MEMORY``), as they were after: for the writers storing pages (the
        crawl's, the import). Outside a transaction: SQLite refuses the change in one.

        In a transaction of many statements SQLite keeps an undo record of each writing
        statement (its statement journal: a copy of every database page it changes, 8 KiB
        each), and moves it to a temporary file past 64 KiB. Storing a page's question
        (its row and seven indexes) goes past that: a WARC import of 3,000 pages wrote 618
        MB to temporary files in 150,000 writes, ~5% of its CPU (bench/notes.md, "Import
        after schema 19"). A statement journal holds what one statement changes.
        Not for VACUUM (``compact --vacuum``), whose temporary copy of the whole archive
        would follow the setting into memory.
        """
        before = int(self.execute("PRAGMA temp_store").fetchone()[0])
        self.execute("PRAGMA temp_store = MEMORY")
        try:
            yield
        finally:
            if not self.conn.in_transaction:
                self.execute(f"PRAGMA temp_store = {before:d}")

    @contextlib.contextmanager
    def page_cache(self, kib: int) -> Iterator[None]:
        """SQLite's page cache at most ``kib`` KiB while the block runs (``PRAGMA
        cache_size``; 2 MiB by default), as it was after, when SQLite lets the pages
        above it go: for ``qarchive import``, whose 2,000-page transactions change more
        database pages than 2 MiB holds (bench/notes.md, "Import batches"). The cache
        grows only as pages are read, so a small archive never takes all of it.
        """
        before = int(self.execute("PRAGMA cache_size").fetchone()[0])
        self.execute(f"PRAGMA cache_size = {-kib:d}")
        try:
            yield
        finally:
            self.execute(f"PRAGMA cache_size = {before:d}")

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

    @property
    def gives_back_free_pages(self) -> bool:
        """Whether the file can shrink without a VACUUM (auto_vacuum = INCREMENTAL): every
        archive made since 0.2, and older ones once ``compact --vacuum`` converted them."""
        return int(self.execute("PRAGMA auto_vacuum").fetchone()[0]) == AUTO_VACUUM_INCREMENTAL

    def free_pages(self) -> int:
        """Pages of the file that hold nothing (SQLite's freelist)."""
        return int(self.execute("PRAGMA freelist_count").fetchone()[0])

    def release_free_pages(self, *, max_seconds: float | None = FREE_PAGES_SECONDS,
                           step: int = FREE_PAGES_STEP) -> int:
        """Give the archive's free pages back to the file system; how many it gave back.

        ``PRAGMA incremental_vacuum``: the file's last pages are moved into the free
        ones and the file is cut (at the checkpoint that follows), ``step`` pages a
        transaction, no new step after ``max_seconds`` (None: until none is left).
        Unlike VACUUM it needs no free disk and touches only the pages it moves (and
        those pointing to them).
        Each step is one ordinary transaction: a kill rolls back that step alone.
        Nothing to do (0) in an archive made before 0.2, until ``compact --vacuum``.
        """
        if self.conn.in_transaction or not self.gives_back_free_pages:
            return 0
        deadline = None if max_seconds is None else time.monotonic() + max_seconds
        released = 0
        free = self.free_pages()
        try:
            while free > 0:
                # executescript steps the statement to its end: the pragma moves one page
                # per step, and execute() steps once (one page, whatever N says).
                self.conn.executescript(f"PRAGMA incremental_vacuum({min(free, step):d})")
                left = self.free_pages()
                released += free - left
                if left >= free or (deadline is not None and time.monotonic() >= deadline):
                    break
                free = left
            if released:
                # The moved pages into the file and the file cut now, not when the last
                # connection closes; PASSIVE never waits for a reader (Datasette).
                self.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.OperationalError as error:
            # A full disk (moved pages are written to the WAL first), say: the step rolled
            # back and the run's own work is committed, so it must not fail the run. The
            # next run tries again.
            log.warning("%s free pages not given back to the file system: %s",
                        self.free_pages(), error)
        return released

    def frontier_table(self, *, run_id: int | None) -> FrontierTable:
        return FrontierTable(self, run_id=run_id)

    @functools.cached_property
    def bodies(self) -> BodyStore:
        """The raw pages' compression: codecs, the sites' dictionaries (archive/bodies.py)."""
        return BodyStore(self)

    def _has_health(self) -> bool:
        """Whether the archive has the columns of extraction health (crawl_runs.field_health
        and drift): always, but in an archive opened without migrating."""
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
        savepoint: bool = True,
    ) -> RecordOutcome | None:
        """Store a fetch and (when it parsed) its page, in one transaction.

        The page's view count becomes an observation in ``view_counts``. A 404 or
        410 for a URL whose page is archived keeps that page (body, question, its
        history) and marks both gone instead. Returns the page's outcome, or None
        when there was no page to store.

        Inside a caller's transaction the page takes a savepoint of its own, so an error
        rolls back this page alone; ``savepoint=False`` leaves it out, for a caller that
        rolls back everything it stored when one page raises (a batch stored
        optimistically: a savepoint journals every database page the store touches,
        ~10 % of storing a page).
        """
        with self.atomic() if savepoint or not self.conn.in_transaction \
                else contextlib.nullcontext():
            if fetch.status in GONE_STATUSES and self._mark_gone(fetch, run_id=run_id):
                return "gone"
            outcome = None
            if page is not None:
                outcome = self.store_answer_page(page, observed_at=fetch.fetched_at,
                                                 run_id=run_id, pending=pending)
                self._record_view_count(page.site, page.id, page.view_count,
                                        int(page.view_count_approximate),
                                        observed_at=fetch.fetched_at, run_id=run_id)
                self._not_gone(page.site, page.id)  # it answers again
            self._write_page_row(fetch, question=(page.site, page.id) if page is not None
                                 else None, parser_version=parser_version,
                                 parse_error=parse_error, run_id=run_id)
        return outcome

    def _write_page_row(self, fetch: FetchedPage, *, question: tuple[str, str] | None,
                        parser_version: int | None, parse_error: str | None,
                        run_id: int | None) -> None:
        """``question``: (site, id) of the question the page showed, None if it showed none."""
        body = fetch.body
        site, question_id = question if question is not None else (None, None)
        blob, codec, dictionary_id = (
            self.bodies.compress(body, body_site(fetch.url, site)) if body is not None
            else (None, "zlib", None))
        codec_columns = ", body_codec, dictionary_id" if self.bodies.has_codecs else ""
        self.execute(
            "INSERT INTO pages (url, final_url, redirect_chain, status, fetched_at, etag, "
            "last_modified, content_type, charset, content_hash, body, body_size, site, "
            "question_id, parser_version, parse_error, run_id, http_version, reason, "
            "response_headers, captured_at, captured_run_id, revisit_status" + codec_columns
            + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL"
            + (", ?, ?" if codec_columns else "") + ") ON CONFLICT (url) DO UPDATE SET "
            "final_url = excluded.final_url, redirect_chain = excluded.redirect_chain, "
            "status = excluded.status, fetched_at = excluded.fetched_at, etag = excluded.etag, "
            "last_modified = excluded.last_modified, content_type = excluded.content_type, "
            "charset = excluded.charset, content_hash = excluded.content_hash, "
            "body = excluded.body, body_size = excluded.body_size, "
            "site = COALESCE(excluded.site, pages.site), "
            "question_id = COALESCE(excluded.question_id, pages.question_id), "
            "parser_version = excluded.parser_version, parse_error = excluded.parse_error, "
            "run_id = excluded.run_id, gone_at = NULL, http_version = excluded.http_version, "
            "reason = excluded.reason, response_headers = excluded.response_headers, "
            "captured_at = excluded.captured_at, captured_run_id = excluded.captured_run_id, "
            "revisit_status = NULL"
            + (", body_codec = excluded.body_codec, dictionary_id = excluded.dictionary_id"
               if codec_columns else ""),
            [
                # final_url, captured_at and captured_run_id empty: no redirect, and the
                # body captured by this visit (every reader takes url, fetched_at, run_id
                # then; migration 0018: the same text in every row otherwise).
                fetch.url, fetch.final_url if fetch.final_url != fetch.url else None,
                json.dumps(fetch.redirect_chain),
                fetch.status, fetch.fetched_at, fetch.etag, fetch.last_modified,
                fetch.content_type, fetch.charset, fetch.content_hash, blob,
                len(body) if body is not None else None,
                site, question_id, parser_version, parse_error, run_id,
                fetch.http_version, fetch.reason,
                json.dumps(fetch.headers, ensure_ascii=False) if fetch.headers is not None
                else None,
                None, None,
                *((codec, dictionary_id) if codec_columns else ()),
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
        row = self.execute("SELECT site, question_id FROM pages WHERE url = ? "
                           "AND question_id IS NOT NULL AND body IS NOT NULL",
                           [fetch.url]).fetchone()
        if row is None:
            return False
        self.execute("UPDATE pages SET status = ?, fetched_at = ?, run_id = ?, "
                     "gone_at = COALESCE(gone_at, ?), revisit_status = NULL, "
                     + _KEEP_CAPTURE + " WHERE url = ?",
                     [fetch.status, fetch.fetched_at, run_id, fetch.fetched_at, fetch.url])
        self.execute("UPDATE questions SET gone_at = COALESCE(gone_at, ?) "
                     "WHERE site = ? AND id = ?", [fetch.fetched_at, *row])
        return True

    def _not_gone(self, site: str, question_id: str) -> None:
        self.execute("UPDATE questions SET gone_at = NULL WHERE site = ? AND id = ? "
                     "AND gone_at IS NOT NULL", [site, question_id])

    def record_unchanged_page(
        self,
        url: str,
        *,
        fetched_at: str,
        run_id: int | None,
        etag: str | None = None,
        last_modified: str | None = None,
        status: int | None = None,
    ) -> None:
        """A page that did not change (304, or the stored body again): mark it seen, nothing more.

        No parse and no archive rows rewritten: the page's ``fetched_at`` and
        validators move on, and its question gets a view-count observation with
        the stored count — the page (so the count) is as it was, and growth charts
        then have a point for every run. A page that was gone and is back with
        the same body is no longer gone. ``status`` (304, or 200 for the same bytes)
        becomes ``revisit_status``: the WARC export's revisit record says which it was;
        when and in which run the body was captured stay as they were.
        """
        with self.atomic():
            # RFC 9110 §15.4.5: a 304 carries the validators a 200 would have.
            self.execute(
                "UPDATE pages SET fetched_at = ?, run_id = ?, etag = COALESCE(?, etag), "
                "last_modified = COALESCE(?, last_modified), "
                "status = CASE WHEN gone_at IS NULL THEN status ELSE 200 END, gone_at = NULL, "
                "revisit_status = ?, " + _KEEP_CAPTURE + " WHERE url = ?",
                [fetched_at, run_id, etag, last_modified, status, url])
            row = self.execute(
                "SELECT q.site, q.id, q.view_count, q.view_count_approximate FROM pages p "
                "JOIN questions q ON q.site = p.site AND q.id = p.question_id "
                "WHERE p.url = ?", [url]).fetchone()
            if row is None:
                return
            site, question_id, view_count, approximate = row
            self._record_view_count(site, question_id, view_count, approximate,
                                    observed_at=fetched_at, run_id=run_id)
            self._not_gone(site, question_id)

    # --- WARC export: stored responses, a chunk at a time ------------------------

    def has_run(self, run_id: int) -> bool:
        return self.execute("SELECT 1 FROM crawl_runs WHERE id = ?", [run_id]).fetchone() \
            is not None

    def count_stored_responses(self, *, since_run: int | None = None) -> int:
        """How many pages ``stored_responses`` yields (a progress bar's total)."""
        return int(self.execute(
            "SELECT count(*) FROM pages WHERE body IS NOT NULL AND (? IS NULL OR run_id >= ?)",
            [since_run, since_run]).fetchone()[0])

    def stored_responses(self, *, since_run: int | None = None,
                         chunk: int = 200) -> Iterator[StoredResponse]:
        """Every page with a body, in storing order, ``chunk`` rows read at a time (never
        the whole archive in memory). ``since_run``: only pages a run >= it captured or
        visited (a page's ``run_id`` is its last visit, never before its capture)."""
        codec = "body_codec, dictionary_id" if self.bodies.has_codecs else "'zlib', NULL"
        last = 0
        while True:
            rows = self.execute(
                "SELECT rowid, url, final_url, status, fetched_at, run_id, "
                "COALESCE(captured_at, fetched_at), COALESCE(captured_run_id, run_id), "
                "revisit_status, gone_at IS NOT NULL, http_version, reason, response_headers, "
                "content_type, etag, last_modified, body, " + codec + " FROM pages "
                "WHERE rowid > ? AND body IS NOT NULL AND (? IS NULL OR run_id >= ?) "
                "ORDER BY rowid LIMIT ?", [last, since_run, since_run, chunk]).fetchall()
            for row in rows:
                headers = json.loads(row[12]) if row[12] else None
                yield StoredResponse(
                    url=row[1], final_url=row[2] or row[1], status=row[3], fetched_at=row[4],
                    run_id=row[5], captured_at=row[6], captured_run_id=row[7],
                    revisit_status=row[8], gone=bool(row[9]), http_version=row[10],
                    reason=row[11],
                    headers=[(str(name), str(value)) for name, value in headers]
                    if headers is not None else None,
                    content_type=row[13], etag=row[14], last_modified=row[15],
                    body=self.bodies.decompress(row[16], row[17], row[18]))
            if len(rows) < chunk:
                return
            last = rows[-1][0]

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
        """The URL's stored body, decompressed, and its charset.

        Raises archive.bodies.BodyUnreadable (a one-line reason) for a corrupt body or
        one whose dictionary is missing.
        """
        codec = "body_codec, dictionary_id" if self.bodies.has_codecs else "'zlib', NULL"
        body, charset, body_codec, dictionary_id = self.execute(
            f"SELECT body, charset, {codec} FROM pages WHERE url = ?", [url]).fetchone()
        return self.bodies.decompress(body, body_codec, dictionary_id), charset

    def record_reparse(self, url: str, *, parser_version: int, page: AnswerPage | None,
                       parse_error: str | None = None) -> StoreOutcome | None:
        """A stored body read again by ``parser_version``: its page, or why it did not parse."""
        if page is None:
            self.execute("UPDATE pages SET parser_version = ?, parse_error = ? WHERE url = ?",
                         [parser_version, parse_error, url])
            return None
        outcome = self.store_answer_page(page)
        self.execute("UPDATE pages SET parser_version = ?, parse_error = NULL, site = ?, "
                     "question_id = ? WHERE url = ?", [parser_version, page.site, page.id, url])
        return outcome

    # --- questions -------------------------------------------------------------

    def store_answer_page(
        self, page: AnswerPage, *, observed_at: str | None = None,
        run_id: int | None = None, pending: PendingIndex | None = None,
    ) -> StoreOutcome:
        """Store one parsed page: its question, answers, tags, links and resources.

        Idempotent: storing the same page again changes no row. A newer version
        replaces the question's related, tag and resource lists; an answer whose text
        changed keeps its old text in ``answer_versions``. ``observed_at``: when
        the page was fetched (None: a stored body read again, see
        ``_store_answer_versions``). A question first seen as a related question
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
        # Read once a page: an archive opened without migrating may be older than the writer.
        version = schema_version(self)
        outcome, first_fetch, rowid, indexed = self._store_question(page, version=version)
        answers_changed, old_answers = self._store_answers(
            page, observed_at=observed_at, run_id=run_id, first=first_fetch)
        related_changed = self._store_related(page, pending, first_fetch=first_fetch)
        tags_changed = self._store_tags(page, first_fetch=first_fetch)
        resources_changed = self._store_resources(page, pending, rowid,
                                                  first_fetch=first_fetch, version=version)
        if outcome != "unchanged" or answers_changed:
            # What the index holds for the row: its title and Markdown before this page.
            old = (indexed[0], searchable_text(indexed[1], old_answers)) if indexed else None
            pending.add(QUESTION_FTS, rowid, page.title, self._searchable_text(page), old=old)
        if outcome == "unchanged" and (answers_changed or related_changed or tags_changed
                                       or resources_changed):
            outcome = "updated"
        return outcome

    def _store_question(
        self, page: AnswerPage, *, version: int,
    ) -> tuple[StoreOutcome, bool, int, tuple[str | None, str | None] | None]:
        """Write the question's row if it changed: its outcome, whether it is a first
        fetch, its rowid (the search index's key) and the row's title and question_markdown
        before (None for a new row; a question seen before as a related one has a row,
        and an entry in the index)."""
        row = _question_row(page)
        updated = list(row)  # the columns an existing row takes from this page
        if page.answers_page > 1:
            # A later page of paged answers (?page=N) says everything of the question but
            # its URL, which is its first page's: it leaves it alone, and gives a row it
            # creates its own URL (until the first page comes).
            updated = [column for column in row if column != "url"]
        existing = self.execute(
            "SELECT rowid, " + ", ".join(updated) + " FROM questions WHERE site = ? AND id = ?",
            [page.site, page.id]
        ).fetchone()
        # A question never fetched before (absent, or a stub seen as a related question)
        # has no answers, versions, related links or resource links yet: nothing to compare.
        first_fetch = existing is None or existing[1 + updated.index("is_fetched")] == 0
        if first_fetch:
            outcome: StoreOutcome = "new"
        else:
            outcome = "unchanged" if tuple(existing[1:]) == tuple(
                row[column] for column in updated) else "updated"
        # Where the fields came from is kept current, but a change of source alone (a new
        # parser, the site's markup moving a field) changes no question: not "updated".
        sources = self._field_source_set(page, version=version)
        if outcome == "unchanged":
            if sources is not None:
                self.execute("UPDATE questions SET field_sources_id = ? WHERE site = ? "
                             "AND id = ? AND field_sources_id IS NOT ?",
                             [sources, page.site, page.id, sources])
            return outcome, first_fetch, existing[0], _indexed_columns(updated, existing)
        if sources is not None:
            row = {**row, "field_sources_id": sources}
            updated.append("field_sources_id")
        cursor = self.execute(
            "INSERT INTO questions (" + ", ".join(row) + ") VALUES ("
            + ", ".join("?" for _ in row) + ") ON CONFLICT (site, id) DO UPDATE SET "
            + ", ".join(f"{column} = excluded.{column}" for column in updated
                        if column not in ("site", "id")),
            list(row.values()),
        )
        # The row read above, or the one just inserted (this transaction holds the write
        # lock: nothing came between). Not RETURNING: with SQLite 3.40 it made an insert
        # into a table with indexes ~2.5x slower (a resource 12.7 against 4.6 µs).
        rowid = existing[0] if existing is not None else _inserted_rowid(cursor)
        return outcome, first_fetch, rowid, (
            _indexed_columns(updated, existing) if existing is not None else None)

    def _field_source_set(self, page: AnswerPage, *, version: int) -> int | None:
        """The id of the page's set of field sources in ``field_source_sets`` (added if new;
        migration 0018), or None: a page whose parser says nothing and has no field, or an
        archive (at schema ``version``) opened without migrating, from before the sets."""
        sources = _field_sources_json(page)
        if sources is None or version < FIELD_SOURCE_SETS_SCHEMA_VERSION:
            return None
        # Looked up every time, not cached: a batch rolled back (writers.store_optimistically)
        # takes a set it added with it.
        found = self.execute("SELECT id FROM field_source_sets WHERE sources = ?",
                             [sources]).fetchone()
        if found is not None:
            return int(found[0])
        return _inserted_rowid(self.execute(
            "INSERT INTO field_source_sets (sources) VALUES (?)", [sources]))

    def _searchable_text(self, page: AnswerPage) -> str:
        """What search finds a question by besides its title (``searchable_text``): its
        body's Markdown and every answer's stored for it (a page of paged answers adds to
        those stored from other pages)."""
        if page.question_markdown is None and not page.answers:
            # CSDN's shape: the one answer (or none), which is all its answers rows hold.
            return searchable_text(None, [answer.markdown for answer in page.page_answers()])
        return searchable_text(page.question_markdown, [markdown for (markdown,) in self.execute(
            "SELECT markdown FROM answers WHERE site = ? AND question_id = ? "
            "ORDER BY position, id", [page.site, page.id])])

    def _store_answers(self, page: AnswerPage, *, observed_at: str | None,
                       run_id: int | None, first: bool) -> tuple[bool, list[str | None]]:
        """Write the page's answers and their history: whether any changed, and the
        Markdown the question's answers had before, in page order (what the search index
        holds).

        An answer is stored as its Markdown alone (migration 0016): the parsed page's
        plain text goes into its version's hash and nowhere else. A page that shows every
        answer (no paging) also removes the answers it no longer shows; their Markdown
        stays in ``answer_versions``, superseded.
        """
        changed = False
        seen = observed_at or utc_now()
        stored = {} if first else {
            answer_id: tuple(values) for answer_id, *values in self.execute(
                "SELECT id, position, markdown, votes, accepted, author, created_at "
                "FROM answers WHERE site = ? AND question_id = ?", [page.site, page.id])}
        old_markdown = [values[1] for _, values in sorted(
            stored.items(), key=lambda item: (item[1][0], item[0]))]
        answers = page.page_answers()
        for answer in answers:
            # Numbered across the question's pages of answers.
            position = page.answers_before + answer.position
            answer_id = answer.id or f"p{position}"  # an answer the page gives no id
            values = (position, answer.markdown, answer.votes,
                      int(answer.accepted), answer.author, answer.created_at)
            before = stored.pop(answer_id, None)
            if before == values:
                continue
            changed = True
            self.execute(
                "INSERT INTO answers (site, question_id, id, position, markdown, votes, "
                "accepted, author, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (site, question_id, id) DO UPDATE SET position = excluded.position, "
                "markdown = excluded.markdown, votes = excluded.votes, "
                "accepted = excluded.accepted, author = excluded.author, "
                "created_at = excluded.created_at",
                [page.site, page.id, answer_id, *values])
            self._store_answer_version(
                page, answer_id, answer.text, answer.markdown,
                before=before[1] if before is not None else None,
                observed_at=observed_at, run_id=run_id, first=first)
        whole = page.answer_count is None or page.answer_count <= len(answers)
        if whole and stored:
            changed = True
            for answer_id, values in stored.items():
                # Its current version takes its Markdown before the row goes.
                self.execute("UPDATE answer_versions SET superseded_at = ?, "
                             "answer_markdown = coalesce(answer_markdown, ?) WHERE site = ? AND "
                             "question_id = ? AND answer_id = ? AND superseded_at IS NULL",
                             [seen, values[1], page.site, page.id, answer_id])
                self.execute("DELETE FROM answers WHERE site = ? AND question_id = ? AND id = ?",
                             [page.site, page.id, answer_id])
        return changed, old_markdown

    def _store_related(self, page: AnswerPage, pending: PendingIndex, *,
                       first_fetch: bool) -> bool:
        """Replace the question's related and linked questions if they changed; True if so.

        Only items with a question to link to: one shown without its link stays in the
        parsed record (and its position counts), but has no row here.
        """
        linked = [(kind, related) for kind, items in (("related", page.related_questions),
                                                     ("linked", page.linked_questions))
                  for related in items if related.id and related.url]
        related_rows = [
            (page.site, page.id, related.id, kind, related.position, related.title,
             related.answer_text)
            for kind, related in linked
        ]
        stored_related = [] if first_fetch else [tuple(r) for r in self.execute(
            "SELECT site, from_id, to_id, kind, position, title, answer_text "
            "FROM related_questions WHERE site = ? AND from_id = ? "
            "ORDER BY kind DESC, position", [page.site, page.id]
        ).fetchall()]
        if stored_related == related_rows:
            return False
        for _, related in linked:
            # A stub: the question as the linking page shows it, completed when
            # its own page is stored (ON CONFLICT leaves a fetched row alone).
            stub = self.execute(
                "INSERT INTO questions (site, id, url, title, is_fetched) VALUES (?, ?, ?, ?, 0) "
                "ON CONFLICT (site, id) DO NOTHING",
                [page.site, related.id, related.url, related.title],
            )
            if stub.rowcount == 1:  # inserted (not RETURNING: see _store_question)
                pending.add(QUESTION_FTS, _inserted_rowid(stub), related.title, None, old=None)
        if stored_related:
            self.execute("DELETE FROM related_questions WHERE site = ? AND from_id = ?",
                         [page.site, page.id])
        self.conn.executemany(
            "INSERT INTO related_questions (site, from_id, to_id, kind, position, title, "
            "answer_text) VALUES (?, ?, ?, ?, ?, ?, ?)", related_rows,
        )
        return True

    def _store_tags(self, page: AnswerPage, *, first_fetch: bool) -> bool:
        """Replace the question's tags if they changed; True if they did."""
        tags = list(dict.fromkeys(page.tags))  # a tag listed twice is one tag
        stored = [] if first_fetch else [tag for (tag,) in self.execute(
            "SELECT tag FROM question_tags WHERE site = ? AND question_id = ? ORDER BY position",
            [page.site, page.id])]
        if stored == tags:
            return False
        self.conn.executemany("INSERT OR IGNORE INTO tags (site, name) VALUES (?, ?)",
                              [(page.site, tag) for tag in tags])
        if stored:
            self.execute("DELETE FROM question_tags WHERE site = ? AND question_id = ?",
                         [page.site, page.id])
        self.conn.executemany(
            "INSERT INTO question_tags (site, question_id, tag, position) VALUES (?, ?, ?, ?)",
            [(page.site, page.id, tag, position) for position, tag in enumerate(tags, 1)])
        return True

    def _store_resources(self, page: AnswerPage, pending: PendingIndex, question_rowid: int,
                         *, first_fetch: bool, version: int) -> bool:
        """Write the page's resources and its links to them; True if anything changed.

        A link is the question's rowid, its section and position, and the resource's
        rowid (``question_resource_links``, migration 0015; the view
        ``question_resources`` shows it with the question's key and the URL).
        """
        resource_links = sorted(
            (resource.section, resource.position, resource.url)
            for resource in page.recommended_resources
        )
        stored_rows = [] if first_fetch else self.execute(
            "SELECT l.section, l.position, r.url, l.resource_rowid FROM question_resource_links l "
            "JOIN resources r ON r.rowid = l.resource_rowid WHERE l.question_rowid = ?",
            [question_rowid]
        ).fetchall()
        stored_links = sorted((section, position, url) for section, position, url, _ in stored_rows)
        changed = stored_links != resource_links
        # Counted by this writer since schema 19 (an archive opened without migrating keeps
        # its triggers, which count): a resource inserted here starts at 1, this question.
        counts_here = version >= COUNTED_BY_WRITER_SCHEMA_VERSION
        # The resources as stored, read at once: only a new or changed one is written (an
        # unchanged page writes nothing), and a changed one's old title is what the search
        # index must delete. The index holds titles only (schema 17): a changed description,
        # kind or file type leaves it as it is.
        stored = self._stored_resources([resource.url for resource in
                                         page.recommended_resources])
        unstored: dict[str, tuple[Any, ...]] = {}  # url -> values (listed twice: the last)
        for resource in page.recommended_resources:
            values = (resource.kind, resource.file_type, resource.title, resource.description)
            before = stored.get(resource.url)
            if before is None:
                unstored[resource.url] = values
                continue
            if before[1:] == values:
                continue
            changed = True
            self.execute("UPDATE resources SET kind = ?, file_type = ?, title = ?, "
                         "description = ? WHERE rowid = ?", [*values, before[0]])
            stored[resource.url] = (before[0], *values)  # a page may list a resource twice
            if before[3] != resource.title:
                pending.add(RESOURCE_FTS, before[0], resource.title, old=(before[3],))
        inserted = self._insert_resources(unstored, stored, pending,
                                          recommended_by=int(counts_here))
        changed = changed or bool(inserted)
        if stored_links != resource_links:
            if stored_links:
                self.execute("DELETE FROM question_resource_links WHERE question_rowid = ?",
                             [question_rowid])
            self.conn.executemany(
                "INSERT INTO question_resource_links (question_rowid, section, position, "
                "resource_rowid) VALUES (?, ?, ?, ?)",
                [(question_rowid, section, position, stored[url][0])
                 for section, position, url in resource_links],
            )
            if counts_here:
                linked = {rowid for *_, rowid in stored_rows}
                linking = {stored[url][0] for _, _, url in resource_links}
                self._count_recommendations(linking - linked - inserted, +1)
                self._count_recommendations(linked - linking, -1)
        return changed

    def _insert_resources(self, new: dict[str, tuple[Any, ...]],
                          stored: dict[str, tuple[Any, ...]], pending: PendingIndex, *,
                          recommended_by: int) -> set[int]:
        """Insert the ``new`` resources (url -> kind, file_type, title, description) in one
        ``executemany``, each with the rowid SQLite would give it (the largest + 1: this
        transaction holds the write lock, as in _store_question), add them to ``stored``
        and the search index; their rowids. One INSERT a resource (~7 a sample page) with
        its own rowid read back took 0.02 ms more a page of a WARC import."""
        if not new:
            return set()
        insert = ("INSERT INTO resources (rowid, url, kind, file_type, title, description, "
                  "recommended_by) VALUES (?, ?, ?, ?, ?, ?, ?)")
        last = int(self.execute("SELECT COALESCE(MAX(rowid), 0) FROM resources").fetchone()[0])
        if last + len(new) > _MAX_ROWID:
            # A NULL rowid: SQLite picks an unused one at random (a row put at the largest
            # by hand), read back one by one.
            rowids = [_inserted_rowid(self.execute(insert, [None, url, *values, recommended_by]))
                      for url, values in new.items()]
        else:
            rowids = list(range(last + 1, last + 1 + len(new)))
            self.conn.executemany(insert, [
                (rowid, url, *values, recommended_by)
                for rowid, (url, values) in zip(rowids, new.items(), strict=True)])
        for rowid, (url, values) in zip(rowids, new.items(), strict=True):
            stored[url] = (rowid, *values)
            pending.add(RESOURCE_FTS, rowid, values[2], old=None)
        return set(rowids)

    def _count_recommendations(self, resource_rowids: set[int], change: int) -> None:
        """``resources.recommended_by``: how many questions recommend each (a question listing
        one in both sections counts once). Kept here, not by the triggers of schemas 5-18:
        firing one for each of a page's ~24 links was 7% of a WARC import's time."""
        self.conn.executemany(
            "UPDATE resources SET recommended_by = recommended_by + ? WHERE rowid = ?",
            [(change, rowid) for rowid in sorted(resource_rowids)])

    def _stored_resources(self, urls: list[str]) -> dict[str, tuple[Any, ...]]:
        """url -> (rowid, kind, file_type, title, description) of those stored."""
        found: dict[str, tuple[Any, ...]] = {}
        unique = list(dict.fromkeys(urls))
        for start in range(0, len(unique), 500):  # within SQLite's parameter limit
            chunk = unique[start:start + 500]
            for url, *values in self.execute(
                    "SELECT url, rowid, kind, file_type, title, description FROM resources "
                    "WHERE url IN (" + ", ".join("?" * len(chunk)) + ")", chunk):
                found[url] = tuple(values)
        return found

    # --- history ---------------------------------------------------------------

    def _store_answer_version(
        self, page: AnswerPage, answer_id: str, text: str, markdown: str, *,
        before: str | None, observed_at: str | None, run_id: int | None,
        first: bool = False,
    ) -> None:
        """Keep every Markdown an answer had: a changed answer supersedes the current
        version.

        The version's identity (``content_hash``) is the parsed page's title, text and
        Markdown (``answer_hash``); what it keeps is the Markdown (migration 0016). The
        current version's Markdown is the answers row's (its own column is NULL, see
        migration 0014); superseded, it takes ``before``, the answer's Markdown until
        now. ``observed_at`` None means the same stored body was read again by a
        newer parser (reparse): that corrects the current version in place rather than
        inventing an edit the site never made.
        """
        digest = answer_hash(page.title, text, markdown)
        # ``first``: the question's first fetch, which has no version yet.
        current = None if first else self.execute(
            "SELECT id, version, content_hash FROM answer_versions WHERE site = ? AND "
            "question_id = ? AND answer_id = ? AND superseded_at IS NULL "
            "ORDER BY version DESC LIMIT 1", [page.site, page.id, answer_id]).fetchone()
        if current is not None and current[2] == digest:
            return
        if current is not None and observed_at is None:
            self.execute("UPDATE answer_versions SET content_hash = ?, title = ?, "
                         "answer_markdown = NULL WHERE id = ?",
                         [digest, page.title, current[0]])
            return
        seen = observed_at or utc_now()
        if current is not None:
            # A version that kept a Markdown of its own (one migration 0014 found differing
            # from its answers row) keeps it.
            self.execute("UPDATE answer_versions SET superseded_at = ?, "
                         "answer_markdown = coalesce(answer_markdown, ?) WHERE id = ?",
                         [seen, before, current[0]])
        # The next version after any this answer had (one that left the page and came
        # back has no current version, but its old ones keep their numbers).
        version = self.execute(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM answer_versions WHERE site = ? AND "
            "question_id = ? AND answer_id = ?", [page.site, page.id, answer_id]
        ).fetchone()[0] if not first else 1
        self.execute(
            "INSERT INTO answer_versions (site, question_id, answer_id, version, content_hash, "
            "title, first_seen_at, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [page.site, page.id, answer_id, version, digest, page.title, seen, run_id])

    def _record_view_count(
        self, site: str, question_id: str, view_count: int | None, approximate: int,
        *, observed_at: str, run_id: int | None,
    ) -> None:
        if view_count is None:
            return
        # One observation per question per run: a page fetched twice in a run
        # (two URLs for one question) keeps the later reading.
        self.execute(
            "INSERT INTO view_counts (site, question_id, observed_at, view_count, "
            "view_count_approximate, run_id) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (site, question_id, run_id) DO UPDATE SET "
            "observed_at = excluded.observed_at, view_count = excluded.view_count, "
            "view_count_approximate = excluded.view_count_approximate",
            [site, question_id, observed_at, view_count, approximate, run_id])


# SQLite's largest rowid: past it, an INSERT without one gets an unused one at random.
_MAX_ROWID = 2**63 - 1


def _inserted_rowid(cursor: sqlite3.Cursor) -> int:
    """The rowid of the row the INSERT ``cursor`` ran has just added."""
    rowid = cursor.lastrowid
    if rowid is None:  # sqlite3 sets it after every INSERT: never
        raise sqlite3.InterfaceError("the INSERT gave no rowid")
    return rowid


def _field_sources_json(page: AnswerPage) -> str | None:
    """field_source_sets.sources: where each field was found (archive.health.fields_found),
    as JSON; None for a page whose parser says nothing and has no field (never, in practice)."""
    found = fields_found(page)
    return json.dumps(found, ensure_ascii=False, sort_keys=True) if found else None


def _indexed_columns(columns: list[str], existing: Any) -> tuple[str | None, str | None]:
    """The title and question_markdown of a stored row (``existing``: rowid, then the
    ``columns`` read, which are not all of a row when a later page of answers leaves out
    its URL): what the search index holds with its answers."""
    return (existing[1 + columns.index("title")],
            existing[1 + columns.index("question_markdown")])


def _question_row(page: AnswerPage) -> dict[str, Any]:
    return {
        "site": page.site,
        "id": page.id,
        "url": page.url,
        "title": page.title,
        "asked_at": page.asked_at,
        "view_count": page.view_count,
        "view_count_approximate": int(page.view_count_approximate),
        "is_fetched": 1,
        "profile": page.profile,
        "parser_version": page.parser_version,
        "question_markdown": page.question_markdown,  # no question_text: see migration 0016
        "question_votes": page.question_votes,
        "question_author": page.question_author,
        "tags": json.dumps(list(dict.fromkeys(page.tags)), ensure_ascii=False)
        if page.tags else None,
        "status": page.status,
        "duplicate_of": page.duplicate_of,
        "answer_count": page.answer_count,
    }
