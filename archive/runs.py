"""What a run did: ``RunCounts`` (crawl_runs' count columns and the summary's extra counts),
and ``RunSummary``, one crawl_runs row as `qarchive runs` shows it (its extraction health:
archive/health.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any, ClassVar

__all__ = ["RunCounts", "RunSummary", "format_runs"]


@dataclass(slots=True)
class RunCounts:
    """The counts of one crawl, import or reparse.

    The first eight are ``crawl_runs`` columns (``COLUMNS``); the rest only
    the run's summary shows. Kept in one object so a count is named once.
    """

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "fetched", "new", "updated", "unchanged", "gone", "failed", "blocked", "retried")
    # What storing a page came to: counted by the writer, the rest by the crawl.
    STORE_OUTCOMES: ClassVar[tuple[str, ...]] = (
        "new", "updated", "unchanged", "gone", "unstored")

    fetched: int = 0  # responses received, a 304 included
    new: int = 0  # questions stored for the first time
    updated: int = 0  # questions whose stored rows changed
    unchanged: int = 0  # pages fetched again with nothing new
    gone: int = 0  # archived pages now answering 404/410
    failed: int = 0  # URLs that got no usable response (or files that did not parse)
    blocked: int = 0  # URLs robots.txt disallows
    retried: int = 0  # retries after a timeout, 429 or 5xx
    deferred: int = 0  # URLs left for a later run (robots.txt unreachable)
    skipped: int = 0  # responses not stored: not HTML
    requests: int = 0  # HTTP requests sent, robots.txt and sitemaps included
    parse_errors: int = 0  # pages fetched that no parser could read
    sitemap_errors: int = 0  # sitemap files that could not be read
    unstored: int = 0  # pages the writer could not store (their URL failed; in ``failed``)

    def __getitem__(self, name: str) -> int:
        value: int = getattr(self, name)
        return value

    def add(self, name: str, amount: int = 1) -> None:
        setattr(self, name, getattr(self, name) + amount)

    def update(self, counts: Mapping[str, int]) -> None:
        for name, amount in counts.items():
            self.add(name, amount)

    def copy(self) -> RunCounts:
        return RunCounts(**self.as_dict())

    def as_dict(self) -> dict[str, int]:
        return {item.name: getattr(self, item.name) for item in fields(self)}

    @property
    def all_failed(self) -> int:
        """Failed URLs, those the writer could not store included."""
        return self.failed + self.unstored

    def columns(self) -> dict[str, int]:
        """The values of crawl_runs' count columns."""
        values = {name: getattr(self, name) for name in self.COLUMNS}
        values["failed"] = self.all_failed
        return values

    @property
    def settled(self) -> int:
        """URLs this run is done with, whatever became of them."""
        return self.fetched + self.all_failed + self.blocked + self.deferred + self.skipped

    @property
    def errors(self) -> int:
        """URLs or pages that went wrong (robots.txt blocks are obeyed, not errors)."""
        return self.all_failed + self.deferred + self.parse_errors

    @property
    def did_work(self) -> bool:
        """False when URLs (or sitemaps) were tried and none got a response.

        All failed, blocked or deferred: a scheduled run that could do nothing
        must exit non-zero so cron mail and monitors notice.
        """
        tried = self.all_failed + self.blocked + self.deferred + self.sitemap_errors
        return self.fetched > 0 or tried == 0

    def summary(self) -> str:
        """The counts as a crawl's summary line says them."""
        return (f"{self.fetched} fetched ({self.new} new, {self.updated} updated, "
                f"{self.unchanged} unchanged, {self.gone} gone), {self.all_failed} failed, "
                f"{self.blocked} blocked by robots.txt, {self.deferred} deferred, "
                f"{self.skipped} skipped, {self.retried} retries, "
                f"{self.parse_errors} parse errors")


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One crawl_runs row as `qarchive runs` shows it."""

    id: int
    command: str | None
    status: str
    started_at: str
    finished_at: str | None
    seconds: float | None  # None while running (or after a kill)
    counts: dict[str, int]
    # The drift alarm (crawl_runs.drift): fields found on far fewer pages than before.
    drift: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def run_seconds(started_at: str, finished_at: str | None) -> float | None:
    if not finished_at:
        return None
    try:
        return (datetime.fromisoformat(finished_at)
                - datetime.fromisoformat(started_at)).total_seconds()
    except ValueError:
        return None


def format_runs(runs: list[RunSummary]) -> str:
    """A plain-text table, one run a line, newest first."""
    header = ["run", "command", "status", "started (UTC)", "took", *RunCounts.COLUMNS]
    lines = [header]
    for run in runs:
        took = "-" if run.seconds is None else f"{run.seconds:.0f}s"
        lines.append([str(run.id), run.command or "", run.status,
                      run.started_at.replace("T", " ").removesuffix("+00:00"), took,
                      *(str(run.counts.get(name, 0)) for name in RunCounts.COLUMNS)])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    # Text columns left-aligned, numbers right-aligned.
    table = [
        "  ".join(cell.ljust(width) if i < 5 else cell.rjust(width)
                  for i, (cell, width) in enumerate(zip(line, widths, strict=True))).rstrip()
        for line in lines]
    # The drift alarms, under the table: too long for a column.
    table.extend(f"run {run.id} drift: {run.drift}" for run in runs if run.drift)
    return "\n".join(table)
