"""Benchmark: qarchive's whole parse of real Q&A pages vs an extruct-only extraction.

Issue 17's target: parsing real Stack Exchange and forum pages (150-900 KB) at least 3x
faster than extruct (``extruct.extract``, JSON-LD and microdata, then the Question and
its answers found in its output: bench/qapage_extruct.py) on the same pages. The pages
are tests/fixtures/qapage/'s real ones in that size range (their URLs from their
expected.json). qarchive's side is ``parse_page``: the whole record (schema.org reader,
the site adapter's visible-page fields, Markdown of every body, links), more than
extruct gives. Each round times both over every page, interleaved so machine noise
hits them alike; figures are medians over the rounds.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable
from typing import Any

from bench.common import REPO, median
from bench.qapage_extruct import extruct_question
from parsers import parse_page
from parsers.links import resolve_link

__all__ = ["real_pages", "run"]

FIXTURES = REPO / "tests" / "fixtures" / "qapage"
# The page sizes.
MIN_BYTES, MAX_BYTES = 150_000, 900_000
TARGET_RATIO = 3.0


def real_pages() -> list[tuple[str, str, bytes]]:
    """``(name, url, body)`` of each real page in the issue's size range."""
    pages = []
    for expected in sorted(FIXTURES.glob("*.expected.json")):
        name = expected.name.removesuffix(".expected.json")
        body = (FIXTURES / f"{name}.html").read_bytes()
        if MIN_BYTES <= len(body) <= MAX_BYTES:
            pages.append((name, json.loads(expected.read_text("utf-8"))["url"], body))
    return pages


def _qarchive(body: bytes, url: str) -> object:
    return parse_page(body, url)


EXTRACTORS: dict[str, Callable[[bytes, str], object]] = {
    "qarchive parse_page": _qarchive,
    "extruct only": extruct_question,
}


def _time_page(extract: Callable[[bytes, str], object], body: bytes, url: str,
               repeat: int) -> float:
    resolve_link.cache_clear()  # every page as a crawl first meets it
    gc.collect()
    started = time.perf_counter()
    for _ in range(repeat):
        extract(body, url)
    return (time.perf_counter() - started) / repeat


def run(*, rounds: int, repeat: int) -> dict[str, Any]:
    pages = real_pages()
    if not pages:
        raise RuntimeError(f"no real page of {MIN_BYTES}-{MAX_BYTES} bytes in {FIXTURES}")
    times: dict[str, dict[str, list[float]]] = {
        name: {extractor: [] for extractor in EXTRACTORS} for name, _, _ in pages}
    for extract in EXTRACTORS.values():  # warm-up: imports, lexbor's allocator
        for _, url, body in pages:
            extract(body, url)
    for _ in range(rounds):
        for name, url, body in pages:
            for extractor, extract in EXTRACTORS.items():
                times[name][extractor].append(_time_page(extract, body, url, repeat))
    rows = []
    for name, url, body in pages:
        ours = median(times[name]["qarchive parse_page"])
        theirs = median(times[name]["extruct only"])
        rows.append({"page": name, "url": url, "bytes": len(body),
                     "qarchive_ms": ours * 1000, "extruct_ms": theirs * 1000,
                     "ratio": theirs / ours})
    total_ours = sum(row["qarchive_ms"] for row in rows)
    total_theirs = sum(row["extruct_ms"] for row in rows)
    ratio = total_theirs / total_ours
    return {
        "rounds": rounds,
        "repeat": repeat,
        "pages": rows,
        "qarchive_ms_total": total_ours,
        "extruct_ms_total": total_theirs,
        "ratio": ratio,
        "min_page_ratio": min(row["ratio"] for row in rows),
        "target_ratio": TARGET_RATIO,
        "met": ratio >= TARGET_RATIO and all(row["ratio"] >= TARGET_RATIO for row in rows),
    }


def main() -> None:  # pragma: no cover - a quick look without the harness
    result = run(rounds=5, repeat=5)
    for row in result["pages"]:
        print(f"{row['page'][:48]:48} {row['bytes'] // 1000:4d} KB  qarchive "
              f"{row['qarchive_ms']:6.2f} ms  extruct {row['extruct_ms']:6.2f} ms  "
              f"{row['ratio']:.2f}x")
    print(f"all pages: {result['ratio']:.2f}x (target {TARGET_RATIO}x)")


if __name__ == "__main__":
    main()
