"""The crawl's queue: URLs to fetch, in memory, a FIFO per host with the hosts taking turns.

Its rows live in the ``frontier`` table (archive/frontier.py): the queue is
loaded from the table when a run starts, holds table rows by rowid (read back
when their turn comes), and asks the table whether a URL is known. URLs a
page discovered reach the table when the writer commits that page; until
then the queue remembers them itself (:meth:`FrontierQueue.stored` forgets them).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable

from archive.frontier import RESUMABLE_STATES, FrontierTable, FrontierURL, refresh_cutoff
from crawler.urls import shared_host

__all__ = ["RESUMABLE_STATES", "FrontierQueue", "FrontierURL", "refresh_cutoff"]


class FrontierQueue:
    def __init__(self, table: FrontierTable) -> None:
        self.table = table
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
        # Redirect targets this run fetched (under the URL that redirected) whose
        # done rows the table may not have yet; once there was one, a URL taken
        # from the queue is first checked against the table (one indexed read).
        self._done: set[str] = set()
        self._redirected = False

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
        for rowid, url, host in self.table.due(refresh_before=refresh_before):
            forced.pop(url, None)
            self._enqueue(shared_host(host), rowid)
            queued += 1
        for rowid, host in self.table.fetched_pages(list(forced)):
            self._enqueue(shared_host(host), rowid)
            queued += 1
        return queued

    def is_known(self, url: str) -> bool:
        return url in self._unstored or url in self.table

    def discover(self, entry: FrontierURL) -> bool:
        """Queue a URL not seen before; False when it is already known.

        Call :meth:`stored` once the writer has committed its row.
        """
        if self.is_known(entry.url):
            return False
        self._unstored.add(entry.url)
        self._enqueue(entry.host, entry)
        return True

    def mark_done(self, entry: FrontierURL) -> None:
        """A URL fetched already in this run (a redirect's target): known, never queued,
        and skipped if queued before. Call :meth:`stored` once its done row is committed."""
        self._unstored.add(entry.url)
        self._done.add(entry.url)
        self._redirected = True

    def _fetched_already(self, url: str) -> bool:
        return self._redirected and (url in self._done or self.table.fetched_in_run(url))

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
                if self._fetched_already(item.url):
                    continue
                return item
            # A row's rowid is stable while the crawl runs: rows are never
            # deleted, and only a VACUUM by another program could renumber them.
            # Then a wrong row may be fetched, or none found (skipped); the right
            # ones stay pending for the next run.
            entry = self.table.entry(item, host)
            if entry is not None and not self._fetched_already(entry.url):
                return entry
        return None

    def stored(self, entries: Iterable[FrontierURL]) -> None:
        """Discovered entries whose rows the writer has committed: the table knows them now."""
        urls = [entry.url for entry in entries]
        self._unstored.difference_update(urls)
        if self._done:
            self._done.difference_update(urls)

    def push_back(self, entry: FrontierURL) -> None:
        """Return an entry that was taken but not processed to the head of its host's queue."""
        self._enqueue(entry.host, entry, first=True)

    def __len__(self) -> int:
        return self._size
