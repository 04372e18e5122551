"""Hostile input never stops a crawl: over-long links, sitemaps that fan out forever, servers
that say 429 forever or ask for a day between requests, session-id traps and redirects to pages
also linked directly.

Each test talks real HTTP to a misbehaving server of its own on 127.0.0.1 and asserts what the
server's request log and the archive say; a generous deadline guards only against a hang.
"""

from __future__ import annotations

import asyncio
import gzip
import itertools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from crawl_helpers import DEADLINE, fast_settings, fresh_archive

from archive import Archive
from crawler.engine import CrawlReport, crawl
from crawler.sitemaps import SITEMAP_MAX_URLS
from crawler.urls import MAX_URL_LENGTH, BadURL, canonicalize

# (status, headers, body) for a request's path (query included).
Response = tuple[int, dict[str, str], bytes]


@dataclass
class HostileServer:
    """A threaded HTTP server on 127.0.0.1 answering with ``route``, logging every path."""

    route: Callable[[HostileServer, str], Response]
    base_url: str = ""
    log: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return self.base_url + path

    def requests(self, predicate: Callable[[str], bool] = lambda path: True) -> list[str]:
        with self.lock:
            return [path for path in self.log if predicate(path)]


@contextmanager
def hostile_server(route: Callable[[HostileServer, str], Response]) -> Iterator[HostileServer]:
    server = HostileServer(route)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            with server.lock:
                server.log.append(self.path)
            status, headers, body = server.route(server, self.path)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(DEADLINE)


HTML = {"Content-Type": "text/html; charset=utf-8"}
XML = {"Content-Type": "application/xml"}
ROBOTS = {"Content-Type": "text/plain"}
NOT_FOUND: Response = (404, ROBOTS, b"not found")


def answer_page(title: str, links: list[str]) -> bytes:
    """An answer page the CSDN profile parses, its related questions linking to ``links``."""
    items = "".join(f'<li><a href="{link}">Question {n}</a><p>About it.</p></li>'
                    for n, link in enumerate(links))
    return (f"<html><head><title>{title}</title></head><body>"
            f'<div class="q"><h1>{title}</h1><div>时间: 2024-01-02 03:04:05 浏览: 12</div></div>'
            f'<div class="answer"><p>The answer to {title}.</p></div>'
            f'<div class="related"><h3>相关问题</h3><ul>{items}</ul></div>'
            "</body></html>").encode()


def robots(text: str = "") -> Response:
    return 200, ROBOTS, f"User-agent: *\nAllow: /\n{text}".encode()


def guarded_crawl(db: Archive, seeds: list[str], **changes: Any) -> CrawlReport:
    """The crawl, failed if it has not returned within DEADLINE (it only guards a hang)."""
    settings = fast_settings(**changes)
    return asyncio.run(asyncio.wait_for(
        crawl(db, seeds=[canonicalize(url) for url in seeds], settings=settings), DEADLINE))


def frontier_states(db: Archive) -> dict[str, str]:
    return {url: state for url, state in db.execute("SELECT url, state FROM frontier")}


def answer_path(path: str) -> bool:
    return path.startswith("/answer/")


# --- 1. over-long and unrequestable URLs ---------------------------------------------


@pytest.mark.parametrize("url", [
    "http://example.org/answer/bbbbbbbbbb?pad=" + "x" * 70_000,
    "http://example.org/" + "é" * (MAX_URL_LENGTH // 4),  # long only once percent-encoded
    "http://exa\x7fmple.org/",  # a control character in the host
    "http://ab\u2488.org/",  # not a valid IDNA host name
    "http://xn--zz.org/",  # an A-label that is not punycode
    "http://example.org:0/",
])
def test_canonicalize_rejects_what_cannot_be_requested(url: str) -> None:
    with pytest.raises(BadURL):
        canonicalize(url)


def test_a_70000_character_link_costs_nothing_and_its_siblings_are_fetched(
        tmp_path: Path) -> None:
    long_link = "/answer/bbbbbbbbbb?pad=" + "x" * 70_000
    siblings = ["/answer/cccccccccc", "/answer/dddddddddd"]

    def route(server: HostileServer, path: str) -> Response:
        if path == "/robots.txt":
            return robots()
        if path == "/answer/aaaaaaaaaa":
            return 200, HTML, answer_page("A", [long_link, *siblings])
        if path in siblings:
            return 200, HTML, answer_page(path, [])
        return NOT_FOUND

    with hostile_server(route) as server:
        db = fresh_archive(tmp_path / "archive.db")
        report = guarded_crawl(db, [server.url("/answer/aaaaaaaaaa")])
        assert report.status == "finished" and report.stop_reason is None
        assert report.counts["failed"] == 0
        assert sorted(server.requests(answer_path)) == ["/answer/aaaaaaaaaa", *siblings]
        states = frontier_states(db)
        assert states == {server.url(path): "done"
                          for path in ["/answer/aaaaaaaaaa", *siblings]}


# --- 2. sitemaps that never end ------------------------------------------------------


def _index(server: HostileServer, children: list[str]) -> Response:
    body = "".join(f"<sitemap><loc>{server.url(child)}</loc></sitemap>" for child in children)
    return 200, XML, (f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                      f"{body}</sitemapindex>").encode()


def _urlset(server: HostileServer, paths: list[str]) -> Response:
    body = "".join(f"<url><loc>{server.url(path)}</loc></url>" for path in paths)
    return 200, XML, (f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                      f"{body}</urlset>").encode()


def test_a_sitemap_index_fanning_out_forever_is_read_up_to_the_file_limit(
        tmp_path: Path) -> None:
    """Each index lists 50 new indexes and a urlset: without a bound, 50^depth files."""
    counter = itertools.count()

    def route(server: HostileServer, path: str) -> Response:
        if path == "/robots.txt":
            return robots(f"Sitemap: {server.url('/sitemaps/index-0.xml')}\n")
        if path.startswith("/sitemaps/index-"):
            children = [f"/sitemaps/index-{next(counter) + 1}.xml" for _ in range(50)]
            return _index(server, [path.replace("index-", "pages-"), *children])
        if path.startswith("/sitemaps/pages-"):
            number = path.removeprefix("/sitemaps/pages-").removesuffix(".xml")
            return _urlset(server, [f"/answer/{int(number):010d}"])
        return NOT_FOUND

    with hostile_server(route) as server:
        db = fresh_archive(tmp_path / "archive.db")
        report = guarded_crawl(db, [server.url("/")], sitemap_max_files=30, max_pages=0)
        sitemap_requests = server.requests(lambda path: path.startswith("/sitemaps/"))
        assert len(sitemap_requests) == 30
        assert len(set(sitemap_requests)) == 30  # none read twice
        assert any("sitemap_max_files" in note for note in report.notes)
        assert report.stop_reason == "max pages"
        # Breadth first: the first index, its urlset and the next indexes; what the
        # urlsets read listed is pending for the crawl.
        pending = [url for url, state in frontier_states(db).items() if state == "pending"]
        assert 0 < len(pending) <= 30
        assert all(urlsplit(url).path.startswith("/answer/") for url in pending)


def test_indexes_of_indexes_are_followed_only_to_the_depth_limit(tmp_path: Path) -> None:
    """A chain of indexes, each listing the next and a urlset of one page."""

    def route(server: HostileServer, path: str) -> Response:
        if path == "/robots.txt":
            return robots(f"Sitemap: {server.url('/sm/index-0.xml')}\n")
        if path.startswith("/sm/index-"):
            number = int(path.removeprefix("/sm/index-").removesuffix(".xml"))
            return _index(server, [f"/sm/pages-{number}.xml", f"/sm/index-{number + 1}.xml"])
        if path.startswith("/sm/pages-"):
            number = int(path.removeprefix("/sm/pages-").removesuffix(".xml"))
            return _urlset(server, [f"/answer/{number:010d}"])
        return NOT_FOUND

    with hostile_server(route) as server:
        db = fresh_archive(tmp_path / "archive.db")
        report = guarded_crawl(db, [server.url("/")], sitemap_max_depth=2, max_pages=0)
        assert server.requests(lambda path: path.startswith("/sm/")) == [
            "/sm/index-0.xml", "/sm/pages-0.xml", "/sm/index-1.xml", "/sm/pages-1.xml",
            "/sm/index-2.xml"]
        assert sorted(frontier_states(db)) == [server.url("/answer/0000000000"),
                                               server.url("/answer/0000000001")]
        assert any("sitemap_max_depth" in note for note in report.notes)


def test_a_sitemap_is_read_up_to_50000_urls(tmp_path: Path) -> None:
    listed = SITEMAP_MAX_URLS + 25

    def route(server: HostileServer, path: str) -> Response:
        if path == "/robots.txt":
            return robots(f"Sitemap: {server.url('/big.xml.gz')}\n")
        if path == "/big.xml.gz":
            status, _, body = _urlset(server, [f"/answer/{n:010d}" for n in range(listed)])
            return status, {"Content-Type": "application/gzip"}, gzip.compress(body)
        return NOT_FOUND

    with hostile_server(route) as server:
        db = fresh_archive(tmp_path / "archive.db")
        report = guarded_crawl(db, [server.url("/")], max_pages=0)
        assert db.execute("SELECT count(*), max(url) FROM frontier").fetchone() == (
            SITEMAP_MAX_URLS, server.url(f"/answer/{SITEMAP_MAX_URLS - 1:010d}"))
        assert any("more than 50000 URLs" in note for note in report.notes)


# --- 3. the run's max duration holds, whatever a server asks for ----------------------


def test_max_duration_ends_a_crawl_waiting_on_429_forever(tmp_path: Path) -> None:
    paths = ["/answer/aaaaaaaaaa", "/answer/bbbbbbbbbb", "/answer/cccccccccc"]

    def route(server: HostileServer, path: str) -> Response:
        if path == "/robots.txt":
            return robots()
        return 429, {**ROBOTS, "Retry-After": "100000"}, b"slow down"

    with hostile_server(route) as server:
        db = fresh_archive(tmp_path / "archive.db")
        report = guarded_crawl(db, [server.url(path) for path in paths], max_duration=1.0,
                               retry_after_max=3600.0, throttle_max_delay=3600.0)
        assert report.stop_reason == "max duration" and report.status == "finished"
        assert "(max duration)" in report.summary()
        # Each URL asked for at most once, and all still pending for the next run.
        requested = server.requests(answer_path)
        assert 1 <= len(requested) <= len(paths) and len(set(requested)) == len(requested)
        assert frontier_states(db) == {server.url(path): "pending" for path in paths}
        assert report.left == len(paths)


def test_max_duration_ends_a_crawl_held_by_a_huge_crawl_delay(tmp_path: Path) -> None:
    def route(server: HostileServer, path: str) -> Response:
        if path == "/robots.txt":
            return robots("Crawl-delay: 100000\n")
        return 200, HTML, answer_page(path, [])

    with hostile_server(route) as server:
        db = fresh_archive(tmp_path / "archive.db")
        seed = server.url("/answer/aaaaaaaaaa")
        report = guarded_crawl(db, [seed], max_duration=1.0)
        assert report.stop_reason == "max duration" and report.status == "finished"
        assert server.requests() == ["/robots.txt"]
        assert frontier_states(db) == {seed: "pending"}


def test_max_duration_counts_from_the_start_seeding_included(tmp_path: Path) -> None:
    """The sitemap waits for the Crawl-delay; the run's clock runs meanwhile."""

    def route(server: HostileServer, path: str) -> Response:
        if path == "/robots.txt":
            return robots(f"Crawl-delay: 100000\nSitemap: {server.url('/sitemap.xml')}\n")
        if path == "/sitemap.xml":
            return _urlset(server, ["/answer/aaaaaaaaaa"])
        return NOT_FOUND

    with hostile_server(route) as server:
        db = fresh_archive(tmp_path / "archive.db")
        report = guarded_crawl(db, [server.url("/")], max_duration=1.0)
        assert report.stop_reason == "max duration" and report.status == "finished"
        assert server.requests() == ["/robots.txt"]
        assert report.counts["fetched"] == 0


# --- 4. the session-id trap -------------------------------------------------------------


def test_links_differing_only_in_a_session_query_fetch_the_question_once(
        tmp_path: Path) -> None:
    """Every page links to both questions with a session id never seen before."""
    session = itertools.count(1)

    def route(server: HostileServer, path: str) -> Response:
        if path == "/robots.txt":
            return robots()
        if answer_path(path):
            links = [f"/answer/aaaaaaaaaa?sid={next(session)}",
                     f"/answer/aaaaaaaaaa?jsessionid={next(session)}",
                     f"/answer/bbbbbbbbbb/?sid={next(session)}#top",
                     f"/answer/bbbbbbbbbb?jsessionid={next(session)}&sid={next(session)}"]
            return 200, HTML, answer_page(urlsplit(path).path, links)
        return NOT_FOUND

    with hostile_server(route) as server:
        db = fresh_archive(tmp_path / "archive.db")
        # max_pages only bounds a crawl that falls into the trap.
        report = guarded_crawl(db, [server.url("/answer/aaaaaaaaaa?sid=0")], max_pages=40)
        assert report.stop_reason is None and report.status == "finished"
        assert server.requests(answer_path) == ["/answer/aaaaaaaaaa",
                                                "/answer/bbbbbbbbbb"]
        assert frontier_states(db) == {server.url("/answer/aaaaaaaaaa"): "done",
                                       server.url("/answer/bbbbbbbbbb"): "done"}
        assert db.execute("SELECT count(*) FROM questions WHERE is_fetched = 1"
                          ).fetchone()[0] == 2


# --- 5. a redirect's target linked directly ----------------------------------------------


@pytest.mark.parametrize("writer_process", [True, False])
def test_a_redirect_target_also_linked_directly_is_fetched_once(
        tmp_path: Path, writer_process: bool) -> None:
    def route(server: HostileServer, path: str) -> Response:
        if path == "/robots.txt":
            return robots()
        if path == "/answer/aaaaaaaaaa":
            return 200, HTML, answer_page("A", ["/answer/bbbbbbbbbb", "/answer/cccccccccc"])
        if path == "/answer/bbbbbbbbbb":
            return 301, {**ROBOTS, "Location": "/answer/cccccccccc?from=b"}, b""
        if path in ("/answer/cccccccccc", "/answer/cccccccccc?from=b"):
            return 200, HTML, answer_page("C", ["/answer/aaaaaaaaaa"])
        return NOT_FOUND

    with hostile_server(route) as server:
        db = fresh_archive(tmp_path / "archive.db")
        # One worker: b (and its redirect) is done before c is taken from the queue.
        report = guarded_crawl(db, [server.url("/answer/aaaaaaaaaa")], concurrency=1,
                               writer_process=writer_process)
        assert report.status == "finished"
        assert server.requests(answer_path) == [
            "/answer/aaaaaaaaaa", "/answer/bbbbbbbbbb", "/answer/cccccccccc?from=b"]
        assert frontier_states(db) == {
            server.url(f"/answer/{name * 10}"): "done" for name in "abc"}
        assert db.execute("SELECT final_url FROM pages WHERE url = ?",
                          [server.url("/answer/bbbbbbbbbb")]).fetchone() == (
            server.url("/answer/cccccccccc?from=b"),)
        # The next run neither fetches c nor follows b again: both are done.
        again = guarded_crawl(db, [server.url("/answer/aaaaaaaaaa")])
        assert again.counts["fetched"] == 0
