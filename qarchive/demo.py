"""`qarchive demo`: the whole product in one command, against the bundled sample site.

Starts the sample site on loopback, crawls it into an archive with the real
crawler, then serves the archive with Datasette. Nothing leaves the machine.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from archive import open_archive
from crawler.engine import CrawlReport, run_crawl
from crawler.settings import CrawlSettings
from crawler.status import ProgressDisplay
from sample_sites.testing import RunningSampleSite, running_sample_site

__all__ = ["DEMO_SITE_PORT", "crawl_sample_site", "demo_settings", "sample_site_for_demo"]

# The demo's site keeps one address from run to run when it can, so a second
# `qarchive demo` recrawls the same URLs (304s) instead of a new host's.
DEMO_SITE_PORT = 8765


def demo_settings() -> CrawlSettings:
    # The sample site is our own server on loopback: no need to wait between
    # requests. Against a real site, keep crawl's polite defaults. Every demo
    # refreshes every page, so a second demo shows the 304s of a recrawl.
    return CrawlSettings(delay=0.0, per_host=8, concurrency=8, refresh_after=0.0)


@contextlib.contextmanager
def sample_site_for_demo(*, pages: int, seed: int) -> Iterator[RunningSampleSite]:
    """The sample site on DEMO_SITE_PORT, or on a free port when that one is taken."""
    with contextlib.ExitStack() as stack:
        try:
            site = stack.enter_context(
                running_sample_site(pages=pages, seed=seed, port=DEMO_SITE_PORT))
        except OSError:  # the port is taken (another demo, another program)
            site = stack.enter_context(running_sample_site(pages=pages, seed=seed, port=0))
        yield site


def crawl_sample_site(
    db_path: str | Path, site: RunningSampleSite, *, progress: ProgressDisplay | None = None
) -> CrawlReport:
    """Crawl the whole running sample site into the archive at ``db_path``."""
    db = open_archive(db_path)
    try:
        return run_crawl(db, seeds=[site.root_url], settings=demo_settings(), progress=progress)
    finally:
        db.close()
