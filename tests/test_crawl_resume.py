"""Durability: kill -9 at random moments or SIGTERM, then resume: as if never interrupted.

Both sample sites (``SITES``): on the QAPage site a question's answers span pages, so a
kill may fall between a question's pages.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from crawl_helpers import (
    DEADLINE,
    SITES,
    crawl_cli_process,
    fresh_archive,
    paths_between,
    run,
    site_access,
    stored_page_count,
    wait_until,
)
from tests_support import ARCHIVE_TABLES, snapshot

from archive import open_archive
from sample_sites.testing import running_sample_site

# Questions per site: 300 CSDN pages; 100 QAPage questions are about 125 pages.
PAGES = {"csdn": 300, "qapage": 100}
FAST_ARGS = ["--delay", "0", "--concurrency", "4", "--per-host", "4"]
# Paced so that the site's pages take at least 3.5 s whatever the machine (the delay is
# a floor; a busy machine only makes the crawl slower): each kill, which comes a
# few stored pages into a run, then lands mid-crawl.
KILLED_ARGS = ["--delay", "0.03", "--concurrency", "4", "--per-host", "1"]
# The answers and their history too: a kill between a question's pages of answers
# must leave nothing a resumed crawl does differently.
RESUMED_TABLES = (*ARCHIVE_TABLES, "answers", "question_tags")


def _path(url: str) -> str:
    """A URL as the request log writes it: its path and query (``?page=2``)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _stored_paths(db_path: Path) -> set[str]:
    with sqlite3.connect(db_path) as conn:
        return {_path(row[0]) for row in conn.execute("SELECT url FROM pages")}


@pytest.mark.parametrize("site_name", SITES)
def test_kill_9_at_random_moments_then_resume(tmp_path: Path, site_name: str) -> None:
    rng = random.Random(4)
    with running_sample_site(site=site_name, pages=PAGES[site_name],
                             request_log=tmp_path / "requests.jsonl") as site:
        pages = len(site_access(site).page_urls())
        reference = fresh_archive(tmp_path / "reference.db")
        run(reference, [site.root_url])
        db_path = tmp_path / "killed.db"
        args = [site.root_url, "--db", str(db_path), *KILLED_ARGS]
        kills = 0
        for _ in range(3):
            stored_before = _stored_paths(db_path) if db_path.exists() else set()
            started = time.time()
            process = crawl_cli_process(args)
            # Wait for this run to store a random number of pages of its own (however
            # long a busy machine takes to start it), then kill at a random moment
            # of the writer's cycle: random, but never before the run did anything.
            target = len(stored_before) + rng.randint(1, 20)
            wait_until(lambda target=target: stored_page_count(db_path) >= target,
                       f"{target} pages stored", process=process)
            time.sleep(rng.uniform(0, 0.5))  # after the condition: only varies the moment
            assert process.poll() is None, "the crawl ended before it could be killed"
            process.kill()  # SIGKILL: no cleanup at all
            kills += 1
            process.communicate(timeout=DEADLINE)
            requested = paths_between(site.request_log_entries(), started, time.time())
            # No page stored by an earlier run was fetched again.
            assert not stored_before & set(requested)
        stored_before = _stored_paths(db_path)
        assert kills == 3 and 0 < len(stored_before) < pages, (kills, len(stored_before))
        started = time.time()
        final = crawl_cli_process(args)
        _, stderr = final.communicate(timeout=DEADLINE)
        assert final.returncode == 0, stderr.decode()
        requested = paths_between(site.request_log_entries(), started, time.time())
        assert not stored_before & set(requested)
        resumed = open_archive(db_path)
        assert resumed.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert snapshot(resumed, RESUMED_TABLES) == snapshot(reference, RESUMED_TABLES)
        assert resumed.execute(
            "SELECT count(*) FROM frontier WHERE state = 'pending'").fetchone()[0] == 0
        statuses = [row[0] for row in resumed.execute(
            "SELECT status FROM crawl_runs ORDER BY id")]
        assert statuses[-1] == "finished"
        # Runs killed earlier are marked interrupted when the next one starts.
        assert "running" not in statuses


@pytest.mark.parametrize(("site_name", "questions"), [("csdn", 200), ("qapage", 100)])
def test_sigterm_stops_gracefully_then_resumes(tmp_path: Path, site_name: str,
                                               questions: int) -> None:
    with running_sample_site(site=site_name, pages=questions) as site:
        pages = len(site_access(site).page_urls())
        db_path = tmp_path / "archive.db"
        # Paced so the pages take at least 6 s: the signal, sent once some pages
        # are stored, comes mid-crawl however slow the machine is.
        args = [site.root_url, "--db", str(db_path), "--delay", "0.05"]
        process = crawl_cli_process(args)
        wait_until(lambda: stored_page_count(db_path) >= 5, "5 pages stored", process=process)
        assert process.poll() is None
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=DEADLINE)
        assert process.returncode == 130, stderr.decode()
        assert "interrupted" in stderr.decode()
        db = open_archive(db_path)
        status, fetched = db.execute(
            "SELECT status, fetched FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
        assert status == "interrupted" and 0 < fetched < pages
        pending = db.execute("SELECT count(*) FROM frontier WHERE state = 'pending'").fetchone()
        assert pending[0] > 0
        db.close()
        resumed = crawl_cli_process(["--db", str(db_path), "--delay", "0", "--per-host", "4"])
        _, stderr = resumed.communicate(timeout=DEADLINE)
        assert resumed.returncode == 0, stderr.decode()
        db = open_archive(db_path)
        fetched_ids = {row[0] for row in db.execute("SELECT url FROM questions WHERE is_fetched")}
        assert fetched_ids == set(site.answer_urls())
        stored = {row[0] for row in db.execute("SELECT url FROM pages WHERE status = 200")}
        assert stored == set(site_access(site).page_urls())
