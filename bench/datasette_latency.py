"""Benchmark 4: Datasette latency on a large archive, in-process (``ds.client.get``).

Every canned query in schema/metadata.yaml (parameters filled from the data),
the questions table's search (as served: no facets unless asked, #15), the
ranked search page, the questions table page (its configured facets included)
and the question page, each requested repeatedly after a
warm-up; p50 and p95 of the response times. Search terms and question ids
rotate, so no figure is one cached answer. The archive has no ANALYZE
statistics, as an archive a crawl leaves has none: query plans are the ones
a user gets.
"""

from __future__ import annotations

import asyncio
import re
import time
import urllib.parse
from pathlib import Path
from typing import Any

from bench.common import WORK_DIR, median, percentile
from bench.synthetic import build_archive, question_id

__all__ = ["run"]

# Words of the sample site's vocabulary: common (模型, Python) and rarer ones.
_SEARCH_TERMS = ["模型", "Python", "数据库", "预训练模型", "MySQL 索引", "pandas", "异常", "BERT"]
# The synthetic archive's questions are CSDN's (bench/synthetic.py).
_SITE = "wenku.csdn.net"
_TAGS = ["python", "pytorch", "mysql", "pandas"]
_PARAMETER = re.compile(r"(?<!:):([a-zA-Z_][a-zA-Z0-9_]*)")


def _question_ids(questions: int, count: int) -> list[str]:
    step = max(1, questions // count)
    return [question_id((index * step * 7) % questions) for index in range(count)]


def _question_path(question: str) -> str:
    """The question page: Datasette's row URL of the (site, id) key."""
    from datasette.utils import path_from_row_pks

    return "/archive/questions/" + path_from_row_pks({"site": _SITE, "id": question},
                                                     ["site", "id"], False)


def _parameter_value(parameter: str, number: int, ids: list[str], terms: list[str]) -> str:
    if parameter == "site":
        return _SITE
    if parameter == "tag":
        return _TAGS[number % len(_TAGS)]
    return ids[number] if "id" in parameter else terms[number]


def _urls(metadata: dict[str, Any], *, questions: int, samples: int) -> dict[str, list[str]]:
    """Per named endpoint, the URLs to request in turn."""
    ids = _question_ids(questions, samples)
    terms = [_SEARCH_TERMS[index % len(_SEARCH_TERMS)] for index in range(samples)]
    endpoints: dict[str, list[str]] = {}
    queries = metadata["databases"]["archive"].get("queries", {})
    for name, query in queries.items():
        sql = query["sql"] if isinstance(query, dict) else query
        parameters = sorted(set(_PARAMETER.findall(sql)))
        urls = []
        for number in range(samples):
            values = {}
            for parameter in parameters:
                values[parameter] = _parameter_value(parameter, number, ids, terms)
            urls.append(f"/archive/{name}.json?" + urllib.parse.urlencode(values)
                        if values else f"/archive/{name}.json")
        endpoints[f"canned query {name}"] = urls
    endpoints["search (questions table, ?_search=)"] = [
        "/archive/questions?" + urllib.parse.urlencode({"_search": term}) for term in terms]
    endpoints["search page (/archive/-/search?q=)"] = [
        "/archive/-/search?" + urllib.parse.urlencode({"q": term}) for term in terms]
    endpoints["questions table page (HTML, facets)"] = ["/archive/questions"] * samples
    endpoints["question page (HTML)"] = [_question_path(qid) for qid in ids]
    return endpoints


async def _measure(ds: Any, urls: list[str], warmup: int) -> tuple[list[float], set[int]]:
    statuses = set()
    for url in urls[:warmup]:
        await ds.client.get(url, follow_redirects=True)
    times = []
    for url in urls:
        started = time.perf_counter()
        response = await ds.client.get(url, follow_redirects=True)
        times.append((time.perf_counter() - started) * 1000)
        statuses.add(response.status_code)
    return times, statuses


def run(*, questions: int, samples: int, warmup: int = 2) -> dict[str, Any]:
    from publish import load_metadata, make_datasette

    db_path = WORK_DIR / f"datasette-{questions}.db"
    build = build_archive(Path(db_path), questions)
    ds = make_datasette(db_path)
    metadata = load_metadata(frontier=False)
    endpoints = _urls(metadata, questions=questions, samples=samples)

    async def measure_all() -> dict[str, Any]:
        await ds.invoke_startup()
        results = {}
        for name, urls in endpoints.items():
            times, statuses = await _measure(ds, urls, warmup)
            results[name] = {
                "example": urllib.parse.unquote(urls[0]),
                "p50_ms": median(times),
                "p95_ms": percentile(times, 0.95),
                "max_ms": max(times),
                "statuses": sorted(statuses),
            }
        return results

    results = asyncio.run(measure_all())
    return {
        "questions": questions,
        "samples": samples,
        "archive_bytes": db_path.stat().st_size,
        "build": {key: build[key] for key in ("store_seconds", "store_pages_per_s")
                  if key in build},
        "settings": {key: value for key, value in ds.settings_dict().items()
                     if key in ("suggest_facets", "sql_time_limit_ms", "facet_time_limit_ms")},
        "endpoints": results,
    }
