"""Where the time goes: cProfile over the parse and the writer, py-spy over a real crawl.

cProfile (deterministic, in-process) gives exact call counts for the pure
parts; py-spy samples the crawler child without slowing it much and sees the
event loop, httpx and SQLite as they run together.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import REPO, WORK_DIR, child_env
from bench.corpus import render_corpus
from bench.crawlers import fresh_db, qarchive_crawl_args, sample_sites
from parsers import parse_page

__all__ = ["run"]


def _top(profile: cProfile.Profile, limit: int) -> list[dict[str, Any]]:
    stats = pstats.Stats(profile)
    total = sum(entry[2] for entry in stats.stats.values())  # type: ignore[attr-defined]
    rows = []
    for (filename, line, name), (_, calls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = filename.replace(str(REPO) + "/", "")
        if "site-packages/" in where:
            where = where.split("site-packages/", 1)[1]
        rows.append({"function": f"{name} ({where}:{line})", "calls": calls,
                     "self_share": tottime / total, "cumulative_s": cumtime})
    rows.sort(key=lambda row: row["self_share"], reverse=True)
    return rows[:limit]


def _profile_parse(pages: int) -> list[dict[str, Any]]:
    corpus = render_corpus(pages)
    for url, body in corpus[:20]:
        parse_page(body, url)
    profile = cProfile.Profile()
    profile.enable()
    for url, body in corpus:
        parse_page(body, url)
    profile.disable()
    return _top(profile, 12)


def _profile_store(pages: int) -> list[dict[str, Any]]:
    from archive import FetchedPage, open_archive

    corpus = render_corpus(pages)
    parsed = [(parse_page(body, url), body) for url, body in corpus]
    db = open_archive(fresh_db(WORK_DIR / "hotspots-store.db"))
    profile = cProfile.Profile()
    profile.enable()
    with db.atomic():
        for page, body in parsed:
            fetch = FetchedPage(url=page.url, status=200, fetched_at="2024-01-01T00:00:00+00:00",
                                content_type="text/html; charset=utf-8", body=body)
            db.record_fetched_page(fetch, page=page, parser_version=1)
    profile.disable()
    db.conn.close()
    return _top(profile, 12)


def _py_spy_crawl(pages: int) -> list[dict[str, Any]] | None:
    """Self time per function while ``qarchive crawl`` crawls a site of ``pages`` pages."""
    beside_python = Path(sys.executable).parent / "py-spy"
    py_spy = str(beside_python) if beside_python.exists() else shutil.which("py-spy")
    if py_spy is None:
        return None
    raw = WORK_DIR / "hotspots-crawl.raw"
    with sample_sites(["127.0.0.1"], pages=pages, port=8864, name="hotspots-site") as (site,):
        args = qarchive_crawl_args([site.root_url], db=fresh_db(WORK_DIR / "hotspots-crawl.db"),
                                   concurrency=8, per_host=8, delay=0, max_pages=2 * pages,
                                   max_duration=300)
        subprocess.run([py_spy, "record", "-f", "raw", "-r", "200", "-o", str(raw), "--", *args],
                       cwd=REPO, env={**os.environ, **child_env()}, capture_output=True,
                       timeout=600, check=False)
    if not raw.exists():
        return None
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        total += int(count)
        own[_group(frames)] += int(count)
    return [{"area": name, "share": count / total} for name, count in own.most_common(12)]


# Stack frames mapped to the part of the pipeline they belong to (innermost match wins).
_AREAS = (
    ("parsers/", "parse (selectolax + Markdown)"),
    ("archive/search.py", "search index (segmenting, FTS5)"),
    ("archive/bodies.py", "body compression (zstd)"),
    ("archive/archive.py", "archive writes (SQLite)"),
    ("crawler/frontier.py", "frontier writes (SQLite)"),
    ("sqlite_utils/", "SQLite (sqlite-utils execute)"),
    ("h11/", "HTTP/1.1 parsing (h11)"),
    ("httpcore/", "httpcore connection pool + transport"),
    ("httpx/", "httpx client"),
    ("anyio/", "anyio streams"),
    ("crawler/fetch.py", "fetcher (body reading, retries)"),
    ("tenacity/", "tenacity retry wrapper"),
    ("crawler/politeness.py", "politeness"),
    ("crawler/engine.py", "engine"),
    ("asyncio/", "asyncio event loop"),
    ("selectors.py", "asyncio event loop"),
    ("importlib", "start-up (imports)"),
)


def _group(frames: list[str]) -> str:
    for frame in reversed(frames):
        for needle, area in _AREAS:
            if needle in frame:
                return area
    return "other"


def run(*, pages: int, crawl_pages: int) -> dict[str, Any]:
    return {
        "parse_pages": pages,
        "parse": _profile_parse(pages),
        "store": _profile_store(pages),
        "crawl_pages": crawl_pages,
        "crawl": _py_spy_crawl(crawl_pages),
    }
