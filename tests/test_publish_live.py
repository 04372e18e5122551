"""Datasette serves an archive while a crawl writes to it (WAL): new rows show, no errors."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from crawl_helpers import crawl_cli_process

from archive import open_archive
from publish import make_datasette
from sample_sites.testing import running_sample_site

COUNT_SQL = "select count(*) as n from questions where is_fetched = 1"


async def test_datasette_reads_while_a_crawl_writes(tmp_path: Path) -> None:
    db_path = tmp_path / "archive.db"
    open_archive(db_path).close()
    with running_sample_site(pages=200) as site:
        # Paced so the crawl takes a few seconds: Datasette reads all along.
        crawl = crawl_cli_process([site.root_url, "--db", str(db_path), "--delay", "0.01",
                                   "--per-host", "1"])
        ds = make_datasette(db_path)
        counts: list[int] = []
        deadline = time.monotonic() + 60
        while crawl.poll() is None and time.monotonic() < deadline:
            response = await ds.client.get("/archive.json", params={
                "sql": COUNT_SQL, "_shape": "array"})
            assert response.status_code == 200, response.text
            counts.append(response.json()[0]["n"])
            page = await ds.client.get("/archive/questions")
            assert page.status_code == 200
            await asyncio.sleep(0.05)
        _, stderr = crawl.communicate(timeout=30)
        assert crawl.returncode == 0, stderr.decode()
        final = (await ds.client.get("/archive.json", params={
            "sql": COUNT_SQL, "_shape": "array"})).json()[0]["n"]
    assert final == 200
    assert counts == sorted(counts)  # committed batches only ever add rows
    assert len(set(counts)) >= 3, counts  # rows appeared while Datasette was reading
