"""The archive writer: in its own process (the default) or in the crawl's event loop, alike."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from crawl_helpers import fresh_archive, run
from tests_support import snapshot

from archive import RunCounts, open_archive
from crawler.writer_process import ProcessWriter
from crawler.writers import StoredBatch
from sample_sites.testing import running_sample_site

PAGES = 120


def _run_row(db_path: Path) -> tuple:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT status, fetched, new, updated, unchanged, gone "
                            "FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()


def test_writer_process_stores_what_the_event_loop_writer_stores(tmp_path: Path) -> None:
    with running_sample_site(pages=PAGES) as site:
        archives = {}
        for writer_process in (True, False):
            path = tmp_path / f"{writer_process}.db"
            db = fresh_archive(path)
            first = run(db, [site.root_url], writer_process=writer_process)
            again = run(db, [site.root_url], writer_process=writer_process, refresh_after=0)
            assert first.counts["new"] == first.counts["fetched"] == PAGES
            assert again.counts["unchanged"] == again.counts["fetched"] == PAGES
            assert _run_row(path) == ("finished", PAGES, 0, 0, PAGES, 0)
            archives[writer_process] = snapshot(db)
        assert archives[True] == archives[False]


def test_archive_file_is_none_in_memory(tmp_path: Path) -> None:
    assert fresh_archive(tmp_path / "a.db").file == str(tmp_path / "a.db")
    assert open_archive(":memory:").file is None


@pytest.mark.parametrize("writer_process", [True, False])
def test_a_failing_writer_fails_the_run(tmp_path: Path, writer_process: bool) -> None:
    path = tmp_path / "archive.db"
    db = fresh_archive(path)
    # Stands for a full disk: every page insert fails.
    db.execute("CREATE TRIGGER no_room BEFORE INSERT ON pages "
               "BEGIN SELECT RAISE(ABORT, 'no room (test)'); END")
    with (running_sample_site(pages=PAGES) as site,
          pytest.raises(sqlite3.DatabaseError, match="no room")):
        run(db, [site.root_url], writer_process=writer_process)
    assert _run_row(path)[0] == "failed"
    assert db.execute("SELECT count(*) FROM pages").fetchone()[0] == 0


def test_an_error_in_the_crawls_stored_callback_fails_the_writer(tmp_path: Path) -> None:
    """The crawl's side of a batch acknowledgement (counts, the frontier's unstored URLs) must
    not fail unseen in an event-loop callback: store() or close() raises it."""
    path = tmp_path / "archive.db"
    db = fresh_archive(path)
    run_id = db.start_run(command="crawl", options={})

    def on_stored(batch: StoredBatch) -> None:
        raise RuntimeError("acknowledgement broke (test)")

    async def store_and_close() -> None:
        process = ProcessWriter(str(path), run_id=run_id, poisoned_retry_after=60.0,
                                on_stored=on_stored)
        try:
            for _ in range(3):
                await asyncio.wait_for(process.store([], RunCounts()), 30)
            await asyncio.wait_for(process.close(), 30)
        finally:
            process.abandon()

    with pytest.raises(RuntimeError, match="acknowledgement broke"):
        asyncio.run(store_and_close())
