"""Benchmark 2 (end to end), 3 (memory) and 5 (storage): crawling the sample site.

The site runs in its own process (uvicorn, its own GIL), every page rendered
before the crawl starts, so serving is cheap and both crawlers meet the same
server. Each round crawls the whole site with qarchive's CLI and with the
Scrapy spider, in alternating order, from the same root answer page, with the
same concurrency and delay 0. qarchive runs with ``--per-host`` equal to the
concurrency, as Scrapy's ``CONCURRENT_REQUESTS_PER_DOMAIN`` is set. Pages
per second count answer pages stored (status 200) over the child's wall time,
start-up included; CPU per page is the child's user + system time over them.

The same comparison runs on both sample sites: CSDN answer pages (the Scrapy
peer extracts with parsel), then the QAPage site's questions, each with its pages
of answers (the peer extracts the schema.org Question with extruct, tags with
parsel, and stores answers and tags as qarchive does).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.common import WORK_DIR, median
from bench.crawlers import (
    count_rows,
    fresh_db,
    qarchive_crawl_args,
    run_child,
    sample_sites,
    scrapy_crawl_args,
)

__all__ = ["MEMORY_SEEDS", "run_end_to_end", "run_memory", "storage_of"]

_QARCHIVE_PAGES = "SELECT count(*) FROM pages WHERE status = 200 AND question_id IS NOT NULL"
_SCRAPY_PAGES = "SELECT count(*) FROM pages WHERE status = 200"


def _crawl_qarchive(seed: str, db: Path, *, concurrency: int, pages: int,
                    timeout: float, log_name: str) -> dict[str, Any]:
    args = qarchive_crawl_args([seed], db=fresh_db(db), concurrency=concurrency,
                               per_host=concurrency, delay=0, max_pages=2 * pages,
                               max_duration=timeout)
    run = run_child(args, log=WORK_DIR / log_name, timeout=timeout + 60)
    stored = count_rows(db, _QARCHIVE_PAGES) if db.exists() else 0
    return _figures(run, stored)


def _crawl_scrapy(seed: str, db: Path, *, concurrency: int, pages: int,
                  timeout: float, log_name: str, site: str = "csdn") -> dict[str, Any]:
    args = scrapy_crawl_args(seed, db=fresh_db(db), concurrency=concurrency,
                             max_pages=2 * pages, max_duration=timeout, site=site)
    run = run_child(args, log=WORK_DIR / log_name, timeout=timeout + 60)
    stored = count_rows(db, _SCRAPY_PAGES) if db.exists() else 0
    return _figures(run, stored)


def _figures(run: Any, stored: int) -> dict[str, Any]:
    return {
        "returncode": run.returncode,
        "pages": stored,
        "wall_s": run.wall_s,
        "cpu_s": run.cpu_s,
        "pages_per_s": stored / run.wall_s if stored else 0.0,
        "cpu_ms_per_page": run.cpu_s / stored * 1000 if stored else None,
        "max_rss_mb": run.max_rss_mb,
    }


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    done = [run for run in runs if run["pages"]]
    if not done:
        return {"runs": runs}
    return {
        "pages": median([run["pages"] for run in done]),
        "pages_per_s": median([run["pages_per_s"] for run in done]),
        "cpu_ms_per_page": median([run["cpu_ms_per_page"] for run in done]),
        "max_rss_mb": median([run["max_rss_mb"] for run in done]),
        "runs": runs,
    }


def run_end_to_end(*, pages: int, rounds: int, qapage_questions: int = 0,
                   concurrency: int = 8, timeout: float = 600.0,
                   layouts: Mapping[str, float] | None = None) -> dict[str, Any]:
    """``layouts``: the CSDN site's share of pages per layout (default reconstruction
    only). ``qapage_questions``: the size of the QAPage site crawled next (0: none)."""
    csdn = _compare("csdn", pages=pages, rounds=rounds, concurrency=concurrency,
                    timeout=timeout, layouts=layouts, port=8861)
    result = {
        "site_pages": pages,
        "site_layouts": dict(layouts) if layouts else {"reconstruction": 1.0},
        "rounds": rounds,
        "concurrency": concurrency,
        **csdn,
        "storage": storage_of(WORK_DIR / "e2e-csdn-qarchive.db"),
    }
    if qapage_questions:
        result["qapage"] = {
            "site_questions": qapage_questions,
            **_compare("qapage", pages=qapage_questions, rounds=rounds,
                       concurrency=concurrency, timeout=timeout, port=8863),
            "storage": storage_of(WORK_DIR / "e2e-qapage-qarchive.db"),
        }
    return result


def _compare(site_name: str, *, pages: int, rounds: int, concurrency: int, timeout: float,
             port: int, layouts: Mapping[str, float] | None = None) -> dict[str, Any]:
    """Crawl one sample site ``rounds`` times with each crawler, order alternating."""
    qarchive_runs: list[dict[str, Any]] = []
    scrapy_runs: list[dict[str, Any]] = []
    with sample_sites(["127.0.0.1"], pages=pages, port=port, name=f"e2e-{site_name}-site",
                      layouts=layouts, site=site_name) as (site,):
        for number in range(rounds):
            order = ["qarchive", "scrapy"] if number % 2 == 0 else ["scrapy", "qarchive"]
            for crawler in order:
                db = WORK_DIR / f"e2e-{site_name}-{crawler}.db"
                log_name = f"e2e-{site_name}-{crawler}-{number}.log"
                if crawler == "qarchive":
                    qarchive_runs.append(_crawl_qarchive(
                        site.root_url, db, concurrency=concurrency, pages=pages,
                        timeout=timeout, log_name=log_name))
                else:
                    scrapy_runs.append(_crawl_scrapy(
                        site.root_url, db, concurrency=concurrency, pages=pages,
                        timeout=timeout, log_name=log_name, site=site_name))
    ours, peer = _summary(qarchive_runs), _summary(scrapy_runs)
    ratio = (ours["pages_per_s"] / peer["pages_per_s"]
             if ours.get("pages_per_s") and peer.get("pages_per_s") else None)
    return {"qarchive": ours, "scrapy": peer, "ratio_pages_per_s": ratio}


# How a crawl starts: from one answer page, finding the rest through related
# questions; or from the site root, whose sitemaps list every page at once.
MEMORY_SEEDS = {"page": "root answer page, links followed", "sitemaps": "site root, sitemaps"}


def run_memory(*, sizes: list[int], concurrency: int = 8, timeout: float = 3600.0,
               layouts: Mapping[str, float] | None = None) -> dict[str, Any]:
    """Peak RSS of qarchive crawls of sites of each size (whole site, delay 0), from each seed.

    ``layouts``: the sites' share of pages per layout (default reconstruction only).
    """
    results = []
    for size in sizes:
        with sample_sites(["127.0.0.1"], pages=size, port=8862, name=f"memory-site-{size}",
                          max_seconds=timeout * len(MEMORY_SEEDS) + 600,
                          layouts=layouts) as (site,):
            for seed_kind in MEMORY_SEEDS:
                seed = site.root_url if seed_kind == "page" else f"{site.base_url}/"
                db = WORK_DIR / f"memory-{size}-{seed_kind}.db"
                run = _crawl_qarchive(seed, db, concurrency=concurrency, pages=size,
                                      timeout=timeout,
                                      log_name=f"memory-qarchive-{size}-{seed_kind}.log")
                results.append({"site_pages": size, "seed": seed_kind, **run})
                with contextlib.suppress(OSError):
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{db}{suffix}").unlink()
    growth = {}
    for seed_kind in MEMORY_SEEDS:
        crawls = [crawl for crawl in results if crawl["seed"] == seed_kind]
        smallest, largest = crawls[0]["max_rss_mb"], crawls[-1]["max_rss_mb"]
        growth[seed_kind] = largest / smallest if smallest else None
    return {"concurrency": concurrency, "crawls": results, "growth": growth,
            "site_layouts": dict(layouts) if layouts else {"reconstruction": 1.0}}


def storage_of(db: Path) -> dict[str, Any] | None:
    """Bytes per archived page from a crawled archive, against the raw HTML size."""
    if not db.exists():
        return None
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages, raw, compressed = conn.execute(
            "SELECT count(*), sum(body_size), sum(length(body)) FROM pages "
            "WHERE status = 200 AND body IS NOT NULL").fetchone()
        tables: dict[str, int] = {}
        with contextlib.suppress(sqlite3.OperationalError):  # SQLite without dbstat
            tables = dict(conn.execute(
                "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"))
    size = db.stat().st_size
    if not pages:
        return None
    return {
        "pages": pages,
        "file_bytes": size,
        "raw_html_bytes_per_page": raw / pages,
        "compressed_body_bytes_per_page": compressed / pages,
        "archive_bytes_per_page": size / pages,
        "archive_vs_raw": size / raw,
        "body_compression_ratio": raw / compressed,
        "bytes_per_page_by_object": {name: value / pages for name, value in tables.items()},
    }
