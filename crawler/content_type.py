"""Reading a Content-Type header: is it a page to parse, and in which charset. No HTTP stack."""

from __future__ import annotations

__all__ = ["charset_of", "is_html"]

_HTML_TYPES = ("text/html", "application/xhtml+xml")
# The longest charset label kept: IANA's longest registered name is 45 characters.
_MAX_CHARSET_LENGTH = 64


def is_html(content_type: str | None) -> bool:
    """HTML or a missing type (the parser then decides); anything else is not parsed."""
    if not content_type:
        return True
    return content_type.split(";", 1)[0].strip().lower() in _HTML_TYPES


def charset_of(content_type: str | None) -> str | None:
    """The charset parameter, if it names a text encoding Python has; else None (the
    parser then sniffs the page): a site's 'x-unknown', 1,000 characters or 'rot13'
    must neither reach a decoder nor be stored as the page's charset."""
    if not content_type:
        return None
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'")
            return charset if _is_text_encoding(charset) else None
    return None


def _is_text_encoding(label: str) -> bool:
    if not label or len(label) > _MAX_CHARSET_LENGTH or not label.isascii() \
            or not label.isprintable():
        return False
    try:
        # LookupError for unknown names and for codecs that are not text encodings.
        b"a".decode(label, "replace")
    except (LookupError, ValueError):
        return False
    return True
