"""`qarchive demo`: the whole product in one command, against the bundled sample site.

Starts the sample site on loopback, crawls it into an archive with the real
crawler, then serves the archive with Datasette. Nothing leaves the machine.
The sample site, the crawler and Datasette are loaded only when it runs.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import click

from archive import open_archive
from crawler.settings import CrawlSettings
from qarchive.commands.sample_site import layouts_option, site_option
from qarchive.listen import listen_or_exit
from qarchive.options import EXIT_INTERRUPTED, db_option, open_archive_or_exit, writer_lock
from qarchive.progress import log_to_stderr, make_progress

if TYPE_CHECKING:
    from crawler.engine import CrawlReport
    from crawler.status import ProgressDisplay
    from sample_sites.testing import RunningSampleSite

__all__ = [
    "DEMO_SITE_PORT",
    "crawl_sample_site",
    "demo_command",
    "demo_settings",
    "sample_site_for_demo",
]

# The demo's site keeps one address from run to run when it can, so a second
# `qarchive demo` recrawls the same URLs (304s) instead of a new host's.
DEMO_SITE_PORT = 8765
# The demo shows both layouts the CSDN profile reads: the reconstruction and the
# real pages' markup as far as it is known (REAL-SITE-EVIDENCE.md).
DEMO_LAYOUTS = {"evidence": 0.5}


def demo_settings() -> CrawlSettings:
    # The sample site is our own server on loopback: no need to wait between
    # requests. Against a real site, keep crawl's polite defaults. Every demo
    # refreshes every page, so a second demo shows the 304s of a recrawl.
    return CrawlSettings(delay=0.0, per_host=8, concurrency=8, refresh_after=0.0)


@contextlib.contextmanager
def sample_site_for_demo(
    *, pages: int, seed: int, layouts: Mapping[str, float] | None = None, site: str = "csdn"
) -> Iterator[RunningSampleSite]:
    """The sample site on DEMO_SITE_PORT, or on a free port when that one is taken."""
    from sample_sites.testing import running_sample_site

    def on(port: int) -> contextlib.AbstractContextManager[RunningSampleSite]:
        return running_sample_site(site=site, pages=pages, seed=seed, layouts=layouts, port=port)

    with contextlib.ExitStack() as stack:
        try:
            running = stack.enter_context(on(DEMO_SITE_PORT))
        except OSError:  # the port is taken (another demo, another program)
            running = stack.enter_context(on(0))
        yield running


def crawl_sample_site(
    db_path: str | Path, site: RunningSampleSite, *, progress: ProgressDisplay | None = None
) -> CrawlReport:
    """Crawl the whole running sample site into the archive at ``db_path``."""
    from crawler.engine import run_crawl

    db = open_archive(db_path)
    try:
        return run_crawl(db, seeds=[site.root_url], settings=demo_settings(), progress=progress)
    finally:
        db.close()


@click.command(name="demo", short_help="Crawl the bundled sample site, then browse it.")
@db_option("Archive to crawl into, default {default} (kept and added to if it exists).")
@site_option()
@click.option("--pages", default=300, type=click.IntRange(min=1),
              help="Pages on the sample site (answer pages or questions), default 300.")
@click.option("--seed", default=0, type=int, help="Sample site content seed, default 0.")
@click.option("--host", default="127.0.0.1",
              help="Interface Datasette listens on, default 127.0.0.1.")
@click.option("--port", default=8001, type=click.IntRange(0, 65535),
              help="Port Datasette listens on, default 8001.")
@click.option("--no-serve", is_flag=True, help="Stop after the crawl instead of serving it.")
@layouts_option("the sample site's")
def demo_command(db_path: str, site_name: str, pages: int, seed: int, host: str, port: int,
                 no_serve: bool, layouts: dict[str, float] | None) -> None:
    """Crawl the bundled sample site into an archive, then browse it in Datasette.

    Starts the sample site on 127.0.0.1 (the csdn site by default: half its pages
    in the reconstructed layout, half in the layout known from the real site,
    unless --layouts says otherwise; or with --site qapage the Stack Exchange-style
    site), crawls it with a progress bar, then serves the archive with Datasette
    and prints its URL until Ctrl-C.

    \b
    Example:
        qarchive demo
        qarchive demo --pages 1000 --db demo.db --no-serve
        qarchive demo --layouts evidence=1
        qarchive demo --site qapage
    """
    if site_name != "csdn":
        if layouts:
            raise click.UsageError(f"--layouts is the csdn site's; the {site_name} site "
                                   "has one layout")
    elif layouts is None:
        layouts = DEMO_LAYOUTS
    # Taken before the crawl: a port in use fails now, not after minutes of crawling.
    sock = None if no_serve else listen_or_exit(host, port, what="Datasette")
    try:
        _crawl_then_serve(db_path, pages=pages, seed=seed, host=host, sock=sock,
                          layouts=layouts, site_name=site_name)
    finally:
        if sock is not None:
            sock.close()


def _crawl_then_serve(db_path: str, *, pages: int, seed: int, host: str,
                      sock: socket.socket | None,
                      layouts: Mapping[str, float] | None = None,
                      site_name: str = "csdn") -> None:
    from publish import make_datasette, serve
    from sample_sites import format_mix

    with sample_site_for_demo(pages=pages, seed=seed, layouts=layouts,
                              site=site_name) as site:
        # Locked while it writes; serving afterwards only reads.
        with writer_lock(db_path, command="demo"):
            open_archive_or_exit(db_path).close()  # a clear error before the crawl starts
            shown = f", layouts {format_mix(layouts)}" if layouts else ""
            what = "answer pages" if site_name == "csdn" else f"questions, {site_name}"
            click.echo(f"sample site: {site.base_url}/ ({pages} {what}{shown})", err=True)
            progress = make_progress()
            with log_to_stderr(progress):
                report = crawl_sample_site(db_path, site, progress=progress)
        click.echo(report.summary(), err=True)
        if report.status == "interrupted":
            raise SystemExit(EXIT_INTERRUPTED)
        if sock is None:
            return
        datasette = make_datasette(db_path)
        address = f"http://{host}:{sock.getsockname()[1]}"
        click.echo(f"Datasette: {address}/archive  (a question: "
                   f"{address}/archive/questions/{site.site.page_id(0)}; "
                   "Ctrl+C to stop)", err=True)
        serve(datasette, sock=sock)
