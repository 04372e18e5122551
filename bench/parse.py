"""Benchmark 1: qarchive's whole parse vs BeautifulSoup(lxml) and parsel, one core.

Two corpora, one per layout of the sample site: the reconstruction of the
reference page, and the layout the evidence about the real pages describes
(``div.title``, ``div.data``, the embedded state JSON, ``#recommend``; some answers
cut in the page and complete only in the state). Every page is first checked to
give equal output from all three; then each round times every extractor over the
whole corpus, the extractors interleaved so machine noise hits them alike.
Figures are medians over the rounds. The top-level figures are the
reconstruction's (as before); ``layouts`` holds both.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.common import median
from bench.corpus import CORPUS_BASE_URL, render_corpus
from bench.extractors import (
    comparable,
    extract_bs4,
    extract_bs4_evidence,
    extract_parsel,
    extract_parsel_evidence,
)
from parsers import parse_page
from parsers.links import resolve_link
from parsers.sites.csdn import _icon_type, _resource_kind, answer_id_from_url

__all__ = ["check_equal", "run"]


def _qarchive(body: bytes, url: str) -> object:
    return parse_page(body, url)


EXTRACTORS: dict[str, Callable[[bytes, str], object]] = {
    "qarchive (selectolax)": _qarchive,
    "parsel": extract_parsel,
    "BeautifulSoup(lxml)": extract_bs4,
}
EVIDENCE_EXTRACTORS: dict[str, Callable[[bytes, str], object]] = {
    "qarchive (selectolax)": _qarchive,
    "parsel": extract_parsel_evidence,
    "BeautifulSoup(lxml)": extract_bs4_evidence,
}
LAYOUTS = ("reconstruction", "evidence")


def render_layout_corpus(pages: int, layout: str, *, seed: int = 7) -> list[tuple[str, bytes]]:
    """``(url, body)`` of ``pages`` sample-site pages, every one in ``layout``."""
    if layout == "reconstruction":
        return render_corpus(pages, seed=seed)
    from sample_sites.csdn.content import SampleSite
    from sample_sites.csdn.pages import render_page

    site = SampleSite(pages=pages, seed=seed, base_url=CORPUS_BASE_URL, layouts={layout: 1.0})
    return [(site.url_of(index), render_page(site.content(index)).encode("utf-8"))
            for index in range(pages)]


def check_equal(corpus: list[tuple[str, bytes]], layout: str = "reconstruction") -> int:
    """Raise if any peer's output differs from qarchive's on any page; return pages checked."""
    peers = EXTRACTORS if layout == "reconstruction" else EVIDENCE_EXTRACTORS
    for url, body in corpus:
        expected = comparable(parse_page(body, url))
        for name, extract in (("BeautifulSoup", peers["BeautifulSoup(lxml)"]),
                              ("parsel", peers["parsel"])):
            got = extract(body, url)
            if got != expected:
                fields = [key for key in expected if expected[key] != got.get(key)]
                raise AssertionError(f"{name} differs from qarchive on {url}: {fields}")
    return len(corpus)


def _cold_parser_caches() -> None:
    """Empty the parser's link caches: every round starts as a crawl's first pages do.

    The parser caches URL resolution (sidebar and related links repeat from page
    to page); without this, rounds after the first would see every link cached.
    """
    resolve_link.cache_clear()
    answer_id_from_url.cache_clear()
    _resource_kind.cache_clear()
    _icon_type.cache_clear()


def _time_once(extract: Callable[[bytes, str], object],
               corpus: list[tuple[str, bytes]]) -> tuple[float, float]:
    _cold_parser_caches()
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    for url, body in corpus:
        extract(body, url)
    return time.perf_counter() - wall, time.process_time() - cpu


def compiled_parsers() -> list[str]:
    """The parser modules that run compiled (mypyc, as `pip install .` builds them)."""
    return sorted(name for name, module in sys.modules.items()
                  if name.partition(".")[0] == "parsers"
                  and str(getattr(module, "__file__", "")).endswith(".so"))


def run(*, pages: int, rounds: int) -> dict[str, Any]:
    results = {layout: _run_layout(layout, pages=pages, rounds=rounds) for layout in LAYOUTS}
    return {**results["reconstruction"], "layouts": results,
            "compiled_parsers": compiled_parsers()}


def _run_layout(layout: str, *, pages: int, rounds: int) -> dict[str, Any]:
    extractors = EXTRACTORS if layout == "reconstruction" else EVIDENCE_EXTRACTORS
    corpus = render_layout_corpus(pages, layout)
    checked = check_equal(corpus, layout)
    walls: dict[str, list[float]] = {name: [] for name in extractors}
    cpus: dict[str, list[float]] = {name: [] for name in extractors}
    for extract in extractors.values():  # warm-up: imports, caches, lexbor's allocator
        _time_once(extract, corpus[:20])
    for _ in range(rounds):
        for name, extract in extractors.items():
            wall, cpu = _time_once(extract, corpus)
            walls[name].append(wall)
            cpus[name].append(cpu)
    results = {}
    for name in extractors:
        wall = median(walls[name])
        results[name] = {
            "pages_per_s": pages / wall,
            "ms_per_page": wall / pages * 1000,
            "cpu_ms_per_page": median(cpus[name]) / pages * 1000,
            "rounds_pages_per_s": [round(pages / w, 1) for w in walls[name]],
        }
    ours = results["qarchive (selectolax)"]["pages_per_s"]
    return {
        "layout": layout,
        "pages": pages,
        "rounds": rounds,
        "checked_equal": checked,
        "mean_page_bytes": round(sum(len(body) for _, body in corpus) / len(corpus)),
        "extractors": results,
        "ratio_vs_bs4": ours / results["BeautifulSoup(lxml)"]["pages_per_s"],
        "ratio_vs_parsel": ours / results["parsel"]["pages_per_s"],
    }
