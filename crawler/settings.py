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
from crawler.urls import BadURL, Scope

__all__ = [
    "DEFAULT_USER_AGENT",
    "HTTP_TRANSPORTS",
    "CrawlSettings",
    "SettingsError",
    "load_settings",
    "parse_duration",
    "seconds_problem",
    "user_agent_problem",
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
    # End the run this many seconds after it starts, seeding included (None: no
    # limit): no new URL is taken and those in flight are abandoned; what is
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
    # Sitemap files (indexes included) read in one run: a sitemap index that
    # links ever-new indexes would otherwise be read forever. 1,000 files of up
    # to 50,000 URLs each (the sitemaps.org limit, enforced per file) is 50
    # million pages, more than any one site's crawl needs.
    sitemap_max_files: int = 1_000
    # Levels of sitemap indexes followed below the sitemap given (or listed in
    # robots.txt): 1 is the protocol's index -> sitemaps; indexes of indexes
    # are forbidden by it but seen in the wild, so two more levels are read.
    sitemap_max_depth: int = 3

    # --- Politeness --------------------------------------------------------
    # Names qarchive and where to read about it, so a site's operator can see
    # who crawls and how to reach us (printable ASCII: it is an HTTP header).
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
    # A robots.txt Crawl-delay longer than this is cut to it, and the crawl's
    # summary says so. Crawl-delay has no upper bound in any standard (RFC 9309
    # leaves it out); "Crawl-delay: 100000" would fetch nothing in a run and
    # hold a worker for a day. A page a minute is as slow as a crawl can go and
    # still keep up with a site's new questions.
    max_crawl_delay: float = 60.0

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
    # per read timeout would otherwise hold a worker forever. A body still
    # trickling at the deadline is not retried: that would hold the host's
    # slot as long again, for the same result.
    request_deadline: float = 60.0
    # Bytes of body kept, counted after decompression (a gzip bomb stops
    # here). Answer pages are ~100 KB; 10 MiB is generous.
    max_body_bytes: int = 10 * 1024 * 1024
    # Redirects followed for one URL (browsers allow ~20; a Q&A page needs
    # one or two, more is a misconfigured site).
    max_redirects: int = 5
    # Response headers kept with each page (for its WARC export): at most this many...
    # A real response has 10-30 headers; a hostile one could send thousands.
    max_stored_headers: int = 100
    # ...and at most this many bytes of them, names and values together (servers cap a
    # request's headers near 8 KiB; Set-Cookie and CSP lines make 16 KiB a roomy reply).
    # Past either cap the rest is dropped and one "X-Qarchive-Truncated" header says so.
    max_stored_header_bytes: int = 16 * 1024
    # Attempts per URL per run, the first included; then it is marked failed
    # and tried again on a later run.
    max_attempts: int = 3
    # Statuses worth retrying: rate limits and transient server errors.
    retry_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})
    # Exponential backoff between attempts: first wait, then doubling with
    # jitter, never more than the maximum.
    retry_backoff: float = 1.0
    # The longest wait between two attempts: past it, a later run does better.
    retry_backoff_max: float = 30.0
    # Seconds before a URL whose page crashed the crawler (its parse or its
    # storing raised) is tried again, doubling with each crash in a row: a
    # page that breaks every run must not cost every run, while a fixed
    # qarchive still gets to it. It is failed with the reason meanwhile.
    poisoned_retry_after: float = 24 * 3600.0

    # --- Storing -----------------------------------------------------------
    # The writer commits this many results in one transaction, or what it has
    # after flush_interval seconds: per-page commits would cost more than the
    # parse. Each page's rows still change together: a page that cannot be
    # stored rolls the batch back, and the batch is stored again with a
    # savepoint per page, so it costs only that page.
    writer_batch_size: int = 200
    # Seconds the writer waits to fill a batch before committing what it has:
    # a slow crawl's pages still reach the archive (and Datasette) within it.
    writer_flush_interval: float = 0.5
    # Store in a process of its own, on another core: a crawl is CPU-bound on
    # one core and storing (SQLite, zlib, search segmenting) is a third of it
    # (BENCHMARKS.md). False stores in the crawl's event loop, as does an
    # archive that is not a file (in-memory).
    writer_process: bool = True
    # A site's raw pages get a zstd dictionary trained from its own pages once it has
    # this many (archive/bodies.py): 200 pages train one within 2% of 500 pages' (16x
    # against zlib's 3x), in ~0.04 s, between two batches. Until then bodies are plain
    # zstd (3x); the writer moves the pages it learnt from to the new dictionary, and
    # `qarchive compact` the rest. Also how often (in pages) a site is checked for drift.
    dictionary_min_pages: int = 200

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


# The longest any setting in seconds may be: 100 years, which is "never" (say,
# refresh_after for a crawl that only adds pages). Longer is a typo, and soon
# overflows: time.sleep() (watch --every) past ~290 years, the date arithmetic
# of refresh_after past ~2,000.
MAX_SECONDS = 100 * 365 * 86400.0
# A User-Agent longer than this is a mistake (servers cap a header near 8 KiB).
_MAX_USER_AGENT = 1_000

_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d)?\s*$")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}


def parse_duration(text: str) -> float:
    """``0``, ``90``, ``90s``, ``30m``, ``2h``, ``7d`` -> seconds; SettingsError otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise SettingsError(
            f"bad duration {text[:80]!r}: use a number with s, m, h or d (e.g. 30m)"
        )
    seconds = float(match.group(1)) * _DURATION_UNITS[match.group(2)]
    if not seconds <= MAX_SECONDS:  # also catches inf (a 400-digit number)
        raise SettingsError(f"bad duration {text[:80]!r}: at most 100 years (36500d)")
    return seconds


def seconds_problem(value: Any) -> str | None:
    """Why ``value`` is not a number of seconds a setting may hold (None: it is one).

    nan, inf and negative numbers are refused everywhere: ``delay = nan``
    compares false with everything (no pacing at all) and ``delay = inf``
    waits forever.
    """
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not 0 <= value <= MAX_SECONDS:
        return f"must be a number of seconds from 0 to {MAX_SECONDS:.0f} (100 years), " \
               f"not {value!r}"
    return None


def user_agent_problem(value: Any) -> str | None:
    """Why ``value`` cannot be sent as a User-Agent header (None: it can)."""
    if not isinstance(value, str):
        return f"must be a string, not {value!r}"
    if not value.strip():
        return "must not be empty: sites and their robots.txt need to know who crawls"
    if len(value) > _MAX_USER_AGENT:
        return f"must be at most {_MAX_USER_AGENT} characters, not {len(value)}"
    bad = next((char for char in value if not " " <= char <= "~"), None)
    if bad is not None:
        return (f"must be printable ASCII only (it is an HTTP header), but {value[:80]!r} "
                f"has {bad!r}")
    return None


def _check(settings: CrawlSettings) -> None:
    positive = ("concurrency", "per_host", "max_attempts", "max_redirects", "max_body_bytes",
                "max_stored_headers", "max_stored_header_bytes",
                "writer_batch_size", "sitemap_max_files", "sitemap_max_depth",
                "dictionary_min_pages")
    for name in positive:
        value = getattr(settings, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise SettingsError(f"{name} must be a whole number of at least 1, not {value!r}")
    seconds = ("delay", "robots_ttl", "retry_after_max", "max_crawl_delay",
               "throttle_max_delay", "connect_timeout", "read_timeout", "request_deadline",
               "retry_backoff", "retry_backoff_max", "poisoned_retry_after",
               "writer_flush_interval", "refresh_after", "max_duration")
    for name in seconds:
        value = getattr(settings, name)
        if value is None and name == "max_duration":
            continue
        if (problem := seconds_problem(value)) is not None:
            raise SettingsError(f"{name} {problem}")
    for name in ("throttle_factor", "recover_factor"):
        value = getattr(settings, name)
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not 1 <= value <= 1000:
            raise SettingsError(f"{name} must be a number from 1 to 1000, not {value!r}")
    for host in settings.allow_hosts:
        try:
            if not host.strip():
                raise BadURL("empty")
            Scope([host])
        except BadURL as error:
            raise SettingsError(f"allow_hosts: {host!r} is not a host name ({error})") from None
    for name in ("max_pages", "max_depth"):
        value = getattr(settings, name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or value < 0):
            raise SettingsError(f"{name} must be a whole number, not {value!r}")
    for name in ("follow_resources", "writer_process"):
        value = getattr(settings, name)
        if not isinstance(value, bool):
            raise SettingsError(f"{name} must be true or false, not {value!r}")
    if (problem := user_agent_problem(settings.user_agent)) is not None:
        raise SettingsError(f"user_agent {problem}")
    if settings.profile is not None and not isinstance(settings.profile, str):
        raise SettingsError(f"profile must be a profile name, not {settings.profile!r}")
    if not all(isinstance(status, int) and not isinstance(status, bool)
               and 100 <= status <= 599 for status in settings.retry_statuses):
        raise SettingsError("retry_statuses must be HTTP status codes (100 to 599), not "
                            f"{sorted(settings.retry_statuses, key=repr)!r}")
    if not isinstance(settings.http_transport, str) \
            or settings.http_transport not in HTTP_TRANSPORTS:
        raise SettingsError(f"http_transport must be one of {', '.join(HTTP_TRANSPORTS)}, "
                            f"not {settings.http_transport!r}")


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
