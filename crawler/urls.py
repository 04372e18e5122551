"""URL canonicalisation and crawl scope: one spelling per page, and which hosts we visit."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

__all__ = [
    "MAX_URL_LENGTH", "BadURL", "Scope", "canonicalize", "host_of", "is_site_root",
    "shared_host",
]

# The longest URL a crawl accepts, in characters, before and after canonicalising.
# RFC 9110 §4.1 recommends that senders and recipients support URIs of at least
# 8,000 octets; servers commonly refuse longer request lines (nginx's default
# buffer is 8 KiB), and no question page's URL comes near it. Checked first, so a
# 70,000-character link costs a length comparison, not a parse (httpx refuses
# URLs over 65,536 characters only when the request is sent).
MAX_URL_LENGTH = 8_000

# Query parameters that say how a visitor arrived, not which page it is:
# keeping them would store one page under many URLs. utm_* are Google
# Analytics'; spm, ops_request_misc, request_id, biz_id and dist_request_id are
# what CSDN appends to every in-site link.
_TRACKING_PREFIXES = ("utm_",)
_TRACKING_PARAMS = frozenset({
    "spm", "fbclid", "gclid", "dclid", "msclkid", "yclid", "_ga", "mc_cid", "mc_eid",
    "ops_request_misc", "request_id", "biz_id", "dist_request_id", "share_token",
    "depth_1-utm_source", "depth_1-utm_medium", "from_wecom",
})
_DEFAULT_PORTS = {"http": 80, "https": 443}


class BadURL(ValueError):
    """Not an absolute http(s) URL; the message says what is wrong."""


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_PARAMS or lowered.startswith(_TRACKING_PREFIXES)


def canonicalize(url: str) -> str:
    """The one spelling of ``url`` the frontier and the pages table use.

    w3lib's ``canonicalize_url`` (Scrapy's) sorts the query, normalises
    percent-encoding and drops the fragment; on top of it: lower-case scheme
    and host, no default port, no tracking parameters, and ``/`` for an empty
    path. BadURL for anything the crawl could not request: longer than
    :data:`MAX_URL_LENGTH`, port 0, a host that is not valid IDNA, a control
    character httpx refuses.
    """
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise BadURL(f"URL longer than {MAX_URL_LENGTH} characters: {url[:80]!r}...")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise BadURL(f"malformed URL {url!r}: {error}") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise BadURL(f"not an http(s) URL: {url!r}")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host or " " in host:
        raise BadURL(f"URL has no host: {url!r}")
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    if port == 0:
        raise BadURL(f"URL has port 0: {url!r}")
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(name, value) for name, value in pairs if not _is_tracking(name)]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    rebuilt = urlunsplit((scheme, netloc, parts.path or "/", query, ""))
    try:
        canonical = canonicalize_url(rebuilt)
    except ValueError as error:  # UnicodeError: a host the idna codec cannot encode
        raise BadURL(f"malformed URL {url!r}: {error}") from None
    _check_requestable(canonical, url)
    return canonical


def _check_requestable(canonical: str, url: str) -> None:
    """BadURL unless httpx (and the aiohttp transport after it) can send ``canonical``.

    Percent-encoding can lengthen a URL, so the length is checked again; httpx's
    own parser finds control characters and invalid IDNA hosts; an ``xn--``
    label must decode as punycode, or aiohttp's yarl raises when requesting it.
    """
    # Imported here: the command line imports this module, and loads the HTTP
    # stack only when a crawl runs.
    import httpx

    if len(canonical) > MAX_URL_LENGTH:
        raise BadURL(f"URL longer than {MAX_URL_LENGTH} characters once encoded: "
                     f"{url[:80]!r}...")
    try:
        host = httpx.URL(canonical).host
        for label in host.split("."):
            if label[:4].lower() == "xn--":
                label.encode("ascii").decode("idna")
    except (httpx.InvalidURL, UnicodeError) as error:
        raise BadURL(f"malformed URL {url!r}: {error}") from None


def host_of(url: str) -> str:
    """``host`` or ``host:port`` of a canonical URL: the unit politeness is counted in."""
    return shared_host(urlsplit(url).netloc)


@functools.lru_cache(maxsize=1_024)
def shared_host(host: str) -> str:
    """One string object per recently seen host (the first one asked for).

    The frontier's queued entries then share their host's string instead of
    holding a copy each. Bounded, unlike ``sys.intern``: a page may link to
    any number of other hosts.
    """
    return host


def is_site_root(url: str) -> bool:
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


class Scope:
    """The hosts a crawl may request: the seeds' hosts plus those allowed explicitly."""

    def __init__(self, hosts: Iterable[str] = ()) -> None:
        self._hosts: set[str] = set()
        for host in hosts:
            self.add(host)

    def add(self, host: str) -> None:
        """Add ``host``, ``host:port`` or a URL's host; BadURL when it is none."""
        host = host.strip().lower()
        host = host_of(canonicalize(host if "://" in host else f"http://{host}/"))
        self._hosts.add(host.rstrip("."))

    def allows(self, url: str) -> bool:
        """True for a canonical URL on an allowed host (a bare host allows every port)."""
        netloc = host_of(url)
        if netloc in self._hosts:
            return True
        hostname = urlsplit(url).hostname or ""
        return hostname in self._hosts

    @property
    def hosts(self) -> list[str]:
        return sorted(self._hosts)

    def __bool__(self) -> bool:
        return bool(self._hosts)
