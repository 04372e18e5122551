"""What every site profile provides, how profiles are found, and the one function choosing one.

Profiles are discovered, never registered: each module of ``parsers/sites/``
exposes ``PROFILE``, and other packages add theirs through the
``qarchive.profiles`` entry-point group (see ``parsers/sites/__init__.py``).
Discovery runs on first use.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re
import threading
from importlib.metadata import entry_points
from types import ModuleType
from typing import Protocol, cast
from urllib.parse import urlsplit

from parsers.model import AnswerPage, ParseError

__all__ = [
    "SiteProfile",
    "UnknownProfile",
    "canonical_url",
    "choose_profile",
    "has_qa_markup",
    "parse_page",
    "profile_names",
]


class SiteProfile(Protocol):
    """All one site's knowledge: URL shapes, labels, selectors, and the parse function."""

    name: str
    # Bumped whenever the parse output changes, so `qarchive reparse` knows
    # which stored pages an older parser read.
    parser_version: int
    # Hosts this profile is written for ("*.stackexchange.com": any subdomain). Where
    # ``path_alone`` is true the path shape alone also selects it on other hosts, so the
    # sample site on 127.0.0.1 or a mirror gets the same profile (CSDN); a site adapter
    # whose path shape is common to many sites (``/questions/<id>``) claims its hosts only.
    # A profile without ``path_alone`` is chosen by path alone (as before it existed).
    hosts: tuple[str, ...]
    page_path: re.Pattern[str]
    path_alone: bool
    # Optional: a cheap byte pattern of the software's own markup (Discourse's
    # ``<meta name="generator" content="Discourse ...">``) that claims a page on any host
    # no profile claims by URL: forum software runs on many hosts nobody can list. Read
    # with ``getattr`` (absent or None: the profile is chosen by URL only); searched
    # before the generic profile's QAPage markup test, never by the parse itself.
    # body_signature: re.Pattern[bytes] | None

    def parse(self, body: bytes | str, url: str, *, charset: str | None = None) -> AnswerPage:
        """Pure: the page's record, or ParseError with a reason."""
        ...

    def resource_kind(self, url: str) -> str:
        """What a linked URL is on this site (doc, download, answer, ...)."""
        ...

    def canonical_page_url(self, url: str) -> str | None:
        """The one URL of the question page ``url`` shows, or None if it shows none.

        Pure. A question's identity is its id: links to it that differ in a
        query (``?sid=1``, ``?jsessionid=2``), a fragment or a trailing slash
        are one page, fetched and stored once. ``url`` is already in the
        crawler's generic canonical form (scheme and host lower-case, no
        default port); the answer keeps its scheme and host.
        """
        ...


class UnknownProfile(ParseError):
    """No profile is written for this URL."""


# The package whose modules are the built-in profiles, and the entry-point
# group through which other packages add theirs.
SITES_PACKAGE = "parsers.sites"
ENTRY_POINT_GROUP = "qarchive.profiles"

_discovered: dict[str, SiteProfile] | None = None
_discovery_lock = threading.Lock()


def _profile_of(found: object, origin: str) -> SiteProfile:
    """A module's ``PROFILE``, or the profile object an entry point names."""
    profile = getattr(found, "PROFILE", None) if isinstance(found, ModuleType) else found
    if not isinstance(getattr(profile, "name", None), str):
        raise TypeError(f"{origin}: not a site profile (a profile module needs a PROFILE)")
    return cast(SiteProfile, profile)


def _discover() -> dict[str, SiteProfile]:
    """Every profile: the modules of parsers/sites/, then the entry points, by name."""
    found: list[tuple[SiteProfile, str]] = []
    package = importlib.import_module(SITES_PACKAGE)
    for module_info in pkgutil.iter_modules(package.__path__, f"{SITES_PACKAGE}."):
        if module_info.name.rpartition(".")[2].startswith("_"):
            continue
        module = importlib.import_module(module_info.name)
        found.append((_profile_of(module, module_info.name), module_info.name))
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        origin = f"entry point {entry_point.name} = {entry_point.value}"
        found.append((_profile_of(entry_point.load(), origin), origin))
    profiles: dict[str, SiteProfile] = {}
    origins: dict[str, str] = {}
    for profile, origin in found:
        if profile.name in profiles:
            raise RuntimeError(f"two site profiles are named {profile.name!r}: "
                               f"{origins[profile.name]} and {origin}")
        profiles[profile.name] = profile
        origins[profile.name] = origin
    return profiles


def _profiles() -> dict[str, SiteProfile]:
    """The discovered profiles, found on first use."""
    global _discovered
    if _discovered is None:
        with _discovery_lock:
            if _discovered is None:
                _discovered = _discover()
    return _discovered


def profile_names() -> list[str]:
    return sorted(_profiles())


# The profile chosen for a page no other profile claims whose body carries schema.org
# Q&A markup (parsers/sites/qapage.py).
GENERIC_PROFILE = "qapage"
# schema.org Q&A markup, in microdata (itemtype="https://schema.org/QAPage" or .../Question)
# or JSON-LD ("@type": "QAPage"): a cheap test of the body before any parse.
_QA_MARKUP = re.compile(
    rb"""schema\.org/(?:QAPage|Question)\b|["']@type["']\s*:\s*\[?\s*["'](?:QAPage|Question)["']""")
_QA_MARKUP_TEXT = re.compile(_QA_MARKUP.pattern.decode("ascii"))


def has_qa_markup(body: bytes | str) -> bool:
    """Whether the page carries schema.org QAPage / Question markup (a cheap byte search:
    the profile's parse is the real check)."""
    if isinstance(body, str):
        return _QA_MARKUP_TEXT.search(body) is not None
    return _QA_MARKUP.search(body) is not None


# A body signature is the software's markup in a page's head: looked for in this many
# characters (bytes) from the start, so a page no profile claims costs one bounded scan.
_SIGNATURE_WINDOW = 262_144


@functools.cache
def _text_pattern(pattern: re.Pattern[bytes]) -> re.Pattern[str]:
    """A byte signature as the same pattern over text (an ASCII pattern matches alike)."""
    return re.compile(pattern.pattern.decode("ascii"), pattern.flags & ~re.ASCII)


def _signature_matches(profile: SiteProfile, body: bytes | str) -> bool:
    signature: re.Pattern[bytes] | None = getattr(profile, "body_signature", None)
    if signature is None:
        return False
    if isinstance(body, str):
        return _text_pattern(signature).search(body, 0, _SIGNATURE_WINDOW) is not None
    return signature.search(body, 0, _SIGNATURE_WINDOW) is not None


def _serves(profile: SiteProfile, host: str) -> bool:
    for known in profile.hosts:
        if known.startswith("*."):
            if host.endswith(known[1:]) and len(host) > len(known) - 1:
                return True
        elif host == known:
            return True
    return False


def choose_profile(
    url: str, *, name: str | None = None, body: bytes | str | None = None
) -> SiteProfile:
    """The profile for a page: the one named, or else the one its URL selects, or else
    the one its body selects.

    By URL: the profile whose host and path shape match; on other hosts (the
    sample site, a mirror) the path shape alone, for profiles that allow it
    (``path_alone``). By body, when no profile claims the URL: the first profile
    (by name) whose ``body_signature`` the page carries (forum software on any
    host), else the generic ``qapage`` profile if the page carries schema.org
    QAPage markup. Without ``body`` a URL no profile claims raises UnknownProfile.
    """
    profiles = _profiles()
    if name is not None:
        try:
            return profiles[name]
        except KeyError:
            known = ", ".join(sorted(profiles))
            raise UnknownProfile(f"unknown profile {name!r} (known: {known})") from None
    try:
        parts = urlsplit(url)
    except ValueError:
        raise UnknownProfile(f"malformed URL {url!r}", url=url) from None
    host = (parts.hostname or "").lower()
    path_matches = [profile for profile in profiles.values()
                    if profile.page_path.search(parts.path)]
    for profile in path_matches:
        if _serves(profile, host):
            return profile
    for profile in path_matches:
        if getattr(profile, "path_alone", True):
            return profile
    if body is None:
        raise UnknownProfile(f"no site profile knows pages like {url}", url=url)
    for profile_name in sorted(profiles):
        if _signature_matches(profiles[profile_name], body):
            return profiles[profile_name]
    if GENERIC_PROFILE in profiles and has_qa_markup(body):
        return profiles[GENERIC_PROFILE]
    raise UnknownProfile(f"no site profile knows pages like {url}", url=url)


def parse_page(
    body: bytes | str, url: str, *, charset: str | None = None, profile: str | None = None
) -> AnswerPage:
    """Parse one page with the profile named, or the one its URL (or else its body) selects."""
    return choose_profile(url, name=profile or None, body=body).parse(body, url, charset=charset)


def canonical_url(body: bytes | str, *, charset: str | None = None) -> str | None:
    """The page's ``<link rel="canonical">``, the URL a saved file stands for."""
    from selectolax.lexbor import LexborHTMLParser

    from parsers.decoding import decode_html
    from parsers.nesting import cap_nesting

    html = cap_nesting(decode_html(body, charset=charset))
    link = LexborHTMLParser(html).css_first('link[rel="canonical"]')
    href = (link.attributes.get("href") or "").strip() if link is not None else ""
    return href or None
