"""Crawling the bundled sample sites over real HTTP: completeness, politeness, every fault.

The tests whose meaning carries over run on both sites (``SITES``): CSDN's answer pages
and the QAPage site's questions, with their answers over ``?page=N`` pages.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import sqlite_utils
from crawl_helpers import (
    SITES,
    fast_settings,
    fetched_urls,
    fresh_archive,
    question_as_expected,
    question_as_stored,
    run,
    run_in_child,
    site_access,
)

from crawler.engine import CrawlReport, crawl
from crawler.urls import canonicalize
from sample_sites.faults import FAULTS
from sample_sites.testing import RunningSampleSite, running_sample_site


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# The sites' sizes for the crawls below: the QAPage site's pages are larger, and each
# tenth question has more pages of answers.
SITE_PAGES = {"csdn": 200, "qapage": 80}


def _assert_polite(site: RunningSampleSite) -> None:
    entries = site.request_log_entries()
    assert entries, "the site saw no requests"
    assert entries[0]["path"] == "/robots.txt", "robots.txt must be the first request"
    assert sum(entry["path"] == "/robots.txt" for entry in entries) == 1
    for entry in entries:
        for disallowed in site_access(site).never_requested:
            assert disallowed not in entry["path"], entry
        assert entry["user_agent"].startswith("qarchive/")


@dataclass
class FullCrawl:
    site: RunningSampleSite
    db: sqlite_utils.Database
    report: CrawlReport


@pytest.fixture(scope="module", params=SITES)
def full_crawl(request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[FullCrawl]:
    """One crawl of the whole site, from its root, shared by the tests that read it."""
    tmp = tmp_path_factory.mktemp(f"full-{request.param}")
    with running_sample_site(site=request.param, pages=SITE_PAGES[request.param],
                             request_log=tmp / "requests.jsonl") as site:
        db = fresh_archive(tmp / "archive.db")
        yield FullCrawl(site, db, run(db, [site.root_url]))
        db.close()


def test_crawl_of_the_site_finds_every_page(full_crawl: FullCrawl) -> None:
    site, db, report = full_crawl.site, full_crawl.db, full_crawl.report
    pages = site_access(site).page_urls()
    assert report.status == "finished" and report.did_work
    assert fetched_urls(db) == set(site.answer_urls())
    assert len(site.answer_urls()) == site.pages
    assert report.counts["fetched"] == len(pages)
    # CSDN: its /private/ and ?print=1 links were seen.
    assert (report.counts["blocked"] > 0) == site_access(site).links_disallowed
    assert report.counts["failed"] == 0
    _assert_polite(site)
    # Every page was stored, and requested once.
    stored = {row[0] for row in db.execute("SELECT url FROM pages WHERE status = 200")}
    assert stored == set(pages)
    requested = [entry["path"] for entry in site.request_log_entries()
                 if site.url(entry["path"]) in stored]
    assert len(requested) == len(set(requested)) == len(pages)
    blocked = db.execute(
        "SELECT count(*) FROM frontier WHERE state = 'blocked'").fetchone()[0]
    assert blocked == report.counts["blocked"]
    run_row = db.execute("SELECT status, command, fetched, new, blocked, options "
                         "FROM crawl_runs WHERE id = ?", [report.run_id]).fetchone()
    # New: a question's first page; its later pages of answers update it.
    assert run_row[:5] == ("finished", "crawl", len(pages), site.pages, blocked)
    assert json.loads(run_row[5])["delay"] == 0.0
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # The same command again has nothing left to do and asks for nothing.
    before = len(site.request_log_entries())
    again = run(db, [site.root_url])
    assert again.counts["fetched"] == 0 and again.did_work
    assert site.request_log_entries()[before:] == []


@pytest.mark.parametrize("full_crawl", ["qapage"], indirect=True)
def test_crawl_of_the_qapage_site_stores_every_question_as_the_site_shows_it(
        full_crawl: FullCrawl) -> None:
    """Title, status and duplicate target, views, votes, tags, and every answer over
    the question's ?page=N pages, numbered across them, with its votes, accepted mark,
    author and date."""
    site, db = full_crawl.site, full_crawl.db
    access = site_access(site)
    shown = [question_as_expected(site, url) for url in site.answer_urls()]
    for url, expected in zip(site.answer_urls(), shown, strict=True):
        assert question_as_stored(db, access.question_id(url)) == expected, url
    # The site's kinds of question were all there to be stored.
    assert {question["status"] for question in shown} == {"open", "closed", "duplicate"}
    assert any(len(question["answers"]) > 10 for question in shown)  # paged answers
    assert any(not question["answers"] for question in shown)
    assert any(answer["accepted"] for question in shown for answer in question["answers"])


def test_site_root_seed_reads_the_sitemaps(tmp_path: Path) -> None:
    with running_sample_site(pages=120, request_log=tmp_path / "requests.jsonl") as site:
        db = fresh_archive(tmp_path / "archive.db")
        report = run(db, [site.url("/")], max_depth=0)
        # Depth 0: only the sitemap's URLs, which are every page.
        assert fetched_urls(db) == set(site.answer_urls())
        paths = [e["path"] for e in site.request_log_entries()]
        assert "/sitemap.xml" in paths and any(p.endswith(".xml.gz") for p in paths)
        assert "/" not in paths
        assert report.counts["fetched"] == 120


def test_sitemap_urls_are_stored_file_by_file_and_kept_when_seeding_is_interrupted(
        tmp_path: Path) -> None:
    """Each sitemap file goes to the frontier table as it is read (never the whole site in
    memory at once), so a stop between files keeps the files already read."""
    with running_sample_site(pages=1_100) as site:  # three sitemap files: 500, 500, 100
        stop = asyncio.Event()

        class StopAtThirdSitemap(httpx.AsyncHTTPTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                if request.url.path.endswith("/sitemap-3.xml.gz"):
                    stop.set()
                return await super().handle_async_request(request)

        db = fresh_archive(tmp_path / "archive.db")
        report = asyncio.run(crawl(db, seeds=[canonicalize(site.url("/"))],
                                   settings=fast_settings(), stop=stop,
                                   transport=StopAtThirdSitemap()))
        assert report.status == "interrupted" and report.counts["fetched"] == 0
        assert report.counts["requests"] >= 3  # the index and two files, still counted
        states = db.execute("SELECT state, depth, count(*) FROM frontier GROUP BY 1, 2").fetchall()
        assert states == [("pending", 0, 1_000)]
        # The next run reads the sitemaps again and crawls the whole site.
        again = run(db, [site.url("/")], max_depth=0)
        assert again.status == "finished"
        assert fetched_urls(db) == set(site.answer_urls())


def _assert_spaced(entries: list[dict], delay: float) -> None:
    """The k-th request after the first reached the server no sooner than k delays after it.

    From the server's log alone, and true on a machine however busy: each start is at
    least ``delay`` after the previous one and after the first request's answer (which
    left the server after its arrival was logged), and a request can only reach the
    server late, never early. (Gaps between neighbours are not bounded so: with two
    requests in flight, a late-logged arrival shrinks the gap after it.)
    """
    times = sorted(entry["time"] for entry in entries)
    # 10 ms of slack: the crawler's clock and the server's are read in different processes.
    lags = [(k, times[k] - times[0]) for k in range(1, len(times))
            if times[k] - times[0] < k * delay - 0.01]
    assert not lags, (lags, times)


@pytest.mark.parametrize("site_name", SITES)
def test_delay_spaces_request_starts(tmp_path: Path, site_name: str) -> None:
    with running_sample_site(site=site_name, pages=30,
                             request_log=tmp_path / "requests.jsonl") as site:
        run_in_child(tmp_path / "archive.db", [site.root_url], delay=0.15, per_host=2,
                     max_pages=6)
        entries = site.request_log_entries()
        assert [e["path"] for e in entries][:2] == ["/robots.txt", _path(site.root_url)]
        assert len(entries) == 7  # robots.txt + 6 pages
        # From robots.txt (read before any page), and from the seed page (the others
        # are found on it, so all start after its answer).
        _assert_spaced(entries, 0.15)
        _assert_spaced(entries[1:], 0.15)


@pytest.mark.parametrize("site_name", SITES)
def test_crawl_delay_from_robots_txt_is_honoured(tmp_path: Path, site_name: str) -> None:
    with running_sample_site(site=site_name, pages=30, crawl_delay=0.3,
                             request_log=tmp_path / "requests.jsonl") as site:
        run_in_child(tmp_path / "archive.db", [site.root_url], delay=0.0, per_host=4,
                     max_pages=4)
        entries = site.request_log_entries()
        assert [e["path"] for e in entries][:2] == ["/robots.txt", _path(site.root_url)]
        assert len(entries) == 5  # robots.txt + 4 pages
        _assert_spaced(entries[1:], 0.3)  # from the seed page, the others found on it


# Enough leaves for every fault to have its own pages (at least one each).
FAULTY_SITE_PAGES = {"csdn": 300, "qapage": 100}


@pytest.fixture(scope="module", params=SITES)
def faulty_crawl(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    """One crawl of a site with every fault switched on; tests check each fault's outcome."""
    tmp = tmp_path_factory.mktemp(f"faults-{request.param}")
    with running_sample_site(site=request.param, pages=FAULTY_SITE_PAGES[request.param],
                             faults=FAULTS, request_log=tmp / "requests.jsonl") as site:
        # In a child process: Retry-After waits are checked on the server's clock.
        # The trickle fault needs the deadline to fire: shorter than FAST's, far above the
        # slow fault's 1 s.
        run_in_child(tmp / "archive.db", [site.root_url], max_attempts=3, request_deadline=5.0)
        db = fresh_archive(tmp / "archive.db")
        run_row = next(db.query("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1"))
        yield site, db, run_row
        db.close()


def _frontier(db, url: str) -> tuple:  # type: ignore[no-untyped-def]
    return db.execute("SELECT state, last_error, attempts FROM frontier WHERE url = ?",
                      [url]).fetchone()


def _page(db, url: str) -> tuple:  # type: ignore[no-untyped-def]
    return db.execute("SELECT status, content_type, parse_error, redirect_chain, body IS NULL "
                      "FROM pages WHERE url = ?", [url]).fetchone()


def test_faulty_site_crawl_ends_and_is_polite(faulty_crawl: tuple) -> None:
    site, db, run_row = faulty_crawl
    assert run_row["status"] == "finished"
    _assert_polite(site)
    assert run_row["retried"] > 0
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.parametrize("fault", ["429", "429-date", "slow", "gbk", "wrong-charset", "redirect"])
def test_fault_ends_with_the_page_stored(faulty_crawl: tuple, fault: str) -> None:
    site, db, _ = faulty_crawl
    urls = site.affected_urls(fault)
    assert urls
    for url in urls:
        state, error, _ = _frontier(db, url)
        assert state == "done", (url, error)
        expected = site.expected_record(url)
        title = db.execute("SELECT title FROM questions WHERE id = ?", [expected["id"]]).fetchone()
        assert title == (expected["title"],)
        if fault == "redirect":
            chain = json.loads(_page(db, url)[3])
            assert chain[0] == url and len(chain) == 3


@pytest.mark.parametrize("fault", ["429", "429-date"])
def test_retry_after_is_waited(faulty_crawl: tuple, fault: str) -> None:
    site, _, _ = faulty_crawl
    paths = {_path(url) for url in site.affected_urls(fault)}
    assert paths
    entries = site.request_log_entries()
    assert {e["path"] for e in entries if e["status"] == 429 and e["fault"] == fault} == paths
    for path in paths:
        times = [e["time"] for e in entries if e["path"] == path]
        assert len(times) == 3  # 429, 429, 200
        # Retry-After: 1 s, or an HTTP-date 2 s ahead (1 s resolution): wait ≥ ~1 s.
        assert times[1] - times[0] >= 0.95 and times[2] - times[1] >= 0.95, times


@pytest.mark.parametrize(("fault", "state", "reason"), [
    ("503", "failed", "HTTP 503 after 3 attempts"),
    # Not retried: a body still trickling at the deadline would hold the host as long again.
    ("trickle", "failed", "no complete response within 5 s (the body trickled in)"),
    ("reset", "failed", "after 3 attempts"),
    # A body shorter than its Content-Length, in the words of the aiohttp transport
    # (httpcore would say RemoteProtocolError).
    ("truncated", "failed", "Response payload is not completed"),
    ("redirect-loop", "failed", "redirect loop"),
    ("oversized", "skipped", "body larger than"),
    ("gzip-bomb", "skipped", "body larger than"),
    ("non-html", "skipped", "not HTML"),
])
def test_fault_ends_recorded_as(faulty_crawl: tuple, fault: str, state: str, reason: str) -> None:
    site, db, _ = faulty_crawl
    urls = site.affected_urls(fault)
    assert urls, fault
    for url in urls:
        got_state, error, attempts = _frontier(db, url)
        assert got_state == state and reason in error, (url, got_state, error)
        if state == "failed" and fault != "redirect-loop":
            assert attempts == (1 if fault == "trickle" else 3)
    if fault == "non-html":
        for url in urls:
            status, content_type, _, _, no_body = _page(db, url)
            assert status == 200 and not content_type.startswith("text/html") and no_body


@pytest.mark.parametrize("fault", ["truncated-html", "soft-404"])
def test_fault_ends_as_a_parse_failure(faulty_crawl: tuple, fault: str) -> None:
    site, db, _ = faulty_crawl
    urls = site.affected_urls(fault)
    assert urls, fault
    for url in urls:
        assert _frontier(db, url)[0] == "done"
        reason = db.execute("SELECT parse_error FROM parse_failures WHERE url = ?",
                            [url]).fetchone()
        assert reason is not None and reason[0].startswith(site_access(site).not_a_page), \
            reason


def test_failed_urls_are_retried_by_the_next_run(faulty_crawl: tuple) -> None:
    site, db, _ = faulty_crawl
    failed_503 = site.affected_urls("503")
    assert failed_503
    assert all(_frontier(db, url)[0] == "failed" for url in failed_503)
    report = run(db, [], max_attempts=3)
    # The 503 pages answer after three 503s: the next run gets them.
    for url in failed_503:
        assert _frontier(db, url)[0] == "done"
    assert report.counts["fetched"] >= len(failed_503)
    assert "redirect loop" in _frontier(db, site.affected_urls("redirect-loop")[0])[1]


def test_httpcore_transport_crawls_the_same_site(tmp_path: Path) -> None:
    """httpx's own transport (http_transport = "httpcore") remains a working choice."""
    with running_sample_site(pages=100, faults=["redirect", "gzip-bomb"],
                             request_log=tmp_path / "requests.jsonl") as site:
        db = fresh_archive(tmp_path / "archive.db")
        report = run(db, [site.root_url], http_transport="httpcore")
        expected = set(site.answer_urls()) - set(site.affected_urls("gzip-bomb"))
        fetched_ids = {row[0] for row in db.execute("SELECT id FROM questions WHERE is_fetched")}
        assert fetched_ids == {site.expected_record(url)["id"] for url in expected}
        assert report.counts["skipped"] == len(site.affected_urls("gzip-bomb"))
        _assert_polite(site)
