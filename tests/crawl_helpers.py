"""Helpers for the crawler tests: quick settings, running a crawl, reading the request log."""

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
    "request_deadline": 1.5,
    "connect_timeout": 2.0,
    "read_timeout": 1.5,
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
