"""Turning a fetched body into text the way browsers and crawlers agree on.

Order (WHATWG encoding sniffing, simplified): a byte-order mark wins; then the
charset from the HTTP ``Content-Type`` header; then ``<meta charset>`` in the
first bytes; then UTF-8 with replacement characters so a bad byte never
loses the rest of the page.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["decode_html", "decode_html_source"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# <meta charset="gbk"> and <meta http-equiv="Content-Type" content="text/html; charset=gbk">
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
# The HTML Standard reads the meta element within the first 1024 bytes; real
# pages put a long <title> first, so look a little further.
_SNIFF_BYTES = 4096
# Labels that browsers map to a superset: GB18030 decodes every GBK/GB2312 page.
_SUPERSETS = {"gbk": "gb18030", "gb2312": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030"}
_SINGLE_BYTE_WESTERN = {"latin-1", "iso8859-1", "cp1252", "ascii"}


def _normalise(label: str) -> str | None:
    label = label.strip().strip("\"'").lower()
    label = _SUPERSETS.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _looks_like_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return any(byte >= 0x80 for byte in body)


def decode_html(body: bytes | str, *, charset: str | None = None) -> str:
    """Decode an HTML body; ``charset`` is the one the HTTP header declared, if any."""
    return decode_html_source(body, charset=charset)[0]


def decode_html_source(
    body: bytes | str, *, charset: str | None = None
) -> tuple[str, bytes | None]:
    """``decode_html``'s text, and ``body`` itself when that text is exactly its UTF-8
    decoding (no byte-order mark, no replacement): a parser taking UTF-8 bytes (lexbor)
    can then be given the body rather than the text encoded again."""
    if isinstance(body, str):
        return body, None
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(encoding, errors="replace"), None
    candidates: list[str] = []
    if charset and (name := _normalise(charset)):
        candidates.append(name)
    match = _META_CHARSET.search(body[:_SNIFF_BYTES])
    if match and (name := _normalise(match.group(1).decode("ascii", "replace"))):
        candidates.append(name)
    for encoding in candidates:
        # A page declared Latin-1 that is valid multi-byte UTF-8 was mislabelled:
        # Latin-1 never fails, so it would silently turn Chinese into mojibake.
        if encoding in _SINGLE_BYTE_WESTERN and _looks_like_utf8(body):
            return body.decode("utf-8"), body
        try:
            return body.decode(encoding), (body if encoding == "utf-8" else None)
        except (UnicodeDecodeError, LookupError):
            continue  # a wrong declaration: try the next source
    try:
        return body.decode("utf-8"), body
    except UnicodeDecodeError:  # the same text as a strict decode wherever that succeeds
        return body.decode("utf-8", errors="replace"), None
