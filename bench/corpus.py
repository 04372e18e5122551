"""Sample-site answer pages rendered in-process, for the parse benchmark and profiles."""

from __future__ import annotations

from sample_sites.csdn.content import SampleSite
from sample_sites.csdn.render import render_answer_page

__all__ = ["CORPUS_BASE_URL", "render_corpus"]

# The sample site's default address: pages link relative to it, as served.
CORPUS_BASE_URL = "http://127.0.0.1:8765"


def render_corpus(pages: int, *, seed: int = 7) -> list[tuple[str, bytes]]:
    """``(url, body)`` for ``pages`` answer pages of one sample site, as it would serve them.

    Every page of a site of ``pages`` pages: internal pages (with related
    questions) and leaves (some with an empty or missing 相关问题 block), answers
    with code, lists, tables, images and quotes in varying mixes.
    """
    site = SampleSite(pages=pages, seed=seed, base_url=CORPUS_BASE_URL)
    return [
        (site.url_of(index), render_answer_page(site.content(index)).encode("utf-8"))
        for index in range(pages)
    ]
