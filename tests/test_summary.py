"""The crawl summary says why: why it stopped early, and why a run fetched nothing."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from crawl_helpers import fast_settings, fresh_archive, run

from crawler.engine import crawl
from crawler.status import CrawlStatus
from sample_sites.testing import running_sample_site

PAGES = 60


def test_a_second_run_says_why_nothing_was_fetched(tmp_path: Path) -> None:
    with running_sample_site(pages=PAGES) as site:
        db = fresh_archive(tmp_path / "archive.db")
        first = run(db, [site.root_url])
        assert first.counts["fetched"] == PAGES
        again = run(db, [site.root_url])
    assert again.counts["fetched"] == 0
    states = dict(db.execute("SELECT state, count(*) FROM frontier GROUP BY state").fetchall())
    assert set(states) == {"done", "blocked"}  # the site's robots.txt blocks /private/ links
    assert again.notes[-1] == (
        f"nothing was due: of the archive's {sum(states.values())} known URL(s), "
        f"{states['done']} done and fresher than --refresh-after (7d), "
        f"{states['blocked']} blocked by robots.txt; --refresh-after 0 fetches the done ones "
        "again")
    assert again.notes[-1] in again.summary()


def test_max_pages_says_what_the_urls_taken_came_to(tmp_path: Path) -> None:
    with running_sample_site(pages=PAGES) as site:
        db = fresh_archive(tmp_path / "archive.db")
        # More than the site's pages: the limit is reached only with blocked URLs taken too
        # (the "94 fetched plus 6 blocked" that the summary did not explain).
        limit = PAGES + 4
        report = run(db, [site.root_url], max_pages=limit)
    counts = report.counts
    assert report.stop_reason == "max pages"
    assert counts["fetched"] + counts["blocked"] == limit and counts["blocked"] > 0
    assert report.notes[-1] == (f"--max-pages {limit} reached: {limit} URLs taken "
                                f"({counts['fetched']} fetched, {counts['blocked']} blocked by "
                                "robots.txt)")


def test_an_interrupted_run_says_by_what(tmp_path: Path) -> None:
    with running_sample_site(pages=PAGES) as site:
        db = fresh_archive(tmp_path / "archive.db")

        async def interrupted() -> str:
            stop = asyncio.Event()
            stop.set()  # Ctrl-C before the first page
            report = await crawl(db, seeds=[site.root_url], settings=fast_settings(),
                                 stop=stop)
            return report.summary().splitlines()[0]

        first_line = asyncio.run(interrupted())
    assert "interrupted (by Ctrl-C or SIGTERM)" in first_line
    assert "(interrupted)" not in first_line


class _Recorder:
    """A progress display that keeps every status it is shown."""

    def __init__(self) -> None:
        self.statuses: list[CrawlStatus] = []

    def update(self, status: CrawlStatus) -> None:
        self.statuses.append(status)

    def close(self) -> None:
        pass


def test_progress_names_the_url_in_flight_longest(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # The sample site's "slow" fault answers a second late; name URLs slow after 0.5 s here
    # (10 s in a real crawl) so a second's wait is enough to see it.
    monkeypatch.setattr("crawler.status.SLOW_AFTER", 0.5)
    recorder = _Recorder()
    with running_sample_site(pages=PAGES, faults=("slow",)) as site:
        slow_urls = set(site.affected_urls("slow"))
        db = fresh_archive(tmp_path / "archive.db")
        asyncio.run(crawl(db, seeds=[site.root_url], settings=fast_settings(),
                          progress=recorder))
    named = [status for status in recorder.statuses if status.slow is not None]
    assert named, "a URL a second late was in flight for more than 0.5 s"
    for status in named:
        url, seconds = status.slow  # type: ignore[misc]
        assert seconds >= 0.5
        assert url in slow_urls
        assert f"slow: {url}" in status.describe()


@pytest.mark.parametrize("transport", ["aiohttp", "httpcore"])
def test_a_reset_and_a_refused_connection_are_named_for_what_they_are(
        tmp_path: Path, transport: str) -> None:
    """Not "ConnectTimeout: [Errno 104] ...": the aiohttp transport calls both a timeout."""
    with running_sample_site(pages=PAGES, faults=("reset",)) as site:
        db = fresh_archive(tmp_path / "reset.db")
        run(db, [site.root_url], http_transport=transport)
        errors = {row[0] for row in db.execute(
            "SELECT last_error FROM frontier WHERE state = 'failed'")}
    assert errors == {"connection reset by peer (ECONNRESET) after 3 attempts"}
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    report = run(fresh_archive(tmp_path / "refused.db"), [f"http://127.0.0.1:{port}/answer/"
                                                          "abcdefghij"], http_transport=transport)
    assert report.notes[0] == (f"127.0.0.1:{port} deferred to a later run: robots.txt "
                               "unreachable: connection refused (ECONNREFUSED) after 3 attempts")
