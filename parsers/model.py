"""The records a site profile extracts from a page.

Field names are the public names of ``expected.json`` and of the archive's
columns; ``to_record()`` gives the JSON shape ``qarchive parse`` prints.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "FIELD_SOURCES",
    "QUESTION_STATUSES",
    "Answer",
    "AnswerPage",
    "ParseError",
    "RecommendedResource",
    "RelatedQuestion",
]


class ParseError(ValueError):
    """The page is not a page this profile can extract a whole record from.

    ``reason`` is a short, stable phrase users can group by in SQL
    (``not an answer page: no title``), never a traceback.
    """

    def __init__(self, reason: str, *, url: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.url = url


@dataclass(frozen=True, slots=True)
class RelatedQuestion:
    position: int  # 1-based within its kind
    # None for a related question the page shows without a link (it is still an item):
    # no page to follow, no id to key it by.
    id: str | None
    url: str | None
    title: str
    answer_text: str  # the snippet the linking page shows under it ("" when none)


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer as the page renders it."""

    position: int  # 1-based, in page order
    # The site's answer id; for a CSDN page (one answer, no id of its own) the page's id.
    id: str | None
    text: str
    markdown: str
    votes: int | None = None
    accepted: bool = False
    author: str | None = None  # the display name
    created_at: str | None = None  # ISO 8601 with the offset the page gives


# A question's state on its site: "closed" and "duplicate" (closed as a duplicate of
# ``duplicate_of``) only where the page says so.
QUESTION_STATUSES = ("open", "closed", "duplicate")


@dataclass(frozen=True, slots=True)
class RecommendedResource:
    section: str  # "related" or "latest": the tab panel the item sits in
    position: int  # 1-based within its section
    url: str
    title: str
    description: str
    file_type: str  # from the type icon's file name: pdf, zip, unknown, ...
    kind: str  # from the URL: doc, download, column, answer, ...


# The sources a field can come from, most trusted first.
FIELD_SOURCES = ("state", "meta", "title-tag", "heading", "label", "class")


@dataclass(frozen=True, slots=True)
class AnswerPage:
    url: str
    id: str
    title: str
    asked_at: str | None  # ISO 8601 with the site's offset (+08:00)
    view_count: int | None
    answer_text: str
    answer_markdown: str
    related_questions: list[RelatedQuestion] = field(default_factory=list)
    recommended_resources: list[RecommendedResource] = field(default_factory=list)
    # True when the page showed a rounded count such as "1.2万" or "10万+".
    view_count_approximate: bool = False
    # Other answer pages the page links to outside its content (the sidebar's
    # 热门问答): worth crawling, but not related questions.
    sidebar_links: list[str] = field(default_factory=list)
    profile: str = ""
    parser_version: int = 0
    # Where each field came from, for the fields found: field name ("title",
    # "asked_at", "view_count", "answer_markdown", "related_questions",
    # "recommended_resources", ...) -> source ("state": the page's embedded
    # state JSON; "meta": <meta>/Open Graph; "title-tag": <title>; "label": a
    # visible label and its value; "heading": an <h1>; "class": today's class
    # names). A field the page lacks has no entry. The drift alarm counts them.
    field_sources: dict[str, str] = field(default_factory=dict)
    # The site the question belongs to: with ``id``, the question's key (two sites may
    # use one id). The host for Stack Exchange and forums; "wenku.csdn.net" for CSDN,
    # whichever host served the page (a mirror, the sample site).
    site: str = ""
    # The question's own body (Q&A sites); None where the page has none (CSDN).
    question_text: str | None = None
    question_markdown: str | None = None
    question_votes: int | None = None
    question_author: str | None = None
    tags: list[str] = field(default_factory=list)
    status: str = "open"  # one of QUESTION_STATUSES
    duplicate_of: str | None = None  # the target question's URL when status is "duplicate"
    # Every answer the page renders, in page order; ``answer_count`` is the total the
    # page states (more than ``len(answers)`` when answers are paged), None if unstated.
    # Empty for a page whose one answer is ``answer_text`` (CSDN): see page_answers().
    answers: list[Answer] = field(default_factory=list)
    answer_count: int | None = None
    # Questions linked with this one other than as "related" (Stack Exchange's "Linked"
    # sidebar: questions that link here or that this one links to). Stored with the
    # related ones, each row with its kind.
    linked_questions: list[RelatedQuestion] = field(default_factory=list)
    # Paged answers (``?page=N``): which page of the question's answers this is (1: the
    # question's own page, which alone says its URL and chosen answer), and how many
    # answers the earlier pages hold when ``answers`` are numbered on this page from 1
    # (0 when the page gives question-wide positions): the archive stores
    # ``answers_before + position``.
    answers_page: int = 1
    answers_before: int = 0

    def page_answers(self) -> list[Answer]:
        """Every answer of the page: ``answers``, or for a page whose one answer is given
        only as ``answer_text`` (CSDN's shape) that answer, keyed by the page's id."""
        if self.answers or not self.answer_text:
            return list(self.answers)
        return [Answer(position=1, id=self.id, text=self.answer_text,
                       markdown=self.answer_markdown)]

    def to_record(self) -> dict[str, Any]:
        """The record as plain JSON-ready data, in expected.json's field order."""
        record = dataclasses.asdict(self)
        record["answers"] = [dataclasses.asdict(answer) for answer in self.page_answers()]
        return record

    def links_to_follow(self) -> list[str]:
        """Question pages this page leads a crawler to: related, then linked questions,
        then the sidebar."""
        seen: dict[str, None] = {}
        for related in (*self.related_questions, *self.linked_questions):
            if related.url:  # a question shown without a link leads nowhere
                seen.setdefault(related.url, None)
        for url in self.sidebar_links:
            seen.setdefault(url, None)
        return list(seen)
