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
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from archive import Archive, FrontierURL, RunCounts, open_archive
from archive.bodies import CompressionPolicy, DictionaryUpkeep
from crawler.writers import (
    StoredBatch,
    URLResult,
    body_sites,
    counts_with,
    discovered_in,
    store_batch,
    train_dictionaries,
)

__all__ = ["ProcessWriter", "WriterFailed"]

# Batches sent to the writer process and not yet stored: one being written,
# one waiting. More would only hold more pages in memory.
_MAX_IN_FLIGHT = 2
# Seconds a writer process gets to exit after its last batch, or after it
# failed, before it is killed (it ignores SIGTERM).
_EXIT_TIMEOUT = 30.0


class WriterFailed(RuntimeError):
    """The writer process stopped without storing what it was sent; the message says why."""


class ProcessWriter:
    """The crawl's side of a writer process: send batches, learn what they came to.

    A ``crawler.writers.Writer``: ``on_stored`` is called (in the event loop)
    with each stored batch. ``failed`` completes when the process reports an
    error or dies; :meth:`store` and :meth:`close` then raise its error.
    """

    def __init__(self, path: str, *, run_id: int, poisoned_retry_after: float,
                 on_stored: Callable[[StoredBatch], None],
                 compression: CompressionPolicy | None = None) -> None:
        self._on_stored = on_stored
        # The URLs each batch sent discovered, in order: the process says only
        # what a batch's pages came to.
        self._discovered: deque[list[FrontierURL]] = deque()
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
        self._sender.submit(self._send_conn.send_bytes,
                            pickle.dumps((path, run_id, poisoned_retry_after,
                                          compression or CompressionPolicy())))

    async def store(self, batch: list[URLResult], counts: RunCounts) -> None:
        """Send a batch (and the crawl's counts so far); waits while two are unstored."""
        while self._sent - self._stored >= _MAX_IN_FLIGHT and self._error is None:
            self._changed.clear()
            await self._changed.wait()
        self.check()
        message = pickle.dumps((batch, counts), protocol=pickle.HIGHEST_PROTOCOL)
        self._sent += 1
        self._discovered.append(discovered_in(batch))
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
                        self._on_stored(StoredBatch(value, self._discovered.popleft()))
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
    incoming = Connection(int(sys.argv[1]), writable=False)
    outgoing = Connection(int(sys.argv[2]), readable=False)
    parent = os.getppid()
    try:
        path, run_id, poisoned_retry_after, compression = _receive(incoming)
    except (EOFError, OSError):
        return  # the crawl ended before its first batch
    db: Archive | None = None
    try:
        db = open_archive(path, create=False, migrate=False)
        table = db.frontier_table(run_id=run_id)
        db.bodies.policy = compression
        upkeep = DictionaryUpkeep(db.bodies)
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
            with db.temporary_files_in_memory(), db.immediate_transaction():
                outcomes = store_batch(db, table, batch, run_id=run_id,
                                       poisoned_retry_after=poisoned_retry_after)
                # The crawl's counts know every store outcome but this process's own.
                for name in RunCounts.STORE_OUTCOMES:
                    setattr(counts, name, 0)
                db.write_run_counts(run_id, counts_with(counts, totals + outcomes))
            totals += outcomes
            outgoing.send(("stored", outcomes))
            # Between batches, the crawl already told: it fetches on while this trains.
            train_dictionaries(upkeep, body_sites(batch))
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
