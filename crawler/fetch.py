"""Fetching one URL politely: robots.txt, pacing, retries, redirects, deadlines, size caps.

Every HTTP request qarchive makes goes through :class:`Fetcher`. It never
raises for what a site does (errors, resets, loops, bombs); it returns a
:class:`FetchResult` whose ``outcome`` says what became of the URL.
"""

from __future__ import annotations

import asyncio
import email.utils
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
from archive.fetched import FetchedPage
from crawler.content_type import charset_of, is_html
from crawler.politeness import Politeness
from crawler.robots import RobotsCache, RobotsFile, RobotsResponse, robots_url
from crawler.settings import CrawlSettings
from crawler.urls import BadURL, Scope, canonicalize, host_of

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


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header, or None when it is absent or unreadable.

    RFC 9110 §10.2.3: Retry-After is either delay-seconds or an HTTP-date.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


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
    )


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
            location = response.headers.get("location")
            if response.status in _REDIRECT_STATUSES and location:
                target = self._redirect_target(current, location, chain, result)
                if target is None:
                    return result
                current = target
                continue
            _take_response(result, response, final_url=current, chain=chain, limit=limit)
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
        try:
            target = canonicalize(urljoin(current, location))
        except BadURL:
            result.reason = f"redirect to a bad URL {location!r}"
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
            try:
                # The deadline covers the whole exchange, body included: a
                # server sending a byte per read timeout cannot hold a worker.
                async with asyncio.timeout(self.settings.request_deadline), \
                        self.client.stream("GET", url, headers=headers) as stream:
                    response = _Response(url=url, status=stream.status_code,
                                         headers=stream.headers)
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
                raise _Retryable(
                    f"no complete response within {self.settings.request_deadline:g} s"
                ) from None
            except httpx.TransportError as error:
                # Connection refused or reset, read timeout, truncated body, ...
                raise _Retryable(f"{type(error).__name__}: {error}".rstrip(": ")) from None
            except _TRANSPORT_ERRORS as error:
                # aiohttp errors httpx-aiohttp does not translate (a malformed response, ...).
                raise _Retryable(f"{type(error).__name__}: {error}".rstrip(": ")) from None
            except httpx.HTTPError as error:
                raise _Failure(f"{type(error).__name__}: {error}".rstrip(": ")) from None

    async def _fetch_robots_txt(self, host_url: str) -> RobotsResponse:
        result = await self.fetch(robots_url(host_url), max_bytes=ROBOTS_MAX_BYTES,
                                  truncate=True, check_robots=False)
        page = result.page if result.outcome == "response" else None
        return RobotsResponse(status=page.status if page is not None else None,
                              body=page.body if page is not None else None,
                              reason=result.reason, requests=result.requests)


def _take_response(result: FetchResult, response: _Response, *, final_url: str,
                   chain: list[str], limit: int) -> None:
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
    if not truncate and not encoding and declared.isdigit() and int(declared) > max_bytes:
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
