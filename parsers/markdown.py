"""An answer's HTML as Markdown and as plain text, in one walk over the tree.

Written on selectolax nodes rather than with a BeautifulSoup-based converter:
the parse benchmark found such converters cost more than the rest of the parse
together. It covers what answers use: paragraphs, headings, code blocks with
their language, lists (nested), tables, links, images, quotes and emphasis.

Hostile pages (issue "Hostile input never stops a crawl"): the walk recurses at
most ``MAX_DEPTH`` elements deep; anything nested deeper is kept as plain text,
read by an iterative walk. Every node is visited a bounded number of times, so
the conversion is linear in the page, and 100,000 nested ``<div>``s cannot
raise RecursionError.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from selectolax.lexbor import LexborNode

from parsers.css import css_first
from parsers.links import resolve_link
from parsers.text import squeeze_lines

__all__ = ["BLOCKS", "BLOCK_CONTAINERS", "SKIPPED", "render_answer"]

_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# What the walk treats as a block that only holds blocks, as a block, and as nothing; a
# caller predicting the walk (parsers/sites/csdn.py: _settle_controls) reads them too.
BLOCK_CONTAINERS = frozenset((
    "div", "section", "article", "main", "figure", "figcaption", "details", "summary",
    "dl", "dd", "dt", "header", "footer", "center", "form",
))
BLOCKS = frozenset(("p", "pre", "ul", "ol", "table", "blockquote", "hr", *_HEADINGS,
                    *BLOCK_CONTAINERS))
SKIPPED = frozenset(("script", "style", "noscript", "template", "button", "svg", "iframe",
                     "input", "select", "textarea", "-comment"))
# Characters Markdown would read as syntax, backslash-escaped (str.translate: one C pass,
# but one dict look-up per character of a non-ASCII string: looked for first, by a regex).
_MD_ESCAPES = str.maketrans({char: "\\" + char for char in "\\`*_[]<"})
_MD_SYNTAX = re.compile(r"[\\`*_\[\]<]")
_LANGUAGE = re.compile(r"(?:^|\s)(?:language|lang)-([\w+#.-]+)")
_SAFE_SCHEMES = ("http://", "https://", "mailto:", "ftp://")
_WRAPPERS = {"a", "strong", "b", "em", "i", "del", "s", "strike"}
# Elements nested deeper than this are flattened to their text. Real answers nest
# a dozen levels at most; 64 keeps Python's stack (limit 1,000 frames) far away.
MAX_DEPTH = 64
# An <ol start> longer than this is no list a reader numbers (and int() refuses
# strings over 4,300 digits): the list starts at 1.
_MAX_START_DIGITS = 9
# Above this length _tidy avoids str.split(), which builds one object per word
# (a 10 MB one-paragraph answer cost ~200 MB): parsers/text.py.
_BIG_TEXT = 4_096


def _escape(text: str) -> str:
    return text.translate(_MD_ESCAPES) if _MD_SYNTAX.search(text) else text


def _safe_url(href: str | None, base_url: str) -> str | None:
    """Absolute http(s) URL, or None for javascript:, data: and other schemes."""
    url = resolve_link(base_url, href)
    return url if url and url.lower().startswith(_SAFE_SCHEMES) else None


class _Walk(NamedTuple):
    """What every step of one rendering shares."""

    base_url: str
    # False: the text alone. A caller that throws the Markdown away (the page's state
    # holds the answer's Markdown) saves escaping, wrapping and tidying it: a third
    # of the walk.
    markdown: bool

    def inline(self) -> _Inline:
        return _Inline(None, self.markdown)


class _Inline:
    """Accumulates one run of inline content as plain text and, unless the walk renders
    text alone (``markdown`` None), as Markdown."""

    __slots__ = ("markdown", "text")

    def __init__(self, text: list[str] | None = None, markdown: bool = True) -> None:
        self.markdown: list[str] | None = [] if markdown else None
        self.text: list[str] = [] if text is None else text

    def flush(self) -> tuple[str, str]:
        raw_text = "".join(self.text)
        text = _tidy(raw_text)
        self.text.clear()
        markdown = ""
        if self.markdown is not None:
            raw_markdown = "".join(self.markdown)
            # A run with nothing to escape or mark up is its text: tidied once.
            markdown = text if raw_markdown == raw_text else _tidy(raw_markdown)
            self.markdown.clear()
        return markdown, text


def _tidy(text: str) -> str:
    if len(text) > _BIG_TEXT:  # same result as below, without a list of every word
        return squeeze_lines(text)
    if "\n" not in text:  # the common case: one line
        return " ".join(text.split())
    # str.split() splits on every Unicode space, like re's \s, and is faster.
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _flat_text(node: LexborNode) -> str:
    """The text under ``node`` (``<br>`` as a line break), by an explicit stack: any depth."""
    parts: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        tag = current.tag
        if tag == "-text":
            parts.append(current.text_content or "")
        elif tag == "br":
            parts.append("\n")
        elif tag not in SKIPPED:
            children = list(current.iter(include_text=True))
            children.reverse()
            stack.extend(children)
    return "".join(parts)


def _flat_inline(node: LexborNode, out: _Inline) -> None:
    text = _flat_text(node)
    out.text.append(text)
    if out.markdown is not None:
        out.markdown.append(_escape(text))


def _inline(node: LexborNode, out: _Inline, walk: _Walk, depth: int) -> None:
    tag = node.tag
    out_markdown = out.markdown
    if tag == "-text":
        # A text node's own text: text_content is text(deep=False) at half the cost
        # (None for an empty node, where text() gives "").
        raw = node.text_content or ""
        out.text.append(raw)
        if out_markdown is not None:
            out_markdown.append(_escape(raw))
        return
    if tag in SKIPPED:
        return
    if tag == "br":
        out.text.append("\n")
        if out_markdown is not None:
            out_markdown.append("\n")
        return
    if tag == "img":
        if out_markdown is not None:  # an image has no text
            src = _safe_url(node.attributes.get("src"), walk.base_url)
            alt = node.attributes.get("alt") or ""
            if src:
                out_markdown.append(f"![{_escape(alt)}]({src})")
        return
    if tag == "code":
        code = node.text(deep=True)
        if out_markdown is not None:
            fence = "``" if "`" in code else "`"
            out_markdown.append(f"{fence}{code}{fence}")
        out.text.append(code)
        return
    if depth > MAX_DEPTH:
        _flat_inline(node, out)
        return
    if tag not in _WRAPPERS or out_markdown is None:
        # <span> and the like add nothing, nor does any wrapper to the text alone:
        # write straight into out.
        for child in node.iter(include_text=True):
            _inline(child, out, walk, depth + 1)
        return
    inner = _Inline(out.text)  # the text goes straight to out; only Markdown is wrapped
    for child in node.iter(include_text=True):
        _inline(child, inner, walk, depth + 1)
    markdown = "".join(inner.markdown or ())
    if not markdown.strip():
        out_markdown.append(markdown)
    elif tag == "a":
        href = _safe_url(node.attributes.get("href"), walk.base_url)
        out_markdown.append(f"[{markdown.strip()}]({href})" if href else markdown)
    elif tag in ("strong", "b"):
        out_markdown.append(f"**{markdown.strip()}**")
    elif tag in ("em", "i"):
        out_markdown.append(f"*{markdown.strip()}*")
    else:  # del, s, strike
        out_markdown.append(f"~~{markdown.strip()}~~")


def _code_block(node: LexborNode) -> tuple[str, str]:
    code_node = css_first(node, "code")
    class_names = [node.attributes.get("class")]
    if code_node is not None:
        class_names.append(code_node.attributes.get("class"))
    classes = " ".join(name for name in class_names if name)
    match = _LANGUAGE.search(classes)
    language = match.group(1) if match else ""
    code = (code_node or node).text(deep=True).strip("\n")
    fence = "```"
    while fence in code:
        fence += "`"
    return f"{fence}{language}\n{code}\n{fence}", code


def _list_start(node: LexborNode) -> int:
    """``<ol start>``: ASCII digits only. ``str.isdigit()`` is true for "²" and "١",
    which int() refuses or reads as another number; anything else starts at 1."""
    start = (node.attributes.get("start") or "").strip()
    if start.isascii() and start.isdigit() and len(start) <= _MAX_START_DIGITS:
        return int(start)
    return 1


def _list(node: LexborNode, walk: _Walk, depth: int) -> tuple[str, str]:
    ordered = node.tag == "ol"
    start = _list_start(node) if ordered else 1
    md_lines: list[str] = []
    text_lines: list[str] = []
    number = start
    for item in node.iter():
        if item.tag != "li":
            continue
        marker = f"{number}. " if ordered else "- "
        number += 1
        inline = walk.inline()
        nested: list[tuple[str, str]] = []
        for child in item.iter(include_text=True):
            if child.tag in ("ul", "ol") and depth < MAX_DEPTH:
                nested.append(_list(child, walk, depth + 1))
            elif child.tag == "pre":
                nested.append(_code_block(child))
            else:
                _inline(child, inline, walk, depth + 2)
        markdown, text = inline.flush()
        text_lines.append(text)
        text_lines.extend(nested_text for _, nested_text in nested)
        if walk.markdown:
            indent = " " * len(marker)
            md_lines.append(marker + markdown.replace("\n", "\n" + indent))
            md_lines.extend("\n".join(indent + line for line in nested_md.split("\n"))
                            for nested_md, _ in nested)
    return "\n".join(md_lines), "\n".join(line for line in text_lines if line)


def _rows(table: LexborNode) -> list[LexborNode]:
    """The table's own rows (not those of tables nested in its cells, which the cells
    render: a CSS query for every ``tr`` would read nested tables again per level)."""
    rows = []
    for child in table.iter():
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(row for row in child.iter() if row.tag == "tr")
    return rows


def _table(node: LexborNode, walk: _Walk, depth: int) -> tuple[str, str]:
    rows: list[list[tuple[str, str]]] = []
    for row in _rows(node):
        cells = []
        for cell in row.iter():
            if cell.tag in ("td", "th"):
                inline = walk.inline()
                for child in cell.iter(include_text=True):
                    _inline(child, inline, walk, depth + 3)
                markdown, text = inline.flush()
                cells.append((markdown.replace("\n", " ").replace("|", "\\|"), text))
        if cells:
            rows.append(cells)
    if not rows:
        return "", ""
    text_lines = ["\t".join(text for _, text in row) for row in rows]
    if not walk.markdown:
        return "", "\n".join(text_lines)
    width = max(len(row) for row in rows)
    md_rows = [[md for md, _ in row] + [""] * (width - len(row)) for row in rows]
    md_lines = ["| " + " | ".join(md_rows[0]) + " |", "|" + " --- |" * width]
    md_lines += ["| " + " | ".join(row) + " |" for row in md_rows[1:]]
    return "\n".join(md_lines), "\n".join(text_lines)


def _blocks(
    node: LexborNode, walk: _Walk, emit: Callable[[str, str], None], depth: int = 0
) -> None:
    """Emit (markdown, text) for each block under ``node``; inline runs become paragraphs."""
    inline = walk.inline()

    def flush() -> None:
        markdown, text = inline.flush()
        if text or markdown:
            emit(markdown, text)

    for child in node.iter(include_text=True):
        tag = child.tag
        if tag in SKIPPED:
            continue
        if tag not in BLOCKS:
            _inline(child, inline, walk, depth + 1)
            continue
        flush()
        if depth >= MAX_DEPTH:  # too deep to walk: the block's text as one paragraph
            text = _tidy(_flat_text(child))
            if text:
                emit(_escape(text), text)
        elif tag in BLOCK_CONTAINERS:
            _blocks(child, walk, emit, depth + 1)
        elif tag == "p":
            _blocks_of_paragraph(child, walk, emit, depth + 1)
        elif tag in _HEADINGS:
            heading = walk.inline()
            for part in child.iter(include_text=True):
                _inline(part, heading, walk, depth + 2)
            markdown, text = heading.flush()
            if text:
                emit("#" * _HEADINGS[tag] + " " + markdown.replace("\n", " "), text)
        elif tag == "pre":
            emit(*_code_block(child))
        elif tag in ("ul", "ol"):
            emit(*_list(child, walk, depth + 1))
        elif tag == "table":
            emit(*_table(child, walk, depth + 1))
        elif tag == "blockquote":
            quoted: list[tuple[str, str]] = []

            def keep(markdown: str, text: str, quoted: list[tuple[str, str]] = quoted) -> None:
                quoted.append((markdown, text))

            _blocks(child, walk, keep, depth + 1)
            markdown = "\n>\n".join(
                "\n".join("> " + line for line in md.split("\n")) for md, _ in quoted
            )
            emit(markdown, "\n\n".join(text for _, text in quoted))
        elif tag == "hr":
            emit("---", "")
    flush()


def _blocks_of_paragraph(
    node: LexborNode, walk: _Walk, emit: Callable[[str, str], None], depth: int
) -> None:
    inline = walk.inline()
    for child in node.iter(include_text=True):
        _inline(child, inline, walk, depth + 1)
    markdown, text = inline.flush()
    if text or markdown:
        emit(markdown, text)


def render_answer(node: LexborNode, base_url: str, *, markdown: bool = True) -> tuple[str, str]:
    """``(answer_text, answer_markdown)``: paragraphs joined by a blank line in both.

    ``markdown=False``: the text alone (the Markdown comes back empty), for a caller
    that has the answer's Markdown from elsewhere.
    """
    markdown_blocks: list[str] = []
    text_blocks: list[str] = []

    def emit(block_markdown: str, text: str) -> None:
        # Without ``markdown`` no block's Markdown is kept, whichever branch made it.
        if markdown and block_markdown:
            markdown_blocks.append(block_markdown)
        if text:
            text_blocks.append(text)

    _blocks(node, _Walk(base_url, markdown), emit)
    return "\n\n".join(text_blocks), "\n\n".join(markdown_blocks)
