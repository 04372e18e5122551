"""A running crawl's status, and the display protocol the command line implements.

Log lines are the library's own display; the live terminal bar is the command line's
(qarchive/progress.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from archive import RunCounts

__all__ = ["CrawlStatus", "LogProgress", "ProgressDisplay"]

log = logging.getLogger("crawler.status")


# Seconds in flight after which a URL is named as slow: a page normally takes well
# under a second; one that trickles can hold its host's only slot for a minute.
SLOW_AFTER = 10.0


@dataclass(slots=True)
class CrawlStatus:
    """A snapshot of a running crawl (or reparse), taken a few times a second."""

    elapsed: float
    counts: RunCounts  # a copy, taken with the snapshot
    statuses: Mapping[int, int] = field(default_factory=dict)  # HTTP status -> responses
    queued: int = 0
    in_flight: int = 0
    label: str = "crawl"
    # The URL in flight longest, and for how many seconds (None: nothing in flight).
    slowest: tuple[str, float] | None = None

    @property
    def slow(self) -> tuple[str, float] | None:
        """The longest-running URL, when it has run long enough to be worth naming."""
        if self.slowest is None or self.slowest[1] < SLOW_AFTER:
            return None
        return self.slowest

    @property
    def done(self) -> int:
        return self.counts.settled

    @property
    def rate(self) -> float:
        return self.counts.fetched / self.elapsed if self.elapsed > 0 else 0.0

    def describe(self) -> str:
        statuses = " ".join(f"{status}:{count}" for status, count in sorted(self.statuses.items()))
        counts = ", ".join(f"{count} {name}" for name, count in self.counts.as_dict().items()
                           if count)
        slow = self.slow
        return (f"{self.label}: {counts or 'nothing yet'}; {self.queued} queued, "
                f"{self.in_flight} in flight; {self.rate:.1f} pages/s"
                + (f"; HTTP {statuses}" if statuses else "")
                + (f"; slow: {slow[0]} ({slow[1]:.0f} s)" if slow else ""))


class ProgressDisplay(Protocol):
    def update(self, status: CrawlStatus) -> None: ...

    def close(self) -> None: ...


class LogProgress:
    """One log line every ``interval`` seconds: for logs, pipes and CI."""

    def __init__(self, *, interval: float = 10.0) -> None:
        self._interval = interval
        self._last = time.monotonic()

    def update(self, status: CrawlStatus) -> None:
        now = time.monotonic()
        if now - self._last >= self._interval:
            self._last = now
            log.info("%s", status.describe())

    def close(self) -> None:
        pass
