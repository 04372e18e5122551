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
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from archive import (
    Archive,
    CompressionPolicy,
    ExtractionHealth,
    FrontierTable,
    RunCounts,
    describe_drift,
    find_drift,
    refresh_cutoff,
)
from crawler.fetch import Fetcher, FetchResult, make_client
from crawler.frontier import FrontierQueue, FrontierURL
from crawler.politeness import Politeness
from crawler.reasons import error_reason
from crawler.settings import CrawlSettings
from crawler.sitemaps import PageEntries, SitemapReport, lastmod_utc, read_sitemaps
from crawler.status import CrawlStatus, ProgressDisplay
from crawler.urls import BadURL, Scope, canonicalize, host_of, is_site_root
from crawler.writer_process import ProcessWriter
from crawler.writers import InLoopWriter, StoredBatch, URLResult, Writer
from parsers import AnswerPage, ParseError, UnknownProfile, choose_profile

__all__ = ["CrawlReport", "crawl", "run_crawl"]

log = logging.getLogger(__name__)

@dataclass(slots=True)
class CrawlReport:
    run_id: int
    status: str  # finished or interrupted
    counts: RunCounts
    statuses: Counter[int]
    elapsed: float
    left: int  # URLs still to fetch (pending, failed, deferred) in the frontier
    stop_reason: str | None = None  # "max pages", "max duration", "interrupted"
    notes: list[str] = field(default_factory=list)
    # What the run's parsed pages yielded (crawl_runs.field_health), and the drift
    # alarm (crawl_runs.drift): fields found on far fewer pages than in earlier runs.
    health: ExtractionHealth = field(default_factory=ExtractionHealth)
    drift: str | None = None

    @property
    def did_work(self) -> bool:
        return self.counts.did_work

    def summary(self) -> str:
        reason = _STOP_REASONS.get(self.stop_reason or "", self.stop_reason)
        lines = [
            f"crawl run {self.run_id} {self.status}" + (f" ({reason})" if reason else "")
            + f" in {self.elapsed:.1f} s: {self.counts.summary()}",
        ]
        if self.statuses:
            lines.append("HTTP statuses: " + ", ".join(
                f"{status} ×{count}" for status, count in sorted(self.statuses.items())))
        if self.left:
            lines.append(f"{self.left} URL(s) left for the next run")
        lines.extend(self.notes)
        if self.drift:
            lines.append(f"drift: {self.drift}: the site's layout may have changed; see "
                         f"crawl_runs.field_health of run {self.run_id} (the extraction_health "
                         "query in `qarchive serve`)")
        return "\n".join(lines)


# How the summary says why a run stopped early (other reasons say themselves).
_STOP_REASONS = {"interrupted": "by Ctrl-C or SIGTERM"}


def duration_text(seconds: float) -> str:
    """Seconds as the command line writes them: 7d, 12h, 30m, 90s."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def _why_stopped_or_idle(engine: _Crawl, table: FrontierTable) -> list[str]:
    """What a user would otherwise guess: why a run stopped early, or why it did nothing."""
    settings, counts = engine.settings, engine.counts
    if engine.stop_reason == "max pages":
        taken = ", ".join(f"{count} {label}" for count, label in (
            (counts.fetched, "fetched"), (counts.blocked, "blocked by robots.txt"),
            (counts.all_failed, "failed"), (counts.deferred, "deferred"),
            (counts.skipped, "skipped")) if count)
        return [f"--max-pages {settings.max_pages} reached: {engine.dispatched} URLs taken "
                f"({taken or 'none answered'})"]
    if engine.stop_reason == "max duration" and settings.max_duration is not None:
        return [f"--max-duration {duration_text(settings.max_duration)} reached: the URLs "
                "in flight were let go and stay pending"]
    if engine.stop_reason is not None or engine.dispatched:
        return []
    states, waiting = table.state_counts(), table.waiting()
    if not states:
        return ["nothing to crawl: no URL was found from the seeds or sitemaps"]
    kinds = [f"{states[state]} {label}" for state, label in (
        ("done", f"done and fresher than --refresh-after "
                 f"({duration_text(settings.refresh_after)})"),
        ("blocked", "blocked by robots.txt"), ("skipped", "skipped (not HTML, too large or "
                                                           "off-site)")) if states.get(state)]
    lines = [f"nothing was due: of the archive's {sum(states.values())} known URL(s), "
             + ", ".join(kinds) + ("; --refresh-after 0 fetches the done ones again"
                                   if states.get("done") else "")]
    if waiting:
        lines.append(f"{waiting} URL(s) wait for their retry: their pages crashed the crawler "
                     "(frontier.last_error, frontier.retry_at)")
    return lines


_STOP = object()
# Results waiting for the writer, in batches, before workers wait for it.
_BACKLOG_BATCHES = 4


@functools.lru_cache(maxsize=4_096)
def _canonical_or_none(url: str, profile_name: str | None = None) -> str | None:
    # Cached: the same sidebar and related links appear on page after page. A
    # small cache keeps those; 200,000 entries bought a few more hits and grew
    # with the crawl to ~25 MB.
    try:
        return _page_url(canonicalize(url), profile_name)
    except BadURL:
        return None


def _page_url(url: str, profile_name: str | None = None) -> str:
    """A canonical URL in the form this crawl knows it by: a question page's URL as its
    site profile spells it (one URL per question, whatever query a link adds), any
    other URL as it is."""
    try:
        profile = choose_profile(url, name=profile_name)
    except UnknownProfile:
        return url
    return profile.canonical_page_url(url) or url


class _Crawl:
    def __init__(
        self, archive: Archive, *, settings: CrawlSettings, run_id: int,
        fetcher: Fetcher, frontier: FrontierQueue, progress: ProgressDisplay | None,
    ) -> None:
        self.archive = archive
        self.settings = settings
        self.run_id = run_id
        self.fetcher = fetcher
        self.frontier = frontier
        self.scope = fetcher.scope
        self.progress = progress
        self.counts = RunCounts()
        self.health = ExtractionHealth()
        self.statuses: Counter[int] = Counter()
        self.results: asyncio.Queue[URLResult | object] = asyncio.Queue()
        self.in_flight = 0
        # Each URL in flight, by its worker's dispatch: (URL, when its fetch started); the
        # progress display names the slow ones. Keyed by dispatch, not URL: the bookkeeping
        # of one URL's fetch never touches another's, whatever the queue hands out.
        self.started_at: dict[int, tuple[str, float]] = {}
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
        self.profile_name = settings.profile or None
        if self.profile_name is not None:
            choose_profile("", name=self.profile_name)  # an unknown name fails before any fetch
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
            dispatch = self.dispatched
            self.in_flight += 1
            self.started_at[dispatch] = (entry.url, time.monotonic())
            try:
                result = await self._process_or_fail(entry)
                self.results.put_nowait(result)
            finally:
                self.in_flight -= 1
                del self.started_at[dispatch]
                self.changed.set()

    def stop(self, reason: str) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason
            log.info("stopping: %s", reason)
        self.no_more = True
        self.changed.set()

    async def _process_or_fail(self, entry: FrontierURL) -> URLResult:
        """:meth:`process`, where a crash costs only this URL: it is failed with a one-line
        reason and due again after the poisoned-URL wait; the crawl goes on."""
        try:
            return await self.process(entry)
        except Exception as error:  # scraped content is hostile: one page, one URL
            reason = error_reason(error)
            log.warning("failed %s: %s", entry.url, reason)
            self.counts.add("failed")
            return URLResult(entry=entry, state="failed", error=reason,
                             poisoned_retry_after=self.settings.poisoned_retry_after)

    async def process(self, entry: FrontierURL) -> URLResult:
        settings = self.settings
        headers, stored_hash = self._stored_copy(entry.url)
        fetched = await self.fetcher.fetch(entry.url, headers=headers, html_only=True)
        self.counts.add("retried", fetched.retries)
        self.counts.add("requests", fetched.requests)
        result = URLResult(entry=entry, state="failed", requests=fetched.requests,
                           error=fetched.reason)
        if fetched.outcome != "response":
            result.state = fetched.outcome
            self.counts.add(fetched.outcome)
            if fetched.outcome == "deferred":
                self.deferred_hosts[entry.host] = fetched.reason or ""
            elif fetched.outcome == "failed":
                log.warning("failed %s: %s", entry.url, fetched.reason)
            else:
                log.debug("%s %s: %s", fetched.outcome, entry.url, fetched.reason)
            return result
        page = fetched.page
        assert page is not None
        self._redirected_to(result, page.final_url)
        status = page.status or 0
        self.counts.add("fetched")
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
            self.counts.add("skipped")
            return result
        if not 200 <= status < 300 or entry.kind != "page":
            return result
        self._parse(result, fetched)
        if result.page is not None and (settings.max_depth is None
                                        or entry.depth < settings.max_depth):
            self._discover(result, result.page)
        return result

    def _redirected_to(self, result: URLResult, final_url: str | None) -> None:
        """A fetch that redirected fetched its target too: the target is done in this run
        (its row written done with this result), so a link to it is not fetched again."""
        entry = result.entry
        if not final_url or final_url == entry.url:
            return
        target = _page_url(final_url, self.profile_name)
        if target == entry.url or not self.scope.allows(target):
            return
        done = FrontierURL(url=target, host=host_of(target), depth=entry.depth,
                           kind=entry.kind, state="done")
        self.frontier.mark_done(done)
        result.discovered.append(done)

    def _parse(self, result: URLResult, fetched: FetchResult) -> None:
        page = fetched.page
        assert page is not None and page.body is not None
        final_url = page.final_url or page.url
        try:
            # The URL chooses, or for a site known by its markup alone the body does.
            profile = choose_profile(final_url, name=self.profile_name, body=page.body)
            result.parser_version = profile.parser_version
            result.page = profile.parse(page.body, final_url, charset=page.charset)
        except ParseError as error:
            result.parse_error = error.reason
            self.counts.add("parse_errors")
            log.debug("parse error %s: %s", final_url, error.reason)
        # A page that did not parse counts too, with nothing found: a layout that
        # breaks the parser outright is the plainest drift.
        self.health.add(result.page)

    def _discover(self, result: URLResult, page: AnswerPage) -> None:
        depth = result.entry.depth + 1
        links = [(url, "page") for url in page.links_to_follow()]
        if self.settings.follow_resources:
            links.extend((resource.url, "resource") for resource in page.recommended_resources)
        for link, kind in links:
            url = _canonical_or_none(link, self.profile_name)
            if url is None or not self.scope.allows(url):
                continue
            entry = FrontierURL(url=url, host=host_of(url), depth=depth, kind=kind)
            if self.frontier.discover(entry):
                result.discovered.append(entry)
        if result.discovered:
            self.changed.set()

    def _stored_copy(self, url: str) -> tuple[dict[str, str], str | None]:
        """Conditional request headers from the stored copy, and its body's hash."""
        copy = self.archive.stored_copy(url)
        if copy is None:
            return {}, None
        headers = {}
        # RFC 9110 §13.1: a validator from the stored copy lets the server say
        # 304. Not for a page now gone: its copy is older than its last answer.
        if copy.status == 200:
            if copy.etag:
                headers["If-None-Match"] = copy.etag
            if copy.last_modified:
                headers["If-Modified-Since"] = copy.last_modified
        return headers, copy.content_hash

    # --- the writer --------------------------------------------------------

    async def writer(self) -> None:
        """Store results in batches until _STOP: in the event loop, or in a writer process."""
        writer = self._open_writer()
        try:
            finished = False
            while not finished:
                batch, finished = await self._next_batch(writer)
                if batch:
                    await writer.store(batch, self.counts)
            await writer.close()
        finally:
            writer.abandon()

    def _open_writer(self) -> Writer:
        """A writer process when the settings ask for one and the archive is a file."""
        # POSIX only: the writer process's pipes are passed by file descriptor.
        path = (self.archive.file if self.settings.writer_process and os.name == "posix"
                else None)
        wait = self.settings.poisoned_retry_after
        compression = CompressionPolicy.with_min_pages(self.settings.dictionary_min_pages)
        if path is None:
            self.archive.bodies.policy = compression
            return InLoopWriter(self.archive, run_id=self.run_id, poisoned_retry_after=wait,
                                on_stored=self._stored)
        return ProcessWriter(path, run_id=self.run_id, poisoned_retry_after=wait,
                             on_stored=self._stored, compression=compression)

    def _stored(self, batch: StoredBatch) -> None:
        self.counts.update(batch.outcomes)
        self.frontier.stored(batch.discovered)

    async def _next_batch(self, writer: Writer) -> tuple[list[URLResult], bool]:
        """Results for one transaction, and whether _STOP came after them.

        Up to writer_batch_size results, or what came within writer_flush_interval.
        """
        settings = self.settings
        loop = asyncio.get_running_loop()
        first = await self._first_result(writer)
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

    async def _first_result(self, writer: Writer) -> URLResult | object:
        # Waiting for results, the writer must still notice its process failing.
        get: asyncio.Future[Any] = asyncio.ensure_future(self.results.get())
        await asyncio.wait({get, writer.failed}, return_when=asyncio.FIRST_COMPLETED)
        if writer.failed.done():
            get.cancel()
            writer.check()
        return get.result()

    # --- the run ------------------------------------------------------------

    async def run(self, stop_task: asyncio.Future[Any], expired: asyncio.Future[Any]) -> None:
        """Workers and the writer, until the queue is empty or the crawl stops.

        ``stop_task`` completing interrupts the crawl, ``expired`` (the run's
        max duration, counted from its start) ends it: either way no URL is
        taken any more and those in flight are abandoned, still pending.
        Raises a worker's or the writer's error, after marking the run failed.
        """
        settings = self.settings
        writer = asyncio.ensure_future(self.writer())
        ticker = asyncio.ensure_future(self.show_progress())
        workers = [asyncio.ensure_future(self.worker()) for _ in range(settings.concurrency)]
        crashed: list[asyncio.Future[Any]] = []
        try:
            await self._until_workers_end(workers, writer, stop_task, expired, crashed)
        finally:
            ticker.cancel()
            if not writer.done():
                self.results.put_nowait(_STOP)
                await asyncio.wait({writer})  # its error, if any, is raised below
            await asyncio.gather(ticker, return_exceptions=True)
            if self.progress is not None:
                self.progress.update(self.status())
                self.progress.close()
            writer_error = (writer.exception() if writer.done() and not writer.cancelled()
                            else None)
            # The writer has finished: the run's row is ours to write again.
            if crashed or writer_error is not None:
                self.archive.finish_run(self.run_id, status="failed", counts=self.counts,
                                        health=self.health)
        if writer_error is not None:
            raise writer_error

    async def _until_workers_end(
        self, workers: Sequence[asyncio.Future[Any]], writer: asyncio.Future[Any],
        stop_task: asyncio.Future[Any], expired: asyncio.Future[Any],
        crashed: list[asyncio.Future[Any]],
    ) -> None:
        """Wait for the workers; on a stop, the deadline or a crash, abandon those in flight."""
        running: set[asyncio.Future[Any]] = set(workers)
        while running:
            done, _ = await asyncio.wait(running | {stop_task, expired, writer},
                                         return_when=asyncio.FIRST_COMPLETED)
            running -= done
            crashed[:] = [task for task in done if task not in (stop_task, expired)
                          and not task.cancelled() and task.exception() is not None]
            if writer in done and not crashed:
                raise RuntimeError("the archive writer stopped unexpectedly")
            if crashed or stop_task in done or expired in done:
                self.stop("error" if crashed else
                          "interrupted" if stop_task in done else "max duration")
                # In-flight URLs are abandoned: nothing of theirs was queued
                # for the writer, so they are still pending in the archive.
                for task in running:
                    task.cancel()
                await asyncio.gather(*running, return_exceptions=True)
                if crashed:
                    raise crashed[0].exception()  # type: ignore[misc]
                return

    # --- progress ----------------------------------------------------------

    def status(self) -> CrawlStatus:
        now = time.monotonic()
        slowest = min(self.started_at.values(), key=lambda item: item[1], default=None)
        return CrawlStatus(
            elapsed=now - self.started, counts=self.counts.copy(),
            statuses=dict(self.statuses), queued=len(self.frontier), in_flight=self.in_flight,
            slowest=(slowest[0], now - slowest[1]) if slowest is not None else None,
        )

    async def show_progress(self) -> None:
        if self.progress is None:
            return
        while True:
            self.progress.update(self.status())
            await asyncio.sleep(0.25)


@dataclass(slots=True)
class _Seeding:
    """What seeding wrote to the ``frontier`` table, and what it cost."""

    # Stored pages whose sitemap <lastmod> is newer than our copy: fetched
    # again whatever their age.
    changed: list[str] = field(default_factory=list)
    requests: int = 0
    sitemap_errors: int = 0


async def _seed(
    archive: Archive, table: FrontierTable, crawl_seeds: list[str], sitemaps: list[str],
    fetcher: Fetcher, notes: list[str], seeding: _Seeding, *, profile_name: str | None,
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
        page_seeds.append((_page_url(seed, profile_name), None))

    def write(entries: PageEntries) -> None:
        # A question's URL as its profile spells it, however the sitemap wrote it.
        entries = [(_page_url(url, profile_name), lastmod) for url, lastmod in entries]
        with archive.atomic():
            table.write_seeds([FrontierURL(url=url, host=host_of(url), depth=0)
                               for url, _ in entries])
        seeding.changed.extend(_changed_since_fetched(archive, entries))

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


def _expire(expired: asyncio.Future[None]) -> None:
    if not expired.done():
        expired.set_result(None)


def _changed_since_fetched(archive: Archive, entries: PageEntries) -> list[str]:
    """Stored pages whose sitemap <lastmod> is newer than our copy."""
    changed = []
    for url, text in entries:
        modified = lastmod_utc(text) if text else None
        if modified is None:
            continue
        fetched_at = archive.page_fetched_at(url)
        if fetched_at and modified > fetched_at:
            changed.append(url)
    return changed


async def _seed_then_load(
    engine: _Crawl, table: FrontierTable, seeds: list[str], stop_task: asyncio.Future[Any],
    expired: asyncio.Future[Any], notes: list[str], *, refresh_before: str,
) -> None:
    """Seed the frontier table, then queue what is due; a stop while seeding, or the
    run's max duration passing, ends the crawl."""
    seeding = _Seeding()
    seed_task = asyncio.ensure_future(_seed(engine.archive, table, seeds,
                                            list(engine.settings.sitemaps), engine.fetcher,
                                            notes, seeding, profile_name=engine.profile_name))
    await asyncio.wait({seed_task, stop_task, expired}, return_when=asyncio.FIRST_COMPLETED)
    if not seed_task.done():
        # Between sitemap files: those read are in the frontier table already.
        seed_task.cancel()
        await asyncio.gather(seed_task, return_exceptions=True)
        engine.stop("interrupted" if stop_task.done() else "max duration")
    else:
        seed_task.result()  # its error, if any
        engine.frontier.load(refresh_before=refresh_before, refresh=seeding.changed)
    engine.counts.add("requests", seeding.requests)
    engine.counts.add("sitemap_errors", seeding.sitemap_errors)


def _crawl_scope(table: FrontierTable, seeds: list[str], settings: CrawlSettings) -> Scope:
    """The hosts this crawl may fetch from: its seeds', allowed and sitemap hosts, or (a
    resumed crawl with no seeds) every host in the frontier."""
    scope = Scope([*(host_of(url) for url in seeds), *settings.allow_hosts,
                   *(host_of(canonicalize(url)) for url in settings.sitemaps)])
    if not seeds and not settings.sitemaps:
        for host in table.hosts():
            scope.add(host)
    return scope


async def crawl(
    db: Archive,
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
    # Taken before this run's own fetches, so nothing fetched now is due again now.
    refresh_before = refresh_cutoff(settings.refresh_after)
    # A crawl still 'running' in this archive was killed: only one crawl
    # writes to an archive at a time.
    db.mark_killed_runs(command="crawl")
    run_id = db.start_run(command="crawl", options={**settings.to_options(), "seeds": seeds})
    table = db.frontier_table(run_id=run_id)
    scope = _crawl_scope(table, seeds, settings)
    notes: list[str] = []
    started = time.monotonic()
    stop_task = asyncio.ensure_future((stop or asyncio.Event()).wait())
    # Every limit counts from here, seeding (robots.txt, sitemaps) included.
    loop = asyncio.get_running_loop()
    expired: asyncio.Future[None] = loop.create_future()
    timer = (loop.call_later(settings.max_duration, _expire, expired)
             if settings.max_duration is not None else None)
    try:
        async with make_client(settings, transport=transport) as client:
            politeness = Politeness(settings)
            fetcher = Fetcher(client, settings=settings, politeness=politeness, scope=scope)
            engine = _Crawl(db, settings=settings, run_id=run_id, fetcher=fetcher,
                            frontier=FrontierQueue(table), progress=progress)
            engine.started = started
            await _seed_then_load(engine, table, seeds, stop_task, expired, notes,
                                  refresh_before=refresh_before)
            await engine.run(stop_task, expired)
    finally:
        if timer is not None:
            timer.cancel()
        stop_task.cancel()
        await asyncio.gather(stop_task, return_exceptions=True)
    status = "interrupted" if engine.stop_reason == "interrupted" else "finished"
    drift = describe_drift(find_drift(engine.health, db.health_history(before_run=run_id)))
    db.finish_run(run_id, status=status, counts=engine.counts, health=engine.health,
                  drift=drift)
    # What the search index's merges freed goes back to the file system (bounded in time).
    db.release_free_pages()
    notes.extend(_why_stopped_or_idle(engine, table))
    for host, reason in sorted(engine.deferred_hosts.items()):
        notes.append(f"{host} deferred to a later run: {reason}")
    # Waits the pacing cut short (a huge Retry-After or Crawl-delay), where it notes them.
    notes.extend(str(note) for note in getattr(politeness, "notes", ()))
    return CrawlReport(run_id=run_id, status=status, counts=engine.counts,
                       statuses=engine.statuses, elapsed=time.monotonic() - started,
                       left=table.left(), stop_reason=engine.stop_reason, notes=notes,
                       health=engine.health, drift=drift)


def run_crawl(
    db: Archive,
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
