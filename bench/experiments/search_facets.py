"""What facets and the count cost the questions table's search on a 100k archive
(bench/notes.md, "Datasette latency after schema 14" and "Search without facets unless
asked"). Not part of ``python -m bench``. Since #15's search change a search is served
without facets or Datasette's count (the plugin adds ``_nofacet=1&_nocount=1``);
``_showfacets=1`` asks for both, as the page's "Show facets" link does.

Usage: ``PYTHONPATH=. python bench/experiments/search_facets.py ARCHIVE.db``, on a
100k-question archive built by ``python -m bench --only datasette`` and VACUUMed once.
"""

from __future__ import annotations

import asyncio
import sys
import time
import urllib.parse
from typing import Any

from bench.common import median, percentile
from publish import make_datasette

# bench/datasette_latency.py's terms: common (模型, Python) and rarer ones.
TERMS = ["模型", "Python", "数据库", "预训练模型", "MySQL 索引", "pandas", "异常", "BERT"]
ROUNDS = 3

# (what, Datasette settings, extra query arguments)
CASES: list[tuple[str, dict[str, Any], str]] = [
    ("as served (no facets, the count from the index)", {}, ""),
    ("facets asked for (facets within 500 ms, exact count)", {}, "&_showfacets=1"),
    ("facets asked for, facet time limit 20 ms", {"facet_time_limit_ms": 20},
     "&_showfacets=1"),
    ("no facets, Datasette's count", {}, "&_nofacet=1"),
]


async def _times(ds: Any, urls: list[str]) -> list[float]:
    for url in urls[:4]:  # warm-up
        await ds.client.get(url)
    found = []
    for url in urls:
        started = time.perf_counter()
        response = await ds.client.get(url)
        found.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return found


def main(archive: str) -> None:
    for what, settings, extra in CASES:
        urls = [f"/archive/questions?_search={urllib.parse.quote(term)}{extra}"
                for term in TERMS] * ROUNDS
        times = asyncio.run(_times(make_datasette(archive, settings=settings), urls))
        print(f"{what}: p50 {median(times):.0f} ms, p95 {percentile(times, 0.95):.0f} ms")


if __name__ == "__main__":
    main(sys.argv[1])
