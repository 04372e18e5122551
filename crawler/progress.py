"""What a person watching a crawl sees: a live bar on a terminal, log lines otherwise."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

__all__ = [
    "CrawlStatus",
    "LogProgress",
    "ProgressDisplay",
    "RichProgress",
    "log_to_stderr",
    "make_progress",
]

log = logging.getLogger("crawler.progress")


@dataclass(slots=True)
class CrawlStatus:
    """A snapshot of a running crawl (or reparse), taken a few times a second."""

    elapsed: float
    counts: Mapping[str, int]
    statuses: Mapping[int, int] = field(default_factory=dict)  # HTTP status -> responses
    queued: int = 0
    in_flight: int = 0
    label: str = "crawl"

    @property
    def done(self) -> int:
        return sum(self.counts.get(name, 0) for name in
                   ("fetched", "failed", "blocked", "deferred", "skipped"))

    @property
    def rate(self) -> float:
        return self.counts.get("fetched", 0) / self.elapsed if self.elapsed > 0 else 0.0

    def describe(self) -> str:
        statuses = " ".join(f"{status}:{count}" for status, count in sorted(self.statuses.items()))
        counts = ", ".join(f"{count} {name}" for name, count in self.counts.items() if count)
        return (f"{self.label}: {counts or 'nothing yet'}; {self.queued} queued, "
                f"{self.in_flight} in flight; {self.rate:.1f} pages/s"
                + (f"; HTTP {statuses}" if statuses else ""))


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


class RichProgress:
    """A rich progress bar on stderr: done of known, pages/s, queue, errors, statuses."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.console = Console(stderr=True)
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        self._task = self._progress.add_task("crawl", total=None, detail="")
        self._progress.start()

    def update(self, status: CrawlStatus) -> None:
        counts = status.counts
        # Blocked by robots.txt is the crawler obeying, not an error: shown apart.
        errors = (counts.get("failed", 0) + counts.get("deferred", 0)
                  + counts.get("parse_errors", 0))
        blocked = counts.get("blocked", 0)
        statuses = " ".join(f"{code}:{count}" for code, count in sorted(status.statuses.items()))
        detail = (f"{status.rate:.1f}/s  queue {status.queued}  errors {errors}"
                  + (f"  blocked {blocked}" if blocked else "")
                  + (f"  [dim]{statuses}[/dim]" if statuses else ""))
        self._progress.update(self._task, description=status.label, completed=status.done,
                              total=status.done + status.queued + status.in_flight,
                              detail=detail)

    def close(self) -> None:
        self._progress.stop()


def make_progress(*, is_terminal: bool | None = None) -> ProgressDisplay:
    """A rich bar when stderr is a terminal, periodic log lines otherwise."""
    if is_terminal is None:
        is_terminal = sys.stderr.isatty()
    return RichProgress() if is_terminal else LogProgress()


@contextmanager
def log_to_stderr(progress: ProgressDisplay) -> Iterator[None]:
    """Log lines on stderr while ``progress`` shows (warnings only under a live bar)."""
    logger = logging.getLogger("crawler")
    handler: logging.Handler
    if isinstance(progress, RichProgress):
        from rich.logging import RichHandler

        handler = RichHandler(console=progress.console, show_path=False)
        level = logging.WARNING
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        level = logging.INFO
    handler.setLevel(level)
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(min(level, previous) if previous else level)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
