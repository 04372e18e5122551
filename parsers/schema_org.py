"""A page's schema.org data, JSON-LD and microdata, read on selectolax (lexbor); its QAPage.

Search engines read Q&A pages through schema.org ``QAPage`` markup: a ``Question``
with its ``name``, ``text``, ``dateCreated``, ``upvoteCount``, ``answerCount``,
``author`` and its answers (``acceptedAnswer``, ``suggestedAnswer``). Stack Exchange
writes it as microdata (``itemscope``/``itemtype``/``itemprop`` on the visible
elements), Discourse, Flarum and Apache Answer as JSON-LD.

extruct, the field's library, reads both but parses the page with lxml again and
cleans every text node's subtree: several times the cost of the whole lexbor parse
(issue 17's speed target, bench/qapage.py). This reader works on the tree the
profile already built, and tests/test_qapage_schema_org.py checks it gives
extruct's values on real pages.

Two layers:

- ``read_schema_org(tree, url)``: every item of the page (``SchemaItem``: types,
  properties, and for microdata the element each value came from, so a profile can
  render a body as Markdown from its element). Microdata follows the W3C algorithm
  (values from ``content``, ``datetime``, ``href``/``src``, else the text; nested items
  are values of their ``itemprop``); ``itemref`` is not followed (no Q&A site uses it).
  JSON-LD: every ``<script type="application/ld+json">``, lists and ``@graph`` unwrapped,
  ``{"@id": ...}`` references resolved.
- ``qa_question(data)``: the page's ``Question`` (the ``QAPage``'s ``mainEntity``, or a
  ``Question`` item alone) as a ``SchemaQuestion``, its answers in page order.

Hostile pages: scripts, items, properties, JSON nesting and answers are all capped
(``MAX_*`` below); the owner of each property is found by one climb per element,
remembered, so the work is linear in the page however deep it nests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeGuard

from mypy_extensions import mypyc_attr
from selectolax.lexbor import LexborHTMLParser, LexborNode

from parsers.links import resolve_link
from parsers.text import squeeze

__all__ = [
    "MAX_ANSWERS",
    "SchemaAnswer",
    "SchemaData",
    "SchemaItem",
    "SchemaQuestion",
    "iso_time",
    "qa_question",
    "qa_questions",
    "read_schema_org",
    "schema_count",
]

# JSON-LD scripts read per page (real pages carry one to three), and the size of one.
MAX_SCRIPTS = 16
MAX_SCRIPT_CHARS = 2_000_000
# JSON nesting followed (real data nests five or six levels), and JSON objects kept.
MAX_JSON_DEPTH = 32
MAX_JSON_OBJECTS = 20_000
# Microdata items and properties read (a Stack Overflow page: ~100 and ~300).
MAX_ITEMS = 5_000
MAX_PROPERTIES = 20_000
# Answers taken from one question (Stack Overflow pages show 30 at most).
MAX_ANSWERS = 2_000
# A count or a time longer than this is no count or time.
_MAX_VALUE_CHARS = 64

# Element -> the attribute holding its microdata value (W3C microdata §5.4, "values").
_URL_ATTRIBUTES = {"a": "href", "area": "href", "link": "href", "audio": "src", "embed": "src",
                   "iframe": "src", "img": "src", "source": "src", "track": "src",
                   "video": "src", "object": "data"}
# Elements whose text is no text of the page (extruct's cleaner drops them too).
_NO_TEXT_TAGS = ["script", "style"]
_SCHEMA_PREFIXES = ("http://schema.org/", "https://schema.org/", "schema:")

SchemaValue = Any  # str, int, float, bool, None or SchemaItem (JSON-LD values keep their type)


class _TextOf:
    """A microdata value that is its element's text, read when first asked for: most
    are never read (a body's Markdown is rendered from its element), and reading the
    text of every property cost more than the rest of the reader."""

    __slots__ = ("element",)

    def __init__(self, element: LexborNode) -> None:
        self.element = element


@dataclass(slots=True)
class SchemaItem:
    """One schema.org item: its types (short names: ``Question``) and properties.

    ``properties`` maps a name to its values in document order; ``elements`` (microdata
    only) to the element each value came from, index for index. ``order`` is the item's
    place in the document (microdata) or in the JSON (JSON-LD), to sort answers by.
    """

    types: tuple[str, ...]
    properties: dict[str, list[SchemaValue]] = field(default_factory=dict)
    elements: dict[str, list[LexborNode]] = field(default_factory=dict)
    order: int = 0
    id: str | None = None  # JSON-LD @id
    scope: LexborNode | None = None  # microdata: the element carrying ``itemscope``

    def is_a(self, kind: str) -> bool:
        return kind in self.types

    def values(self, name: str) -> list[SchemaValue]:
        found = self.properties.get(name)
        if not found:
            return []
        for index, value in enumerate(found):
            if type(value) is _TextOf:
                found[index] = value.element.text(deep=True)
        return found

    def first(self, name: str) -> SchemaValue:
        found = self.properties.get(name)
        if not found:
            return None
        value = found[0]
        if type(value) is _TextOf:
            value = found[0] = value.element.text(deep=True)
        return value

    def element(self, name: str) -> LexborNode | None:
        found = self.elements.get(name)
        return found[0] if found else None

    def add(self, name: str, value: SchemaValue, element: LexborNode | None = None) -> None:
        self.properties.setdefault(name, []).append(value)
        if element is not None:
            self.elements.setdefault(name, []).append(element)


@dataclass(slots=True)
class SchemaData:
    """A page's top-level items from both syntaxes, and JSON-LD's items by ``@id``."""

    json_ld: list[SchemaItem] = field(default_factory=list)
    microdata: list[SchemaItem] = field(default_factory=list)
    by_id: dict[str, SchemaItem] = field(default_factory=dict)

    def resolve(self, value: SchemaValue) -> SchemaValue:
        """A JSON-LD ``{"@id": ...}`` reference as the item it names (else ``value``)."""
        if _is_reference(value):
            return self.by_id.get(value.id or "", value)
        return value


def _is_reference(value: SchemaValue) -> TypeGuard[SchemaItem]:
    """A bare JSON-LD ``{"@id": ...}``: a name for an item, not an item."""
    return isinstance(value, SchemaItem) and bool(value.id) and not value.types \
        and not value.properties


def _short_type(value: str) -> str:
    value = value.strip()
    for prefix in _SCHEMA_PREFIXES:
        if value.startswith(prefix):
            return value[len(prefix):]
    return value


# -- JSON-LD ------------------------------------------------------------------------------


class _JsonBudget:
    """How many JSON objects may still become items: a page shares one budget."""

    def __init__(self) -> None:
        self.left = MAX_JSON_OBJECTS


def _json_value(value: Any, data: SchemaData, budget: _JsonBudget, depth: int) -> SchemaValue:
    if isinstance(value, dict):
        return _json_item(value, data, budget, depth)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return None


def _json_item(obj: dict[str, Any], data: SchemaData, budget: _JsonBudget,
               depth: int) -> SchemaItem | None:
    if depth > MAX_JSON_DEPTH or budget.left <= 0:
        return None
    budget.left -= 1
    raw_types = obj.get("@type")
    # A type or a list of types; anything else (a number, an object) names no type.
    types = [raw_types] if isinstance(raw_types, str) else (
        raw_types if isinstance(raw_types, list) else [])
    item = SchemaItem(types=tuple(_short_type(kind) for kind in types
                                  if isinstance(kind, str)),
                      order=MAX_JSON_OBJECTS - budget.left)
    identifier = obj.get("@id")
    if isinstance(identifier, str):
        item.id = identifier
        if obj.keys() - {"@id"}:  # a reference alone names an item, it does not define it
            data.by_id.setdefault(identifier, item)
    for name, raw in obj.items():
        if name.startswith("@"):
            continue
        for value in raw if isinstance(raw, list) else [raw]:
            converted = _json_value(value, data, budget, depth + 1)
            if converted is not None:
                item.add(_short_type(name), converted)
    return item


def _read_json_ld(tree: LexborHTMLParser, data: SchemaData) -> None:
    budget = _JsonBudget()
    for script in tree.css('script[type="application/ld+json"]')[:MAX_SCRIPTS]:
        text = script.text(deep=True)
        if len(text) > MAX_SCRIPT_CHARS:
            continue
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            continue  # a broken block: the page's other data still counts
        tops = value if isinstance(value, list) else [value]
        for top in tops[:MAX_SCRIPTS]:
            if not isinstance(top, dict):
                continue
            graph = top.get("@graph")
            for obj in graph if isinstance(graph, list) else [top]:
                if isinstance(obj, dict):
                    item = _json_item(obj, data, budget, 0)
                    if item is not None:
                        data.json_ld.append(item)


# -- microdata ----------------------------------------------------------------------------


def _property_value(element: LexborNode, attributes: dict[str, str | None],
                    url: str) -> str | _TextOf:
    """A microdata property's value (W3C microdata, "values"; schema.org's ``content``
    on any element, as extruct reads it)."""
    tag = element.tag or ""
    if tag == "meta":
        return attributes.get("content") or ""
    attribute = _URL_ATTRIBUTES.get(tag)
    if attribute is not None:
        return resolve_link(url, (attributes.get(attribute) or "").strip()) or ""
    if tag in ("data", "meter"):
        return attributes.get("value") or ""
    if tag == "time":
        return attributes.get("datetime") or ""
    content = attributes.get("content")
    if content:
        return content
    return _TextOf(element)


def _read_microdata(tree: LexborHTMLParser, url: str, data: SchemaData) -> None:
    root = tree.root
    if root is None:
        return
    scopes = root.css("[itemscope]")[:MAX_ITEMS]
    if not scopes:
        return
    items: dict[int, SchemaItem] = {}
    for order, element in enumerate(scopes):
        types = (element.attributes.get("itemtype") or "").split()
        items[element.mem_id] = SchemaItem(types=tuple(_short_type(kind) for kind in types),
                                           order=order, scope=element)
    # Element -> the item owning the properties inside it (0: none), remembered for every
    # element a climb passes, so each element is climbed through once.
    owners: dict[int, int] = {}

    def owner_of(element: LexborNode) -> int:
        passed: list[int] = []
        node = element.parent
        found = 0
        while node is not None:
            node_id = node.mem_id
            if node_id in owners:
                found = owners[node_id]
                break
            if node_id in items:
                found = node_id
                owners[node_id] = node_id
                break
            passed.append(node_id)
            node = node.parent
        for node_id in passed:
            owners[node_id] = found
        return found

    owned: set[int] = set()
    for element in root.css("[itemprop]")[:MAX_PROPERTIES]:
        owner = owner_of(element)
        if not owner:
            continue
        element_id = element.mem_id
        attributes = element.attributes
        nested = items.get(element_id)
        value: SchemaValue = (nested if nested is not None
                              else _property_value(element, attributes, url))
        if nested is not None:
            owned.add(element_id)
        for name in (attributes.get("itemprop") or "").split():
            items[owner].add(name, value, element)
    data.microdata.extend(item for item_id, item in items.items() if item_id not in owned)


def read_schema_org(tree: LexborHTMLParser, url: str) -> SchemaData:
    """Every schema.org item of the page, JSON-LD and microdata.

    Removes the tree's ``<script>`` and ``<style>`` elements once the JSON-LD is read:
    their text is no part of any microdata value (nor of what a reader sees).
    """
    data = SchemaData()
    _read_json_ld(tree, data)
    tree.strip_tags(_NO_TEXT_TAGS)
    _read_microdata(tree, url, data)
    return data


# -- the QAPage's question ----------------------------------------------------------------


# Compiled by mypyc (pyproject.toml); site adapters of other packages subclass it.
@mypyc_attr(allow_interpreted_subclasses=True)
@dataclass(frozen=True, slots=True)
class SchemaAnswer:
    text: str | None
    element: LexborNode | None  # microdata: the element of ``text`` (its Markdown's source)
    scope: LexborNode | None  # microdata: the answer's own element (``itemscope``)
    upvote_count: int | None
    date_created: str | None  # as the page writes it (see iso_time)
    author: str | None
    url: str | None
    accepted: bool
    position: int | None  # schema.org ``position``, where the page numbers its answers


# Compiled by mypyc (pyproject.toml); site adapters of other packages subclass it.
@mypyc_attr(allow_interpreted_subclasses=True)
@dataclass(frozen=True, slots=True)
class SchemaQuestion:
    name: str | None
    text: str | None
    element: LexborNode | None
    scope: LexborNode | None
    date_created: str | None
    upvote_count: int | None
    answer_count: int | None
    author: str | None
    url: str | None
    view_count: int | None  # interactionStatistic's WatchAction/ViewAction count
    keywords: list[str]
    answers: list[SchemaAnswer]  # accepted and suggested, in page order
    syntax: str  # "json-ld" or "microdata": where it was read


# A count has at most 18 digits, as SQLite's INTEGER holds (1e30 would make storing the
# page fail, and the crawl retry it on every run).
_MAX_COUNT = 10**18 - 1


def schema_count(value: SchemaValue) -> int | None:
    """An integer property (``upvoteCount``: 6, "6", "-2"), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if -_MAX_COUNT <= value <= _MAX_COUNT else None
    if isinstance(value, float) and value.is_integer():
        return int(value) if -_MAX_COUNT <= value <= _MAX_COUNT else None
    if isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in "+-" else text
        # ASCII digits only: str.isdigit() also takes "²" or "７".
        if 0 < len(digits) <= 18 and digits.isascii() and digits.isdigit():
            return int(text)
    return None


def iso_time(value: SchemaValue, *, naive_is_utc: bool = False) -> str | None:
    """A schema.org date as ISO 8601: with the offset the page gives (``Z`` as
    ``+00:00``); a time without one is kept without, unless ``naive_is_utc`` (Stack
    Exchange writes UTC times without a zone)."""
    if not isinstance(value, str) or len(value) > _MAX_VALUE_CHARS:
        return None
    text = value.strip()
    if not text.isascii():
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None and naive_is_utc:
        moment = moment.replace(tzinfo=UTC)
    # Seconds, as every page shows them: Discourse's JSON-LD adds milliseconds
    # (06:49:00.750Z) to the 06:49:00Z its visible post gives.
    return moment.isoformat(timespec="seconds")


def _text_of(value: SchemaValue) -> str | None:
    """A text property as the page writes it (a body's line breaks kept); None if blank."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _name_of(value: SchemaValue, data: SchemaData) -> str | None:
    """A person's name: a ``Person`` item's ``name``, or the text itself."""
    value = data.resolve(value)
    name = _text_of(value.first("name")) if isinstance(value, SchemaItem) else _text_of(value)
    return squeeze(name) if name else None


def _view_count(item: SchemaItem, data: SchemaData) -> int | None:
    for value in item.values("interactionStatistic"):
        value = data.resolve(value)
        if not isinstance(value, SchemaItem):
            continue
        action = data.resolve(value.first("interactionType"))
        kind = (_short_type(" ".join(action.types)) if isinstance(action, SchemaItem)
                else _short_type(str(action or "")))
        if "WatchAction" in kind or "ViewAction" in kind:
            count = schema_count(value.first("userInteractionCount"))
            if count is not None:
                return count
    return None


def _keywords(item: SchemaItem) -> list[str]:
    words: list[str] = []
    for value in item.values("keywords")[:64]:
        if isinstance(value, str):
            words.extend(part.strip() for part in value.split(",") if part.strip())
    return words[:256]


def _answer(item: SchemaItem, accepted: bool, data: SchemaData) -> SchemaAnswer:
    url = item.first("url")
    return SchemaAnswer(
        text=_text_of(item.first("text")),
        element=item.element("text"),
        scope=item.scope,
        upvote_count=schema_count(item.first("upvoteCount")),
        date_created=_text_of(item.first("dateCreated")),
        author=_name_of(item.first("author"), data),
        url=url if isinstance(url, str) and url else None,
        accepted=accepted,
        position=schema_count(item.first("position")),
    )


def _question(item: SchemaItem, data: SchemaData, syntax: str) -> SchemaQuestion:
    answers: list[tuple[int, SchemaAnswer]] = []
    for name, accepted in (("acceptedAnswer", True), ("suggestedAnswer", False)):
        for value in item.values(name):
            value = data.resolve(value)
            # A reference to no item on the page is no answer (not an empty one).
            if isinstance(value, SchemaItem) and not _is_reference(value) \
                    and len(answers) < MAX_ANSWERS:
                answers.append((value.order, _answer(value, accepted, data)))
    answers.sort(key=lambda entry: entry[0])  # page order (microdata), JSON order (JSON-LD)
    url = item.first("url")
    return SchemaQuestion(
        name=_text_of(item.first("name")),
        text=_text_of(item.first("text")),
        element=item.element("text"),
        scope=item.scope,
        date_created=_text_of(item.first("dateCreated")),
        upvote_count=schema_count(item.first("upvoteCount")),
        answer_count=schema_count(item.first("answerCount")),
        author=_name_of(item.first("author"), data),
        url=url if isinstance(url, str) and url else None,
        view_count=_view_count(item, data),
        keywords=_keywords(item),
        answers=[answer for _, answer in answers],
        syntax=syntax,
    )


def _questions_in(items: list[SchemaItem], data: SchemaData) -> list[SchemaItem]:
    """The Question items: a QAPage's ``mainEntity``, else any top-level Question."""
    found: list[SchemaItem] = []
    for item in items:
        if item.is_a("QAPage"):
            for entity in item.values("mainEntity"):
                entity = data.resolve(entity)
                if isinstance(entity, SchemaItem) and entity.is_a("Question"):
                    found.append(entity)
        elif item.is_a("Question"):
            found.append(item)
    return found


def qa_questions(data: SchemaData) -> list[SchemaQuestion]:
    """Every top-level Question of the page (a QAPage's ``mainEntity`` or a Question
    item), microdata first, each in page order: a site adapter that knows which one is
    the page's own chooses among them."""
    candidates = [_question(item, data, "microdata")
                  for item in _questions_in(data.microdata, data)]
    candidates += [_question(item, data, "json-ld") for item in _questions_in(data.json_ld, data)]
    return candidates


def qa_question(data: SchemaData) -> SchemaQuestion | None:
    """The page's question: the one with the most answers, microdata on a tie (its
    elements give the bodies' Markdown)."""
    candidates = qa_questions(data)
    if not candidates:
        return None
    return max(candidates, key=lambda question: (len(question.answers), question.text is not None,
                                                 question.syntax == "microdata"))
