"""Benchmark: WARC import throughput (issue #15: >= 1,000 sample pages/s per core, storing
included), next to parsing the same pages alone, in one process on one core.

The WARC is a real one: the sample site crawled by qarchive into an archive, exported
with ``export-warc`` (archive.warc). Each round, interleaved so machine noise hits
them alike:

- ``parse``: choose_profile + parse of every page, bodies already in memory (the peer);
- ``read``: the import's reading alone (fastwarc: records, HTTP headers, digests checked);
- ``import``: ``crawler.importer.import_files`` into a fresh archive file: reading,
  parsing and storing (one transaction per 200 pages), as ``qarchive import`` does.

Seconds are CPU seconds of this process (``time.process_time``): pages/s per core.
Figures are medians over the rounds.
"""

from __future__ import annotations

import asyncio
import gc
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import WORK_DIR, median

__all__ = ["run"]


def _crawl_and_export(pages: int, folder: Path) -> Path:
    from archive import open_archive
    from archive.warc import export_warc
    from crawler.engine import crawl
    from crawler.settings import CrawlSettings
    from sample_sites.testing import running_sample_site

    settings = CrawlSettings(delay=0.0, concurrency=16, per_host=16, retry_backoff=0.01,
                             retry_backoff_max=0.05, writer_flush_interval=0.05)
    db_path = folder / "crawl.db"
    with running_sample_site(pages=pages) as site:
        db = open_archive(db_path)
        asyncio.run(crawl(db, seeds=[site.root_url], settings=settings))
        warc = folder / "sample.warc.gz"
        export_warc(db, warc, software="qarchive bench")
        db.close()
    return warc


def _pages_in(warc: Path) -> list[tuple[str, bytes, str | None]]:
    from crawler.warc_import import WarcCounts, _captures

    with warc.open("rb") as handle:
        return [(capture.url, capture.body, capture.content_type)
                for capture in _captures(handle, str(warc), counts=WarcCounts(),
                                         max_bytes=10 << 20, on_bad=_fail, on_position=None)]


def _fail(where: str, why: str) -> None:
    raise AssertionError(f"bad record in the bench's WARC: {where}: {why}")


def _parse_alone(pages: list[tuple[str, bytes, str | None]]) -> tuple[float, int]:
    from crawler.content_type import charset_of
    from parsers import choose_profile

    parsed = 0
    started = time.process_time()
    for url, body, content_type in pages:
        profile = choose_profile(url, body=body)
        profile.parse(body, url, charset=charset_of(content_type))
        parsed += 1
    return time.process_time() - started, parsed


def _read_alone(warc: Path) -> tuple[float, int]:
    from crawler.warc_import import WarcCounts, _captures

    started = time.process_time()
    with warc.open("rb") as handle:
        read = sum(1 for _ in _captures(handle, str(warc), counts=WarcCounts(),
                                        max_bytes=10 << 20, on_bad=_fail, on_position=None))
    return time.process_time() - started, read


def _import(warc: Path, folder: Path, round_number: int) -> tuple[float, int, dict[str, int]]:
    from archive import open_archive
    from crawler.importer import import_files

    db_path = folder / f"import-{round_number}.db"
    db = open_archive(db_path)
    started = time.process_time()
    report = import_files(db, [warc])
    seconds = time.process_time() - started
    db.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    assert not report.skipped, report.skipped[:3]
    return seconds, report.stored, dict(report.outcomes)


def run(pages: int, rounds: int) -> dict[str, Any]:
    folder = WORK_DIR / "warc"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    warc = _crawl_and_export(pages, folder)
    corpus = _pages_in(warc)
    times: dict[str, list[float]] = {"parse": [], "read": [], "import": []}
    counts: Counter[str] = Counter()
    stored = 0
    for round_number in range(rounds):
        gc.collect()
        seconds, parsed = _parse_alone(corpus)
        times["parse"].append(seconds)
        gc.collect()
        seconds, read = _read_alone(warc)
        times["read"].append(seconds)
        gc.collect()
        seconds, stored, outcomes = _import(warc, folder, round_number)
        times["import"].append(seconds)
        counts = Counter(outcomes)
    assert stored == len(corpus) == parsed == read, (stored, len(corpus), parsed, read)
    medians = {name: median(values) for name, values in times.items()}
    rates = {name: len(corpus) / seconds for name, seconds in medians.items()}
    per_page_ms = {name: 1000 * seconds / len(corpus) for name, seconds in medians.items()}
    store_ms = per_page_ms["import"] - per_page_ms["parse"] - per_page_ms["read"]
    return {
        "pages": len(corpus),
        "warc_bytes": warc.stat().st_size,
        "outcomes": dict(counts),
        "cpu_seconds": medians,
        "pages_per_second_per_core": rates,
        "ms_per_page": {**per_page_ms, "store (import - parse - read)": store_ms},
        "target_pages_per_second": 1000,
        "import_vs_target": rates["import"] / 1000,
        "import_vs_parse": rates["import"] / rates["parse"],
    }
