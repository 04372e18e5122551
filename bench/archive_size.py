"""Benchmark 8 (issue 15): the archive's size against the HTML it archived.

A sample site of ``pages`` answer pages is crawled whole by ``qarchive crawl``
(the CLI, as a user runs it); the archive is then measured as the crawl left
it: the database file and its WAL, against the HTML bytes it archived
(``pages.body_size``). SQLite's ``dbstat`` gives the bytes of every table and
index, and the raw-page store (the bodies) is set against the HTML too.

The result is saved as ``size.json``; a result saved as ``size-before.json``
(the same script run at an older commit) is shown beside it.
"""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from bench.common import REPO, WORK_DIR
from bench.crawlers import count_rows, fresh_db, qarchive_crawl_args, run_child, sample_sites

__all__ = ["measure_archive", "run"]

_STORED = "SELECT count(*) FROM pages WHERE status = 200 AND question_id IS NOT NULL"


def _file_size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def measure_archive(db: Path) -> dict[str, Any]:
    """The archive as it lies (db + WAL), its HTML, and dbstat's bytes per object."""
    db_bytes, wal_bytes = _file_size(db), _file_size(Path(f"{db}-wal"))
    with contextlib.closing(sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)) as conn:
        pages, html, bodies = conn.execute(
            "SELECT count(*), coalesce(sum(body_size), 0), coalesce(sum(length(body)), 0) "
            "FROM pages WHERE body IS NOT NULL").fetchone()
        objects = dict(conn.execute(
            "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"))
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        free = conn.execute("PRAGMA freelist_count").fetchone()[0] * page_size
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    return {
        "schema_version": version,
        "pages": pages,
        "html_bytes": html,
        "db_bytes": db_bytes,
        "wal_bytes": wal_bytes,
        "archive_bytes": db_bytes + wal_bytes,
        "archive_vs_html": (db_bytes + wal_bytes) / html if html else None,
        "body_bytes": bodies,
        "bodies_vs_html": bodies / html if html else None,
        "free_bytes": free,
        "bytes_by_object": objects,
    }


def _commit() -> str | None:
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, check=True,
                              capture_output=True, text=True).stdout.strip()
    return None


def run(*, pages: int, concurrency: int = 8, timeout: float = 900.0) -> dict[str, Any]:
    db = WORK_DIR / "size-qarchive.db"
    with sample_sites(["127.0.0.1"], pages=pages, port=8864, name="size-site") as (site,):
        args = qarchive_crawl_args([site.root_url], db=fresh_db(db), concurrency=concurrency,
                                   per_host=concurrency, delay=0, max_pages=2 * pages,
                                   max_duration=timeout)
        crawl = run_child(args, log=WORK_DIR / "size-qarchive.log", timeout=timeout + 60)
    stored = count_rows(db, _STORED) if db.exists() else 0
    measured = measure_archive(db)
    return {
        "commit": _commit(),
        "site_pages": pages,
        "crawl_returncode": crawl.returncode,
        "answer_pages": stored,
        **measured,
    }
