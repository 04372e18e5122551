"""Resolving the links a page holds: untrusted text that must never crash the parse."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

__all__ = ["resolve_link", "url_path"]


def resolve_link(base_url: str, href: str | None) -> str | None:
    """``href`` made absolute against the page URL (relative and ``//host`` links too).

    None for an empty or malformed link: urllib raises ValueError on netlocs
    such as ``[::1`` or ones that change under NFKC normalisation (``：host``).
    """
    if not href or not href.strip():
        return None
    try:
        url = urljoin(base_url, href.strip())
        urlsplit(url)
    except ValueError:
        return None
    return url


def url_path(url: str) -> str:
    """The URL's path, or "" for a malformed URL."""
    try:
        return urlsplit(url).path
    except ValueError:
        return ""
