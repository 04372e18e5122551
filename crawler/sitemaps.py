"""Sitemaps as seeds: ``<urlset>`` and ``<sitemapindex>`` files, plain or gzip.

Sitemaps are untrusted XML, read with defusedxml (no entity expansion, no
external entities). Fetched through the crawler's :class:`Fetcher`, so they
obey robots.txt and the host's pace like any other request.
"""

from __future__ import annotations

import logging
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from crawler.fetch import Fetcher
from crawler.urls import BadURL, canonicalize

__all__ = [
    "PageEntries", "SitemapReport", "lastmod_utc", "parse_sitemap", "parse_sitemap_entries",
    "read_sitemaps",
]

log = logging.getLogger(__name__)

# sitemaps.org: a sitemap holds at most 50,000 URLs and 50 MB uncompressed (an
# index at most 50,000 sitemaps). Entries past the 50,000th are not read.
SITEMAP_MAX_BYTES = 50 * 1024 * 1024
SITEMAP_MAX_URLS = 50_000
# How many files, and how deep into indexes of indexes, are the crawl's settings
# (sitemap_max_files, sitemap_max_depth).
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(slots=True)
class SitemapReport:
    page_urls: int = 0  # page URLs listed (and accepted), handed to on_urlset
    sitemaps_read: int = 0
    errors: list[str] = field(default_factory=list)
    requests: int = 0


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_sitemap(body: bytes) -> tuple[str, list[str]]:
    """``("urlset" | "sitemapindex", [loc, ...])``; ValueError when it is not a sitemap."""
    kind, entries = parse_sitemap_entries(body)
    return kind, [location for location, _ in entries]


def parse_sitemap_entries(body: bytes) -> tuple[str, list[tuple[str, str | None]]]:
    """Like :func:`parse_sitemap`, with each entry's ``<lastmod>`` (None when absent).

    At most ``SITEMAP_MAX_URLS + 1`` entries: one more than the protocol allows
    tells the caller the file broke the limit.
    """
    if body.startswith(_GZIP_MAGIC):
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = decompressor.decompress(body, SITEMAP_MAX_BYTES + 1)
        except zlib.error as error:
            raise ValueError(f"bad gzip: {error}") from None
        if len(body) > SITEMAP_MAX_BYTES:
            raise ValueError(f"larger than {SITEMAP_MAX_BYTES} bytes uncompressed")
    try:
        root: Element = fromstring(body)
    except (ParseError, DefusedXmlException) as error:
        raise ValueError(f"not valid XML ({error})") from None
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise ValueError(f"not a sitemap (root element <{kind}>)")
    entries = []
    for entry in root:
        location = lastmod = None
        for child in entry:
            text = (child.text or "").strip()
            if _local(child.tag) == "loc" and text:
                location = text
            elif _local(child.tag) == "lastmod" and text:
                lastmod = text
        if location:
            entries.append((location, lastmod))
            if len(entries) > SITEMAP_MAX_URLS:
                break
    return kind, entries


def lastmod_utc(lastmod: str) -> str | None:
    """A sitemap ``<lastmod>`` (W3C datetime: a date, or a time with offset) as
    ISO 8601 UTC like ``pages.fetched_at``; None when unreadable."""
    try:
        when = datetime.fromisoformat(lastmod.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # sitemaps.org: a bare date; read it as UTC
    return when.astimezone(UTC).isoformat(timespec="seconds")


# A urlset's page URLs (canonical) with each one's <lastmod> as written, or None.
PageEntries = list[tuple[str, str | None]]


async def read_sitemaps(
    fetcher: Fetcher, sitemap_urls: list[str], *, accept: Callable[[str], bool],
    on_urlset: Callable[[PageEntries], None], report: SitemapReport | None = None,
) -> SitemapReport:
    """Read the sitemaps, indexes followed; each urlset's page URLs (canonical, those
    ``accept`` allows) go to ``on_urlset`` as soon as it is read.

    Bounded whatever the server sends: at most ``sitemap_max_files`` files a
    run, indexes followed ``sitemap_max_depth`` levels deep, 50,000 entries a
    file; what is left out is said in ``report.errors``.

    One file at a time, never the whole list: a site's sitemaps can name
    every one of its pages, and holding them all made a crawl's memory grow
    with the site. Counts go to ``report`` (a new one if not given), which
    thus tells what was done even when the reading is cancelled.
    """
    report = report if report is not None else SitemapReport()
    max_files = fetcher.settings.sitemap_max_files
    max_depth = fetcher.settings.sitemap_max_depth
    # Every URL ever queued, read or not: bounded by max_files, as is the queue.
    seen: set[str] = set()
    pending: deque[tuple[str, int]] = deque()
    dropped = 0  # sitemaps listed past max_files

    def queue(url: str, depth: int) -> None:
        nonlocal dropped
        if url in seen:
            return
        if len(seen) >= max_files:
            dropped += 1
            return
        seen.add(url)
        pending.append((url, depth))

    for url in sitemap_urls:
        queue(url, 0)
    while pending:
        url, depth = pending.popleft()
        result = await fetcher.fetch(url, max_bytes=SITEMAP_MAX_BYTES)
        report.requests += result.requests
        page = result.page
        if result.outcome != "response" or page is None:
            report.errors.append(f"sitemap {url}: {result.reason}")
            continue
        if page.status != 200 or page.body is None:
            report.errors.append(f"sitemap {url}: HTTP {page.status}")
            continue
        try:
            kind, entries = parse_sitemap_entries(page.body)
        except ValueError as error:
            report.errors.append(f"sitemap {url}: {error}")
            continue
        report.sitemaps_read += 1
        if len(entries) > SITEMAP_MAX_URLS:
            report.errors.append(f"sitemap {url}: lists more than {SITEMAP_MAX_URLS} URLs "
                                 f"(the sitemaps.org limit); the first {SITEMAP_MAX_URLS} read")
            del entries[SITEMAP_MAX_URLS:]
        if kind == "sitemapindex" and depth >= max_depth:
            report.errors.append(f"sitemap {url}: an index {depth} levels below the first "
                                 f"sitemap; its sitemaps are not read (sitemap_max_depth)")
            continue
        page_entries: PageEntries = []
        for location, lastmod in entries:
            try:
                canonical = canonicalize(location)
            except BadURL:
                continue
            if not accept(canonical):
                continue
            if kind == "urlset":
                page_entries.append((canonical, lastmod))
            else:
                queue(canonical, depth + 1)
        del entries, page, result  # the file, up to 50 MB, need not outlive its URLs
        if page_entries:
            report.page_urls += len(page_entries)
            on_urlset(page_entries)
    if dropped:
        report.errors.append(f"{dropped} sitemap(s) not read: at most {max_files} sitemap "
                             "files a run (sitemap_max_files)")
    for message in report.errors:
        log.warning("%s", message)
    return report
