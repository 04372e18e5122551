"""`qarchive import`: store saved HTML files through the crawler's own storing path."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from archive import FetchedPage, record_fetched_page, utc_now
from archive.runs import finish_run, start_run
from parsers import ParseError, canonical_url, get_profile, profile_for_url

__all__ = ["ImportReport", "import_files"]


@dataclass(slots=True)
class ImportReport:
    outcomes: Counter[str] = field(default_factory=Counter)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)

    @property
    def stored(self) -> int:
        return sum(self.outcomes.values())


def import_files(
    db: sqlite_utils.Database,
    paths: Iterable[Path],
    *,
    url: str | None = None,
    profile: str | None = None,
    on_skip: Callable[[str, str], None] | None = None,
) -> ImportReport:
    """Parse and store each file; a bad file is reported and skipped, the rest stored."""
    report = ImportReport()
    run_id = start_run(db, command="import", options={"url": url, "profile": profile})
    for path in paths:
        try:
            body = path.read_bytes()
        except OSError as error:
            _skip(report, on_skip, str(path), f"cannot read: {error.strerror or error}")
            continue
        page_url = url or canonical_url(body)
        if not page_url:
            _skip(report, on_skip, str(path), "no --url given and the page has no canonical link")
            continue
        try:
            chosen = get_profile(profile) if profile else profile_for_url(page_url)
            page = chosen.parse(body, page_url)
        except ParseError as error:
            _skip(report, on_skip, str(path), error.reason)
            continue
        fetch = FetchedPage(url=page_url, status=None, fetched_at=utc_now(),
                            content_type="text/html", body=body)
        outcome = record_fetched_page(db, fetch, page=page,
                                      parser_version=chosen.parser_version, run_id=run_id)
        if outcome:
            report.outcomes[outcome] += 1
    counts = {"fetched": 0, "failed": len(report.skipped), **report.outcomes}
    finish_run(db, run_id, status="finished", counts=counts)
    return report


def _skip(
    report: ImportReport, on_skip: Callable[[str, str], None] | None, name: str, reason: str
) -> None:
    report.skipped.append((name, reason))
    if on_skip is not None:
        on_skip(name, reason)
