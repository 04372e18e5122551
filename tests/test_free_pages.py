"""The archive gives its free pages back to the file system (auto_vacuum = INCREMENTAL).

A crawl's free pages come from FTS5 merging the search index's segments and from bodies
moved to a new compression dictionary (archive/archive.py, AUTO_VACUUM_INCREMENTAL). Here
they are made by a table dropped from the archive: the same free pages, as many as a
test needs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from crawl_helpers import REPO, fresh_archive, run, wait_until
from tests_support import FIXTURES, free_pages_made, snapshot

from archive import Archive, open_archive
from archive.compact import compact_archive
from crawler.importer import import_files
from crawler.reparse import reparse_pages
from qarchive.cli import cli
from sample_sites.testing import running_sample_site

REFERENCE = FIXTURES / "answer-2kxyq3m7vd.html"


def _file_pages(path: Path) -> int:
    """The archive file's length in pages (the WAL checkpointed into it)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    return path.stat().st_size // page_size


def _old_archive(path: Path) -> Archive:
    """An archive made before 0.2 (auto_vacuum = NONE): the 0.1.0 fixture, upgraded."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.executescript((FIXTURES / "archive-v1.sql").read_text(encoding="utf-8"))
    db = open_archive(path)
    assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 0
    assert not db.gives_back_free_pages
    return db


def test_a_new_archive_gives_back_its_free_pages(tmp_path: Path) -> None:
    db = fresh_archive(tmp_path / "archive.db")
    assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # INCREMENTAL
    assert db.gives_back_free_pages
    free = free_pages_made(db, pages=300)
    pages_before = _file_pages(tmp_path / "archive.db")
    assert db.release_free_pages() == free
    assert db.free_pages() == 0
    assert _file_pages(tmp_path / "archive.db") == pages_before - free
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Nothing to give back; nothing done inside a caller's transaction either.
    assert db.release_free_pages() == 0
    free_pages_made(db, pages=20)
    with db.atomic():
        assert db.release_free_pages() == 0
    assert db.free_pages() > 0
    db.close()


def test_giving_back_is_bounded_a_step_a_transaction(tmp_path: Path) -> None:
    db = fresh_archive(tmp_path / "archive.db")
    free = free_pages_made(db, pages=250)
    # Out of time at once: one step, and the rest stays for the next run. A whole step:
    # the pragma gives back one page per step of its statement, and run by execute()
    # (which steps once) it would give back one page, whatever the step said.
    assert db.release_free_pages(max_seconds=0, step=100) == 100
    assert db.free_pages() == free - 100
    assert db.release_free_pages(max_seconds=None, step=100) == free - 100
    assert db.free_pages() == 0
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


def test_a_failed_step_loses_nothing_and_fails_no_run(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A full disk (the moved pages go to the WAL first) fails a step: it rolls back, and
    the crawl or import it ends keeps its status. Here the connection may not write."""
    db = fresh_archive(tmp_path / "archive.db")
    assert import_files(db, [REFERENCE]).outcomes["new"] == 1
    rows = snapshot(db)
    free = free_pages_made(db, pages=50)
    db.execute("PRAGMA query_only = 1")
    assert db.release_free_pages() == 0
    assert f"{free} free pages not given back to the file system: attempt to write a " \
        "readonly database" in caplog.text
    db.execute("PRAGMA query_only = 0")
    assert db.free_pages() == free and snapshot(db) == rows
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.release_free_pages() == free
    db.close()


def test_an_old_archive_keeps_its_free_pages_until_compact_vacuum(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    db = _old_archive(path)
    free = free_pages_made(db, pages=200)
    assert db.release_free_pages() == 0 and db.free_pages() == free
    report = compact_archive(db)
    assert report.released_pages is None and db.free_pages() == free
    assert "free pages kept; --vacuum returns them" in report.summary()[-1]
    rows = snapshot(db)
    db.close()

    result = CliRunner().invoke(cli, ["compact", "--db", str(path), "--vacuum"])
    assert result.exit_code == 0, result.output
    assert "free pages kept" not in result.output

    db = open_archive(path)
    assert db.gives_back_free_pages and db.free_pages() == 0
    assert snapshot(db) == rows
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # From now on it gives its free pages back like a new archive: compact does.
    free = free_pages_made(db, pages=100)
    report = compact_archive(db)
    assert report.released_pages == free and db.free_pages() == 0
    assert "free pages kept" not in "\n".join(report.summary())
    assert snapshot(db) == rows
    db.close()


def test_the_end_of_a_crawl_gives_back_the_free_pages(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    db = fresh_archive(path)
    # More free pages than this crawl writes, so that it cannot reuse them all.
    free = free_pages_made(db, pages=300)
    pages_before = _file_pages(path)
    with running_sample_site(pages=20) as site:
        report = run(db, [site.root_url])
    assert report.counts["fetched"] == 20
    assert db.free_pages() == 0
    assert _file_pages(path) < pages_before - free // 2
    assert db.execute("SELECT count(*) FROM questions WHERE is_fetched = 1").fetchone()[0] == 20
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


def test_the_end_of_an_import_and_a_reparse_give_back_the_free_pages(tmp_path: Path) -> None:
    db = fresh_archive(tmp_path / "archive.db")
    free_pages_made(db, pages=400)
    report = import_files(db, [REFERENCE])
    assert report.outcomes["new"] == 1 and db.free_pages() == 0
    rows = snapshot(db)
    free_pages_made(db, pages=400)
    reparse_pages(db, all_pages=True)
    assert db.free_pages() == 0
    assert snapshot(db)["questions"] == rows["questions"]
    db.close()


_GIVE_BACK_IN_SMALL_STEPS = """
import sys
from archive import open_archive
db = open_archive(sys.argv[1])
print("started", flush=True)
db.release_free_pages(max_seconds=None, step=4)  # many short transactions to be killed in
"""


def test_a_kill_while_giving_back_free_pages_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    db = fresh_archive(path)
    assert import_files(db, [REFERENCE]).outcomes["new"] == 1
    rows = snapshot(db)
    free = free_pages_made(db, pages=2000)
    db.close()
    child = subprocess.Popen(
        [sys.executable, "-c", _GIVE_BACK_IN_SMALL_STEPS, str(path)], cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline() == "started\n"

    def some_given_back() -> bool:
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as conn:
            return int(conn.execute("PRAGMA freelist_count").fetchone()[0]) < free - 16
    wait_until(some_given_back, "the child gave back some free pages", process=child,
               interval=0.001)
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL, "finished before the kill: make more pages"

    db = open_archive(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert 0 < db.free_pages() < free
    assert snapshot(db) == rows
    db.release_free_pages(max_seconds=None)
    assert db.free_pages() == 0 and snapshot(db) == rows
    db.close()
