"""A crawl: fetch workers feed one writer that owns archive.db.

::

    frontier ─▶ workers (fetch, parse, find links) ─▶ results queue ─▶ writer ─▶ archive.db

Workers never write. The writer takes results in the order they were
produced and commits them in batches; a page's rows, its frontier state and
the URLs it led to are in the same transaction, so a ``kill -9`` at any
moment loses at most the last uncommitted batch, whose URLs are still
``pending`` and are fetched again by the next run. The writer stores the
batches itself, in the event loop, or hands them to a writer process
(crawler/writer_process.py) that stores them on another core.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import signal
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

import httpx
import sqlite_utils

from archive import utc_now
from archive.runs import RUN_COUNTS, finish_run, start_run
from crawler.fetch import Fetcher, FetchResult, make_client
from crawler.frontier import RESUMABLE_STATES, Frontier, FrontierURL, refresh_cutoff
from crawler.politeness import Politeness
from crawler.settings import CrawlSettings
from crawler.sitemaps import PageEntries, SitemapReport, lastmod_utc, read_sitemaps
from crawler.status import CrawlStatus, ProgressDisplay
from crawler.urls import BadURL, Scope, canonicalize, host_of, is_site_root
from crawler.writer_process import (
    URLResult,
    WriterProcess,
    archive_file,
    store_results,
    write_run_counts,
)
from parsers import AnswerPage, ParseError, SiteProfile, get_profile, profile_for_url

__all__ = ["CrawlReport", "crawl", "run_crawl"]

log = logging.getLogger(__name__)

# Counts kept besides crawl_runs' columns (RUN_COUNTS), shown in the summary.
_EXTRA_COUNTS = ("deferred", "skipped", "requests", "parse_errors", "sitemap_errors")


@dataclass(slots=True)
class CrawlReport:
    run_id: int
    status: str  # finished or interrupted
    counts: Counter[str]
    statuses: Counter[int]
    elapsed: float
    left: int  # URLs still to fetch (pending, failed, deferred) in the frontier
    stop_reason: str | None = None  # "max pages", "max duration", "interrupted"
    notes: list[str] = field(default_factory=list)

    @property
    def did_work(self) -> bool:
        """False when URLs (or sitemaps) were tried and none got a response.

        All failed, blocked or deferred: a scheduled run that could do nothing
        must exit non-zero so cron mail and monitors notice.
        """
        tried = sum(self.counts[name] for name in
                    ("failed", "blocked", "deferred", "sitemap_errors"))
        return self.counts["fetched"] > 0 or tried == 0

    def summary(self) -> str:
        counts = self.counts
        lines = [
            f"crawl run {self.run_id} {self.status}"
            + (f" ({self.stop_reason})" if self.stop_reason else "")
            + f" in {self.elapsed:.1f} s: {counts['fetched']} fetched "
            f"({counts['new']} new, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged, {counts['gone']} gone), {counts['failed']} failed, "
            f"{counts['blocked']} blocked by robots.txt, {counts['deferred']} deferred, "
            f"{counts['skipped']} skipped, {counts['retried']} retries, "
            f"{counts['parse_errors']} parse errors",
        ]
        if self.statuses:
            lines.append("HTTP statuses: " + ", ".join(
                f"{status} ×{count}" for status, count in sorted(self.statuses.items())))
        if self.left:
            lines.append(f"{self.left} URL(s) left for the next run")
        lines.extend(self.notes)
        return "\n".join(lines)


_STOP = object()
# Results waiting for the writer, in batches, before workers wait for it.
_BACKLOG_BATCHES = 4


@functools.lru_cache(maxsize=4_096)
def _canonical_or_none(url: str) -> str | None:
    # Cached: the same sidebar and related links appear on page after page. A
    # small cache keeps those; 200,000 entries bought a few more hits and grew
    # with the crawl to ~25 MB.
    try:
        return canonicalize(url)
    except BadURL:
        return None


class _Crawl:
    def __init__(
        self, db: sqlite_utils.Database, *, settings: CrawlSettings, run_id: int,
        fetcher: Fetcher, frontier: Frontier, progress: ProgressDisplay | None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.run_id = run_id
        self.fetcher = fetcher
        self.frontier = frontier
        self.scope = fetcher.scope
        self.progress = progress
        self.counts: Counter[str] = Counter({name: 0 for name in (*RUN_COUNTS, *_EXTRA_COUNTS)})
        self.statuses: Counter[int] = Counter()
        self.results: asyncio.Queue[URLResult | object] = asyncio.Queue()
        self.in_flight = 0
        self.dispatched = 0
        self.no_more = False  # stop taking URLs, let those in flight finish
        self.stop_reason: str | None = None
        self.changed = asyncio.Event()
        # Set when the writer takes results: workers wait for it while the
        # results waiting to be stored fill _BACKLOG_BATCHES batches (a writer
        # process can fall behind; the event loop's own writer never does).
        self.room = asyncio.Event()
        self.backlog = _BACKLOG_BATCHES * settings.writer_batch_size
        self.started = time.monotonic()
        self.forced_profile: SiteProfile | None = (
            get_profile(settings.profile) if settings.profile else None)
        self.deferred_hosts: dict[str, str] = {}

    # --- workers ---------------------------------------------------------

    async def worker(self) -> None:
        while True:
            while self.results.qsize() >= self.backlog and not self.no_more:
                self.room.clear()
                await self.room.wait()
            if self.no_more:
                return
            entry = self.frontier.pop()
            if entry is None:
                if self.in_flight == 0:
                    self.changed.set()
                    return
                self.changed.clear()
                await self.changed.wait()
                continue
            if self.settings.max_pages is not None and self.dispatched >= self.settings.max_pages:
                self.frontier.push_back(entry)
                self.stop("max pages")
                return
            self.dispatched += 1
            self.in_flight += 1
            try:
                result = await self.process(entry)
                self.results.put_nowait(result)
            finally:
                self.in_flight -= 1
                self.changed.set()

    def stop(self, reason: str) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason
            log.info("stopping: %s", reason)
        self.no_more = True
        self.changed.set()

    async def process(self, entry: FrontierURL) -> URLResult:
        settings = self.settings
        headers, stored_hash = self._stored_copy(entry.url)
        fetched = await self.fetcher.fetch(entry.url, headers=headers, html_only=True)
        self.counts["retried"] += fetched.retries
        self.counts["requests"] += fetched.requests
        result = URLResult(entry=entry, state="failed", requests=fetched.requests,
                           error=fetched.reason)
        if fetched.outcome != "response":
            result.state = fetched.outcome
            self.counts[fetched.outcome] += 1
            if fetched.outcome == "deferred":
                self.deferred_hosts[entry.host] = fetched.reason or ""
            elif fetched.outcome == "failed":
                log.warning("failed %s: %s", entry.url, fetched.reason)
            else:
                log.debug("%s %s: %s", fetched.outcome, entry.url, fetched.reason)
            return result
        page = fetched.page
        assert page is not None
        status = page.status or 0
        self.counts["fetched"] += 1
        self.statuses[status] += 1
        result.status, result.state, result.error = status, "done", None
        result.fetch = page
        # Unchanged: a 304, or a server without validators sending the same
        # bytes again. Either way nothing to parse and nothing to rewrite.
        if status == 304 or (200 <= status < 300 and stored_hash is not None
                             and page.content_hash == stored_hash):
            result.not_modified = True
            return result
        if fetched.body_skipped:
            result.state = "skipped"
            result.error = f"not HTML ({page.content_type})"
            self.counts["skipped"] += 1
            return result
        if not 200 <= status < 300 or entry.kind != "page":
            return result
        self._parse(result, fetched)
        if result.page is not None and (settings.max_depth is None
                                        or entry.depth < settings.max_depth):
            self._discover(result, result.page)
        return result

    def _parse(self, result: URLResult, fetched: FetchResult) -> None:
        page = fetched.page
        assert page is not None and page.body is not None
        final_url = page.final_url or page.url
        try:
            profile = self.forced_profile or profile_for_url(final_url)
            result.parser_version = profile.parser_version
            result.page = profile.parse(page.body, final_url, charset=page.charset)
        except ParseError as error:
            result.parse_error = error.reason
            self.counts["parse_errors"] += 1
            log.debug("parse error %s: %s", final_url, error.reason)

    def _discover(self, result: URLResult, page: AnswerPage) -> None:
        depth = result.entry.depth + 1
        links = [(url, "page") for url in page.links_to_follow()]
        if self.settings.follow_resources:
            links.extend((resource.url, "resource") for resource in page.recommended_resources)
        for link, kind in links:
            url = _canonical_or_none(link)
            if url is None or not self.scope.allows(url):
                continue
            entry = FrontierURL(url=url, host=host_of(url), depth=depth, kind=kind)
            if self.frontier.discover(entry):
                result.discovered.append(entry)
        if result.discovered:
            self.changed.set()

    def _stored_copy(self, url: str) -> tuple[dict[str, str], str | None]:
        """Conditional request headers from the stored copy, and its body's hash."""
        row = self.db.execute(
            "SELECT etag, last_modified, status, content_hash FROM pages "
            "WHERE url = ? AND body IS NOT NULL", [url]).fetchone()
        if row is None:
            return {}, None
        etag, last_modified, status, content_hash = row
        headers = {}
        # RFC 9110 §13.1: a validator from the stored copy lets the server say
        # 304. Not for a page now gone: its copy is older than its last answer.
        if status == 200:
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
        return headers, content_hash

    # --- the writer --------------------------------------------------------

    async def writer(self) -> None:
        """Store results in batches until _STOP: in the event loop, or in a writer process."""
        # POSIX only: the writer process's pipes are passed by file descriptor.
        path = (archive_file(self.db) if self.settings.writer_process and os.name == "posix"
                else None)
        # Each batch sent to the writer process, by the URLs it discovered: the
        # frontier is told they are stored when the process says the batch is.
        unstored: deque[list[FrontierURL]] = deque()

        def batch_stored(outcomes: Counter[str]) -> None:
            self.counts.update(outcomes)
            self.frontier.stored(unstored.popleft())

        process = (WriterProcess(path, run_id=self.run_id, on_stored=batch_stored)
                   if path is not None else None)
        try:
            finished = False
            while not finished:
                batch, finished = await self._next_batch(process)
                if process is None:
                    self.write_batch(batch)
                elif batch:
                    unstored.append(_discovered(batch))
                    await process.store(batch, self.counts)
            if process is not None:
                await process.close()
        finally:
            if process is not None:
                process.abandon()

    async def _next_batch(self, process: WriterProcess | None) -> tuple[list[URLResult], bool]:
        """Results for one transaction, and whether _STOP came after them.

        Up to writer_batch_size results, or what came within writer_flush_interval.
        """
        settings = self.settings
        loop = asyncio.get_running_loop()
        first = await self._first_result(process)
        batch = [first]
        finished = first is _STOP
        deadline = loop.time() + settings.writer_flush_interval
        while not finished and len(batch) < settings.writer_batch_size:
            while not self.results.empty() and len(batch) < settings.writer_batch_size:
                item = self.results.get_nowait()
                batch.append(item)
                if item is _STOP:
                    finished = True
                    break
            remaining = deadline - loop.time()
            if finished or len(batch) >= settings.writer_batch_size or remaining <= 0:
                break
            await asyncio.sleep(min(remaining, 0.05))
        self.room.set()
        return [item for item in batch if isinstance(item, URLResult)], finished

    async def _first_result(self, process: WriterProcess | None) -> URLResult | object:
        if process is None:
            return await self.results.get()
        # Waiting for results, the writer must still notice its process failing.
        get: asyncio.Future[Any] = asyncio.ensure_future(self.results.get())
        await asyncio.wait({get, process.failed}, return_when=asyncio.FIRST_COMPLETED)
        if process.failed.done():
            get.cancel()
            process.check()
        return get.result()

    def write_batch(self, batch: list[URLResult]) -> None:
        if not batch:
            return
        with self.db.atomic():
            self.counts.update(store_results(self.db, self.frontier, batch, run_id=self.run_id))
            write_run_counts(self.db, self.run_id, self.counts)
        self.frontier.stored(_discovered(batch))

    # --- progress ----------------------------------------------------------

    def status(self) -> CrawlStatus:
        return CrawlStatus(
            elapsed=time.monotonic() - self.started, counts=dict(self.counts),
            statuses=dict(self.statuses), queued=len(self.frontier), in_flight=self.in_flight,
        )

    async def show_progress(self) -> None:
        if self.progress is None:
            return
        while True:
            self.progress.update(self.status())
            await asyncio.sleep(0.25)


def _discovered(batch: list[URLResult]) -> list[FrontierURL]:
    """The URLs a batch's pages found: the frontier's once the batch is stored."""
    return [entry for result in batch for entry in result.discovered]


@dataclass(slots=True)
class _Seeding:
    """What seeding wrote to the ``frontier`` table, and what it cost."""

    # Stored pages whose sitemap <lastmod> is newer than our copy: fetched
    # again whatever their age.
    changed: list[str] = field(default_factory=list)
    requests: int = 0
    sitemap_errors: int = 0


async def _seed(
    db: sqlite_utils.Database, frontier: Frontier, crawl_seeds: list[str], sitemaps: list[str],
    fetcher: Fetcher, notes: list[str], seeding: _Seeding,
) -> None:
    """Write the seeds, and the pages the sitemaps list, to the frontier table.

    A site root without --sitemap means its sitemaps. Each sitemap file is
    written as it is read, in a transaction of its own: an interrupted
    seeding keeps what it read (and ``seeding`` what it cost), and a site's
    100k URLs are never all in memory.
    """
    sitemap_urls = list(sitemaps)
    page_seeds: PageEntries = []
    for seed in crawl_seeds:
        if not sitemaps and is_site_root(seed):
            robots = await fetcher.robots.rules_for(seed)
            if robots.sitemaps:
                sitemap_urls.extend(robots.sitemaps)
                continue
            notes.append(f"{seed}: robots.txt lists no sitemap; crawling from the page itself")
        page_seeds.append((seed, None))

    def write(entries: PageEntries) -> None:
        with db.atomic():
            frontier.write_seeds([FrontierURL(url=url, host=host_of(url), depth=0)
                                  for url, _ in entries])
        seeding.changed.extend(_changed_since_fetched(db, entries))

    write(page_seeds)
    if sitemap_urls:
        canonical = []
        for url in sitemap_urls:
            try:
                canonical.append(canonicalize(url))
            except BadURL:
                notes.append(f"sitemap {url!r} is not a URL; ignored")
        report = SitemapReport()
        try:
            await read_sitemaps(fetcher, canonical, accept=fetcher.scope.allows,
                                on_urlset=write, report=report)
        finally:
            seeding.requests = report.requests
            seeding.sitemap_errors = len(report.errors)
            notes.extend(report.errors)
        log.info("sitemaps: %d read, %d page URLs", report.sitemaps_read, report.page_urls)


def _changed_since_fetched(db: sqlite_utils.Database, entries: PageEntries) -> list[str]:
    """Stored pages whose sitemap <lastmod> is newer than our copy."""
    changed = []
    for url, text in entries:
        modified = lastmod_utc(text) if text else None
        if modified is None:
            continue
        row = db.execute("SELECT fetched_at FROM pages WHERE url = ?", [url]).fetchone()
        if row is not None and row[0] and modified > row[0]:
            changed.append(url)
    return changed


async def crawl(
    db: sqlite_utils.Database,
    *,
    seeds: list[str],
    settings: CrawlSettings,
    progress: ProgressDisplay | None = None,
    stop: asyncio.Event | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> CrawlReport:
    """Crawl from ``seeds`` (canonical URLs) and whatever the frontier holds from earlier runs.

    The frontier's part: URLs not fetched yet (or failed, or deferred), and
    pages fetched longer than ``settings.refresh_after`` ago or that a sitemap
    says changed since, fetched again with conditional requests.

    Setting ``stop`` ends the crawl early: no new URL is taken, those in
    flight are abandoned (still pending), everything already fetched is stored.
    """
    options = {**settings.to_options(), "seeds": seeds}
    # Taken before this run's own fetches, so nothing fetched now is due again now.
    refresh_before = refresh_cutoff(settings.refresh_after)
    # A crawl still 'running' in this archive was killed: only one crawl
    # writes to an archive at a time.
    with db.atomic():
        db.execute("UPDATE crawl_runs SET status = 'interrupted', finished_at = ? "
                   "WHERE status = 'running' AND command = 'crawl'", [utc_now()])
    run_id = start_run(db, command="crawl", options=options)
    frontier = Frontier(db, run_id=run_id)
    scope = Scope([*(host_of(url) for url in seeds), *settings.allow_hosts,
                   *(host_of(canonicalize(url)) for url in settings.sitemaps)])
    if not seeds and not settings.sitemaps:
        for host in frontier.hosts():
            scope.add(host)
    notes: list[str] = []
    started = time.monotonic()
    stop = stop or asyncio.Event()
    async with make_client(settings, transport=transport) as client:
        fetcher = Fetcher(client, settings=settings, politeness=Politeness(settings), scope=scope)
        engine = _Crawl(db, settings=settings, run_id=run_id, fetcher=fetcher,
                        frontier=frontier, progress=progress)
        engine.started = started
        seeding = _Seeding()
        seed_task = asyncio.ensure_future(_seed(db, frontier, seeds, list(settings.sitemaps),
                                                fetcher, notes, seeding))
        stop_task = asyncio.ensure_future(stop.wait())
        await asyncio.wait({seed_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
        if not seed_task.done():
            # Between sitemap files: those read are in the frontier table already.
            seed_task.cancel()
            await asyncio.gather(seed_task, return_exceptions=True)
            engine.stop("interrupted")
        else:
            seed_task.result()  # its error, if any
            frontier.load(refresh_before=refresh_before, refresh=seeding.changed)
        engine.counts["requests"] += seeding.requests
        engine.counts["sitemap_errors"] += seeding.sitemap_errors
        del seeding, seed_task
        writer = asyncio.ensure_future(engine.writer())
        ticker = asyncio.ensure_future(engine.show_progress())
        workers = [asyncio.ensure_future(engine.worker())
                   for _ in range(settings.concurrency)]
        loop = asyncio.get_running_loop()
        timer = (loop.call_later(settings.max_duration, engine.stop, "max duration")
                 if settings.max_duration is not None else None)
        crashed: list[asyncio.Future[Any]] = []
        try:
            running: set[asyncio.Future[Any]] = set(workers)
            while running:
                done, _ = await asyncio.wait(running | {stop_task, writer},
                                             return_when=asyncio.FIRST_COMPLETED)
                running -= done
                crashed = [task for task in done if task is not stop_task
                           and not task.cancelled() and task.exception() is not None]
                if writer in done and not crashed:
                    raise RuntimeError("the archive writer stopped unexpectedly")
                if crashed or stop_task in done:
                    engine.stop("interrupted" if not crashed else "error")
                    # In-flight URLs are abandoned: nothing of theirs was queued
                    # for the writer, so they are still pending in the archive.
                    for task in running:
                        task.cancel()
                    await asyncio.gather(*running, return_exceptions=True)
                    if crashed:
                        raise crashed[0].exception()  # type: ignore[misc]
                    break
        finally:
            if timer is not None:
                timer.cancel()
            stop_task.cancel()
            ticker.cancel()
            if not writer.done():
                engine.results.put_nowait(_STOP)
                await asyncio.wait({writer})  # its error, if any, is raised below
            await asyncio.gather(ticker, stop_task, return_exceptions=True)
            if progress is not None:
                progress.update(engine.status())
                progress.close()
            writer_error = (writer.exception() if writer.done() and not writer.cancelled()
                            else None)
            # The writer has finished: the run's row is ours to write again.
            if crashed or writer_error is not None:
                finish_run(db, run_id, status="failed", counts=engine.counts)
        if writer_error is not None:
            raise writer_error
    status = "interrupted" if engine.stop_reason == "interrupted" else "finished"
    finish_run(db, run_id, status=status, counts=engine.counts)
    for host, reason in sorted(engine.deferred_hosts.items()):
        notes.append(f"{host} deferred to a later run: {reason}")
    states = frontier.state_counts()
    left = sum(states.get(state, 0) for state in RESUMABLE_STATES)
    return CrawlReport(run_id=run_id, status=status, counts=engine.counts,
                       statuses=engine.statuses, elapsed=time.monotonic() - started, left=left,
                       stop_reason=engine.stop_reason, notes=notes)


def run_crawl(
    db: sqlite_utils.Database,
    *,
    seeds: list[str],
    settings: CrawlSettings,
    progress: ProgressDisplay | None = None,
) -> CrawlReport:
    """:func:`crawl` in a new event loop; SIGINT and SIGTERM stop it gracefully."""

    async def main() -> CrawlReport:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        installed = []
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(signum, stop.set)
                installed.append(signum)
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # not the main thread, or no signals on this platform
        try:
            return await crawl(db, seeds=seeds, settings=settings, progress=progress, stop=stop)
        finally:
            for signum in installed:
                loop.remove_signal_handler(signum)

    return asyncio.run(main())
