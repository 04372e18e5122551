"""An answer given as Markdown (a page's embedded state) as the same text its HTML gives.

The Markdown is rendered to HTML (markdown-it, CommonMark with tables and
strikethrough, as the site renders answers) and that HTML read by
``render_answer``, the very walk that reads a page's visible answer: so
``answer_text`` comes out the same whichever copy of the answer it came from.

Bounded: Markdown longer than ``MAX_MARKDOWN_CHARS`` is not rendered (the
caller keeps the visible copy); markdown-it nests at most 20 blocks deep (its
CommonMark preset), and the HTML goes through ``cap_nesting`` like any page.
"""

from __future__ import annotations

import functools
import re

from markdown_it import MarkdownIt
from selectolax.lexbor import LexborHTMLParser

from parsers.markdown import render_answer
from parsers.nesting import cap_nesting
from parsers.text import delete_chars

__all__ = ["MAX_MARKDOWN_CHARS", "markdown_answer", "visible_signature"]

MAX_MARKDOWN_CHARS = 1_000_000

# What Markdown syntax and layout add around the words a reader sees: dropped
# from both copies before they are compared (``visible_signature``).
_SYNTAX = " \t\r\n\u3000\xa0*_`#>|-~\\"
_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)")
_TAG = re.compile(r"<[^<>\n]{1,200}>")
_ORDERED = re.compile(r"^[ \t]*[0-9]{1,9}[.)][ \t]+", re.MULTILINE)  # "1. " of a list item


@functools.lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def markdown_answer(markdown: str, base_url: str) -> tuple[str, str] | None:
    """``(answer_text, answer_markdown)`` of an answer written in Markdown, or None if
    it is too long to render or renders to nothing."""
    if len(markdown) > MAX_MARKDOWN_CHARS:
        return None
    try:
        html = _renderer().render(markdown)
    except (ValueError, RecursionError):  # markdown-it's own limits on hostile input
        return None
    body = LexborHTMLParser(cap_nesting(f"<html><body>{html}</body></html>")).body
    if body is None:
        return None
    text, _ = render_answer(body, base_url, markdown=False)
    markdown = markdown.strip()
    return (text, markdown) if text or markdown else None


def visible_signature(text: str, *, markdown: bool = False) -> str:
    """The text with whitespace and Markdown's syntax characters removed: two copies of
    an answer (rendered text, Markdown source) are compared on this. With ``markdown``,
    images, link targets and HTML tags, which a reader never sees as text, go first."""
    if markdown:
        if "](" in text:
            text = _LINK.sub(r"\1", _IMAGE.sub("", text))
        if "<" in text:
            text = _TAG.sub("", text)
        text = _ORDERED.sub("", text)
    return delete_chars(text, _SYNTAX)
