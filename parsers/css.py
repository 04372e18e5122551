"""CSS queries through one selector engine per thread, not one per parsed document.

selectolax builds lexbor's CSS engine (a CSS parser and a selector matcher) for
each document the first time a query runs on it, and drops it with the
document: ~30 µs a page, a tenth of a whole parse, and again for each
Markdown answer rendered into a tree of its own. The engine holds no document
(each query is given the node to search from, and the engine forgets it
afterwards), so one engine serves every document; one per thread, since a
query keeps its matches on the engine while it runs.

Same results as ``node.css(query)``, ``node.css_first(query)`` and
``node.css_matches(query)`` on nodes of an ``LexborHTMLParser`` document.
"""

from __future__ import annotations

import threading

from selectolax.lexbor import LexborCSSSelector, LexborNode

__all__ = ["css", "css_first", "css_matches"]

_per_thread = threading.local()


def _engine() -> LexborCSSSelector:
    engine: LexborCSSSelector | None = getattr(_per_thread, "engine", None)
    if engine is None:
        engine = _per_thread.engine = LexborCSSSelector()
    return engine


def css(node: LexborNode, query: str) -> list[LexborNode]:
    """The elements under ``node`` (itself included) matching ``query``, in document order."""
    return _engine().find(query, node)


def css_first(node: LexborNode, query: str) -> LexborNode | None:
    """The first element under ``node`` (itself included) matching ``query``, or None."""
    found: list[LexborNode] = _engine().find_first(query, node)  # type: ignore[attr-defined]
    return found[0] if found else None


def css_matches(node: LexborNode, query: str) -> bool:
    """Does any element under ``node`` (itself included) match ``query``?"""
    return bool(_engine().any_matches(query, node))
