"""Hostile input never stops a crawl: bad headers, redirects, robots.txt and settings.

Each site here is a raw asyncio server on 127.0.0.1 that writes exactly the
bytes a test gives it (bytes no well-behaved HTTP framework would send), so
what reaches the crawler is what a misbehaving server really sends. One bad
URL costs that URL: failed (or skipped) with a one-line reason, its siblings
fetched, no traceback. Bad settings are one line and a non-zero exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from click.testing import CliRunner
from crawl_helpers import DEADLINE, fresh_archive, run

from crawler.content_type import charset_of
from crawler.fetch import parse_retry_after
from crawler.politeness import Politeness
from crawler.settings import CrawlSettings, SettingsError, load_settings, parse_duration
from qarchive.commands.crawl import crawl_command

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<div><h1>标题</h1><div><span>时间:</span> 2023-06-23 11:03:20 <span>浏览:</span> 7</div></div>
<div><p>答案</p></div></body></html>""".encode()

HOSTILE = "/answer/aaaaaaaaaa"
SIBLING = "/answer/bbbbbbbbbb"
TRANSPORTS = ["aiohttp", "httpcore"]


# --- a server that sends whatever bytes it is told to ---------------------------------------

def response(status: int | bytes, headers: Sequence[tuple[bytes, bytes]] = (),
             body: bytes = b"", *, content_length: bool = True) -> bytes:
    """A raw HTTP/1.1 response, headers exactly as given (plus Content-Length, Connection)."""
    line = status if isinstance(status, bytes) else f"HTTP/1.1 {status} X".encode()
    lines = [line, *(name + b": " + value for name, value in headers)]
    if content_length:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


Handler = Callable[["Request"], bytes]


@dataclass(slots=True)
class Request:
    path: str
    headers: dict[str, str]
    time: float  # monotonic, on arrival


@dataclass(slots=True)
class RawSite:
    base: str
    port: int
    requests: list[Request] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def paths(self) -> list[str]:
        return [request.path for request in list(self.requests)]


def _page(request: Request) -> bytes:
    return response(200, [(b"Content-Type", b"text/html; charset=utf-8")], PAGE)


def _no_robots(request: Request) -> bytes:
    return response(404, [(b"Content-Type", b"text/plain")], b"none")


@contextlib.contextmanager
def raw_site(routes: dict[str, Handler | bytes]) -> Iterator[RawSite]:
    """Serve ``routes`` (path -> raw response, or a function of the request making one).

    /robots.txt answers 404 (no rules) and /answer/bbbbbbbbbb a good page unless
    given; anything else 404. Each response closes its connection.
    """
    table: dict[str, Handler | bytes] = {"/robots.txt": _no_robots, SIBLING: _page, **routes}
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    site = RawSite(base=f"http://127.0.0.1:{port}", port=port)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stopped: asyncio.Event | None = None

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            first = await reader.readexactly(1)
            if first == b"\x16":  # a TLS handshake: this server speaks plain HTTP only
                return
            head = first + await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1] if len(lines[0].split(" ")) > 1 else ""
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name:
                    headers[name.strip().lower()] = value.strip()
            request = Request(path=path, headers=headers, time=time.monotonic())
            site.requests.append(request)
            answer = table.get(path)
            if answer is None:
                data = response(404, [(b"Content-Type", b"text/plain")], b"not here")
            else:
                data = answer(request) if callable(answer) else answer
            writer.write(data)
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def serve() -> None:
        nonlocal stopped
        stopped = asyncio.Event()
        server = await asyncio.start_server(handle, sock=sock)
        ready.set()
        async with server:
            await stopped.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(DEADLINE), "the raw site did not start"
    try:
        yield site
    finally:
        assert stopped is not None
        loop.call_soon_threadsafe(stopped.set)
        thread.join(DEADLINE)
        loop.close()


# Deadlines, not waits: a busy machine must not turn a slow answer into a failed URL
# (crawl_helpers' FAST allows 10 s a request; these crawls allow more). Every server here
# answers at once.
PATIENT = {"request_deadline": 60.0, "read_timeout": 30.0, "connect_timeout": 30.0}


def _crawl(db: sqlite_utils.Database, seeds: list[str], **changes: Any) -> Any:
    return run(db, seeds, **{**PATIENT, **changes})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _frontier(db: sqlite_utils.Database, url: str) -> dict[str, Any]:
    row = db.execute("SELECT state, last_error, poisoned, attempts FROM frontier WHERE url = ?",
                     [url]).fetchone()
    assert row is not None, f"{url} is not in the frontier"
    return dict(zip(("state", "last_error", "poisoned", "attempts"), row, strict=True))


def _assert_one_url_failed(db: sqlite_utils.Database, site: RawSite, *,
                           states: tuple[str, ...] = ("failed",),
                           reason: str | None = None) -> dict[str, Any]:
    """The hostile URL failed (or was skipped) alone, with a one-line reason; its sibling
    was fetched; nothing took the crawler's crash path (a poisoned URL)."""
    row = _frontier(db, site.url(HOSTILE))
    assert row["state"] in states, row
    assert row["poisoned"] == 0, row
    assert row["last_error"] and "\n" not in row["last_error"], row
    if reason is not None:
        assert reason in row["last_error"], row
    assert _frontier(db, site.url(SIBLING))["state"] == "done"
    return row


# --- 1. Retry-After ---------------------------------------------------------------------------

def test_parse_retry_after_reads_ascii_digits_or_an_http_date_only() -> None:
    now = parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT")  # long past: no wait
    assert now == 0.0
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 7 ") == 7.0
    for value in ["²", "\xb2", "١٢", "१", "-1", "1.5", "1e3", "", "soon", "12 s", "0x10",
                  "Wed, 99 Oct 2015 07:28:00 GMT", "\x00", "9" * 5000 + "x"]:
        assert parse_retry_after(value) is None, value
    huge = parse_retry_after("9" * 5000)
    assert huge is not None and math.isfinite(huge)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("value", [b"\xc2\xb2", b"\xb2", "١٢".encode()],
                         ids=["superscript-two-utf8", "raw-0xB2", "arabic-digits"])
def test_a_retry_after_that_is_not_ascii_digits_is_ignored(
        tmp_path: Path, transport: str, value: bytes) -> None:
    routes: dict[str, Handler | bytes] = {
        HOSTILE: response(503, [(b"Retry-After", value)], b"busy")}
    with raw_site(routes) as site:
        db = fresh_archive(tmp_path / "archive.db")
        report = _crawl(db, [site.url(HOSTILE), site.url(SIBLING)], max_attempts=2,
                     http_transport=transport)
        # Retried as any 503 is, then failed for this run only.
        assert site.paths().count(HOSTILE) == 2
    assert report.status == "finished"
    _assert_one_url_failed(db, site, reason="HTTP 503 after 2 attempts")


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_robots_txt_with_a_bad_retry_after_defers_the_host(
        tmp_path: Path, transport: str) -> None:
    """A site root's robots.txt is read while seeding: its Retry-After must not end the crawl."""
    routes: dict[str, Handler | bytes] = {
        "/robots.txt": response(429, [(b"Retry-After", b"\xb2")], b"slow down")}
    with raw_site(routes) as site:
        db = fresh_archive(tmp_path / "archive.db")
        report = _crawl(db, [site.url("/"), site.url(SIBLING)], max_attempts=2,
                     http_transport=transport)
        assert set(site.paths()) == {"/robots.txt"}
    assert report.status == "finished" and report.counts["deferred"] >= 1
    assert _frontier(db, site.url(SIBLING))["state"] == "deferred"


# --- 2. redirects -----------------------------------------------------------------------------

def _redirect_to(location: bytes) -> bytes:
    return response(302, [(b"Location", location)], b"")


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(("location", "states", "reason"), [
    (b"javascript:alert(1)", ("failed",), "redirect to a bad URL"),
    (b"data:text/html,<h1>hi</h1>", ("failed",), "redirect to a bad URL"),
    (b"mailto:someone@example.org", ("failed",), "redirect to a bad URL"),
    (b"ftp://127.0.0.1/answer/x", ("failed",), "redirect to a bad URL"),
    (b"http://[::1/answer/x", ("failed",), "redirect to a bad URL"),
    (b"http://127.0.0.1:99999/answer/x", ("failed",), "redirect to a bad URL"),
    # Not UTF-8 (an encoded surrogate): read as Latin-1, percent-encoded, followed to a 404.
    (b"/answer/\xed\xb2\x80", ("skipped",), "not HTML"),
    (b"{base}/" + b"x" * 70_000, ("failed",), None),
    (b"/answer/a\x01b", ("failed",), "spaces or control characters in Location"),
    (b"/answer/a\x7fb", ("failed",), "spaces or control characters in Location"),
    (b"/answer/b b", ("failed",), "spaces or control characters in Location"),
    (b"http://127.0.0.1:{other}/answer/x", ("skipped",), "outside the crawl's hosts"),
    # The same host over TLS, which this server does not speak: its robots.txt cannot be
    # read, so the URL waits for a later run.
    (b"https://127.0.0.1:{port}/answer/x", ("deferred",), "robots.txt unreachable"),
], ids=["javascript", "data", "mailto", "ftp", "bad-ipv6", "bad-port", "surrogate",
        "70k-location", "control-char", "del-char", "space", "other-port", "other-scheme"])
def test_a_redirect_to_anything_but_an_allowed_http_url_fails_that_url(
        tmp_path: Path, transport: str, location: bytes, states: tuple[str, ...],
        reason: str | None) -> None:
    port = _free_port()
    holder: dict[str, bytes] = {}
    with raw_site({HOSTILE: lambda request: holder["answer"]}) as site:
        target = (location.replace(b"{base}", site.base.encode())
                  .replace(b"{port}", str(site.port).encode())
                  .replace(b"{other}", str(port).encode()))
        holder["answer"] = _redirect_to(target)
        db = fresh_archive(tmp_path / "archive.db")
        report = _crawl(db, [site.url(HOSTILE), site.url(SIBLING)], max_attempts=2,
                     http_transport=transport)
    assert report.status == "finished"
    _assert_one_url_failed(db, site, states=states, reason=reason)


# --- 3. waits are capped ----------------------------------------------------------------------

def test_a_huge_crawl_delay_is_capped_and_noted() -> None:
    settings = CrawlSettings()
    assert settings.max_crawl_delay == 60.0
    politeness = Politeness(settings)
    politeness.set_crawl_delay("example.org", 100000.0)
    assert politeness.pace("example.org").base_delay == 60.0
    politeness.set_crawl_delay("example.org", 100000.0)  # robots.txt read again
    politeness.set_crawl_delay("example.net", 30.0)  # under the cap: obeyed, no note
    politeness.set_crawl_delay("example.com", float("inf"))
    assert politeness.pace("example.net").base_delay == 30.0
    assert politeness.pace("example.com").base_delay == 60.0
    assert politeness.notes == [
        "robots.txt Crawl-delay 100000 s for example.org capped at 60 s (max_crawl_delay)",
        "robots.txt Crawl-delay inf s for example.com capped at 60 s (max_crawl_delay)",
    ]
    assert list(politeness.capped_waits) == [("example.org", "robots.txt Crawl-delay"),
                                             ("example.com", "robots.txt Crawl-delay")]


def test_every_wait_has_a_cap() -> None:
    """Retry-After by retry_after_max, throttling by throttle_max_delay, whatever the server
    asks; the backoff by retry_backoff_max (tenacity's wait_exponential max)."""
    clock = [1000.0]
    settings = CrawlSettings(retry_after_max=5.0, throttle_max_delay=7.0)
    politeness = Politeness(settings, clock=lambda: clock[0])
    for _ in range(50):
        politeness.throttled("h", 10.0 ** 300)
    pace = politeness.pace("h")
    assert pace.not_before == 1005.0
    assert pace.current_delay == 7.0
    assert politeness.notes == ["Retry-After 1e+300 s for h capped at 5 s (retry_after_max)"]


def test_a_huge_crawl_delay_on_a_real_site_is_waited_only_up_to_the_cap(
        tmp_path: Path) -> None:
    robots = response(200, [(b"Content-Type", b"text/plain")],
                      b"User-agent: *\nCrawl-delay: 100000\n")
    with raw_site({"/robots.txt": robots, HOSTILE: _page}) as site:
        db = fresh_archive(tmp_path / "archive.db")
        report = _crawl(db, [site.url(HOSTILE), site.url(SIBLING)], max_crawl_delay=0.5)
        pages = [r for r in site.requests if r.path.startswith("/answer/")]
    assert report.counts["fetched"] == 2
    assert len(pages) == 2 and pages[1].time - pages[0].time >= 0.5
    host = f"127.0.0.1:{site.port}"
    assert (f"robots.txt Crawl-delay 100000 s for {host} capped at 0.5 s (max_crawl_delay)"
            in report.notes), report.notes


# --- 4 and 7. numbers that are not numbers, user agents that are not header values ----------

_SECONDS = ["delay", "robots_ttl", "throttle_max_delay", "retry_after_max", "connect_timeout",
            "read_timeout", "request_deadline", "retry_backoff", "retry_backoff_max",
            "poisoned_retry_after", "writer_flush_interval", "refresh_after", "max_duration",
            "max_crawl_delay"]


@pytest.mark.parametrize("name", [*_SECONDS, "throttle_factor", "recover_factor"])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1.0"])
def test_settings_file_rejects_non_finite_and_negative_numbers(
        tmp_path: Path, name: str, value: str) -> None:
    config = tmp_path / "qarchive.toml"
    config.write_text(f"[crawl]\n{name} = {value}\n", encoding="utf-8")
    with pytest.raises(SettingsError) as error:
        load_settings(config)
    assert name in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize("text", ["nan", "inf", "-1", "1e9999", "9" * 400, "99999999999d"])
def test_parse_duration_rejects_what_is_not_a_finite_duration(text: str) -> None:
    with pytest.raises(SettingsError):
        parse_duration(text)
    assert parse_duration("36500d") == 100 * 365 * 86400  # "never" still fits


@pytest.mark.parametrize(("option", "value"), [
    ("--delay", "nan"), ("--delay", "inf"), ("--delay", "-1"), ("--delay", "1e999"),
    ("--max-duration", "inf"), ("--max-duration", "9" * 400),
    ("--refresh-after", "nan"), ("--refresh-after", "99999999999d"),
    ("--user-agent", "qarchive\r\nX-Evil: 1"), ("--user-agent", "qärchive/1"),
    ("--user-agent", "qarchive\x00"), ("--user-agent", " "),
])
def test_bad_numbers_and_user_agents_on_the_command_line_are_one_line_errors(
        tmp_path: Path, option: str, value: str) -> None:
    # Nothing listens on the seed's port, one attempt: today's code would just crawl nothing.
    config = tmp_path / "qarchive.toml"
    config.write_text("max_attempts = 1\nwriter_process = false\nretry_backoff = 0\n",
                      encoding="utf-8")
    result = CliRunner().invoke(crawl_command, [
        f"http://127.0.0.1:{_free_port()}/answer/abcdefghij", option, value,
        "--config", str(config), "--db", str(tmp_path / "a.db")])
    assert result.exit_code == 2, (result.output, result.exception)
    assert option in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert len([line for line in result.output.splitlines() if line.startswith("Error")]) == 1


@pytest.mark.parametrize("line", ["user_agent = 5", 'user_agent = "a\\r\\nb"',
                                  'user_agent = "qärchive"', 'user_agent = ""',
                                  "follow_resources = \"yes\"", "writer_process = 1",
                                  "profile = 5", "max_pages = true",
                                  "retry_statuses = [99999]"])
def test_settings_file_rejects_values_of_the_wrong_kind(tmp_path: Path, line: str) -> None:
    config = tmp_path / "qarchive.toml"
    config.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(SettingsError) as error:
        load_settings(config)
    assert line.split(" ")[0] in str(error.value) and "\n" not in str(error.value)


def test_a_bad_settings_file_is_one_line_from_the_command_line(tmp_path: Path) -> None:
    config = tmp_path / "qarchive.toml"
    # One attempt: today's code would wait forever to retry robots.txt.
    config.write_text("delay = inf\nmax_attempts = 1\nwriter_process = false\n",
                      encoding="utf-8")
    result = CliRunner().invoke(crawl_command, [
        f"http://127.0.0.1:{_free_port()}/answer/abcdefghij",
        "--config", str(config), "--db", str(tmp_path / "a.db")])
    assert result.exit_code == 1 and "delay" in result.output, result.output
    assert result.output.count("\n") == 1


# --- 5. robots.txt with a byte-order mark -----------------------------------------------------

@pytest.mark.parametrize("body", [
    b"\xef\xbb\xbfUser-agent: *\nDisallow: /\n",
    b"\xef\xbb\xbfUser-agent: *\r\nDisallow: /answer/\r\n",
    b"\xff\xfe" + "User-agent: *\nDisallow: /\n".encode("utf-16-le"),
    b"\xfe\xff" + "User-agent: *\nDisallow: /\n".encode("utf-16-be"),
], ids=["utf-8-bom", "utf-8-bom-crlf", "utf-16-le", "utf-16-be"])
def test_a_robots_txt_with_a_byte_order_mark_is_obeyed(tmp_path: Path, body: bytes) -> None:
    robots = response(200, [(b"Content-Type", b"text/plain")], body)
    with raw_site({"/robots.txt": robots, HOSTILE: _page}) as site:
        db = fresh_archive(tmp_path / "archive.db")
        report = _crawl(db, [site.url(HOSTILE), site.url(SIBLING)])
        assert site.paths() == ["/robots.txt"]
    assert report.counts["blocked"] == 2 and report.counts["fetched"] == 0


# --- 6. a 304 nobody asked for ----------------------------------------------------------------

@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_304_to_a_request_without_validators_fails_the_url(
        tmp_path: Path, transport: str) -> None:
    with raw_site({HOSTILE: response(304, [(b"ETag", b'"x"')], content_length=False)}) as site:
        db = fresh_archive(tmp_path / "archive.db")
        report = _crawl(db, [site.url(HOSTILE), site.url(SIBLING)], http_transport=transport,
                     refresh_after=0.0)
        assert site.paths().count(HOSTILE) == 1  # not retried: the server will not change
        _assert_one_url_failed(
            db, site, reason="304 Not Modified to a request without validators")
        assert report.counts["failed"] == 1
        assert db.execute("SELECT count(*) FROM pages WHERE url = ?",
                          [site.url(HOSTILE)]).fetchone()[0] == 0
        # A later run tries it again.
        _crawl(db, [], http_transport=transport, refresh_after=0.0)
        assert site.paths().count(HOSTILE) == 2


# --- 8. headers that are not what they say ----------------------------------------------------

_HTML = (b"Content-Type", b"text/html; charset=utf-8")


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("answer", [
    response(200, [_HTML, (b"Content-Length", b"abc")], PAGE, content_length=False),
    response(200, [_HTML, (b"Content-Length", b"\xb2")], PAGE, content_length=False),
    response(200, [_HTML, (b"Content-Length", "²".encode())], PAGE, content_length=False),
    response(200, [_HTML, (b"Content-Length", b"5"), (b"Content-Length", b"7")], PAGE,
             content_length=False),
    response(200, [_HTML, (b"Content-Length", b"-5")], PAGE, content_length=False),
    response(200, [_HTML, (b"Content-Length", b"9" * 400)], PAGE, content_length=False),
    response(200, [_HTML, (b"Content-Encoding", b"gzip, br")], PAGE),
    response(200, [_HTML, (b"Content-Encoding", b"\xb2")], PAGE),
    response(200, [_HTML, (b"Content-Encoding", b"gzip")], b"not gzip at all"),
    response(200, [_HTML, (b"Transfer-Encoding", b"chunked")], b"zz\r\nnope\r\n",
             content_length=False),
    response(200, [(b"No colon here", b"")], PAGE),
    response(b"HTTP/1.1 abc Weird", [_HTML], PAGE),
    response(b"HTTP/1.1 999 Beyond", [_HTML], PAGE),
    response(b"SPDY/9 200 OK", [_HTML], PAGE),
    response(200, [_HTML, (b"X-\xb2", b"\xff\xfe")], PAGE),
    b"",
], ids=["cl-letters", "cl-0xB2", "cl-superscript", "cl-conflicting", "cl-negative",
        "cl-huge", "ce-gzip-br", "ce-0xB2", "ce-gzip-lie", "te-bad-chunk", "header-no-value",
        "status-letters", "status-999", "not-http", "header-bytes", "nothing"])
def test_a_response_with_hostile_headers_costs_that_url_only(
        tmp_path: Path, transport: str, answer: bytes) -> None:
    with raw_site({HOSTILE: answer}) as site:
        db = fresh_archive(tmp_path / "archive.db")
        report = _crawl(db, [site.url(HOSTILE), site.url(SIBLING)], max_attempts=2,
                     http_transport=transport)
    assert report.status == "finished"
    row = _frontier(db, site.url(HOSTILE))
    assert row["poisoned"] == 0, row
    assert row["state"] in ("done", "failed", "skipped"), row
    if row["state"] != "done":
        assert row["last_error"] and "\n" not in row["last_error"], row
    assert _frontier(db, site.url(SIBLING))["state"] == "done"


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("charset", [b"x-unknown", b"a" * 1000, b"rot13", b"base64",
                                     b"utf-8\x7f", b"\"\""])
def test_a_charset_python_cannot_decode_is_dropped(
        tmp_path: Path, transport: str, charset: bytes) -> None:
    answer = response(200, [(b"Content-Type", b"text/html; charset=" + charset)], PAGE)
    with raw_site({HOSTILE: answer}) as site:
        db = fresh_archive(tmp_path / "archive.db")
        _crawl(db, [site.url(HOSTILE), site.url(SIBLING)], http_transport=transport)
    assert _frontier(db, site.url(HOSTILE))["state"] == "done"
    stored = db.execute("SELECT charset FROM pages WHERE url = ?",
                        [site.url(HOSTILE)]).fetchone()
    assert stored is not None and stored[0] is None


def test_charset_of_keeps_only_charsets_python_can_decode() -> None:
    assert charset_of("text/html; charset=GBK") == "GBK"
    assert charset_of('text/html; charset="utf-8"') == "utf-8"
    for value in ["x-unknown", "a" * 1000, "rot13", "base64", "hex", "utf-8\x00", "", "zlib"]:
        assert charset_of(f"text/html; charset={value}") is None, value
