"""Crawler building blocks: URLs, settings, Retry-After, pacing, sitemaps, one retry rule."""

from __future__ import annotations

import asyncio
import gzip
import itertools
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from archive import open_archive
from crawler.fetch import Fetcher, make_client, parse_retry_after
from crawler.frontier import FrontierQueue, FrontierURL
from crawler.politeness import Politeness
from crawler.settings import CrawlSettings, SettingsError, load_settings, parse_duration
from crawler.sitemaps import parse_sitemap
from crawler.urls import BadURL, Scope, canonicalize


@pytest.mark.parametrize(("url", "expected"), [
    ("HTTP://Wenku.CSDN.net:443/answer/abc#top", "http://wenku.csdn.net:443/answer/abc"),
    ("https://wenku.csdn.net:443/answer/abc", "https://wenku.csdn.net/answer/abc"),
    ("http://example.com", "http://example.com/"),
    ("https://x.org/a?utm_source=z&b=2&spm=1001.2101&a=1&utm_medium=m",
     "https://x.org/a?a=1&b=2"),
    ("https://x.org/a?ops_request_misc=%7B%7D&request_id=9&biz_id=0", "https://x.org/a"),
    ("https://x.org/a%7e?q=%e4%b8%ad", "https://x.org/a~?q=%E4%B8%AD"),
])
def test_canonicalize(url: str, expected: str) -> None:
    assert canonicalize(url) == expected


@pytest.mark.parametrize("url", ["ftp://x.org/a", "not a url", "http://", "http://x.org:99999/"])
def test_canonicalize_rejects_bad_urls(url: str) -> None:
    with pytest.raises(BadURL):
        canonicalize(url)


def test_scope_allows_only_its_hosts() -> None:
    scope = Scope(["127.0.0.1:8000", "wenku.csdn.net"])
    assert scope.allows("http://127.0.0.1:8000/answer/a")
    assert not scope.allows("http://127.0.0.1:9000/answer/a")
    assert scope.allows("https://wenku.csdn.net/answer/a")
    assert not scope.allows("https://download.csdn.net/x")


def test_parse_duration() -> None:
    assert parse_duration("30m") == 1800
    assert parse_duration("90") == 90
    assert parse_duration("1.5h") == 5400
    with pytest.raises(SettingsError, match="bad duration '30x'"):
        parse_duration("30x")


def test_settings_file_then_command_line(tmp_path: Path) -> None:
    config = tmp_path / "qarchive.toml"
    config.write_text('[crawl]\ndelay = 2.5\nper-host = 2\nmax_duration = "10m"\n'
                      'allow_hosts = ["a.org"]\n', encoding="utf-8")
    settings = load_settings(config, overrides={"delay": 0.5, "concurrency": None})
    assert settings.delay == 0.5  # the command line wins
    assert settings.per_host == 2
    assert settings.max_duration == 600
    assert settings.allow_hosts == ("a.org",)
    assert settings.concurrency == CrawlSettings().concurrency


def test_settings_file_unknown_key_is_one_line_error(tmp_path: Path) -> None:
    config = tmp_path / "qarchive.toml"
    config.write_text("delay = 1\ndelya = 2\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"unknown setting 'delya' \(known: .*delay"):
        load_settings(config)
    config.write_text("delay = -1\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="delay must be a number"):
        load_settings(config)


def test_retry_after_seconds_and_http_date() -> None:
    # RFC 9110 §10.2.3: delay-seconds or HTTP-date.
    assert parse_retry_after("3") == 3.0
    now = datetime(2024, 1, 1, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=5), usegmt=True)
    assert parse_retry_after(later, now=now) == 5.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


async def test_request_starts_to_one_host_are_spaced() -> None:
    politeness = Politeness(CrawlSettings(delay=0.1, per_host=2))
    starts: list[float] = []

    async def request() -> None:
        async with politeness.request_slot("h"):
            # The clock reading the slot was granted at (nothing ran in between): a
            # reading of our own could come late on a busy machine and shrink a gap.
            starts.append(politeness.pace("h").last_start)

    began = time.monotonic()
    await asyncio.gather(*(request() for _ in range(4)))
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(starts) == 4 and all(gap >= 0.1 for gap in gaps), gaps
    assert starts[0] >= began and time.monotonic() - began >= 0.3  # really waited


def test_retry_after_sets_not_before_capped() -> None:
    """On a clock of our own: Retry-After holds the host for exactly its seconds, capped."""
    now = [1000.0]
    settings = CrawlSettings(delay=0, retry_after_max=10, retry_backoff=0.1)
    politeness = Politeness(settings, clock=lambda: now[0])
    politeness.throttled("h", retry_after=2)
    assert politeness.pace("h").not_before == 1002.0
    now[0] = 1001.0
    politeness.throttled("h", retry_after=60)
    assert politeness.pace("h").not_before == 1011.0  # capped at retry_after_max
    politeness.throttled("h", retry_after=1)  # a shorter one never brings it forward
    assert politeness.pace("h").not_before == 1011.0
    politeness.throttled("other", retry_after=None)  # no Retry-After: no hold
    assert politeness.pace("other").not_before == float("-inf")


async def test_retry_after_is_waited_before_the_retry() -> None:
    """A 429 with Retry-After: 2, then the page: the retry reaches the server >= 2 s later.

    Times are taken where the server handles each request; the retry can only come
    late on a busy machine, never early, so the lower bound holds under any load.
    Without Retry-After the retry would come after the 0.01 s backoff.
    """
    arrivals: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        arrivals.append(time.monotonic())
        if len(arrivals) == 1:
            return httpx.Response(429, headers={"retry-after": "2"})
        return httpx.Response(200, html="<html></html>")

    settings = CrawlSettings(delay=0, retry_backoff=0.01, retry_backoff_max=0.05,
                             throttle_max_delay=0.05, retry_after_max=30)
    async with make_client(settings, transport=httpx.MockTransport(handler)) as client:
        fetcher = Fetcher(client, settings=settings, politeness=Politeness(settings),
                          scope=Scope(["t.test"]))
        result = await fetcher.fetch("http://t.test/limited")
    assert result.outcome == "response" and result.page is not None
    assert result.page.status == 200 and result.retries == 1
    assert len(arrivals) == 2 and arrivals[1] - arrivals[0] >= 2.0, arrivals


async def test_throttling_grows_the_delay_and_recovers() -> None:
    settings = CrawlSettings(delay=0.5, throttle_max_delay=4, retry_after_max=10, retry_backoff=0.1)
    politeness = Politeness(settings)
    politeness.throttled("h", retry_after=None)
    politeness.throttled("h", retry_after=None)
    assert politeness.pace("h").current_delay == 2.0
    politeness.throttled("h", retry_after=None)
    politeness.throttled("h", retry_after=60)
    assert politeness.pace("h").current_delay == 4.0  # capped
    for _ in range(30):
        politeness.succeeded("h")
    assert politeness.pace("h").current_delay == 0.5
    politeness.set_crawl_delay("h", 3)
    assert politeness.pace("h").current_delay == 3


async def test_retries_transient_statuses_but_not_404() -> None:
    # The one retry rule tested without a server: 503, 503, then 200; a 404 once.
    calls: dict[str, int] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        calls[path] = calls.get(path, 0) + 1
        if path == "/robots.txt":
            return httpx.Response(404)
        if path == "/flaky" and calls[path] < 3:
            return httpx.Response(503)
        if path == "/missing":
            return httpx.Response(404, text="gone")
        return httpx.Response(200, html="<html></html>")

    settings = CrawlSettings(delay=0, retry_backoff=0.001, retry_backoff_max=0.01)
    async with make_client(settings, transport=httpx.MockTransport(handler)) as client:
        fetcher = Fetcher(client, settings=settings, politeness=Politeness(settings),
                          scope=Scope(["t.test"]))
        flaky = await fetcher.fetch("http://t.test/flaky")
        missing = await fetcher.fetch("http://t.test/missing")
    assert flaky.outcome == "response" and flaky.page is not None
    assert flaky.page.status == 200 and flaky.retries == 2
    assert missing.outcome == "response" and missing.retries == 0 and calls["/missing"] == 1


def test_parse_sitemap_plain_gzip_and_index() -> None:
    urlset = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
              b"<url><loc> http://a.org/1 </loc></url><url><loc>http://a.org/2</loc></url>"
              b"</urlset>")
    assert parse_sitemap(urlset) == ("urlset", ["http://a.org/1", "http://a.org/2"])
    assert parse_sitemap(gzip.compress(urlset)) == ("urlset", ["http://a.org/1", "http://a.org/2"])
    index = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             b"<sitemap><loc>http://a.org/s1.xml.gz</loc></sitemap></sitemapindex>")
    assert parse_sitemap(index) == ("sitemapindex", ["http://a.org/s1.xml.gz"])
    bomb = b'<!DOCTYPE x [<!ENTITY a "aaaa">]><urlset>&a;</urlset>'
    with pytest.raises(ValueError, match="not valid XML"):
        parse_sitemap(bomb)


def test_http_transport_setting_is_checked(tmp_path: Path) -> None:
    config = tmp_path / "qarchive.toml"
    config.write_text('http_transport = "curl"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="http_transport must be one of aiohttp, httpcore"):
        load_settings(config)
    config.write_text('http_transport = "httpcore"\n', encoding="utf-8")
    assert load_settings(config).http_transport == "httpcore"


def test_frontier_hosts_take_turns_breadth_first_within_each(tmp_path: Path) -> None:
    """A run of one host's URLs must not hold every worker while other hosts wait."""
    db = open_archive(tmp_path / "archive.db")
    frontier = FrontierQueue(db.frontier_table(run_id=None))
    for host, number in [("a", 1), ("a", 2), ("a", 3), ("b", 1), ("c", 1), ("b", 2)]:
        assert frontier.discover(FrontierURL(f"http://{host}/{number}", host, depth=0))
    assert not frontier.discover(FrontierURL("http://a/1", "a", depth=0))  # known already
    assert len(frontier) == 6
    order = []
    while (entry := frontier.pop()) is not None:
        order.append(entry.url)
    assert order == ["http://a/1", "http://b/1", "http://c/1", "http://a/2", "http://b/2",
                     "http://a/3"]
    assert len(frontier) == 0
    # An entry taken but not processed goes back first in line for its host.
    frontier.discover(FrontierURL("http://a/4", "a", depth=1))
    taken = frontier.pop()
    assert taken is not None
    frontier.push_back(taken)
    assert frontier.pop() == taken
    db.close()


def test_frontier_knows_stored_urls_from_the_table_and_found_ones_until_stored(
        tmp_path: Path) -> None:
    """No set of every URL in memory: the table answers for stored URLs, a set for the rest."""
    db = open_archive(tmp_path / "archive.db")
    stored = [FrontierURL(f"http://a/answer/{number}", "a", depth=1) for number in range(500)]
    with db.atomic():
        db.frontier_table(run_id=None).write_new(stored, discovered_from=None)
    frontier = FrontierQueue(db.frontier_table(run_id=None))
    assert all(frontier.is_known(entry.url) for entry in stored)
    assert not frontier.discover(stored[0])
    found = FrontierURL("http://a/answer/500", "a", depth=2)
    assert not frontier.is_known(found.url) and not frontier.is_known("http://a/answer/1/")
    assert frontier.discover(found)
    assert frontier.is_known(found.url) and not frontier.discover(found)  # not stored yet
    with db.atomic():  # what the writer does with the page that found it
        db.frontier_table(run_id=None).write_new([found], discovered_from=stored[0].url)
    frontier.stored([found])
    assert frontier.is_known(found.url) and not frontier.discover(found)
    assert len(frontier) == 1
    db.close()


def test_frontier_loaded_from_the_archive_pops_whole_entries_shallowest_first(
        tmp_path: Path) -> None:
    """Loaded rows are queued by rowid; what pops is the row's URL, host, depth and kind."""
    db = open_archive(tmp_path / "archive.db")
    rows = [FrontierURL("http://a/2", "a", depth=2), FrontierURL("http://b/r", "b", depth=1,
                                                                 kind="resource"),
            FrontierURL("http://a/1", "a", depth=1), FrontierURL("http://a/0", "a", depth=0)]
    with db.atomic():
        db.frontier_table(run_id=None).write_new(rows, discovered_from=None)
    frontier = FrontierQueue(db.frontier_table(run_id=None))
    assert frontier.load() == 4
    frontier.discover(FrontierURL("http://b/new", "b", depth=3))
    popped = []
    while (entry := frontier.pop()) is not None:
        popped.append(entry)
    assert popped == [FrontierURL("http://a/0", "a", depth=0),
                      FrontierURL("http://b/r", "b", depth=1, kind="resource"),
                      FrontierURL("http://a/1", "a", depth=1),
                      FrontierURL("http://b/new", "b", depth=3),
                      FrontierURL("http://a/2", "a", depth=2)]
    # A row gone from under its queued rowid (another program's VACUUM) is skipped.
    assert frontier.load() == 4
    db.execute("DELETE FROM frontier WHERE url = 'http://a/0'")
    assert frontier.pop() == FrontierURL("http://b/r", "b", depth=1, kind="resource")
    assert frontier.pop() == FrontierURL("http://a/1", "a", depth=1)
    db.close()
