"""What a person watching a crawl (or an export, an import) sees: a live bar on a terminal,
log lines otherwise."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from crawler.status import CrawlStatus, LogProgress, ProgressDisplay

__all__ = ["RichProgress", "TaskProgress", "log_to_stderr", "make_progress"]


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
        # Blocked by robots.txt is the crawler obeying, not an error: shown apart.
        errors = status.counts.errors
        blocked = status.counts.blocked
        statuses = " ".join(f"{code}:{count}" for code, count in sorted(status.statuses.items()))
        from rich.markup import escape  # scraped URLs: never rich markup

        slow = status.slow
        detail = (f"{status.rate:.1f}/s  queue {status.queued}  errors {errors}"
                  + (f"  blocked {blocked}" if blocked else "")
                  + (f"  [dim]{statuses}[/dim]" if statuses else "")
                  + (f"  [yellow]slow: {escape(_short(slow[0]))} {slow[1]:.0f}s[/yellow]"
                     if slow else ""))
        self._progress.update(self._task, description=status.label, completed=status.done,
                              total=status.done + status.queued + status.in_flight,
                              detail=detail)

    def close(self) -> None:
        self._progress.stop()


def _short(url: str, width: int = 50) -> str:
    return url if len(url) <= width else url[:width - 1] + "…"


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


class TaskProgress:
    """Progress of one long task of known size (an export's pages, an import's bytes): a
    rich bar on a terminal, else a line on stderr every ``interval`` seconds."""

    def __init__(self, label: str, *, total: int | None, unit: str = "",
                 is_terminal: bool | None = None, interval: float = 10.0) -> None:
        self.label, self.total, self.unit = label, total, unit
        self.done = 0
        self._interval = interval
        self._last_line = time.monotonic()
        self._bar: Any = None
        if sys.stderr.isatty() if is_terminal is None else is_terminal:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            count = DownloadColumn() if unit == "bytes" else MofNCompleteColumn()
            self._bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), count,
                                 TimeElapsedColumn(), TimeRemainingColumn(),
                                 console=Console(stderr=True))
            self._task = self._bar.add_task(label, total=total)
            self._bar.start()

    def advance(self, amount: int = 1) -> None:
        self.done += amount
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done)
        elif time.monotonic() - self._last_line >= self._interval:
            self._last_line = time.monotonic()
            of = f" of {self.total:,}" if self.total is not None else ""
            print(f"{self.label}: {self.done:,}{of} {self.unit}".rstrip(), file=sys.stderr)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
