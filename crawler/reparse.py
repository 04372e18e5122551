"""`qarchive reparse`: run today's parsers over the bodies already stored. No network.

When a profile's ``parser_version`` goes up, the pages an older parser read
are parsed again from ``pages.body`` and the archive tables updated, so a
parser fix never needs a recrawl.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlite_utils

from archive import decompress_body, store_answer_page
from archive.runs import finish_run, start_run
from crawler.fetch import is_html
from crawler.status import CrawlStatus
from parsers import ParseError, SiteProfile, UnknownProfile, get_profile, profile_for_url

__all__ = ["ReparseReport", "reparse_pages"]

# Pages parsed per transaction: big enough that commits cost nothing, small
# enough that an interrupted reparse keeps most of its work.
_BATCH = 200


@dataclass(slots=True)
class ReparseReport:
    run_id: int
    counts: Counter[str] = field(default_factory=Counter)  # new, updated, unchanged, failed
    considered: int = 0
    elapsed: float = 0.0

    def summary(self) -> str:
        counts = self.counts
        return (f"reparse run {self.run_id}: {self.considered} page(s) reparsed in "
                f"{self.elapsed:.1f} s ({counts['new']} new, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged, {counts['failed']} parse errors)")


def _needs_reparse(url: str, version: int | None, *, profile: SiteProfile | None,
                   all_pages: bool) -> SiteProfile | None:
    try:
        chosen = profile or profile_for_url(url)
    except UnknownProfile:
        return None  # a resource or another site's page: nothing parses it
    if all_pages or version is None or version < chosen.parser_version:
        return chosen
    return None


def reparse_pages(
    db: sqlite_utils.Database,
    *,
    all_pages: bool = False,
    profile: str | None = None,
    on_progress: Callable[[CrawlStatus], None] | None = None,
) -> ReparseReport:
    """Parse stored bodies again: those an older parser read, or every one with ``all_pages``."""
    started = time.monotonic()
    forced = get_profile(profile) if profile else None
    run_id = start_run(db, command="reparse", options={"all": all_pages, "profile": profile})
    report = ReparseReport(run_id=run_id)
    # Successful HTML responses, imported files (no status) and pages now gone
    # (they keep their last good body); error pages and other types were never parsed.
    candidates = [
        (url, final_url, version, content_type)
        for url, final_url, version, content_type in db.execute(
            "SELECT url, final_url, parser_version, content_type FROM pages "
            "WHERE body IS NOT NULL AND (status IS NULL OR status BETWEEN 200 AND 299 "
            "OR gone_at IS NOT NULL) ORDER BY rowid")
    ]
    todo = []
    for url, final_url, version, content_type in candidates:
        if not is_html(content_type):
            continue
        chosen = _needs_reparse(final_url or url, version, profile=forced, all_pages=all_pages)
        if chosen is not None:
            todo.append((url, final_url or url, chosen))
    status = "finished"
    try:
        for start in range(0, len(todo), _BATCH):
            with db.atomic():
                for url, page_url, chosen in todo[start:start + _BATCH]:
                    _reparse_one(db, url, page_url, chosen, report)
            if on_progress is not None:
                on_progress(CrawlStatus(
                    elapsed=time.monotonic() - started, counts=dict(report.counts),
                    queued=len(todo) - report.considered, label="reparse"))
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        report.elapsed = time.monotonic() - started
        finish_run(db, run_id, status=status, counts=report.counts)
    return report


def _reparse_one(
    db: sqlite_utils.Database, url: str, page_url: str, profile: SiteProfile,
    report: ReparseReport,
) -> None:
    body, charset = db.execute("SELECT body, charset FROM pages WHERE url = ?", [url]).fetchone()
    report.considered += 1
    try:
        page = profile.parse(decompress_body(body), page_url, charset=charset)
    except ParseError as error:
        report.counts["failed"] += 1
        db.execute("UPDATE pages SET parser_version = ?, parse_error = ? WHERE url = ?",
                   [profile.parser_version, error.reason, url])
        return
    report.counts[store_answer_page(db, page)] += 1
    db.execute("UPDATE pages SET parser_version = ?, parse_error = NULL, question_id = ? "
               "WHERE url = ?", [profile.parser_version, page.id, url])
