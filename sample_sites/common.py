"""What every sample site serves the same way: robots.txt, sitemaps, and the contract
(``SiteServing``) between the site-neutral ASGI app (``app.py``) and each site's pages.

The app owns HTTP: routing of the shared paths, ETags and 304s, the request log,
epochs, sitemaps and every fault profile. A site (``csdn/serving.py``,
``qapage/serving.py``) owns its URLs and its HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any, Protocol

__all__ = [
    "Document",
    "Redirect",
    "ServedSite",
    "SiteServing",
    "render_robots_txt",
    "render_sitemap",
    "render_sitemap_index",
]


@dataclass(frozen=True, slots=True)
class Document:
    """A page a site serves besides its question pages (index, listings, placeholders)."""

    body: str
    last_modified: datetime
    content_type: str = "text/html; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Redirect:
    status: int  # 301, 302, 307, 308
    location: str  # a path, or an absolute URL


class ServedSite(Protocol):
    """The content model the app and the fault profiles need (``history.SiteHistory`` and
    a site's ids): which pages exist at an epoch, their URLs and validators."""

    pages: int
    seed: int
    base_url: str

    @property
    def root_url(self) -> str: ...
    def page_id(self, index: int) -> str: ...
    def url_of(self, index: int) -> str: ...
    def index_of(self, page: int | str, *, epoch: int = 0) -> int | None: ...
    def status(self, index: int, epoch: int = 0) -> int: ...
    def answer_indexes(self, epoch: int = 0) -> list[int]: ...
    def answer_urls(self, epoch: int = 0) -> list[str]: ...
    def last_modified(self, index: int, epoch: int) -> datetime: ...
    def is_internal(self, index: int) -> bool: ...
    def removed_at(self, index: int) -> int | None: ...
    def expected_record(self, page: int | str, *, epoch: int = 0) -> dict[str, Any]: ...


class SiteServing(Protocol):
    """One site's URLs and HTML, as the app asks for them."""

    @property
    def name(self) -> str:
        """``csdn``, ``qapage``: what ``--site`` says."""
        ...

    @property
    def site(self) -> ServedSite: ...

    @property
    def page_pattern(self) -> re.Pattern[str]:
        """The path of a page the site archives, which fault profiles hit; group 1 is its id."""
        ...

    @property
    def robots_disallow(self) -> Sequence[str]:
        """The Disallow lines of robots.txt's ``User-agent: *`` group."""
        ...

    @property
    def too_many_requests(self) -> str:
        """The body of a 429."""
        ...

    def page_path(self, index: int) -> str:
        """The path of page ``index`` (what ``page_pattern`` matches)."""
        ...

    def page_part(self, query: str) -> int | None:
        """Which part of a page the query asks for (answers' ``?page=N``; 1 when the site
        has no parts); None when the query names no valid part (a 404)."""
        ...

    def render_page(self, index: int, epoch: int, *, part: int, charset: str) -> str | None:
        """The page's HTML at ``epoch``, its ``part`` (None: no such part, a 404)."""
        ...

    def truncate_before(self, index: int, epoch: int) -> bytes:
        """Where the truncated-html fault cuts the page: before the answer."""
        ...

    def other(self, path: str, query: str, epoch: int) -> Document | Redirect | None:
        """Any other page the site serves at ``path`` (None: 404)."""
        ...

    def gone_page(self, status: int) -> str: ...

    def soft_404_page(self) -> str: ...

    def state(self, epoch: int) -> dict[str, Any]:
        """What ``GET /_admin/state`` adds about this site."""
        ...


def render_robots_txt(
    *, base_url: str, crawl_delay: float | None, disallow: Sequence[str]
) -> str:
    """robots.txt with Google semantics: the site's Disallow rules (path and wildcard+anchor
    rules), a greedy bot shut out, a Sitemap line."""
    delay = ""
    if crawl_delay is not None:
        delay = f"Crawl-delay: {crawl_delay:g}\n"
    rules = "".join(f"Disallow: {rule}\n" for rule in disallow)
    return (
        "# qarchive sample site\n"
        "User-agent: *\n"
        f"{rules}"
        f"{delay}"
        "\n"
        "User-agent: GreedyBot\n"
        "Disallow: /\n"
        "\n"
        f"Sitemap: {base_url}/sitemap.xml\n"
    )


def _w3c(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _sitemap_xml(root: str, item: str, entries: Iterable[tuple[str, datetime]]) -> str:
    items = "".join(
        f"<{item}><loc>{escape(loc)}</loc><lastmod>{_w3c(lastmod)}</lastmod></{item}>\n"
        for loc, lastmod in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{items}</{root}>\n"
    )


def render_sitemap_index(entries: Iterable[tuple[str, datetime]]) -> str:
    """sitemaps.org index: ``entries`` are (sitemap URL, lastmod)."""
    return _sitemap_xml("sitemapindex", "sitemap", entries)


def render_sitemap(entries: Iterable[tuple[str, datetime]]) -> str:
    """sitemaps.org urlset: ``entries`` are (page URL, lastmod)."""
    return _sitemap_xml("urlset", "url", entries)
