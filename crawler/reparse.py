"""`qarchive reparse`: run today's parsers over the bodies already stored. No network.

When a profile's ``parser_version`` goes up, the pages an older parser read
are parsed again from ``pages.body`` and the archive tables updated, so a
parser fix never needs a recrawl.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from archive import Archive, BodyUnreadable, RunCounts
from crawler.content_type import is_html
from crawler.status import CrawlStatus
from parsers import ParseError, SiteProfile, UnknownProfile, choose_profile

__all__ = ["ReparseReport", "reparse_pages"]

# Pages parsed per transaction: big enough that commits cost nothing, small
# enough that an interrupted reparse keeps most of its work.
_BATCH = 200


@dataclass(slots=True)
class ReparseReport:
    run_id: int
    counts: RunCounts = field(default_factory=RunCounts)  # new, updated, unchanged, failed
    considered: int = 0
    elapsed: float = 0.0

    def summary(self) -> str:
        counts = self.counts
        return (f"reparse run {self.run_id}: {self.considered} page(s) reparsed in "
                f"{self.elapsed:.1f} s ({counts['new']} new, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged, {counts['failed']} parse errors)")


def _needs_reparse(db: Archive, url: str, page_url: str, version: int | None, *,
                   profile: str | None, all_pages: bool) -> SiteProfile | None:
    try:
        chosen = choose_profile(page_url, name=profile)
    except UnknownProfile:
        # A page of a site known by its markup alone (schema.org QAPage): its body says.
        try:
            body, _ = db.stored_body(url)
        except BodyUnreadable:
            return None  # no parser can tell: it is not a page of a known site
        try:
            chosen = choose_profile(page_url, name=profile, body=body)
        except UnknownProfile:
            return None  # a resource or another site's page: nothing parses it
    if all_pages or version is None or version < chosen.parser_version:
        return chosen
    return None


def reparse_pages(
    db: Archive,
    *,
    all_pages: bool = False,
    profile: str | None = None,
    on_progress: Callable[[CrawlStatus], None] | None = None,
) -> ReparseReport:
    """Parse stored bodies again: those an older parser read, or every one with ``all_pages``."""
    started = time.monotonic()
    forced = profile or None
    if forced is not None:
        choose_profile("", name=forced)  # an unknown name fails before any page is read
    run_id = db.start_run(command="reparse", options={"all": all_pages, "profile": profile})
    report = ReparseReport(run_id=run_id)
    todo = []
    for url, page_url, version, content_type in db.parsable_pages():
        if not is_html(content_type):
            continue
        chosen = _needs_reparse(db, url, page_url, version, profile=forced,
                                all_pages=all_pages)
        if chosen is not None:
            todo.append((url, page_url, chosen))
    status = "finished"
    try:
        for start in range(0, len(todo), _BATCH):
            with db.atomic():
                for url, page_url, chosen in todo[start:start + _BATCH]:
                    _reparse_one(db, url, page_url, chosen, report)
            if on_progress is not None:
                on_progress(CrawlStatus(
                    elapsed=time.monotonic() - started, counts=report.counts.copy(),
                    queued=len(todo) - report.considered, label="reparse"))
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        report.elapsed = time.monotonic() - started
        db.finish_run(run_id, status=status, counts=report.counts)
    db.release_free_pages()  # rows rewritten smaller, and the search index's merges
    return report


def _reparse_one(
    db: Archive, url: str, page_url: str, profile: SiteProfile, report: ReparseReport,
) -> None:
    report.considered += 1
    try:
        body, charset = db.stored_body(url)
        page = profile.parse(body, page_url, charset=charset)
    except (ParseError, BodyUnreadable) as error:
        # A corrupt stored body, or one whose dictionary is missing, costs that page.
        report.counts.add("failed")
        reason = error.reason if isinstance(error, ParseError) else f"stored body: {error}"
        db.record_reparse(url, parser_version=profile.parser_version, page=None,
                          parse_error=reason)
        return
    outcome = db.record_reparse(url, parser_version=profile.parser_version, page=page)
    assert outcome is not None
    report.counts.add(outcome)
