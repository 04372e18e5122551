"""Benchmark 5 (storage): the raw-page store against the HTML it keeps (issue 15).

One qarchive crawl of the sample site (delay 0), then on the same stored pages,
read back from the archive: zlib level 3 (qarchive before 0.2) against zstd
without a dictionary and zstd with a dictionary trained on the site's first 200
pages (what the crawl's writer does), each as a share of the HTML and in ms a
page to compress and to decompress. Then the archive as crawled, and again after
``qarchive compact --vacuum``, with SQLite's ``dbstat`` breakdown.
"""

from __future__ import annotations

import contextlib
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import zstandard

from archive import CompressionPolicy, open_archive
from archive.compact import compact_archive
from bench.common import WORK_DIR
from bench.crawlers import fresh_db, qarchive_crawl_args, run_child, sample_sites
from bench.e2e import storage_of

__all__ = ["run"]


def _codec(name: str, bodies: list[bytes], compress: Callable[[bytes], bytes],
           decompress: Callable[[bytes], bytes], *, extra_bytes: int = 0) -> dict[str, Any]:
    started = time.perf_counter()
    blobs = [compress(body) for body in bodies]
    compress_s = time.perf_counter() - started
    started = time.perf_counter()
    for blob in blobs:
        decompress(blob)
    decompress_s = time.perf_counter() - started
    raw = sum(map(len, bodies))
    stored = sum(map(len, blobs)) + extra_bytes
    return {"codec": name, "pages": len(bodies), "html_bytes": raw, "stored_bytes": stored,
            "vs_html": stored / raw, "compression_ratio": raw / stored,
            "compress_ms_per_page": compress_s / len(bodies) * 1000,
            "decompress_ms_per_page": decompress_s / len(bodies) * 1000}


def _codecs(bodies: list[bytes]) -> list[dict[str, Any]]:
    policy = CompressionPolicy()
    plain = policy.compressor()
    unplain = zstandard.ZstdDecompressor()
    trained = policy.train_dictionary(bodies[:policy.min_pages])
    with_dict = policy.compressor(trained)
    unwith_dict = zstandard.ZstdDecompressor(dict_data=trained)
    return [
        _codec("zlib level 3 (before 0.2)", bodies, lambda body: zlib.compress(body, 3),
               zlib.decompress),
        _codec(f"zstd level {policy.level}, greedy", bodies, plain.compress,
               unplain.decompress),
        _codec(f"zstd level {policy.level}, greedy + {policy.dictionary_bytes // 1024} KiB "
               f"dictionary ({policy.min_pages} pages)", bodies, with_dict.compress,
               unwith_dict.decompress, extra_bytes=len(trained.as_bytes())),
    ]


def _raw_store(db_path: Path) -> dict[str, Any]:
    db = open_archive(db_path, create=False)
    try:
        raw, stored, pages = db.execute(
            "SELECT sum(body_size), sum(length(body)), count(*) FROM pages "
            "WHERE body IS NOT NULL").fetchone()
        dictionaries = db.execute("SELECT coalesce(sum(length(dictionary)), 0) FROM "
                                  "compression_dictionaries").fetchone()[0]
        codecs = {f"{codec} {dictionary or '-'}": count for codec, dictionary, count in
                  db.execute("SELECT body_codec, dictionary_id, count(*) FROM pages WHERE "
                             "body IS NOT NULL GROUP BY 1, 2")}
    finally:
        db.close()
    return {"pages": pages, "html_bytes": raw, "body_bytes": stored,
            "dictionary_bytes": dictionaries, "codecs": codecs,
            "vs_html": (stored + dictionaries) / raw}


def run(*, pages: int, timeout: float = 900.0) -> dict[str, Any]:
    db_path = WORK_DIR / "storage-qarchive.db"
    with sample_sites(["127.0.0.1"], pages=pages, port=8863, name="storage-site") as (site,):
        args = qarchive_crawl_args([site.root_url], db=fresh_db(db_path), concurrency=8,
                                   per_host=8, delay=0, max_pages=2 * pages,
                                   max_duration=timeout)
        crawl = run_child(args, log=WORK_DIR / "storage-qarchive.log", timeout=timeout + 60)
    crawled = storage_of(db_path)
    store_crawled = _raw_store(db_path)
    db = open_archive(db_path, create=False)
    try:
        bodies = [db.stored_body(url)[0] for (url,) in db.execute(
            "SELECT url FROM pages WHERE status = 200 AND body IS NOT NULL ORDER BY rowid")]
        codecs = _codecs(bodies)
        report = compact_archive(db, vacuum=True)
    finally:
        db.close()
    with contextlib.suppress(OSError):
        Path(f"{db_path}-shm").unlink()
    return {
        "site_pages": pages,
        "crawl_returncode": crawl.returncode,
        "codecs": codecs,
        "raw_store_crawled": store_crawled,
        "raw_store_compacted": _raw_store(db_path),
        "compact_seconds": report.elapsed,
        "compact_recompressed": report.recompressed,
        "crawled": crawled,
        "compacted": storage_of(db_path),
    }
