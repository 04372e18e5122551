"""Fetching one URL politely: robots.txt, pacing, retries, redirects, deadlines, size caps.

Every HTTP request qarchive makes goes through :class:`Fetcher`. It never
raises for what a site does (errors, resets, loops, bombs); it returns a
:class:`FetchResult` whose ``outcome`` says what became of the URL.
"""

from __future__ import annotations

import asyncio
import email.utils
import errno
import os
import re
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urljoin

import aiohttp
import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from archive.clock import utc_now
from archive.fetched import FetchedPage, bounded_headers
from crawler.content_type import charset_of, is_html
from crawler.politeness import Politeness
from crawler.reasons import error_reason
from crawler.robots import RobotsCache, RobotsFile, RobotsResponse, robots_url
from crawler.settings import CrawlSettings
from crawler.urls import Scope, canonicalize, host_of

__all__ = [
    "FetchOutcome",
    "FetchResult",
    "Fetcher",
    "make_client",
    "parse_retry_after",
]

FetchOutcome = Literal["response", "failed", "blocked", "deferred", "skipped"]

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Statuses whose Retry-After asks us to slow down (RFC 9110 §10.2.3, RFC 6585 §4).
_THROTTLE_STATUSES = frozenset({429, 503})
# Errors of the aiohttp transport that reach us untranslated; still transport errors.
_TRANSPORT_ERRORS: tuple[type[Exception], ...] = (aiohttp.ClientError,)
# RFC 9309 §2.5: crawlers must parse at least the first 500 KiB of robots.txt.
ROBOTS_MAX_BYTES = 512 * 1024
# RFC 9110 §10.2.3 delay-seconds (and §8.6 Content-Length): ASCII digits only.
# str.isdigit() also takes '²' and '١٢', which float() and int() then refuse.
_ASCII_DIGITS = re.compile(r"[0-9]+")
# A longer Retry-After is read as this many seconds (about 300 years), never
# as infinity; Politeness cuts it to retry_after_max anyway.
_RETRY_AFTER_CEILING = 1e10
# What a site's answer can make httpx or its transports raise besides their own
# error types (a header that is not a number, a Location yarl cannot parse, an
# unknown codec: ValueError, UnicodeError, LookupError). Each fails that URL;
# an OSError the transport did not wrap is retried like a transport error.
_MALFORMED_RESPONSE_ERRORS: tuple[type[Exception], ...] = (ValueError, LookupError)
# What a Location (a URI-reference, RFC 3986 §4.1) never holds: spaces, control characters.
_NOT_IN_A_URI = re.compile(r"[\x00-\x20\x7f]")
# Where a response's Location header is kept, out of httpx's sight (see _set_location_aside).
_LOCATION = "x-qarchive-location"


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header, or None when it is absent or unreadable.

    RFC 9110 §10.2.3: Retry-After is either delay-seconds (ASCII digits) or an
    HTTP-date. Anything else ('²', '1.5', '-1', a date that is no date) is ignored.
    """
    if value is None:
        return None
    value = value.strip(" \t")
    if not value.isascii():
        return None
    if _ASCII_DIGITS.fullmatch(value):
        return min(float(value), _RETRY_AFTER_CEILING)
    try:
        when = email.utils.parsedate_to_datetime(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def make_client(settings: CrawlSettings, *, transport: httpx.AsyncBaseTransport | None = None
                ) -> httpx.AsyncClient:
    """The one HTTP/1.1 client a crawl shares; redirects are followed by :class:`Fetcher`."""
    timeout = httpx.Timeout(
        connect=settings.connect_timeout, read=settings.read_timeout,
        write=settings.read_timeout, pool=settings.request_deadline,
    )
    connections = settings.concurrency + 2  # + robots.txt and sitemap requests
    if transport is None and settings.http_transport == "aiohttp":
        transport = _aiohttp_transport(connections)
    return httpx.AsyncClient(
        http1=True, http2=False, follow_redirects=False, timeout=timeout, transport=transport,
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        # gzip and deflate only: the body is decoded here, with a cap (see _read_body).
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate",
                 "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
        trust_env=False,
        event_hooks={"response": [_set_location_aside]},
    )


async def _set_location_aside(response: httpx.Response) -> None:
    """Move Location where httpx does not look: it parses a redirect's target even when not
    following it, and raises for one it cannot (javascript:, a broken port, 70,000
    characters: InvalidURL, RemoteProtocolError). The Fetcher judges it instead
    (``Fetcher._redirect_target``), as one URL's failure."""
    if "location" in response.headers:
        response.headers[_LOCATION] = response.headers["location"]
        del response.headers["location"]


def _aiohttp_transport(connections: int) -> httpx.AsyncBaseTransport:
    """httpx's API over aiohttp's connection handling (httpx-aiohttp): a third of the CPU."""
    from httpx_aiohttp import AiohttpTransport

    def session() -> aiohttp.ClientSession:
        # Made on first use, inside the running event loop, as aiohttp requires.
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=connections, limit_per_host=0),
            # The body is decoded by _read_body, with its cap; httpx keeps the cookies.
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
        )

    return AiohttpTransport(client=session)


@dataclass(slots=True)
class FetchResult:
    """What became of one URL: a response (any status), or why there is none."""

    url: str
    outcome: FetchOutcome
    page: FetchedPage | None = None  # for "response"
    reason: str | None = None  # for every other outcome
    retries: int = 0
    requests: int = 0
    body_skipped: bool = False  # a non-HTML response whose body was not read
    robots: RobotsFile | None = None


@dataclass(slots=True)
class _Response:
    url: str
    status: int
    headers: httpx.Headers
    http_version: str | None = None
    reason: str | None = None
    body: bytes | None = None
    too_large: bool = False
    body_skipped: bool = False


class _Retryable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _RetryableStatus(_Retryable):
    def __init__(self, response: _Response) -> None:
        super().__init__(f"HTTP {response.status}")
        self.response = response


class _Failure(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class _Attempts:
    retries: int = 0
    requests: int = 0


class Fetcher:
    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        settings: CrawlSettings,
        politeness: Politeness,
        scope: Scope,
    ) -> None:
        self.client = client
        self.settings = settings
        self.politeness = politeness
        self.scope = scope
        self.robots = RobotsCache(self._fetch_robots_txt, user_agent=settings.user_agent,
                                  ttl=settings.robots_ttl)

    async def fetch(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        html_only: bool = False,
        max_bytes: int | None = None,
        truncate: bool = False,
        check_robots: bool = True,
    ) -> FetchResult:
        """Fetch a canonical in-scope URL, following redirects within the scope.

        ``html_only``: a non-HTML response is recorded without reading its
        body. ``truncate``: keep the first ``max_bytes`` of a longer body
        instead of skipping it.
        """
        result = FetchResult(url=url, outcome="failed")
        limit = max_bytes or self.settings.max_body_bytes
        chain: list[str] = []
        current = url
        while True:
            if check_robots and await self._stopped_by_robots(current, chain, result):
                return result
            response = await self._counted_request(
                current, result, headers=headers or {}, html_only=html_only, max_bytes=limit,
                truncate=truncate)
            if response is None:
                return result
            location = response.headers.get(_LOCATION) or response.headers.get("location")
            if response.status in _REDIRECT_STATUSES and location:
                target = self._redirect_target(current, location, chain, result)
                if target is None:
                    return result
                current = target
                continue
            if response.status == 304 and not _has_validators(headers or {}):
                # RFC 9110 §15.4.5: a 304 answers a conditional request only. Taken
                # as "unchanged", it would mark a page done that was never stored.
                result.reason = "304 Not Modified to a request without validators"
                return result
            _take_response(result, response, final_url=current, chain=chain, limit=limit,
                           settings=self.settings)
            return result

    async def _stopped_by_robots(self, url: str, chain: list[str], result: FetchResult) -> bool:
        """Whether robots.txt stops this URL (``result`` then says why); notes its Crawl-delay."""
        rules = await self.robots.rules_for(url)
        self.politeness.set_crawl_delay(host_of(url), rules.crawl_delay)
        if rules.unreachable:
            result.outcome, result.reason = "deferred", rules.reason
            return True
        if not rules.allows(url):
            result.outcome = "blocked"
            result.reason = "disallowed by robots.txt" + (
                f" (after redirect to {url})" if chain else "")
            return True
        return False

    async def _counted_request(
        self, url: str, result: FetchResult, *, headers: dict[str, str], html_only: bool,
        max_bytes: int, truncate: bool,
    ) -> _Response | None:
        """One request with its retries, counted in ``result``; None when it failed (and why)."""
        attempts = _Attempts()
        try:
            return await self._request(url, headers=headers, html_only=html_only,
                                       max_bytes=max_bytes, truncate=truncate,
                                       attempts=attempts)
        except _Failure as failure:
            result.reason = failure.reason
            return None
        finally:
            result.retries += attempts.retries
            result.requests += attempts.requests

    def _redirect_target(self, current: str, location: str, chain: list[str],
                         result: FetchResult) -> str | None:
        """Where a redirect leads, if it may be followed; None (``result`` says why) if not."""
        chain.append(current)
        if _NOT_IN_A_URI.search(location):
            # RFC 3986 §2: a URI has no spaces or control characters; a Location
            # with them is a broken server, not a page to guess at.
            result.reason = (f"redirect to a bad URL {_shorten(location)}: "
                             "spaces or control characters in Location")
            return None
        try:
            target = canonicalize(urljoin(current, location))
        except ValueError as error:  # BadURL, or urljoin's own (a broken IPv6 literal)
            result.reason = (f"redirect to a bad URL {_shorten(location)}: "
                             f"{_shorten(str(error), 120, quote=False)}")
            return None
        if target in chain:
            result.reason = "redirect loop: " + " -> ".join([*chain, target])
            return None
        if len(chain) > self.settings.max_redirects:
            result.reason = f"more than {self.settings.max_redirects} redirects"
            return None
        if not self.scope.allows(target):
            result.outcome = "skipped"
            result.reason = f"redirect to {target}, outside the crawl's hosts"
            return None
        return target

    async def _request(
        self, url: str, *, headers: dict[str, str], html_only: bool, max_bytes: int,
        truncate: bool, attempts: _Attempts,
    ) -> _Response:
        """One request with retries (fresh tenacity state per call); _Failure when out of tries."""
        settings = self.settings

        def count_retry(state: RetryCallState) -> None:
            attempts.retries += 1

        retrying = AsyncRetrying(
            stop=stop_after_attempt(settings.max_attempts),
            # Exponential backoff plus up to one backoff unit of jitter, so
            # workers retrying the same host do not come back in lockstep.
            wait=wait_exponential(multiplier=settings.retry_backoff,
                                  max=settings.retry_backoff_max)
            + wait_random(0, settings.retry_backoff),
            retry=retry_if_exception_type(_Retryable),
            before_sleep=count_retry,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    attempts.requests += 1
                    response = await self._attempt(url, headers=headers, html_only=html_only,
                                                   max_bytes=max_bytes, truncate=truncate)
                    if response.status in settings.retry_statuses:
                        raise _RetryableStatus(response)
                    return response
        except _Retryable as error:
            tries = f"{attempts.requests} attempt" + ("s" if attempts.requests != 1 else "")
            raise _Failure(f"{error.reason} after {tries}") from None
        raise AssertionError("unreachable: tenacity either returns or raises")

    async def _attempt(
        self, url: str, *, headers: dict[str, str], html_only: bool, max_bytes: int,
        truncate: bool,
    ) -> _Response:
        host = host_of(url)
        async with self.politeness.request_slot(host):
            response: _Response | None = None
            try:
                # The deadline covers the whole exchange, body included: a
                # server sending a byte per read timeout cannot hold a worker.
                async with asyncio.timeout(self.settings.request_deadline), \
                        self.client.stream("GET", url, headers=headers) as stream:
                    response = _Response(url=url, status=stream.status_code,
                                         headers=stream.headers,
                                         http_version=stream.http_version,
                                         reason=stream.reason_phrase or None)
                    self.politeness.answered(host)
                    if response.status in _THROTTLE_STATUSES:
                        retry_after = parse_retry_after(stream.headers.get("retry-after"))
                        self.politeness.throttled(host, retry_after)
                    elif response.status < 500:
                        self.politeness.succeeded(host)
                    if (response.status in self.settings.retry_statuses
                            or response.status in _REDIRECT_STATUSES
                            or response.status == 304):
                        return response
                    if html_only and not is_html(stream.headers.get("content-type")):
                        response.body_skipped = True
                        return response
                    await _read_body(stream, response, max_bytes=max_bytes, truncate=truncate)
                    return response
            except TimeoutError:
                reason = f"no complete response within {self.settings.request_deadline:g} s"
                if response is not None:
                    # It answered, then trickled its body past the deadline: trying again
                    # would hold the host's only slot as long again, for the same result.
                    raise _Failure(reason + " (the body trickled in)") from None
                raise _Retryable(reason) from None
            except httpx.TransportError as error:
                # Connection refused or reset, read timeout, truncated body, ...
                raise _Retryable(_error_reason(error)) from None
            except _TRANSPORT_ERRORS as error:
                # aiohttp errors httpx-aiohttp does not translate (a malformed response, ...).
                raise _Retryable(_error_reason(error)) from None
            except OSError as error:
                # A socket or TLS error the transport did not wrap: a transport error too.
                raise _Retryable(_error_reason(error)) from None
            except httpx.InvalidURL as error:
                # The request's URL is canonical and was checked (crawler.urls), so it
                # is the answer's: httpx parses a redirect's Location before we see it.
                raise _Failure(f"redirect to a bad URL: {_shorten(str(error), quote=False)}"
                               ) from None
            except httpx.HTTPError as error:
                raise _Failure(_error_reason(error)) from None
            except _MALFORMED_RESPONSE_ERRORS as error:
                raise _Failure(f"malformed response: {_error_reason(error)}") from None

    async def _fetch_robots_txt(self, host_url: str) -> RobotsResponse:
        result = await self.fetch(robots_url(host_url), max_bytes=ROBOTS_MAX_BYTES,
                                  truncate=True, check_robots=False)
        page = result.page if result.outcome == "response" else None
        return RobotsResponse(status=page.status if page is not None else None,
                              body=page.body if page is not None else None,
                              reason=result.reason, requests=result.requests)


def _has_validators(headers: dict[str, str]) -> bool:
    """Whether a request with these headers was conditional (RFC 9110 §13.1.2, §13.1.3)."""
    return any(name.lower() in ("if-none-match", "if-modified-since") for name in headers)


def _shorten(text: str, limit: int = 200, *, quote: bool = True) -> str:
    """``text`` for a one-line reason: quoted (control characters escaped) or with them
    as spaces, at most ``limit`` long."""
    shown = repr(text) if quote else " ".join(
        "".join(char if char.isprintable() else " " for char in text).split())
    return shown if len(shown) <= limit else shown[:limit] + f"... ({len(text)} characters)"


def _error_reason(error: BaseException) -> str:
    """An exception as one short line: the system's reason when there is one underneath
    (``connection refused (ECONNREFUSED)``), else its type and message.

    The transports wrap socket errors, and not always in a fitting class: the aiohttp
    transport calls a refused or reset connection a ConnectTimeout.
    """
    cause: BaseException | None = error
    seen = 0
    while cause is not None and seen < 10:  # a chain, not a cycle
        code = cause.errno if isinstance(cause, OSError) else None
        if code is not None and code in errno.errorcode:
            return f"{os.strerror(code).lower()} ({errno.errorcode[code]})"
        cause = cause.__cause__ or cause.__context__
        seen += 1
    if isinstance(error, httpx.ConnectTimeout):
        return "could not connect in time"
    if isinstance(error, httpx.ReadTimeout):
        return "no data within the read timeout"
    return error_reason(error)


def kept_headers(headers: httpx.Headers, *, max_count: int, max_bytes: int
                 ) -> list[tuple[str, str]]:
    """The response's headers as the site sent them (names as sent, in order), for the
    page's row and its WARC export, bounded (``archive.fetched.bounded_headers``)."""
    # RFC 9110 §5.5: field values are octets; latin-1 keeps every byte as it came.
    decoded = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in headers.raw]
    # Location was set aside from httpx (_set_location_aside): its own name again.
    decoded = [("Location" if name.lower() == _LOCATION else name, value)
               for name, value in decoded]
    return bounded_headers(decoded, max_count=max_count, max_bytes=max_bytes)


def _take_response(result: FetchResult, response: _Response, *, final_url: str,
                   chain: list[str], limit: int, settings: CrawlSettings) -> None:
    """The final response (not a redirect) becomes ``result``'s page, or why it is skipped."""
    if response.too_large:
        result.outcome = "skipped"
        result.reason = f"body larger than {limit} bytes"
        return
    content_type = response.headers.get("content-type")
    result.outcome = "response"
    result.body_skipped = response.body_skipped
    result.page = FetchedPage(
        url=result.url,
        status=response.status,
        fetched_at=utc_now(),
        final_url=final_url,
        redirect_chain=chain,
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
        content_type=content_type,
        charset=charset_of(content_type),
        body=response.body,
        http_version=response.http_version,
        reason=response.reason,
        headers=kept_headers(response.headers, max_count=settings.max_stored_headers,
                             max_bytes=settings.max_stored_header_bytes),
    )


def _decompressor(encoding: str) -> zlib._Decompress | None:
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj(32 + zlib.MAX_WBITS)  # zlib-wrapped (auto-detected)
    raise _Failure(f"unsupported Content-Encoding {encoding!r}")


async def _one_chunk(content: bytes) -> AsyncIterator[bytes]:
    yield content


async def _read_body(
    stream: httpx.Response, response: _Response, *, max_bytes: int, truncate: bool
) -> None:
    """Read and decode the body, stopping at ``max_bytes`` decoded bytes.

    Decoded here, not by httpx, so decompression itself is capped: a 1 MB
    gzip bomb never inflates past the cap, even within one network chunk.
    """
    declared = stream.headers.get("content-length", "")
    encoding = stream.headers.get("content-encoding", "")
    if (not truncate and not encoding and _ASCII_DIGITS.fullmatch(declared)
            and (len(declared) > 18 or int(declared) > max_bytes)):
        response.too_large = True
        return
    decompressor = _decompressor(encoding)
    body = bytearray()
    # A response built in memory (httpx.MockTransport) has no stream left to read.
    chunks = _one_chunk(stream.content) if stream.is_stream_consumed else stream.aiter_raw()
    try:
        async for raw in chunks:
            if decompressor is None:
                body += raw
            else:
                body += decompressor.decompress(raw, max_bytes - len(body) + 1)
                while decompressor.unconsumed_tail and len(body) <= max_bytes:
                    body += decompressor.decompress(decompressor.unconsumed_tail,
                                                    max_bytes - len(body) + 1)
            if len(body) > max_bytes:
                break
        if decompressor is not None and len(body) <= max_bytes:
            body += decompressor.flush(max_bytes - len(body) + 1)
    except zlib.error as error:
        raise _Failure(f"cannot decode the {encoding} body: {error}") from None
    if len(body) > max_bytes:
        if not truncate:
            response.too_large = True
            return
        del body[max_bytes:]
    response.body = bytes(body)
