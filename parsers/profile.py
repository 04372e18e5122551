"""What every site profile provides, and the registry that picks one by URL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from parsers.model import AnswerPage, ParseError

__all__ = [
    "SiteProfile",
    "UnknownProfile",
    "canonical_url",
    "get_profile",
    "parse_page",
    "profile_for_url",
    "profile_names",
    "register_profile",
]


class SiteProfile(Protocol):
    """All one site's knowledge: URL shapes, labels, selectors, and the parse function."""

    name: str
    # Bumped whenever the parse output changes, so `qarchive reparse` knows
    # which stored pages an older parser read.
    parser_version: int
    # Hosts this profile is written for; the path shape alone also selects it,
    # so the sample site on 127.0.0.1 or a mirror gets the same profile.
    hosts: tuple[str, ...]
    page_path: re.Pattern[str]

    def parse(self, body: bytes | str, url: str, *, charset: str | None = None) -> AnswerPage:
        """Pure: the page's record, or ParseError with a reason."""
        ...

    def resource_kind(self, url: str) -> str:
        """What a linked URL is on this site (doc, download, answer, ...)."""
        ...


class UnknownProfile(ParseError):
    """No profile is written for this URL."""


@dataclass(frozen=True, slots=True)
class _Entry:
    profile: SiteProfile


_REGISTRY: dict[str, _Entry] = {}


def register_profile(profile: SiteProfile) -> SiteProfile:
    _REGISTRY[profile.name] = _Entry(profile)
    return profile


def profile_names() -> list[str]:
    return sorted(_REGISTRY)


def get_profile(name: str) -> SiteProfile:
    try:
        return _REGISTRY[name].profile
    except KeyError:
        known = ", ".join(profile_names())
        raise UnknownProfile(f"unknown profile {name!r} (known: {known})") from None


def profile_for_url(url: str) -> SiteProfile:
    """The profile whose host and path shape match; the path shape alone on other hosts."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise UnknownProfile(f"malformed URL {url!r}", url=url) from None
    host = (parts.hostname or "").lower()
    path_matches = [entry.profile for entry in _REGISTRY.values()
                    if entry.profile.page_path.search(parts.path)]
    for profile in path_matches:
        if host in profile.hosts:
            return profile
    if path_matches:
        return path_matches[0]
    raise UnknownProfile(f"no site profile knows pages like {url}", url=url)


def parse_page(
    body: bytes | str, url: str, *, charset: str | None = None, profile: str | None = None
) -> AnswerPage:
    """Parse one page with the profile named, or the one its URL selects."""
    chosen = get_profile(profile) if profile else profile_for_url(url)
    return chosen.parse(body, url, charset=charset)


def canonical_url(body: bytes | str, *, charset: str | None = None) -> str | None:
    """The page's ``<link rel="canonical">``, the URL a saved file stands for."""
    from selectolax.lexbor import LexborHTMLParser

    from parsers.decoding import decode_html

    link = LexborHTMLParser(decode_html(body, charset=charset)).css_first('link[rel="canonical"]')
    href = (link.attributes.get("href") or "").strip() if link is not None else ""
    return href or None
