"""The sample site as a plain ASGI application, whichever site it serves.

Routes every site has
---------------------
``<page path>``                     the site's pages (``SiteServing.page_pattern``: CSDN
                                    ``/answer/<id>``, QAPage ``/questions/<id>/<slug>``);
                                    404/410 once removed
``/r/1<page path>``, ``/r/2…``      hops of the ``redirect`` fault
``/loop<page path>``                the other half of the ``redirect-loop`` fault
``/robots.txt``                     the site's Disallow rules, optional Crawl-delay, Sitemap line
``/sitemap.xml``                    sitemap index → ``/sitemaps/sitemap-<n>.xml.gz`` (500 URLs each)
``POST /_admin/epoch/<k>``          move the site to epoch k; ``GET /_admin/state`` shows it

Anything else is the site's own (``SiteServing.other``: index, listings, placeholders).

Every 200 page carries a strong ETag and Last-Modified, and conditional requests get
304 (RFC 9110 §13.1: If-None-Match wins over If-Modified-Since). Bodies are rendered
once per (page, epoch) and cached, so the site is not the bottleneck of a benchmark.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, TextIO

from . import faults as fault_profiles
from .common import (
    Document,
    Redirect,
    ServedSite,
    render_robots_txt,
    render_sitemap,
    render_sitemap_index,
)
from .history import EPOCH_ZERO_AT
from .server import abort_connection, close_connection
from .sites import serving_for

__all__ = ["SITEMAP_URLS_PER_FILE", "SampleSiteApp"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

SITEMAP_URLS_PER_FILE = 500
_HTML = "text/html; charset=utf-8"
_REDIRECT_HOP = re.compile(r"/r/([12])(/.+)")
_LOOP_PATH = re.compile(r"/loop(/.+)")
_SITEMAP_PATH = re.compile(r"/sitemaps/sitemap-([1-9][0-9]*)\.xml\.gz")
_EPOCH_PATH = re.compile(r"/_admin/epoch/([0-9]{1,6})")
# One HTML comment's worth of filler for the oversized fault ("--" may not occur in it).
_PADDING = b"qarchive sample-site padding " * (1024 * 1024 // 29)


@dataclass(frozen=True, slots=True)
class _Entity:
    """A complete response body with the validators conditional requests compare against."""

    body: bytes
    content_type: str
    last_modified: datetime
    etag: str

    @classmethod
    def of(cls, body: bytes, content_type: str, last_modified: datetime) -> _Entity:
        digest = hashlib.blake2b(body, digest_size=10).hexdigest()
        return cls(body, content_type, last_modified, f'"{digest}"')

    @property
    def last_modified_header(self) -> str:
        return format_datetime(self.last_modified.astimezone(UTC), usegmt=True)


class SampleSiteApp:
    """ASGI application serving ``site`` (the CSDN ``SampleSite`` or a ``QAPageSite``) at
    one epoch, with some fault profiles switched on.

    ``request_log`` is a text file opened for writing; each request appends one JSON
    line when its response ends (fields in the README), flushed at once.
    """

    def __init__(
        self,
        site: ServedSite,
        *,
        faults: tuple[str, ...] | list[str] = (),
        epoch: int = 0,
        crawl_delay: float | None = None,
        request_log: TextIO | None = None,
    ) -> None:
        for name in faults:
            if name not in fault_profiles.FAULTS:
                raise ValueError(f"unknown fault {name!r}")
        if epoch < 0:
            raise ValueError("epoch must be 0 or more")
        self.site = site
        self.serving = serving_for(site)
        self.faults = tuple(faults)
        self.crawl_delay = crawl_delay
        self.request_log = request_log
        enabled = set(self.faults)
        self._faulted = {
            index: name
            for index, name in fault_profiles.fault_assignments(site).items()
            if name in enabled
        }
        self._epoch = epoch
        self._hits: Counter[str] = Counter()
        self._entities: dict[tuple[str, int, int], _Entity] = {}
        self.stopping = False  # set before shutdown: ends trickling responses early

    # -- state --------------------------------------------------------------------------

    @property
    def epoch(self) -> int:
        return self._epoch

    def prewarm_sitemaps(self) -> None:
        """Build this epoch's sitemaps now instead of at their first request.

        For benchmarks: a 100k-page site's sitemaps take minutes to build, time
        a crawler from the site root would otherwise spend waiting.
        """
        self._cached(("sitemap-index", 0, self._epoch), self._sitemap_index)

    def set_epoch(self, epoch: int) -> None:
        """Move the site to ``epoch``; the 429/503 request counters start over."""
        if epoch < 0:
            raise ValueError("epoch must be 0 or more")
        self._epoch = epoch
        self._hits = Counter()
        self._entities = {}

    # -- ASGI ---------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        started = time.time()  # when the request started, for politeness checks
        seen: dict[str, Any] = {"status": None, "retry_after": None, "fault": None}

        logged = False

        def log() -> None:
            nonlocal logged
            if self.request_log is not None and not logged:
                logged = True
                self._log_request(scope, started, seen)

        async def observed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                for name, value in message.get("headers", ()):
                    if name == b"retry-after":
                        seen["retry_after"] = value.decode("latin-1")
            elif not message.get("more_body"):
                # Logged before the last bytes leave: once a client holds the whole
                # response, its line is in the log.
                log()
            await send(message)

        try:
            await self._route(scope, receive, observed_send, seen)
        finally:
            log()  # responses that never finished: resets, hang-ups, disconnects

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _log_request(self, scope: Scope, started: float, seen: dict[str, Any]) -> None:
        assert self.request_log is not None
        headers = _headers(scope)
        query = scope.get("query_string", b"").decode("latin-1")
        entry = {
            "time": started,
            "method": scope["method"],
            "path": scope["path"] + (f"?{query}" if query else ""),
            "status": seen["status"],  # null: the connection was reset before any response
            "user_agent": headers.get("user-agent"),
            "if_none_match": headers.get("if-none-match"),
            "if_modified_since": headers.get("if-modified-since"),
            "retry_after": seen["retry_after"],
            "fault": seen["fault"],
            "duration": round(time.time() - started, 6),
        }
        self.request_log.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self.request_log.flush()

    # -- routing ------------------------------------------------------------------------

    async def _route(
        self, scope: Scope, receive: Receive, send: Send, seen: dict[str, Any]
    ) -> None:
        """Answer the request; ``seen["fault"]`` names the fault it shows, if any."""
        path: str = scope["path"]
        method: str = scope["method"]
        if path.startswith("/_admin/"):
            await self._admin(method, path, send)
            return
        if method not in ("GET", "HEAD"):
            await _send(send, 405, b"method not allowed\n", "text/plain; charset=utf-8",
                        [(b"allow", b"GET, HEAD")])
            return
        query = scope.get("query_string", b"").decode("latin-1")
        serving = self.serving
        if match := serving.page_pattern.fullmatch(path):
            await self._page(scope, receive, send, match.group(1), query, seen)
            return
        hop = _REDIRECT_HOP.fullmatch(path)
        if hop and serving.page_pattern.fullmatch(hop.group(2)):
            seen["fault"] = "redirect"
            if hop.group(1) == "1":
                await _redirect(send, 302, f"/r/2{hop.group(2)}")
            else:
                await _redirect(send, 307, f"{hop.group(2)}?via=redirect")
            return
        loop = _LOOP_PATH.fullmatch(path)
        if loop and serving.page_pattern.fullmatch(loop.group(1)):
            seen["fault"] = "redirect-loop"
            await _redirect(send, 302, loop.group(1))
            return
        entity = self._static_entity(path)
        if entity is not None:
            await _send_entity(scope, send, entity)
            return
        other = serving.other(path, query, self._epoch)
        if isinstance(other, Redirect):
            await _redirect(send, other.status, other.location)
        elif isinstance(other, Document):
            await _send_entity(scope, send, _Entity.of(
                other.body.encode(), other.content_type, other.last_modified))
        else:
            await _send(send, 404, serving.gone_page(404).encode(), _HTML)

    def _static_entity(self, path: str) -> _Entity | None:
        """robots.txt and the sitemaps: every site's, built the same way."""
        site, epoch = self.site, self._epoch
        if path == "/robots.txt":
            text = render_robots_txt(base_url=site.base_url, crawl_delay=self.crawl_delay,
                                     disallow=self.serving.robots_disallow)
            return _Entity.of(text.encode(), "text/plain; charset=utf-8", EPOCH_ZERO_AT)
        if path == "/sitemap.xml":
            return self._cached(("sitemap-index", 0, epoch), self._sitemap_index)
        if match := _SITEMAP_PATH.fullmatch(path):
            number = int(match.group(1))
            if number > self._sitemap_count():
                return None
            return self._cached(("sitemap", number, epoch), lambda: self._sitemap(number))
        return None

    def _cached(self, key: tuple[str, int, int], build: Callable[[], _Entity]) -> _Entity:
        entity = self._entities.get(key)
        if entity is None:
            entity = self._entities[key] = build()
        return entity

    async def _admin(self, method: str, path: str, send: Send) -> None:
        if method == "POST" and (match := _EPOCH_PATH.fullmatch(path)):
            self.set_epoch(int(match.group(1)))
        elif not (method == "GET" and path == "/_admin/state"):
            await _send(send, 404, b"unknown admin action\n", "text/plain; charset=utf-8")
            return
        state = {
            "site": self.serving.name,
            "epoch": self._epoch,
            "pages": len(self.site.answer_indexes(self._epoch)),
            "seed": self.site.seed,
            "faults": list(self.faults),
            **self.serving.state(self._epoch),
        }
        await _send(send, 200, json.dumps(state).encode(), "application/json")

    # -- the site's pages ---------------------------------------------------------------

    async def _page(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        page_id: str,
        query: str,
        seen: dict[str, Any],
    ) -> None:
        site, epoch = self.site, self._epoch
        index = site.index_of(page_id, epoch=epoch)
        status = 404 if index is None else site.status(index, epoch)
        part = self.serving.page_part(query)
        if index is None or status != 200 or part is None:
            status = 404 if status == 200 else status
            await _send(send, status, self.serving.gone_page(status).encode(), _HTML)
            return
        canonical = self.serving.page_path(index)
        if scope["path"] != canonical:
            # The id is right, the rest is not (a question's old or mistyped slug): the
            # site moves the request to the page's own path, as Stack Exchange does.
            await _redirect(send, 301, canonical + (f"?{query}" if query else ""))
            return
        # Faults show on the bare URL only: the redirect fault ends at ?via=redirect,
        # which must then serve the page.
        fault = self._faulted.get(index) if not query else None
        if fault is None:
            entity = self._page_entity(index, "utf-8", part)
            if entity is None:
                await _send(send, 404, self.serving.gone_page(404).encode(), _HTML)
            else:
                await _send_entity(scope, send, entity)
            return
        seen["fault"] = fault
        await self._fault(fault, scope, receive, send, index)

    def _page_entity(self, index: int, variant: str, part: int = 1) -> _Entity | None:
        """The page (its ``part``: answers' ``?page=N``) in ``variant``: utf-8, gbk or
        wrong-charset; None if the page has no such part."""
        key = (f"page:{variant}:{part}", index, self._epoch)
        entity = self._entities.get(key)
        if entity is None:
            entity = self._render_page(index, variant, part)
            if entity is not None:
                self._entities[key] = entity
        return entity

    def _whole_page(self, index: int, variant: str = "utf-8") -> _Entity:
        """The page as its bare URL serves it (the one faults hit): part 1 always exists."""
        entity = self._page_entity(index, variant)
        assert entity is not None
        return entity

    def _render_page(self, index: int, variant: str, part: int) -> _Entity | None:
        epoch = self._epoch
        modified = self.site.last_modified(index, epoch)
        charset = "gbk" if variant == "gbk" else "utf-8"
        html = self.serving.render_page(index, epoch, part=part, charset=charset)
        if html is None:
            return None
        if variant == "gbk":
            # Characters GBK lacks become character references, which decode to the
            # same text: the record a parser extracts does not change.
            body = html.encode("gbk", "xmlcharrefreplace")
            return _Entity.of(body, "text/html; charset=gbk", modified)
        if variant == "wrong-charset":
            return _Entity.of(html.encode(), "text/html; charset=iso-8859-1", modified)
        return _Entity.of(html.encode(), _HTML, modified)

    async def _fault(
        self, fault: str, scope: Scope, receive: Receive, send: Send, index: int
    ) -> None:
        path = scope["path"]
        if fault in fault_profiles.REPEATS:
            hits = self._hits[path]
            self._hits[path] += 1
            if hits < fault_profiles.REPEATS[fault]:
                await self._refuse(fault, send)
                return
        elif fault == "slow":
            await asyncio.sleep(fault_profiles.SLOW_DELAY)
        elif fault == "trickle":
            await self._trickle(scope, receive, send, self._whole_page(index))
            return
        elif fault == "reset":
            if abort_connection(scope):
                await _wait_for_disconnect(receive)
                return
            # Not our server: the closest ASGI gets is a response that never finishes.
            await self._hang_up(scope, receive, send, b"", 1)
            return
        elif fault == "truncated":
            body = self._whole_page(index).body
            await self._hang_up(scope, receive, send, body[: len(body) // 2], len(body))
            return
        elif fault == "truncated-html":
            body = self._whole_page(index).body
            marker = self.serving.truncate_before(index, self._epoch)
            cut = body.index(marker) + 12
            entity = _Entity.of(body[:cut], _HTML, self.site.last_modified(index, self._epoch))
            await _send_entity(scope, send, entity)
            return
        elif fault == "redirect":
            first_hop = f"{self.site.base_url}/r/1{self.serving.page_path(index)}"
            await _redirect(send, 301, first_hop)
            return
        elif fault == "redirect-loop":
            await _redirect(send, 302, f"/loop{self.serving.page_path(index)}")
            return
        elif fault == "oversized":
            await self._oversized(send, self._whole_page(index))
            return
        elif fault == "gzip-bomb":
            bomb = await asyncio.to_thread(fault_profiles.gzip_bomb)
            await _send(send, 200, bomb, _HTML, [(b"content-encoding", b"gzip")])
            return
        elif fault in ("gbk", "wrong-charset"):
            await _send_entity(scope, send, self._whole_page(index, fault))
            return
        elif fault == "soft-404":
            entity = self._cached(("soft-404", 0, 0), lambda: _Entity.of(
                self.serving.soft_404_page().encode(), _HTML, EPOCH_ZERO_AT))
            await _send_entity(scope, send, entity)
            return
        elif fault == "non-html":
            await _send_entity(scope, send, self._non_html(index))
            return
        await _send_entity(scope, send, self._whole_page(index))

    async def _refuse(self, fault: str, send: Send) -> None:
        if fault == "503":
            await _send(send, 503, self.serving.gone_page(503).encode(), _HTML)
            return
        # RFC 9110 §10.2.3: Retry-After is either delay-seconds or an HTTP-date.
        if fault == "429-date":
            moment = datetime.now(UTC) + timedelta(seconds=fault_profiles.RETRY_AFTER_DATE_SECONDS)
            retry_after = format_datetime(moment, usegmt=True)
        else:
            retry_after = str(fault_profiles.RETRY_AFTER_SECONDS)
        await _send(send, 429, self.serving.too_many_requests.encode(), "text/plain; charset=utf-8",
                    [(b"retry-after", retry_after.encode())])

    async def _trickle(self, scope: Scope, receive: Receive, send: Send, entity: _Entity) -> None:
        await _start(send, 200, entity.content_type, len(entity.body), _validators(entity))
        if scope["method"] == "HEAD":
            await send({"type": "http.response.body", "body": b""})
            return
        await _drain_request(receive)
        # The next receive() returns only when the client goes away.
        gone = asyncio.ensure_future(receive())
        try:
            body, sent = entity.body, 0
            while sent < len(body) and not self.stopping:
                chunk = body[sent:sent + fault_profiles.TRICKLE_BYTES]
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                sent += len(chunk)
                done, _ = await asyncio.wait({gone}, timeout=fault_profiles.TRICKLE_INTERVAL)
                if done:
                    return
            # Done, or shutting down: finish the response so the connection closes cleanly.
            await send({"type": "http.response.body", "body": body[sent:]})
        finally:
            gone.cancel()

    async def _hang_up(
        self, scope: Scope, receive: Receive, send: Send, sent: bytes, promised: int
    ) -> None:
        """Promise ``promised`` bytes, send ``sent``, then close the connection."""
        await _start(send, 200, _HTML, promised, [])
        await send({"type": "http.response.body", "body": sent, "more_body": True})
        if close_connection(scope):
            await _wait_for_disconnect(receive)
        # Under another server, returning without finishing makes it drop the connection.

    async def _oversized(self, send: Send, entity: _Entity) -> None:
        head, _, tail = entity.body.rpartition(b"</body>")
        # Rounded up: the page is at least OVERSIZED_BYTES, so a cap of that size trips.
        chunks = max(1, -(-(fault_profiles.OVERSIZED_BYTES - len(entity.body)) // len(_PADDING)))
        length = len(head) + len(b"<!-- ") + chunks * len(_PADDING) + len(b" -->") + len(
            b"</body>") + len(tail)
        await _start(send, 200, entity.content_type, length, [])
        await send({"type": "http.response.body", "body": head + b"<!-- ", "more_body": True})
        for _ in range(chunks):
            await send({"type": "http.response.body", "body": _PADDING, "more_body": True})
        await send({"type": "http.response.body", "body": b" --></body>" + tail})

    def _non_html(self, index: int) -> _Entity:
        modified = self.site.last_modified(index, self._epoch)
        if index % 2:
            return _Entity.of(fault_profiles.TINY_PDF, "application/pdf", modified)
        record = {"id": self.site.page_id(index), "error": "not an HTML page"}
        return _Entity.of(json.dumps(record).encode(), "application/json", modified)

    # -- sitemaps -----------------------------------------------------------------------

    def _sitemap_count(self) -> int:
        count = len(self.site.answer_indexes(self._epoch))
        return max(1, -(-count // SITEMAP_URLS_PER_FILE))

    def _sitemap_pages(self, number: int) -> list[tuple[str, datetime]]:
        indexes = self.site.answer_indexes(self._epoch)
        chunk = indexes[(number - 1) * SITEMAP_URLS_PER_FILE:number * SITEMAP_URLS_PER_FILE]
        return [(self.site.url_of(i), self.site.last_modified(i, self._epoch)) for i in chunk]

    def _sitemap(self, number: int) -> _Entity:
        entries = self._sitemap_pages(number)
        xml = render_sitemap(entries).encode()
        # mtime=0 keeps the gzip bytes, and so the ETag, the same from run to run.
        newest = max((lastmod for _, lastmod in entries), default=EPOCH_ZERO_AT)
        return _Entity.of(gzip.compress(xml, mtime=0), "application/gzip", newest)

    def _sitemap_index(self) -> _Entity:
        entries = []
        for number in range(1, self._sitemap_count() + 1):
            sitemap = self._cached(("sitemap", number, self._epoch),
                                   functools.partial(self._sitemap, number))
            url = f"{self.site.base_url}/sitemaps/sitemap-{number}.xml.gz"
            entries.append((url, sitemap.last_modified))
        newest = max(lastmod for _, lastmod in entries)
        return _Entity.of(render_sitemap_index(entries).encode(), "application/xml", newest)


# -- HTTP helpers -----------------------------------------------------------------------


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}


def _validators(entity: _Entity) -> list[tuple[bytes, bytes]]:
    return [
        (b"etag", entity.etag.encode()),
        (b"last-modified", entity.last_modified_header.encode()),
        (b"cache-control", b"no-cache"),
    ]


def _not_modified(scope: Scope, entity: _Entity) -> bool:
    headers = _headers(scope)
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        # RFC 9110 §13.1.2: weak comparison for GET/HEAD; §13.2.2: when present,
        # If-None-Match decides and If-Modified-Since is ignored.
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or entity.etag in tags
    if_modified_since = headers.get("if-modified-since")
    if if_modified_since is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False  # §13.1.3: an invalid date means the header is ignored
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return entity.last_modified.replace(microsecond=0) <= since
    return False


async def _start(
    send: Send, status: int, content_type: str, length: int, headers: list[tuple[bytes, bytes]]
) -> None:
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", content_type.encode()),
            (b"content-length", str(length).encode()),
            *headers,
        ],
    })


async def _send(
    send: Send,
    status: int,
    body: bytes,
    content_type: str,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    await _start(send, status, content_type, len(body), headers or [])
    await send({"type": "http.response.body", "body": body})


async def _send_entity(scope: Scope, send: Send, entity: _Entity) -> None:
    if _not_modified(scope, entity):
        # RFC 9110 §15.4.5: a 304 carries the validators but no body.
        await send({"type": "http.response.start", "status": 304, "headers": _validators(entity)})
        await send({"type": "http.response.body", "body": b""})
        return
    await _send(send, 200, entity.body, entity.content_type, _validators(entity))


async def _redirect(send: Send, status: int, location: str) -> None:
    body = f'<a href="{location}">moved</a>\n'.encode()
    await _send(send, status, body, _HTML, [(b"location", location.encode())])


async def _drain_request(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body"):
            return


async def _wait_for_disconnect(receive: Receive) -> None:
    try:
        async with asyncio.timeout(5):
            while (await receive())["type"] != "http.disconnect":
                pass
    except TimeoutError:
        pass  # the transport is closed either way; don't hold the task
