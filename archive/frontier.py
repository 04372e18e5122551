"""The ``frontier`` table: every URL a crawl has seen, with its state, for resuming.

Its rows are written by the crawl's writer inside the writer's transaction, so a
page and its URL's state change commit together; the in-memory queue
(crawler/frontier.py) reads them back when a run starts and as their turn comes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlite_utils

from archive.clock import utc_now

__all__ = ["RESUMABLE_STATES", "STATES", "FrontierTable", "FrontierURL", "refresh_cutoff"]

STATES = ("pending", "done", "failed", "blocked", "deferred", "skipped")
# Taken up again by the next run: not fetched yet, or worth another try (a
# server error passes, an unreachable robots.txt comes back). Blocked URLs
# stay blocked: re-asking robots.txt about them each run would make a
# finished crawl look like one that failed.
RESUMABLE_STATES = ("pending", "failed", "deferred")
# A frontier row is due: resumable and not waiting for a retry (the first
# parameter: now), or a page already fetched whose copy is older than the
# refresh cutoff (the last parameter; NULL: none is). Only pages are
# refreshed: resources, fetched with --follow-resources, rarely change and
# would multiply the load for little text.
_DUE = (
    f"((state IN ({', '.join('?' for _ in RESUMABLE_STATES)}) "
    "AND (retry_at IS NULL OR retry_at <= ?)) OR (state = 'done' "
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
    # The state its row is written with when first seen: "pending", or "done" for
    # a redirect's target, fetched already under the URL that redirected (and so
    # marked done even if its row exists; see write_new).
    state: str = "pending"


class FrontierTable:
    """The ``frontier`` table, as one run sees it (``run_id`` None: no run, reading only)."""

    def __init__(self, db: sqlite_utils.Database, *, run_id: int | None) -> None:
        self.db = db
        self.run_id = run_id

    # --- reading -------------------------------------------------------------

    def due(self, *, refresh_before: str | None) -> Iterator[tuple[int, str, str]]:
        """``(rowid, url, host)`` of the URLs due (see ``_DUE``), shallowest first."""
        yield from self.db.execute(
            f"SELECT rowid, url, host FROM frontier WHERE {_DUE} ORDER BY depth, rowid",
            [*RESUMABLE_STATES, utc_now(), refresh_before])

    def fetched_pages(self, urls: list[str]) -> Iterator[tuple[int, str]]:
        """``(rowid, host)`` of those of ``urls`` that are pages fetched before."""
        for start in range(0, len(urls), 500):
            chunk = urls[start:start + 500]
            yield from self.db.execute(
                "SELECT rowid, host FROM frontier WHERE state = 'done' AND kind = 'page' "
                f"AND url IN ({', '.join('?' for _ in chunk)})", chunk)

    def count_due(self, *, refresh_before: str | None = None) -> int:
        return int(self.db.execute(f"SELECT count(*) FROM frontier WHERE {_DUE}",
                                   [*RESUMABLE_STATES, utc_now(), refresh_before]).fetchone()[0])

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM frontier").fetchone()[0])

    def __contains__(self, url: str) -> bool:
        return self.db.execute("SELECT 1 FROM frontier WHERE url = ?", [url]).fetchone() is not None

    def fetched_in_run(self, url: str) -> bool:
        """Whether ``url`` was fetched by this run already (its row is done in this run)."""
        return self.db.execute(
            "SELECT 1 FROM frontier WHERE url = ? AND state = 'done' AND last_run = ?",
            [url, self.run_id]).fetchone() is not None

    def entry(self, rowid: int, host: str) -> FrontierURL | None:
        """The row ``rowid`` (None if it has gone)."""
        row = self.db.execute(
            "SELECT url, depth, kind FROM frontier WHERE rowid = ?", [rowid]).fetchone()
        if row is None:
            return None
        url, depth, kind = row
        return FrontierURL(url, host, depth, kind)

    def state_counts(self) -> dict[str, int]:
        return {state: count for state, count in self.db.execute(
            "SELECT state, count(*) FROM frontier GROUP BY state")}

    def left(self) -> int:
        """URLs a next run takes up again."""
        states = self.state_counts()
        return sum(states.get(state, 0) for state in RESUMABLE_STATES)

    def waiting(self) -> int:
        """URLs not due yet: their pages crashed the crawler and their retry is later."""
        return int(self.db.execute(
            f"SELECT count(*) FROM frontier WHERE state IN "
            f"({', '.join('?' for _ in RESUMABLE_STATES)}) AND retry_at > ?",
            [*RESUMABLE_STATES, utc_now()]).fetchone()[0])

    def hosts(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT DISTINCT host FROM frontier")]

    # --- writing (the writer, inside its transaction) --------------------------

    def write_new(self, entries: Iterable[FrontierURL], *, discovered_from: str | None) -> None:
        """Insert URLs first seen now, in their entry's state (a URL already in the table
        is left as it is, unless its entry is done: a redirect's target, fetched now)."""
        now = utc_now()
        self.db.conn.executemany(
            "INSERT INTO frontier (url, host, kind, depth, state, discovered_from, "
            "first_seen_run, last_run, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (url) DO UPDATE SET state = 'done', last_run = excluded.last_run, "
            "updated_at = excluded.updated_at, retry_at = NULL WHERE excluded.state = 'done'",
            [(entry.url, entry.host, entry.kind, entry.depth, entry.state, discovered_from,
              self.run_id, self.run_id, now) for entry in entries],
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
        error: str | None = None, poisoned_retry_after: float | None = None,
    ) -> None:
        """The URL's new state. ``poisoned_retry_after``: its page crashed the crawler; it
        is due again after that many seconds, doubled for each crash before in a row."""
        now = utc_now()
        poisoned = poisoned_retry_after is not None
        self.db.execute(
            "UPDATE frontier SET state = ?, attempts = attempts + ?, "
            "last_status = COALESCE(?, last_status), last_error = ?, last_run = ?, "
            "updated_at = ?, "
            "retry_at = CASE WHEN ? THEN strftime('%Y-%m-%dT%H:%M:%S+00:00', ?, '+' || "
            "CAST(? * (1 << min(poisoned, 10)) AS INTEGER) || ' seconds') END, "
            "poisoned = CASE WHEN ? THEN poisoned + 1 ELSE 0 END WHERE url = ?",
            [state, requests, status, error, self.run_id, now,
             poisoned, now, poisoned_retry_after or 0, poisoned, url],
        )
