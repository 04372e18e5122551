"""The crawl frontier: URLs to fetch, in memory for speed, in the ``frontier`` table for resuming.

The in-memory side (a FIFO queue per host, so the crawl is breadth-first on
each host, the hosts taking turns) is used by the fetch workers, who ask the
table whether a URL is known already; the ``write_*`` methods are called only
by the engine's writer, inside its transaction, so a page and its URL's state
change commit together.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlite_utils

from archive import utc_now
from crawler.urls import shared_host

__all__ = ["RESUMABLE_STATES", "STATES", "Frontier", "FrontierURL", "refresh_cutoff"]

STATES = ("pending", "done", "failed", "blocked", "deferred", "skipped")
# Taken up again by the next run: not fetched yet, or worth another try (a
# server error passes, an unreachable robots.txt comes back). Blocked URLs
# stay blocked: re-asking robots.txt about them each run would make a
# finished crawl look like one that failed.
RESUMABLE_STATES = ("pending", "failed", "deferred")
# A frontier row is due: resumable, or a page already fetched whose copy is
# older than the refresh cutoff (the last parameter; NULL: none is). Only
# pages are refreshed: resources, fetched with --follow-resources, rarely
# change and would multiply the load for little text.
_DUE = (
    f"(state IN ({', '.join('?' for _ in RESUMABLE_STATES)}) OR (state = 'done' "
    "AND kind = 'page' AND url IN (SELECT url FROM pages WHERE fetched_at <= ?)))"
)


def refresh_cutoff(refresh_after: float, *, now: datetime | None = None) -> str:
    """Pages fetched at or before this moment are due again (ISO 8601 UTC, as ``fetched_at``)."""
    moment = (now or datetime.now(UTC)) - timedelta(seconds=refresh_after)
    return moment.isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class FrontierURL:
    url: str
    host: str
    depth: int
    kind: str = "page"  # "page" or "resource"


class Frontier:
    def __init__(self, db: sqlite_utils.Database, *, run_id: int | None) -> None:
        self.db = db
        self.run_id = run_id
        # One FIFO per host, and the hosts with URLs queued, in turn order: with a
        # single FIFO, a run of one slow-paced host's URLs held every worker while
        # the other hosts idled (84% of the ideal rate across three hosts).
        self._queues: dict[str, deque[FrontierURL | int]] = {}
        self._turns: deque[str] = deque()
        self._size = 0
        # URLs found by this run that the table may not have yet: discovered
        # URLs reach it with the page that found them, when the writer commits
        # that page. Every other URL ever seen is in the table, which answers
        # for it: a set of them all grew with the crawl (BENCHMARKS.md, memory).
        self._unstored: set[str] = set()

    # --- in memory: the workers' side ---------------------------------------

    def load(self, *, refresh_before: str | None = None,
             refresh: Collection[str] = ()) -> int:
        """Queue the URLs to fetch from the table (shallowest first); returns how many.

        Queued: the resumable ones, and pages already fetched that are due
        again — fetched at or before ``refresh_before`` (ISO 8601 UTC, as
        ``pages.fetched_at``), or listed in ``refresh`` (a sitemap says they
        changed).

        What is loaded is queued by rowid and read back when its turn comes:
        a site's sitemaps can put 100k URLs in the table at once, and ~40
        bytes each in memory keep a crawl's memory flat where whole entries
        (~160 bytes) made it grow with the site.
        """
        forced = dict.fromkeys(refresh)  # ordered, and each URL queued at most once
        queued = 0
        for rowid, url, host in self.db.execute(
                f"SELECT rowid, url, host FROM frontier WHERE {_DUE} ORDER BY depth, rowid",
                [*RESUMABLE_STATES, refresh_before]):
            forced.pop(url, None)
            self._enqueue(shared_host(host), rowid)
            queued += 1
        urls = list(forced)
        for start in range(0, len(urls), 500):
            chunk = urls[start:start + 500]
            for rowid, host in self.db.execute(
                    "SELECT rowid, host FROM frontier WHERE state = 'done' AND kind = 'page' "
                    f"AND url IN ({', '.join('?' for _ in chunk)})", chunk):
                self._enqueue(shared_host(host), rowid)
                queued += 1
        return queued

    def count_due(self, *, refresh_before: str | None = None) -> int:
        """How many URLs :meth:`load` would queue (sitemaps aside)."""
        return int(self.db.execute(f"SELECT count(*) FROM frontier WHERE {_DUE}",
                                   [*RESUMABLE_STATES, refresh_before]).fetchone()[0])

    def is_known(self, url: str) -> bool:
        return url in self._unstored or self.db.execute(
            "SELECT 1 FROM frontier WHERE url = ?", [url]).fetchone() is not None

    def discover(self, entry: FrontierURL) -> bool:
        """Queue a URL not seen before; False when it is already known.

        Call :meth:`stored` once the writer has committed its row.
        """
        if self.is_known(entry.url):
            return False
        self._unstored.add(entry.url)
        self._enqueue(entry.host, entry)
        return True

    def _enqueue(self, host: str, item: FrontierURL | int, *, first: bool = False) -> None:
        """Queue an entry, or the rowid of a ``frontier`` row (read back by :meth:`pop`)."""
        queue = self._queues.get(host)
        if queue is None:
            queue = self._queues[host] = deque()
            if first:
                self._turns.appendleft(host)
            else:
                self._turns.append(host)
        if first:
            queue.appendleft(item)
        else:
            queue.append(item)
        self._size += 1

    def pop(self) -> FrontierURL | None:
        """The next URL of the host whose turn it is (then that host goes last)."""
        while self._turns:
            host = self._turns.popleft()
            queue = self._queues[host]
            item = queue.popleft()
            if queue:
                self._turns.append(host)
            else:
                del self._queues[host]
            self._size -= 1
            if isinstance(item, FrontierURL):
                return item
            # A row's rowid is stable while the crawl runs: rows are never
            # deleted, and only a VACUUM by another program could renumber them.
            # Then a wrong row may be fetched, or none found (skipped); the right
            # ones stay pending for the next run.
            row = self.db.execute(
                "SELECT url, depth, kind FROM frontier WHERE rowid = ?", [item]).fetchone()
            if row is not None:
                url, depth, kind = row
                return FrontierURL(url, host, depth, kind)
        return None

    def stored(self, entries: Iterable[FrontierURL]) -> None:
        """Discovered entries whose rows the writer has committed: the table knows them now."""
        self._unstored.difference_update(entry.url for entry in entries)

    def push_back(self, entry: FrontierURL) -> None:
        """Return an entry that was taken but not processed to the head of its host's queue."""
        self._enqueue(entry.host, entry, first=True)

    def __len__(self) -> int:
        return self._size

    # --- in the database: the writer's side ---------------------------------

    def write_new(self, entries: Iterable[FrontierURL], *, discovered_from: str | None) -> None:
        """Insert URLs first seen now (a URL already in the table is left as it is)."""
        now = utc_now()
        self.db.conn.executemany(
            "INSERT INTO frontier (url, host, kind, depth, state, discovered_from, "
            "first_seen_run, last_run, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?) "
            "ON CONFLICT (url) DO NOTHING",
            [(entry.url, entry.host, entry.kind, entry.depth, discovered_from, self.run_id,
              self.run_id, now) for entry in entries],
        )

    def write_seeds(self, entries: Iterable[FrontierURL]) -> None:
        """Insert seeds; a seed already known becomes depth 0 but keeps its state."""
        now = utc_now()
        self.db.conn.executemany(
            "INSERT INTO frontier (url, host, kind, depth, state, first_seen_run, last_run, "
            "updated_at) VALUES (?, ?, ?, 0, 'pending', ?, ?, ?) "
            "ON CONFLICT (url) DO UPDATE SET depth = 0 WHERE frontier.depth > 0",
            [(entry.url, entry.host, entry.kind, self.run_id, self.run_id, now)
             for entry in entries],
        )

    def write_state(
        self, url: str, state: str, *, requests: int = 0, status: int | None = None,
        error: str | None = None,
    ) -> None:
        self.db.execute(
            "UPDATE frontier SET state = ?, attempts = attempts + ?, "
            "last_status = COALESCE(?, last_status), last_error = ?, last_run = ?, "
            "updated_at = ? WHERE url = ?",
            [state, requests, status, error, self.run_id, utc_now(), url],
        )

    def state_counts(self) -> dict[str, int]:
        return {state: count for state, count in self.db.execute(
            "SELECT state, count(*) FROM frontier GROUP BY state")}

    def hosts(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT DISTINCT host FROM frontier")]
