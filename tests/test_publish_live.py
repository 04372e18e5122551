"""Datasette serves an archive while a crawl writes to it (WAL): new rows show, no errors."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from crawl_helpers import DEADLINE, crawl_cli_process

from archive import open_archive
from publish import make_datasette
from sample_sites.testing import running_sample_site

COUNT_SQL = "select count(*) as n from questions where is_fetched = 1"
PAGES = 120


async def test_datasette_reads_while_a_crawl_writes(tmp_path: Path) -> None:
    db_path = tmp_path / "archive.db"
    open_archive(db_path).close()
    with running_sample_site(pages=PAGES) as site:
        # Paced so the crawl takes at least 6 s on any machine (the delay is a floor:
        # a busy machine only makes it longer), committing every 0.5 s meanwhile:
        # Datasette, reading all along, sees rows appear batch by batch.
        crawl = crawl_cli_process([site.root_url, "--db", str(db_path), "--delay", "0.05",
                                   "--per-host", "1"])
        ds = make_datasette(db_path)
        counts: list[int] = []
        deadline = time.monotonic() + DEADLINE  # guards against a hang only
        while crawl.poll() is None and time.monotonic() < deadline:
            response = await ds.client.get("/archive.json", params={
                "sql": COUNT_SQL, "_shape": "array"})
            assert response.status_code == 200, response.text
            counts.append(response.json()[0]["n"])
            page = await ds.client.get("/archive/questions")
            assert page.status_code == 200
            await asyncio.sleep(0.05)
        _, stderr = crawl.communicate(timeout=DEADLINE)
        assert crawl.returncode == 0, stderr.decode()
        final = (await ds.client.get("/archive.json", params={
            "sql": COUNT_SQL, "_shape": "array"})).json()[0]["n"]
    assert final == PAGES
    assert counts == sorted(counts)  # committed batches only ever add rows
    # Rows appeared while Datasette was reading: at least two partial counts seen.
    assert len({n for n in counts if 0 < n < PAGES}) >= 2, counts
