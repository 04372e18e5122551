"""Every crawl policy knob in one place, each default with the reason for it.

Modelled on Scrapy's ``default_settings.py``: a reader who wants to know how
polite, how patient or how greedy qarchive is reads this file and nothing
else. A ``qarchive.toml`` file (``[crawl]`` table or top-level keys, with the
field names below, ``-`` or ``_``) overrides the defaults; the command line
overrides the file.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler import __version__

__all__ = [
    "DEFAULT_USER_AGENT",
    "HTTP_TRANSPORTS",
    "CrawlSettings",
    "SettingsError",
    "load_settings",
    "parse_duration",
]

# Names the crawler and where to complain, as robots.txt authors and site
# operators expect (RFC 9309 §2.2.1 matches rules by this product token).
DEFAULT_USER_AGENT = f"qarchive/{__version__} (+https://github.com/qarchive/qarchive)"


# What may carry httpx's requests (CrawlSettings.http_transport).
HTTP_TRANSPORTS = ("aiohttp", "httpcore")


class SettingsError(ValueError):
    """A settings file or value is wrong; the message is one line saying which and why."""


@dataclass(slots=True)
class CrawlSettings:
    # --- What to crawl -----------------------------------------------------
    # Stop after this many requests for pages in one run (None: no limit); the
    # rest stay pending for the next run.
    max_pages: int | None = None
    # Links this many hops from a seed are still followed (None: no limit).
    # Seeds are depth 0.
    max_depth: int | None = None
    # Stop taking new URLs after this many seconds (None: no limit); what is
    # left stays pending, so a nightly job can crawl in slices.
    max_duration: float | None = None
    # Hosts links may lead to, besides the seeds' own hosts. Other hosts are
    # never requested: a crawl that wanders off-site is not polite to anyone.
    allow_hosts: tuple[str, ...] = ()
    # Recommended resources (downloads, docs) are recorded as rows from the
    # pages that list them; fetching them too multiplies the load on the site
    # for little text, so it is opt-in.
    follow_resources: bool = False
    # Parse every page with this profile instead of choosing one by URL.
    profile: str | None = None
    # A page fetched longer ago than this many seconds is fetched again by the
    # next run (with If-None-Match/If-Modified-Since, so an unchanged page
    # costs a 304). A week suits a daily or weekly job on Q&A pages, whose
    # answers rarely change once written; 0 refreshes every known page each
    # run. A sitemap lastmod newer than our copy refreshes a page sooner.
    refresh_after: float = 7 * 24 * 3600.0

    # --- Politeness --------------------------------------------------------
    user_agent: str = DEFAULT_USER_AGENT
    # Seconds between the starts of two requests to one host. One request a
    # second is the classic polite rate (Scrapy's AutoThrottle aims near it);
    # robots.txt Crawl-delay raises it, never lowers it.
    delay: float = 1.0
    # Requests in flight to one host at a time; 1 keeps the site's load to a
    # single visitor's.
    per_host: int = 1
    # Requests in flight across all hosts (Scrapy's CONCURRENT_REQUESTS is 16;
    # one host at the default delay needs only one).
    concurrency: int = 8
    # robots.txt is re-read after this many seconds. Google caches it for up
    # to 24 hours; an hour keeps a long crawl in step with the site's changes.
    robots_ttl: float = 3600.0
    # A 429 or 503 multiplies the host's delay by this factor...
    throttle_factor: float = 2.0
    # ...up to this many seconds between requests to it,
    throttle_max_delay: float = 60.0
    # ...and each success after that divides the extra back down by this
    # factor, so the rate recovers gradually rather than at once.
    recover_factor: float = 1.5
    # A Retry-After longer than this is cut to it (RFC 9110 §10.2.3 lets a
    # server ask for hours; the URL is better retried on a later run).
    retry_after_max: float = 120.0

    # --- Fetching ----------------------------------------------------------
    # What carries httpx's requests: "aiohttp" (httpx-aiohttp) costs ~0.25 ms of
    # CPU a request against ~0.65 ms for httpx's own "httpcore" — the largest
    # cost of a crawl after parsing (BENCHMARKS.md). The API stays httpx either way.
    http_transport: str = "aiohttp"
    # Seconds to open a connection; a host that cannot is down.
    connect_timeout: float = 10.0
    # Seconds to wait for the next bytes of a response.
    read_timeout: float = 30.0
    # Seconds for a whole request, body included: a server trickling one byte
    # per read timeout would otherwise hold a worker forever.
    request_deadline: float = 60.0
    # Bytes of body kept, counted after decompression (a gzip bomb stops
    # here). Answer pages are ~100 KB; 10 MiB is generous.
    max_body_bytes: int = 10 * 1024 * 1024
    # Redirects followed for one URL (browsers allow ~20; a Q&A page needs
    # one or two, more is a misconfigured site).
    max_redirects: int = 5
    # Attempts per URL per run, the first included; then it is marked failed
    # and tried again on a later run.
    max_attempts: int = 3
    # Statuses worth retrying: rate limits and transient server errors.
    retry_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})
    # Exponential backoff between attempts: first wait, then doubling with
    # jitter, never more than the maximum.
    retry_backoff: float = 1.0
    retry_backoff_max: float = 30.0
    # Seconds before a URL whose page crashed the crawler (its parse or its
    # storing raised) is tried again, doubling with each crash in a row: a
    # page that breaks every run must not cost every run, while a fixed
    # qarchive still gets to it. It is failed with the reason meanwhile.
    poisoned_retry_after: float = 24 * 3600.0

    # --- Storing -----------------------------------------------------------
    # The writer commits this many results in one transaction, or what it has
    # after flush_interval seconds: per-page commits would cost more than the
    # parse. Each page's rows still change together (a savepoint per page).
    writer_batch_size: int = 200
    writer_flush_interval: float = 0.5
    # Store in a process of its own, on another core: a crawl is CPU-bound on
    # one core and storing (SQLite, zlib, search segmenting) is a third of it
    # (BENCHMARKS.md). False stores in the crawl's event loop, as does an
    # archive that is not a file (in-memory).
    writer_process: bool = True

    # Filled from the command line only (not settable in qarchive.toml).
    sitemaps: tuple[str, ...] = field(default=(), metadata={"toml": False})

    def __post_init__(self) -> None:
        _check(self)

    def to_options(self) -> dict[str, Any]:
        """The settings as JSON-ready values, for the crawl_runs row."""
        options = dataclasses.asdict(self)
        options["allow_hosts"] = list(self.allow_hosts)
        options["sitemaps"] = list(self.sitemaps)
        options["retry_statuses"] = sorted(self.retry_statuses)
        return options

    def replace(self, **changes: Any) -> CrawlSettings:
        return dataclasses.replace(self, **changes)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}


def parse_duration(text: str) -> float:
    """``0``, ``90``, ``90s``, ``30m``, ``2h``, ``7d`` -> seconds; SettingsError otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise SettingsError(
            f"bad duration {text!r}: use a number with s, m, h or d (e.g. 30m)"
        )
    return float(match.group(1)) * _DURATION_UNITS[match.group(2)]


def _check(settings: CrawlSettings) -> None:
    positive = ("concurrency", "per_host", "max_attempts", "max_redirects", "max_body_bytes",
                "writer_batch_size")
    for name in positive:
        value = getattr(settings, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise SettingsError(f"{name} must be a whole number of at least 1, not {value!r}")
    not_negative = ("delay", "robots_ttl", "retry_after_max", "throttle_max_delay",
                    "connect_timeout", "read_timeout", "request_deadline", "retry_backoff",
                    "retry_backoff_max", "writer_flush_interval", "refresh_after")
    for name in not_negative:
        value = getattr(settings, name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise SettingsError(f"{name} must be a number of seconds, not {value!r}")
    for name in ("max_pages", "max_depth"):
        value = getattr(settings, name)
        if value is not None and (not isinstance(value, int) or value < 0):
            raise SettingsError(f"{name} must be a whole number, not {value!r}")
    if settings.http_transport not in HTTP_TRANSPORTS:
        raise SettingsError(f"http_transport must be one of {', '.join(HTTP_TRANSPORTS)}, "
                            f"not {settings.http_transport!r}")
    if settings.throttle_factor < 1 or settings.recover_factor < 1:
        raise SettingsError("throttle_factor and recover_factor must be at least 1")


def _toml_fields() -> dict[str, dataclasses.Field[Any]]:
    return {f.name: f for f in dataclasses.fields(CrawlSettings) if f.metadata.get("toml", True)}


def _coerce(name: str, value: Any) -> Any:
    if name in ("max_duration", "refresh_after") and isinstance(value, str):
        return parse_duration(value)
    if name == "allow_hosts":
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingsError("allow_hosts must be a list of host names")
        return tuple(value)
    if name == "retry_statuses":
        if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
            raise SettingsError("retry_statuses must be a list of HTTP status codes")
        return frozenset(value)
    # TOML integers are fine wherever seconds are expected.
    return value


def load_settings(
    path: str | Path | None = None, *, overrides: Mapping[str, Any] | None = None
) -> CrawlSettings:
    """Defaults, then the TOML file (if any), then ``overrides`` (the command line)."""
    values: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise SettingsError(f"cannot read {path}: {error.strerror or error}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise SettingsError(f"{path}: not valid TOML ({error})") from None
        table = document.get("crawl", document)
        if not isinstance(table, dict):
            raise SettingsError(f"{path}: [crawl] must be a table")
        known = _toml_fields()
        for key, value in table.items():
            name = key.replace("-", "_")
            if name not in known:
                raise SettingsError(
                    f"{path}: unknown setting {key!r} (known: {', '.join(sorted(known))})"
                )
            values[name] = _coerce(name, value)
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = value
    try:
        return CrawlSettings(**values)
    except TypeError as error:
        raise SettingsError(f"bad setting: {error}") from None
