"""Storing a crawl's results, in the crawl's event loop or in a writer process of its own.

::

    crawl process: fetch, parse, frontier ──batches──▶ writer process ──▶ archive.db
                                          ◀──outcome counts (new, updated, ...)──

A crawl is CPU-bound on one core, and storing (SQLite, zlib, segmenting text
for search) is a third of it; a thread would share the GIL, a process gets a
core of its own (CrawlSettings.writer_process). The writer process is the
only writer while the crawl runs: the crawl process writes its run's row and
the seeds before sending the first batch, and its run's end after the writer
has exited.

It is started with fork+exec (``subprocess``), never a bare ``fork``: a
forked child would inherit the archive's lock (archive/lock.py) and hold it
after the crawl died. Not multiprocessing's "spawn" either, which imports the
parent's ``__main__`` script again and so breaks a script that calls
``run_crawl`` without an ``if __name__ == "__main__"`` guard.

Durability as with the in-loop writer: each batch is one transaction. The
writer process ignores SIGINT and SIGTERM (Ctrl-C reaches the whole process
group): the crawl decides when to stop, and the writer stores everything it
was sent, then exits. When the crawl process dies (``kill -9``), the writer
sees the end of its pipe, or that it has a new parent, and exits without
starting another transaction; the URLs of batches it did not commit are still
``pending``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import subprocess
import sys
import traceback
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import sqlite_utils

from archive import FetchedPage, record_fetched_page, record_unchanged_page
from archive.runs import RUN_COUNTS
from archive.search import PendingIndex
from crawler.frontier import Frontier, FrontierURL
from parsers import AnswerPage

__all__ = [
    "STORE_OUTCOMES",
    "URLResult",
    "WriterFailed",
    "WriterProcess",
    "archive_file",
    "store_results",
    "write_run_counts",
]

# What storing a page came to; counted by the writer, the rest of RUN_COUNTS by the crawl.
STORE_OUTCOMES = ("new", "updated", "unchanged", "gone")
# Batches sent to the writer process and not yet stored: one being written,
# one waiting. More would only hold more pages in memory.
_MAX_IN_FLIGHT = 2
# Seconds a writer process gets to exit after its last batch, or after it
# failed, before it is killed (it ignores SIGTERM).
_EXIT_TIMEOUT = 30.0


@dataclass(slots=True)
class URLResult:
    """One URL's outcome, as the writer stores it."""

    entry: FrontierURL
    state: str
    requests: int = 0
    status: int | None = None
    error: str | None = None
    fetch: FetchedPage | None = None
    page: AnswerPage | None = None
    parse_error: str | None = None
    parser_version: int | None = None
    not_modified: bool = False  # a 304, or the stored body again: only marked seen
    discovered: list[FrontierURL] = field(default_factory=list)


def store_results(
    db: sqlite_utils.Database, frontier: Frontier, batch: list[URLResult], *, run_id: int
) -> Counter[str]:
    """Store a batch inside the caller's transaction; returns its STORE_OUTCOMES counts."""
    outcomes: Counter[str] = Counter()
    pending = PendingIndex()  # the batch's search-index writes, written together
    for result in batch:
        url = result.entry.url
        if result.discovered:
            frontier.write_new(result.discovered, discovered_from=url)
        if result.not_modified:
            fetch = result.fetch
            assert fetch is not None
            record_unchanged_page(db, url, fetched_at=fetch.fetched_at, run_id=run_id,
                                  etag=fetch.etag, last_modified=fetch.last_modified)
            outcomes["unchanged"] += 1
        elif result.fetch is not None:
            outcome = record_fetched_page(
                db, result.fetch, page=result.page, parse_error=result.parse_error,
                parser_version=result.parser_version, run_id=run_id, pending=pending,
            )
            if outcome is not None:
                outcomes[outcome] += 1
        frontier.write_state(url, result.state, requests=result.requests,
                             status=result.status, error=result.error)
    pending.flush(db)
    return outcomes


def write_run_counts(db: sqlite_utils.Database, run_id: int, counts: Mapping[str, int]) -> None:
    # Kept current in the run's row, so a killed run still shows what it did.
    db.execute(
        "UPDATE crawl_runs SET " + ", ".join(f"{name} = ?" for name in RUN_COUNTS)
        + " WHERE id = ?", [*(int(counts.get(name, 0)) for name in RUN_COUNTS), run_id])


def archive_file(db: sqlite_utils.Database) -> str | None:
    """The archive's file, or None for an in-memory or temporary database."""
    for _, name, path in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return str(path) if path else None
    return None


class WriterFailed(RuntimeError):
    """The writer process stopped without storing what it was sent; the message says why."""


class WriterProcess:
    """The crawl's side of a writer process: send batches, learn what they came to.

    ``on_stored`` is called (in the event loop) with each stored batch's
    STORE_OUTCOMES counts. ``failed`` completes when the process reports an
    error or dies; :meth:`store` and :meth:`close` then raise its error.
    """

    def __init__(self, path: str, *, run_id: int,
                 on_stored: Callable[[Counter[str]], None]) -> None:
        self._on_stored = on_stored
        self._loop = asyncio.get_running_loop()
        self.failed: asyncio.Future[None] = self._loop.create_future()
        self._error: BaseException | None = None
        self._changed = asyncio.Event()
        self._sent = self._stored = 0
        self._closing = False  # told to finish
        self._finished = False  # said it has stored everything
        # One thread sends, so batches arrive in order and a send that waits
        # for the writer to read never blocks the event loop.
        self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qarchive-send")
        to_child, self._to_writer = os.pipe()
        self._from_writer, from_child = os.pipe()
        # Where the packages are (crawler/, archive/, parsers/ ...), for a source checkout.
        root = str(Path(__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            part for part in (root, os.environ.get("PYTHONPATH")) if part)}
        try:
            # Signals ignored first thing: a Ctrl-C while the writer starts must not kill it.
            self._process = subprocess.Popen(
                [sys.executable, "-c",
                 "import signal; signal.signal(signal.SIGINT, signal.SIG_IGN); "
                 "signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                 "from crawler.writer_process import _serve; _serve()",
                 str(to_child), str(from_child)],
                pass_fds=(to_child, from_child), stdin=subprocess.DEVNULL, env=env)
        except BaseException:
            for fd in (self._to_writer, self._from_writer):
                os.close(fd)
            raise
        finally:
            os.close(to_child)
            os.close(from_child)
        self._send_conn = Connection(self._to_writer, readable=False)
        self._recv_conn = Connection(self._from_writer, writable=False)
        self._loop.add_reader(self._from_writer, self._on_readable)
        # Sent ahead of the first batch; a failure shows at the first batch's send.
        self._sender.submit(self._send_conn.send_bytes, pickle.dumps((path, run_id)))

    async def store(self, batch: list[URLResult], counts: Mapping[str, int]) -> None:
        """Send a batch (and the crawl's RUN_COUNTS so far); waits while two are unstored."""
        while self._sent - self._stored >= _MAX_IN_FLIGHT and self._error is None:
            self._changed.clear()
            await self._changed.wait()
        self.check()
        crawl_counts = {name: counts.get(name, 0) for name in RUN_COUNTS
                        if name not in STORE_OUTCOMES}
        message = pickle.dumps((batch, crawl_counts), protocol=pickle.HIGHEST_PROTOCOL)
        self._sent += 1
        await self._send(message)

    async def close(self) -> None:
        """Wait until every batch sent is stored and the writer process has exited."""
        if not self._closing:
            self._closing = True
            await self._send(pickle.dumps(None))
        while not self._finished and self._error is None:
            self._changed.clear()
            await self._changed.wait()
        self.check()
        await self._loop.run_in_executor(None, self._process.wait)
        self.abandon()

    def abandon(self) -> None:
        """Let go of the process and wait for it to exit (killed if it takes too long).

        It sees the end of its pipe once it has read what was sent, and exits;
        waiting means nothing writes the archive once the crawl has ended.
        """
        if self._recv_conn.closed:
            return
        self._loop.remove_reader(self._from_writer)
        self._send_conn.close()
        self._recv_conn.close()
        self._sender.shutdown(wait=False, cancel_futures=True)
        try:
            self._process.wait(timeout=_EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    # --- internals -----------------------------------------------------------

    async def _send(self, message: bytes) -> None:
        try:
            await self._loop.run_in_executor(self._sender, self._send_conn.send_bytes, message)
        except OSError as error:  # the writer process is gone; it may have said why first
            self._fail(WriterFailed(f"the archive writer process stopped ({error})"))
            self.check()

    def _on_readable(self) -> None:
        try:
            while self._recv_conn.poll():
                kind, value = self._recv_conn.recv()
                if kind == "stored":
                    self._stored += 1
                    try:
                        self._on_stored(value)
                    except Exception as callback_error:  # fail the crawl, never hang it
                        self._fail(callback_error)
                elif kind == "closed":
                    self._finished = True
                elif kind == "error":
                    error, text = value
                    error.add_note(text)
                    self._fail(error)
        except (EOFError, OSError):  # the process exited
            self._loop.remove_reader(self._from_writer)
            if not self._finished:
                code = self._process.poll()
                self._fail(WriterFailed(
                    "the archive writer process exited unexpectedly"
                    + (f" (exit status {code})" if code is not None else "")))
        self._changed.set()

    def _fail(self, error: BaseException) -> None:
        if self._error is None:
            self._error = error
            self.failed.set_result(None)

    def check(self) -> None:
        """Raise the error the writer process stopped with, if it did."""
        if self._error is not None:
            raise self._error


# --- the writer process itself ----------------------------------------------


def _serve() -> None:
    """The writer process's main: ``python -c ... <fd to read> <fd to write>``."""
    from archive import open_archive

    incoming = Connection(int(sys.argv[1]), writable=False)
    outgoing = Connection(int(sys.argv[2]), readable=False)
    parent = os.getppid()
    try:
        path, run_id = _receive(incoming)
    except (EOFError, OSError):
        return  # the crawl ended before its first batch
    db: sqlite_utils.Database | None = None
    try:
        db = open_archive(path, create=False, migrate=False)
        frontier = Frontier(db, run_id=run_id)
        totals: Counter[str] = Counter()
        while True:
            try:
                message = _receive(incoming)
            except (EOFError, OSError):
                return  # the crawl died: what it sent and we did not store stays pending
            if message is None:
                break
            if os.getppid() != parent:
                return  # the crawl died: no new transaction once a new run may have started
            batch, counts = message
            db.execute("BEGIN IMMEDIATE")
            try:
                outcomes = store_results(db, frontier, batch, run_id=run_id)
                write_run_counts(db, run_id, {**counts, **(totals + outcomes)})
                db.execute("COMMIT")
            except BaseException:
                if db.conn.in_transaction:
                    db.execute("ROLLBACK")
                raise
            totals += outcomes
            outgoing.send(("stored", outcomes))
        db.close()
        db = None
        outgoing.send(("closed", None))
    except (BrokenPipeError, ConnectionResetError):
        return  # the crawl died after we committed
    except BaseException as error:  # reported to the crawl, which fails the run
        text = traceback.format_exc()
        try:
            pickle.dumps(error)
        except Exception:
            error = WriterFailed(f"{type(error).__name__}: {error}")
        with contextlib.suppress(OSError):  # the crawl is gone too
            outgoing.send(("error", (error, f"archive writer process:\n{text}")))
        sys.exit(1)
    finally:
        if db is not None:
            db.close()


def _receive(incoming: Connection) -> Any:
    return incoming.recv()
