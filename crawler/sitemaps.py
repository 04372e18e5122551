"""Sitemaps as seeds: ``<urlset>`` and ``<sitemapindex>`` files, plain or gzip.

Sitemaps are untrusted XML, read with defusedxml (no entity expansion, no
external entities). Fetched through the crawler's :class:`Fetcher`, so they
obey robots.txt and the host's pace like any other request.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from crawler.fetch import Fetcher
from crawler.urls import BadURL, canonicalize

__all__ = ["SitemapReport", "parse_sitemap", "read_sitemaps"]

log = logging.getLogger(__name__)

# sitemaps.org: a sitemap holds at most 50,000 URLs and 50 MB uncompressed.
SITEMAP_MAX_BYTES = 50 * 1024 * 1024
# An index of indexes is allowed by nobody but seen in the wild; stop there.
MAX_INDEX_DEPTH = 3
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(slots=True)
class SitemapReport:
    page_urls: list[str] = field(default_factory=list)
    sitemaps_read: int = 0
    errors: list[str] = field(default_factory=list)
    requests: int = 0


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_sitemap(body: bytes) -> tuple[str, list[str]]:
    """``("urlset" | "sitemapindex", [loc, ...])``; ValueError when it is not a sitemap."""
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
    locations = []
    for entry in root:
        for child in entry:
            if _local(child.tag) == "loc" and child.text and child.text.strip():
                locations.append(child.text.strip())
    return kind, locations


async def read_sitemaps(
    fetcher: Fetcher, sitemap_urls: list[str], *, accept: Callable[[str], bool]
) -> SitemapReport:
    """Page URLs (canonical, those ``accept`` allows) listed by the sitemaps, indexes followed."""
    report = SitemapReport()
    seen: set[str] = set()
    pending = [(url, 0) for url in sitemap_urls]
    while pending:
        url, depth = pending.pop(0)
        if url in seen:
            continue
        seen.add(url)
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
            kind, locations = parse_sitemap(page.body)
        except ValueError as error:
            report.errors.append(f"sitemap {url}: {error}")
            continue
        report.sitemaps_read += 1
        for location in locations:
            try:
                canonical = canonicalize(location)
            except BadURL:
                continue
            if not accept(canonical):
                continue
            if kind == "urlset":
                report.page_urls.append(canonical)
            elif depth < MAX_INDEX_DEPTH:
                pending.append((canonical, depth + 1))
    for message in report.errors:
        log.warning("%s", message)
    return report
