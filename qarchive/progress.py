"""What a person watching a crawl sees: a live bar on a terminal, log lines otherwise."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from crawler.status import CrawlStatus, LogProgress, ProgressDisplay

__all__ = ["RichProgress", "log_to_stderr", "make_progress"]


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
