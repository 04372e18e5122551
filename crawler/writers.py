"""The crawl's writer: one interface, stored in the event loop or in a process of its own.

::

    workers ─▶ results ─▶ Writer.store(batch) ─▶ archive.db
                          └─▶ on_stored(StoredBatch): what the batch came to

Each batch is one transaction holding its pages' rows, their URLs' frontier
states and the URLs they discovered, so a ``kill -9`` at any moment loses at
most the batch being written, whose URLs are still ``pending``.
``InLoopWriter`` stores in the event loop; ``ProcessWriter``
(crawler/writer_process.py) on another core. The crawl (crawler/engine.py)
picks one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from archive import Archive, FetchedPage, FrontierTable, FrontierURL, RunCounts
from archive.bodies import DictionaryUpkeep, body_site
from archive.search import PendingIndex
from crawler.reasons import error_reason
from parsers import AnswerPage

__all__ = [
    "InLoopWriter",
    "StoredBatch",
    "URLResult",
    "Writer",
    "body_sites",
    "counts_with",
    "discovered_in",
    "store_batch",
    "store_optimistically",
    "train_dictionaries",
]

T = TypeVar("T")

log = logging.getLogger("crawler.writers")


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
    # Set when processing the URL's page raised: due again after this many seconds.
    poisoned_retry_after: float | None = None


@dataclass(slots=True)
class StoredBatch:
    """What a committed batch came to: its RunCounts.STORE_OUTCOMES, and the URLs it found."""

    outcomes: Counter[str]
    discovered: list[FrontierURL]


def discovered_in(batch: list[URLResult]) -> list[FrontierURL]:
    """The URLs a batch's pages found: the frontier table's once the batch is stored."""
    return [entry for result in batch for entry in result.discovered]


def counts_with(counts: RunCounts, outcomes: Counter[str]) -> RunCounts:
    """``counts`` with a batch's store outcomes added (what the run's row says after it)."""
    total = counts.copy()
    total.update(outcomes)
    return total


def body_sites(batch: list[URLResult]) -> list[str]:
    """The site of each body a batch stored (archive.bodies.body_site): where it counts
    towards its site's compression dictionary."""
    return [body_site(result.fetch.url, result.page.site if result.page is not None else None)
            for result in batch
            if result.fetch is not None and result.fetch.body is not None
            and not result.not_modified]


def train_dictionaries(upkeep: DictionaryUpkeep, sites: list[str]) -> None:
    """After a batch is committed: train the compression dictionaries its sites now need
    (archive/bodies.py), a few hundred ms a few times a crawl, in transactions of their own.
    ``sites``: the site of each body the batch stored (``body_sites``). The crawl's
    writers and ``qarchive import`` call it alike.

    A dictionary that cannot be made costs nothing but the space it would have saved:
    the crawl goes on (a database error is the archive's, as in store_batch).
    """
    try:
        upkeep.after_batch(sites)
    except sqlite3.Error:
        raise
    except Exception as error:  # never fail a crawl for a compression dictionary
        log.warning("no compression dictionary trained: %s", error_reason(error))


def store_batch(archive: Archive, table: FrontierTable, batch: list[URLResult], *,
                run_id: int, poisoned_retry_after: float) -> Counter[str]:
    """Store a batch inside the caller's transaction; returns its store outcomes.

    Each URL's rows are written in a savepoint of their own: a page that
    cannot be stored (its data makes the code raise) is rolled back alone and
    its URL failed with the reason (``unstored``), due again after
    ``poisoned_retry_after`` seconds. A database error (a full disk, say) is
    the archive's, not the page's: it fails the batch.

    The batch is stored first in one savepoint for all of it (a savepoint journals each
    database page it changes: one a URL cost ~10 % of storing a page); only when a page
    raises is that rolled back and the batch stored again a savepoint a URL.
    """
    return store_optimistically(archive, lambda savepoints: _store_results(
        archive, table, batch, run_id=run_id, poisoned_retry_after=poisoned_retry_after,
        savepoints=savepoints))


def store_optimistically(archive: Archive, store: Callable[[bool], T]) -> T:
    """``store(False)``: a batch stored without a savepoint a page, in one savepoint (or
    transaction) for all of it; if a page raises, that is rolled back and the batch
    stored again by ``store(True)``, each page in a savepoint of its own, so that the
    bad page costs only itself. A database error is the archive's: it is raised.

    Used by the crawl's writers and by ``qarchive import``: a savepoint journals every
    database page the store changes, ~10 % of storing a page.
    """
    try:
        with archive.atomic():
            return store(False)
    except sqlite3.Error:
        raise
    except Exception:  # a page that cannot be stored: found again, and stored alone
        with archive.atomic():
            return store(True)


def _store_results(archive: Archive, table: FrontierTable, batch: list[URLResult], *,
                   run_id: int, poisoned_retry_after: float,
                   savepoints: bool) -> Counter[str]:
    """``savepoints``: each URL in one, a page that raises failed alone; without, a page
    that raises raises."""
    outcomes: Counter[str] = Counter()
    pending = PendingIndex()  # the batch's search-index writes, written together
    for result in batch:
        mark = pending.mark()
        try:
            with archive.atomic() if savepoints else contextlib.nullcontext():
                outcome = _store_result(archive, table, result, run_id=run_id,
                                        pending=pending, savepoint=savepoints)
        except sqlite3.Error:
            raise
        except Exception as error:  # one bad page costs that page
            if not savepoints:
                raise
            pending.rollback(mark)
            table.write_state(result.entry.url, "failed", requests=result.requests,
                              status=result.status, error=error_reason(error),
                              poisoned_retry_after=poisoned_retry_after)
            outcome = "unstored"
        if outcome is not None:
            outcomes[outcome] += 1
    pending.flush(archive)
    return outcomes


def _store_result(archive: Archive, table: FrontierTable, result: URLResult, *, run_id: int,
                  pending: PendingIndex, savepoint: bool) -> str | None:
    url = result.entry.url
    if result.discovered:
        table.write_new(result.discovered, discovered_from=url)
    fetch = result.fetch
    outcome: str | None = None
    if result.not_modified and fetch is not None:
        archive.record_unchanged_page(url, fetched_at=fetch.fetched_at, run_id=run_id,
                                      etag=fetch.etag, last_modified=fetch.last_modified,
                                      status=fetch.status)
        outcome = "unchanged"
    elif fetch is not None:
        outcome = archive.record_fetched_page(
            fetch, page=result.page, parse_error=result.parse_error,
            parser_version=result.parser_version, run_id=run_id, pending=pending,
            savepoint=savepoint,
        )
    table.write_state(url, result.state, requests=result.requests, status=result.status,
                      error=result.error, poisoned_retry_after=result.poisoned_retry_after)
    return outcome


class Writer(Protocol):
    """Stores a crawl's batches; calls ``on_stored`` with each batch once it is committed."""

    # Completes when the writer has failed; store() and close() then raise its error.
    failed: asyncio.Future[None]

    async def store(self, batch: list[URLResult], counts: RunCounts) -> None:
        """Store ``batch``; ``counts``: the crawl's counts so far, for the run's row."""
        ...

    async def close(self) -> None:
        """Wait until every batch is stored."""
        ...

    def abandon(self) -> None:
        """Let go without waiting for what is not stored (it stays pending)."""
        ...

    def check(self) -> None:
        """Raise the error the writer failed with, if it did."""
        ...


class InLoopWriter:
    """Stores each batch at once, in the event loop."""

    def __init__(self, archive: Archive, *, run_id: int, poisoned_retry_after: float,
                 on_stored: Callable[[StoredBatch], None]) -> None:
        self._archive = archive
        self._table = archive.frontier_table(run_id=run_id)
        self._run_id = run_id
        self._poisoned_retry_after = poisoned_retry_after
        self._on_stored = on_stored
        self._upkeep = DictionaryUpkeep(archive.bodies)
        # Never completes: an error storing a batch is raised by store() itself.
        self.failed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def store(self, batch: list[URLResult], counts: RunCounts) -> None:
        if not batch:
            return
        with self._archive.temporary_files_in_memory(), self._archive.atomic():
            outcomes = store_batch(self._archive, self._table, batch, run_id=self._run_id,
                                   poisoned_retry_after=self._poisoned_retry_after)
            self._archive.write_run_counts(self._run_id, counts_with(counts, outcomes))
        self._on_stored(StoredBatch(outcomes, discovered_in(batch)))
        train_dictionaries(self._upkeep, body_sites(batch))

    async def close(self) -> None:
        return None

    def abandon(self) -> None:
        return None

    def check(self) -> None:
        return None
