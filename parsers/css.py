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
from typing import Any

from selectolax.lexbor import LexborCSSSelector, LexborNode

__all__ = ["css", "css_first", "css_matches"]

class _PerThread(threading.local):
    def __init__(self) -> None:  # run in each thread on its first query
        self.engine = LexborCSSSelector()


_per_thread = _PerThread()


def css(node: LexborNode, query: str) -> list[LexborNode]:
    """The elements under ``node`` (itself included) matching ``query``, in document order,
    each once."""
    found: list[LexborNode] = _per_thread.engine.find(query, node)
    if "," not in query or len(found) < 2:
        return found
    # lexbor lists an element once for each selector of a list that it matches: keyed by
    # the node, a dict keeps each element once, in the order first found.
    return list({element.mem_id: element for element in found}.values())


def css_first(node: LexborNode, query: str) -> LexborNode | None:
    """The first element under ``node`` (itself included) matching ``query``, or None."""
    found: list[LexborNode] = _per_thread.engine.find_first(  # type: ignore[attr-defined]
        query, node)
    return found[0] if found else None


def css_matches(node: LexborNode, query: str) -> bool:
    """Does any element under ``node`` (itself included) match ``query``?"""
    # selectolax's stubs say bool, it returns an int: Any keeps a compiled build (mypyc)
    # from checking the stub's type at run time.
    engine: Any = _per_thread.engine
    return bool(engine.any_matches(query, node))
