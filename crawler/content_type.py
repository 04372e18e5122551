"""Reading a Content-Type header: is it a page to parse, and in which charset. No HTTP stack."""

from __future__ import annotations

__all__ = ["charset_of", "is_html"]

_HTML_TYPES = ("text/html", "application/xhtml+xml")


def is_html(content_type: str | None) -> bool:
    """HTML or a missing type (the parser then decides); anything else is not parsed."""
    if not content_type:
        return True
    return content_type.split(";", 1)[0].strip().lower() in _HTML_TYPES


def charset_of(content_type: str | None) -> str | None:
    if not content_type:
        return None
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None
