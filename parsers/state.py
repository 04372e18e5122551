"""The state object a server-rendered page embeds for its scripts, read as JSON.

Pages rendered on the server hand their data to the browser's scripts as
``window.__INITIAL_STATE__ = {...};`` inside a ``<script>``. Text inside
scripts is never *visible* content (labels and titles are never matched
there); reading this one named object as JSON, by key path, is a deliberate,
structured source.

Hostile pages: the object is found by a linear scan for its name (a bounded
number of occurrences), it must sit inside a ``<script>``, its text is capped at
``MAX_STATE_CHARS`` before it is decoded, and anything that is not a JSON object
(malformed, too deep for the decoder, truncated) is ignored: ``None``, never an
exception.
"""

from __future__ import annotations

import json
import re
from collections import deque
from typing import Any

__all__ = ["MAX_STATE_CHARS", "embedded_state", "find_key", "json_string_literal"]

# The object's text is cut off at this many characters: a real page's state is
# tens of kilobytes; a page is capped at 10 MiB by the fetcher anyway.
MAX_STATE_CHARS = 4 * 1024 * 1024
# Occurrences of the name looked at ("var s = window.__INITIAL_STATE__" can come first).
_MAX_MARKERS = 16
# Dictionaries and lists visited when a key is looked for anywhere in the object.
_MAX_VISITED = 20_000
_DECODER = json.JSONDecoder()
_SCRIPT_END = re.compile(r"</script", re.IGNORECASE)
_JSON_PARSE = re.compile(r"JSON\.parse\(\s*")


def _inside_script(html: str, at: int) -> bool:
    # The upper-case spelling is looked for only after the last lower-case one (the later
    # of the two is what counts): one scan of the page before ``at``, not two.
    lower = html.rfind("<script", 0, at)
    opened = max(lower, html.rfind("<SCRIPT", lower + 1, at))
    if opened < 0:
        return False
    closed = max(html.rfind("</script", opened, at), html.rfind("</SCRIPT", opened, at))
    return closed < 0


def _skip_spaces(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def json_string_literal(text: str) -> str | None:
    """A JavaScript string literal in double quotes that is also JSON, decoded; else None."""
    try:
        value, _ = _DECODER.raw_decode(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, str) else None


def _decode(text: str) -> dict[str, Any] | None:
    parse_call = _JSON_PARSE.match(text)
    if parse_call is not None:  # window.__INITIAL_STATE__ = JSON.parse("{...}")
        inner = json_string_literal(text[parse_call.end():])
        if inner is None:
            return None
        text = inner.strip()
    try:
        value, _ = _DECODER.raw_decode(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def embedded_state(html: str, name: str = "__INITIAL_STATE__") -> dict[str, Any] | None:
    """``window.<name> = {...}`` from the page's scripts as a dict, or None.

    What follows the object (``;(function(){...})()``) is left alone: the JSON
    decoder stops at the object's end.
    """
    start = 0
    for _ in range(_MAX_MARKERS):
        found = html.find(name, start)
        if found < 0:
            return None
        start = found + len(name)
        at = _skip_spaces(html, start)
        if html[at:at + 1] != "=" or html[at + 1:at + 2] == "=":
            continue  # a read (s = window.__INITIAL_STATE__) or a comparison
        if not _inside_script(html, found):
            continue
        at = _skip_spaces(html, at + 1)
        script_end = _SCRIPT_END.search(html, at, at + MAX_STATE_CHARS + 1)
        end = script_end.start() if script_end is not None else len(html)
        if end - at > MAX_STATE_CHARS:
            continue  # larger than any real page's state: not read
        state = _decode(html[at:end])
        if state is not None:
            return state
    return None


def find_key(value: Any, path: tuple[str, ...], *, anywhere: str | None = None) -> Any:
    """``value[path[0]][path[1]]...``; failing that, the first value of key ``anywhere``
    met breadth-first (a bounded number of containers), or None."""
    node = value
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            break
    if node is not None or anywhere is None:
        return node
    queue: deque[Any] = deque([value])
    visited = 0
    while queue and visited < _MAX_VISITED:
        current = queue.popleft()
        visited += 1
        if isinstance(current, dict):
            if anywhere in current:
                return current[anywhere]
            queue.extend(item for item in current.values() if isinstance(item, dict | list))
        elif isinstance(current, list):
            queue.extend(item for item in current if isinstance(item, dict | list))
    return None
