"""An answer's HTML as Markdown and as plain text, in one walk over the tree.

Written on selectolax nodes rather than with a BeautifulSoup-based converter:
the parse benchmark found such converters cost more than the rest of the parse
together. It covers what answers use: paragraphs, headings, code blocks with
their language, lists (nested), tables, links, images, quotes and emphasis.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from selectolax.lexbor import LexborNode

from parsers.links import resolve_link

__all__ = ["render_answer"]

_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_CONTAINERS = {
    "div", "section", "article", "main", "figure", "figcaption", "details", "summary",
    "dl", "dd", "dt", "header", "footer", "center", "form",
}
_BLOCKS = {"p", "pre", "ul", "ol", "table", "blockquote", "hr", *_HEADINGS, *_CONTAINERS}
_SKIPPED = {"script", "style", "noscript", "template", "button", "svg", "iframe", "input",
            "select", "textarea", "-comment"}
# Characters Markdown would read as syntax, backslash-escaped (str.translate: one C pass).
_MD_ESCAPES = str.maketrans({char: "\\" + char for char in "\\`*_[]<"})
_LANGUAGE = re.compile(r"(?:^|\s)(?:language|lang)-([\w+#.-]+)")
_SAFE_SCHEMES = ("http://", "https://", "mailto:", "ftp://")


def _escape(text: str) -> str:
    return text.translate(_MD_ESCAPES)


def _safe_url(href: str | None, base_url: str) -> str | None:
    """Absolute http(s) URL, or None for javascript:, data: and other schemes."""
    url = resolve_link(base_url, href)
    return url if url and url.lower().startswith(_SAFE_SCHEMES) else None


class _Inline:
    """Accumulates one run of inline content as Markdown and as plain text."""

    __slots__ = ("markdown", "text")

    def __init__(self) -> None:
        self.markdown: list[str] = []
        self.text: list[str] = []

    def flush(self) -> tuple[str, str]:
        markdown = _tidy("".join(self.markdown))
        text = _tidy("".join(self.text))
        self.markdown.clear()
        self.text.clear()
        return markdown, text


def _tidy(text: str) -> str:
    if "\n" not in text:  # the common case: one line
        return " ".join(text.split())
    # str.split() splits on every Unicode space, like re's \s, and is faster.
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _inline(node: LexborNode, out: _Inline, base_url: str) -> None:
    tag = node.tag
    if tag == "-text":
        raw = node.text(deep=False)
        out.text.append(raw)
        out.markdown.append(_escape(raw))
        return
    if tag in _SKIPPED:
        return
    if tag == "br":
        out.text.append("\n")
        out.markdown.append("\n")
        return
    if tag == "img":
        src = _safe_url(node.attributes.get("src"), base_url)
        alt = node.attributes.get("alt") or ""
        if src:
            out.markdown.append(f"![{_escape(alt)}]({src})")
        return
    if tag == "code":
        code = node.text(deep=True)
        fence = "``" if "`" in code else "`"
        out.markdown.append(f"{fence}{code}{fence}")
        out.text.append(code)
        return
    inner = _Inline()
    for child in node.iter(include_text=True):
        _inline(child, inner, base_url)
    markdown, text = "".join(inner.markdown), "".join(inner.text)
    out.text.append(text)
    if not markdown.strip():
        out.markdown.append(markdown)
    elif tag == "a":
        href = _safe_url(node.attributes.get("href"), base_url)
        out.markdown.append(f"[{markdown.strip()}]({href})" if href else markdown)
    elif tag in ("strong", "b"):
        out.markdown.append(f"**{markdown.strip()}**")
    elif tag in ("em", "i"):
        out.markdown.append(f"*{markdown.strip()}*")
    elif tag in ("del", "s", "strike"):
        out.markdown.append(f"~~{markdown.strip()}~~")
    else:
        out.markdown.append(markdown)


def _code_block(node: LexborNode) -> tuple[str, str]:
    code_node = node.css_first("code")
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


def _list(node: LexborNode, base_url: str, depth: int) -> tuple[str, str]:
    ordered = node.tag == "ol"
    start_attribute = (node.attributes.get("start") or "1").strip() if ordered else "1"
    start = int(start_attribute) if start_attribute.isdigit() else 1
    md_lines: list[str] = []
    text_lines: list[str] = []
    number = start
    for item in node.iter():
        if item.tag != "li":
            continue
        marker = f"{number}. " if ordered else "- "
        number += 1
        inline = _Inline()
        nested: list[tuple[str, str]] = []
        for child in item.iter(include_text=True):
            if child.tag in ("ul", "ol"):
                nested.append(_list(child, base_url, depth + 1))
            elif child.tag == "pre":
                nested.append(_code_block(child))
            else:
                _inline(child, inline, base_url)
        markdown, text = inline.flush()
        indent = " " * len(marker)
        md_lines.append(marker + markdown.replace("\n", "\n" + indent))
        text_lines.append(text)
        for nested_md, nested_text in nested:
            md_lines.append("\n".join(indent + line for line in nested_md.split("\n")))
            text_lines.append(nested_text)
    return "\n".join(md_lines), "\n".join(line for line in text_lines if line)


def _table(node: LexborNode, base_url: str) -> tuple[str, str]:
    rows: list[list[tuple[str, str]]] = []
    for row in node.css("tr"):
        cells = []
        for cell in row.iter():
            if cell.tag in ("td", "th"):
                inline = _Inline()
                for child in cell.iter(include_text=True):
                    _inline(child, inline, base_url)
                markdown, text = inline.flush()
                cells.append((markdown.replace("\n", " ").replace("|", "\\|"), text))
        if cells:
            rows.append(cells)
    if not rows:
        return "", ""
    width = max(len(row) for row in rows)
    md_rows = [[md for md, _ in row] + [""] * (width - len(row)) for row in rows]
    md_lines = ["| " + " | ".join(md_rows[0]) + " |", "|" + " --- |" * width]
    md_lines += ["| " + " | ".join(row) + " |" for row in md_rows[1:]]
    text_lines = ["\t".join(text for _, text in row) for row in rows]
    return "\n".join(md_lines), "\n".join(text_lines)


def _blocks(node: LexborNode, base_url: str, emit: Callable[[str, str], None]) -> None:
    """Emit (markdown, text) for each block under ``node``; inline runs become paragraphs."""
    inline = _Inline()

    def flush() -> None:
        markdown, text = inline.flush()
        if text or markdown:
            emit(markdown, text)

    for child in node.iter(include_text=True):
        tag = child.tag
        if tag in _SKIPPED:
            continue
        if tag not in _BLOCKS:
            _inline(child, inline, base_url)
            continue
        flush()
        if tag in _CONTAINERS:
            _blocks(child, base_url, emit)
        elif tag == "p":
            _blocks_of_paragraph(child, base_url, emit)
        elif tag in _HEADINGS:
            heading = _Inline()
            for part in child.iter(include_text=True):
                _inline(part, heading, base_url)
            markdown, text = heading.flush()
            if text:
                emit("#" * _HEADINGS[tag] + " " + markdown.replace("\n", " "), text)
        elif tag == "pre":
            emit(*_code_block(child))
        elif tag in ("ul", "ol"):
            emit(*_list(child, base_url, 0))
        elif tag == "table":
            emit(*_table(child, base_url))
        elif tag == "blockquote":
            quoted: list[tuple[str, str]] = []

            def keep(markdown: str, text: str, quoted: list[tuple[str, str]] = quoted) -> None:
                quoted.append((markdown, text))

            _blocks(child, base_url, keep)
            markdown = "\n>\n".join(
                "\n".join("> " + line for line in md.split("\n")) for md, _ in quoted
            )
            emit(markdown, "\n\n".join(text for _, text in quoted))
        elif tag == "hr":
            emit("---", "")
    flush()


def _blocks_of_paragraph(node: LexborNode, base_url: str, emit: Callable[[str, str], None]) -> None:
    inline = _Inline()
    for child in node.iter(include_text=True):
        _inline(child, inline, base_url)
    markdown, text = inline.flush()
    if text or markdown:
        emit(markdown, text)


def render_answer(node: LexborNode, base_url: str) -> tuple[str, str]:
    """``(answer_text, answer_markdown)``: paragraphs joined by a blank line in both."""
    markdown_blocks: list[str] = []
    text_blocks: list[str] = []

    def emit(markdown: str, text: str) -> None:
        if markdown:
            markdown_blocks.append(markdown)
        if text:
            text_blocks.append(text)

    _blocks(node, base_url, emit)
    return "\n\n".join(text_blocks), "\n\n".join(markdown_blocks)
