"""Resolving the links a page holds: untrusted text that must never crash the parse."""

from __future__ import annotations

import functools
from urllib.parse import urljoin, urlsplit

__all__ = ["resolve_link", "url_path"]


@functools.lru_cache(maxsize=4_096)
def _origin(base_url: str) -> tuple[str, str]:
    """``("http", "http://host:port")`` of a page URL."""
    parts = urlsplit(base_url)
    return parts.scheme, f"{parts.scheme}://{parts.netloc}"


def _plain(href: str) -> bool:
    # ASCII with no IPv6 brackets cannot make urlsplit raise, and with no dot
    # segments needs no normalising: the fast paths below return what urljoin would.
    return href.isascii() and "[" not in href and "/." not in href


# Cached, and small: the key holds the page URL, so the hits are links a page
# repeats (or a page parsed again). 65,536 entries hit no more often in a crawl,
# and their ~20 MB grew with it (BENCHMARKS.md, memory).
@functools.lru_cache(maxsize=4_096)
def resolve_link(base_url: str, href: str | None) -> str | None:
    """``href`` made absolute against the page URL (relative and ``//host`` links too).

    None for an empty or malformed link: urllib raises ValueError on netlocs
    such as ``[::1`` or ones that change under NFKC normalisation (``：host``).
    """
    if not href:
        return None
    href = href.strip()
    if not href:
        return None
    # Fast paths for the shapes answer pages use; urllib's parsing was a fifth
    # of the whole parse.
    if _plain(href) and _plain(base_url):
        if href.startswith(("http://", "https://")):
            return href
        if href.startswith("//"):
            return f"{_origin(base_url)[0]}:{href}"
        if href.startswith("/"):
            return _origin(base_url)[1] + href
    try:
        url = urljoin(base_url, href)
        urlsplit(url)
    except ValueError:
        return None
    return url


def url_path(url: str) -> str:
    """The URL's path, or "" for a malformed URL (as ``urlsplit(url).path``, for web URLs)."""
    scheme_end = url.find("://")
    if scheme_end < 0 or not url.isascii():
        try:
            return urlsplit(url).path
        except ValueError:
            return ""
    start = scheme_end + 3
    # The authority ends at the first '/', '?' or '#'; the path runs to '?' or '#'.
    end = len(url)
    for separator in "?#":
        found = url.find(separator, start)
        if found != -1 and found < end:
            end = found
    slash = url.find("/", start, end)
    return url[slash:end] if slash != -1 else ""
