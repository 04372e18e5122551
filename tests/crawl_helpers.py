"""Helpers for the crawler tests: quick settings, running a crawl, reading the request log,
and what each sample site's pages mean to the archive (``site_access``)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils

from archive import open_archive
from crawler.engine import CrawlReport, crawl
from crawler.settings import CrawlSettings
from crawler.urls import canonicalize
from sample_sites.sites import serving_for
from sample_sites.testing import RunningSampleSite

REPO = Path(__file__).resolve().parent.parent

# How long a test waits for a condition before it fails. Generous on purpose: it
# only guards against a hang, so a busy machine (other test runs, a 2-core CI
# box) makes a test slower, never red. Never wait for a fixed time instead.
DEADLINE = 120.0

# Everything small and quick: tests must never wait on production-sized patience.
FAST = {
    "delay": 0.0,
    "concurrency": 8,
    "per_host": 8,
    "retry_backoff": 0.01,
    "retry_backoff_max": 0.05,
    # Deadlines, not waits: patient enough that a loaded machine (load 14 once made a
    # sample-site page miss 1.5 s) never turns a slow answer into a failed URL. A test of
    # the deadline itself sets a shorter one (test_crawl_site's faulty crawl).
    "request_deadline": 10.0,
    "connect_timeout": 10.0,
    "read_timeout": 10.0,
    "retry_after_max": 3.0,
    "throttle_max_delay": 0.2,
    "max_body_bytes": 2 * 1024 * 1024,
    "writer_flush_interval": 0.05,
}


def fast_settings(**changes: Any) -> CrawlSettings:
    return CrawlSettings(**{**FAST, **changes})


def run(db: sqlite_utils.Database, seeds: list[str], **changes: Any) -> CrawlReport:
    settings = fast_settings(**changes)
    return asyncio.run(crawl(db, seeds=[canonicalize(url) for url in seeds], settings=settings))


def fresh_archive(path: Path) -> sqlite_utils.Database:
    return open_archive(path)


def fetched_urls(db: sqlite_utils.Database) -> set[str]:
    return {row[0] for row in db.execute("SELECT url FROM questions WHERE is_fetched = 1")}


def crawl_cli_process(args: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """``qarchive crawl ARGS`` in a child process (for kill -9 and signal tests)."""
    code = ("import sys; from qarchive.commands.crawl import crawl_command; "
            "crawl_command(sys.argv[1:], prog_name='qarchive crawl')")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def qarchive_process(args: list[str]) -> subprocess.Popen[str]:
    """``qarchive ARGS`` (any command) in a child process, its output as text."""
    code = "import sys; from qarchive.cli import cli; cli(sys.argv[1:], prog_name='qarchive')"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=REPO, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def run_in_child(db_path: Path, seeds: list[str], **changes: Any) -> int:
    """The crawl in a child process, for timing checks from the server's request log.

    An in-process crawl shares the GIL with the in-process sample site, so the
    server's arrival timestamps wobble by tens of milliseconds; a child
    process leaves the server's thread alone.
    """
    config = db_path.with_suffix(".toml")
    config.write_text("".join(f"{key} = {value!r}\n" for key, value in
                              {**FAST, **changes}.items()), encoding="utf-8")
    child = crawl_cli_process([*seeds, "--db", str(db_path), "--config", str(config)])
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 0, stderr.decode()
    return child.returncode


def paths_between(entries: list[dict[str, Any]], start: float, end: float) -> list[str]:
    return [entry["path"] for entry in entries if start <= entry["time"] <= end]


def wait_until(condition: Callable[[], Any], what: str, *, timeout: float = DEADLINE,
               process: subprocess.Popen[Any] | None = None, interval: float = 0.02) -> Any:
    """Poll ``condition`` until it is truthy and return its value; fail after ``timeout``.

    With ``process``, fail at once if it exits before the condition holds (its
    stderr in the message): a crawl that ended can no longer make it true.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if process is not None and process.poll() is not None:
            _, stderr = process.communicate()
            raise AssertionError(f"process exited ({process.returncode}) before {what}: "
                                 f"{stderr.decode() if isinstance(stderr, bytes) else stderr}")
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(interval)


def stored_page_count(db_path: Path) -> int:
    """Rows in the archive's ``pages`` table, read as another program would (0: not yet)."""
    if not db_path.exists():  # connecting would create it
        return 0
    try:
        with contextlib.closing(sqlite3.connect(db_path, timeout=10)) as conn:
            return int(conn.execute("SELECT count(*) FROM pages").fetchone()[0])
    except sqlite3.Error:
        return 0  # no archive, or no schema yet


# The sample sites the crawl tests run on: a test whose meaning carries over takes
# ``site_name`` from ``@pytest.mark.parametrize("site_name", SITES)``.
SITES = ("csdn", "qapage")


class SiteAccess:
    """What a sample site's pages are to the archive, the same questions for either site.

    CSDN: one page per question, its one answer keyed by the question's id. QAPage: a
    question's answers over its pages (``?page=N``), each answer keyed by its own id.
    """

    # Substrings of paths robots.txt disallows, or the crawl must never follow.
    never_requested: tuple[str, ...] = ()
    # Whether the site's pages link to pages robots.txt disallows, which a crawl counts
    # as blocked (the QAPage site's disallowed pages are no question pages to follow).
    links_disallowed = False
    # How the archive's parse_failures word a page with no question on it (a truncated
    # page, a soft 404).
    not_a_page: str = ""

    def __init__(self, site: RunningSampleSite) -> None:
        self.site = site

    def question_id(self, url: str) -> str:
        """The id the archive keys the question of ``url`` by (a page removed since, too)."""
        model = self.site.site
        # Any page of the epochs the tests move a site to (3 at most), removed ones too.
        index = model.index_of(url, epoch=max(self.site.epoch, 3))
        assert index is not None, url
        return str(model.page_id(index))

    def question_pages(self, url: str, *, epoch: int | None = None) -> list[str]:
        """Every URL the question of ``url`` is shown at, at ``epoch`` (default: now)."""
        raise NotImplementedError

    def page_urls(self, *, epoch: int | None = None) -> list[str]:
        """Every page a crawl of the whole site at ``epoch`` fetches and stores."""
        return [page for url in self.site.answer_urls(epoch=epoch)
                for page in self.question_pages(url, epoch=epoch)]

    def edited_answers(self, url: str, *, epoch: int) -> dict[str, str]:
        """The answers of ``url`` edited at ``epoch``: answer id -> a sentence only the
        edited text holds."""
        raise NotImplementedError

    def unchanged_pages(self, epoch: int) -> set[str]:
        """The pages of ``epoch - 1`` whose HTML ``epoch`` leaves byte for byte as it was:
        those a conditional request gets 304 for (the site's ETag is the body's hash).
        QAPage: a later page of answers can stay the same while the first one changes."""
        model = self.site.site  # the caller's twin: the server thread owns the app's
        serving = serving_for(model)
        unchanged = set()
        for index in model.answer_indexes(epoch - 1):
            if model.status(index, epoch) != 200:
                continue
            pages = self.question_pages(model.url_of(index), epoch=epoch - 1)
            for part, url in enumerate(pages, start=1):
                before, after = (serving.render_page(index, e, part=part, charset="utf-8")
                                 for e in (epoch - 1, epoch))
                if before == after:
                    unchanged.add(url)
        return unchanged


class _CsdnAccess(SiteAccess):
    never_requested = ("/private/", "?print=1")
    links_disallowed = True
    not_a_page = "not an answer page"

    def question_pages(self, url: str, *, epoch: int | None = None) -> list[str]:
        return [url]

    def edited_answers(self, url: str, *, epoch: int) -> dict[str, str]:
        phrases = self.site.expected_record(url, epoch=epoch)["answer_phrases"]
        return {self.question_id(url): phrases[-1]}


class _QAPageAccess(SiteAccess):
    never_requested = ("/users/", "/search", "/questions/ask", "answertab=")
    # Its host is no known site's: a page is the generic profile's by its QAPage
    # markup, so a page without it is no profile's.
    not_a_page = "no site profile knows pages like"

    def question_pages(self, url: str, *, epoch: int | None = None) -> list[str]:
        return self.site.answer_page_urls(url, epoch=epoch)

    def edited_answers(self, url: str, *, epoch: int) -> dict[str, str]:
        before = {answer["id"]: answer["text"] for answer in
                  self.site.expected_question(url, epoch=epoch - 1)["answers"]}
        return {answer["id"]: answer["phrases"][-1]
                for answer in self.site.expected_question(url, epoch=epoch)["answers"]
                if answer["id"] in before and before[answer["id"]] != answer["text"]}


def site_access(site: RunningSampleSite) -> SiteAccess:
    accesses: dict[str, type[SiteAccess]] = {"csdn": _CsdnAccess, "qapage": _QAPageAccess}
    return accesses[site.site_name](site)


# -- a QAPage question as the archive stores it, and as the site says it is ----------------

def question_as_stored(db: sqlite_utils.Database, question_id: str) -> dict[str, Any]:
    """The question's row, tags and answers (in their stored order) from the archive."""
    row = db.execute(
        "SELECT site, url, title, status, duplicate_of, view_count, question_votes, "
        "answer_count FROM questions WHERE id = ?", [question_id]).fetchone()
    assert row is not None, question_id
    keys = ("site", "url", "title", "status", "duplicate_of", "view_count", "question_votes",
            "answer_count")
    tags = [tag for (tag,) in db.execute(
        "SELECT tag FROM question_tags WHERE question_id = ? ORDER BY position", [question_id])]
    answers = [
        {"position": position, "id": id_, "votes": votes, "accepted": bool(accepted),
         "author": author, "created_at": created_at}
        for position, id_, votes, accepted, author, created_at in db.execute(
            "SELECT position, id, votes, accepted, author, created_at FROM answers "
            "WHERE question_id = ? ORDER BY position", [question_id])
    ]
    return {**dict(zip(keys, row, strict=True)), "tags": tags, "answers": answers}


def question_as_expected(site: RunningSampleSite, url: str, *,
                         epoch: int | None = None) -> dict[str, Any]:
    """``question_as_stored``'s shape of ``expected_question(url)``: answers numbered
    1, 2, ... across the question's pages of answers, as the archive numbers them."""
    expected = site.expected_question(url, epoch=epoch)
    return {
        **{key: expected[key] for key in ("site", "url", "title", "status", "duplicate_of",
                                          "view_count", "question_votes", "answer_count",
                                          "tags")},
        "answers": [{key: answer[key] for key in ("position", "id", "votes", "accepted",
                                                  "author", "created_at")}
                    for answer in expected["answers"]],
    }
