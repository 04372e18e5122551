"""`qarchive import`: store saved HTML files through the crawler's own storing path."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from archive import Archive, FetchedPage, RunCounts, utc_now
from parsers import ParseError, canonical_url, choose_profile

__all__ = ["ImportReport", "import_files"]


@dataclass(slots=True)
class ImportReport:
    outcomes: Counter[str] = field(default_factory=Counter)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)

    @property
    def stored(self) -> int:
        return sum(self.outcomes.values())


def import_files(
    db: Archive,
    paths: Iterable[Path],
    *,
    url: str | None = None,
    profile: str | None = None,
    on_skip: Callable[[str, str], None] | None = None,
) -> ImportReport:
    """Parse and store each file; a bad file is reported and skipped, the rest stored."""
    report = ImportReport()
    run_id = db.start_run(command="import", options={"url": url, "profile": profile})
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
            chosen = choose_profile(page_url, name=profile or None)
            page = chosen.parse(body, page_url)
        except ParseError as error:
            _skip(report, on_skip, str(path), error.reason)
            continue
        fetch = FetchedPage(url=page_url, status=None, fetched_at=utc_now(),
                            content_type="text/html", body=body)
        outcome = db.record_fetched_page(fetch, page=page,
                                         parser_version=chosen.parser_version, run_id=run_id)
        if outcome:
            report.outcomes[outcome] += 1
    counts = RunCounts(failed=len(report.skipped))
    counts.update(report.outcomes)
    db.finish_run(run_id, status="finished", counts=counts)
    return report


def _skip(
    report: ImportReport, on_skip: Callable[[str, str], None] | None, name: str, reason: str
) -> None:
    report.skipped.append((name, reason))
    if on_skip is not None:
        on_skip(name, reason)
