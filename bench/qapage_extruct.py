"""The QAPage fields read the extruct way: ``extruct.extract`` (JSON-LD and microdata, the
field's library), then the Question found in its output.

Two users: tests/test_qapage_schema_org.py checks qarchive's own reader
(parsers/schema_org.py) gives these values on real pages, and bench/qapage.py times
this extraction against qarchive's whole parse of the same pages (issue 17: at least
3x faster). extruct is imported on first use (bench and test extras only).
"""

from __future__ import annotations

from typing import Any

__all__ = ["extruct_question", "no_space"]

_SCHEMA_PREFIXES = ("http://schema.org/", "https://schema.org/", "schema:")


def no_space(text: Any) -> str | None:
    """Text compared with all whitespace removed: where line breaks go is each reader's
    call (extruct's html_text adds them between blocks)."""
    return "".join(text.split()) if isinstance(text, str) and text.strip() else None


def _types(item: dict[str, Any]) -> list[str]:
    raw = item.get("type", item.get("@type", []))
    kinds = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    short = []
    for kind in kinds:
        for prefix in _SCHEMA_PREFIXES:
            if kind.startswith(prefix):
                kind = kind[len(prefix):]
        short.append(kind)
    return short


def _properties(item: dict[str, Any]) -> dict[str, Any]:
    """Microdata items keep their values under ``properties``; JSON-LD's are the item."""
    found = item.get("properties")
    return found if isinstance(found, dict) else item


def _values(properties: dict[str, Any], name: str) -> list[Any]:
    value = properties.get(name)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _first(properties: dict[str, Any], name: str) -> Any:
    values = _values(properties, name)
    return values[0] if values else None


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value.strip())
    return None


def _name(value: Any) -> str | None:
    if isinstance(value, dict):
        value = _first(_properties(value), "name")
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


def _answer(item: Any, accepted: bool, text: Any) -> dict[str, Any]:
    properties = _properties(item) if isinstance(item, dict) else {}
    return {
        "text": text(_first(properties, "text")),
        "upvote_count": _count(_first(properties, "upvoteCount")),
        "date_created": _first(properties, "dateCreated") or None,
        "author": _name(_first(properties, "author")),
        "url": _first(properties, "url") or None,
        "accepted": accepted,
    }


def _questions(items: list[Any]) -> list[dict[str, Any]]:
    found = []
    for item in items:
        if not isinstance(item, dict):
            continue
        graph = item.get("@graph")
        if isinstance(graph, list):
            found.extend(_questions(graph))
            continue
        if "QAPage" in _types(item):
            found.extend(entity for entity in _values(_properties(item), "mainEntity")
                         if isinstance(entity, dict) and "Question" in _types(entity))
        elif "Question" in _types(item):
            found.append(item)
    return found


def _as_is(text: Any) -> str | None:
    return text if isinstance(text, str) and text.strip() else None


def extruct_question(body: bytes | str, url: str, *, keep_space: bool = False
                     ) -> dict[str, Any] | None:
    """The page's Question as extruct reads it: the one with the most answers.

    Texts are compared without whitespace (``no_space``) unless ``keep_space``: the
    Scrapy peer (bench/scrapy_spider.py) stores them as extruct gives them.
    """
    import extruct

    text = _as_is if keep_space else no_space
    data = extruct.extract(body, base_url=url, syntaxes=["json-ld", "microdata"],
                           errors="ignore")
    candidates = _questions(data.get("microdata", [])) + _questions(data.get("json-ld", []))
    if not candidates:
        return None
    results = []
    for question in candidates:
        properties = _properties(question)
        answers = [_answer(item, True, text)
                   for item in _values(properties, "acceptedAnswer")]
        answers += [_answer(item, False, text)
                    for item in _values(properties, "suggestedAnswer")]
        results.append({
            "name": _name(_first(properties, "name")),
            "text": text(_first(properties, "text")),
            "date_created": _first(properties, "dateCreated") or None,
            "upvote_count": _count(_first(properties, "upvoteCount")),
            "answer_count": _count(_first(properties, "answerCount")),
            "author": _name(_first(properties, "author")),
            "answers": answers,
        })
    return max(results, key=lambda question: len(question["answers"]))
