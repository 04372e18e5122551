"""Site profile: Stack Exchange question pages (Stack Overflow, its localized sites, the
``*.stackexchange.com`` sites, Super User, Server Fault, Ask Ubuntu, MathOverflow,
Stack Apps, and their meta sites).

On top of the generic QAPage profile (``qapage.py``: schema.org microdata, which every
layout since ~2019 carries), the page itself gives what schema.org does not, or gives
better:

- the exact view count behind a rounded one: ``title="Viewed 4,229 times"`` on the "4k"
  (localized: ``Visto 1.630 vezes``, "." grouping thousands; the old layout's
  ``#qinfo`` "viewed | 4,229 times"), digits read as ASCII digits whatever separates them;
- vote counts (``data-value``, ``.js-vote-count``, the old ``.vote-count-post``), the
  accepted mark (``.accepted-answer``), answer ids (``data-answerid``), authors and
  dates from the post signatures (``title="2014-01-30 03:17:47Z"``): SE's times are UTC,
  ``<time datetime>`` without a zone too;
- tags (``.post-taglist`` / ``a.post-tag``) and the Linked (``.linked``) and Related
  (``.related``) sidebars;
- the question's status: closed, or closed as a duplicate with its target, from the
  notices that sit inside the body's markup (old layout: ``question-originals-of-duplicate``,
  "Possible Duplicate" quotes; new: ``.s-notice`` / ``aside`` in ``.js-post-body``), which
  are no part of the question's text.

Answers are read from the visible answer blocks (``.answer[data-answerid]``, in page
order), each taking the schema.org values its microdata gives.

URLs: ``/questions/<id>/<slug>`` (the slug kept when present; ``?noredirect=1``, other
queries and fragments dropped, ``?page=N`` kept), ``/questions/<id>/<slug>/<answer id>``
is the question; ``/a/<id>`` answer permalinks are followed as they are (their question
is known only after the redirect).
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from parsers.markdown import render_answer
from parsers.model import Answer
from parsers.schema_org import (
    MAX_ANSWERS,
    SchemaAnswer,
    SchemaQuestion,
    iso_time,
    schema_count,
)
from parsers.sites.qapage import (
    MAX_TAGS,
    MAX_TITLED,
    TITLED,
    VIEW_WORDS,
    QAPageProfile,
    exact_count,
    schema_view_count,
    titled_view_count,
    unique_texts,
    view_title,
)
from parsers.text import squeeze

__all__ = ["PROFILE", "StackExchangeProfile"]

_SITES = ("stackoverflow.com", "superuser.com", "serverfault.com", "askubuntu.com",
          "mathoverflow.net", "stackapps.com")
_LOCALIZED = ("pt", "ru", "es", "ja")
_HOSTS = (
    *_SITES,
    *(f"meta.{site}" for site in _SITES),
    *(f"{language}.stackoverflow.com" for language in _LOCALIZED),
    *(f"{language}.meta.stackoverflow.com" for language in _LOCALIZED),
    "*.stackexchange.com",  # every other site (and its meta: meta.<site>.stackexchange.com)
)
# Question pages and answer permalinks (/a/<id>[/<user id>], which redirect to their question).
_PAGE_PATH = re.compile(
    r"^(?:/questions/[0-9]{1,20}(?:/[^/]+)?(?:/[0-9]{1,20})?|/q/[0-9]{1,20}(?:/[0-9]{1,20})?"
    r"|/a/[0-9]{1,20}(?:/[0-9]{1,20})?)/?$")
_ANSWER_PERMALINK = re.compile(r"^/a/(?P<id>[0-9]{1,20})(?:/[0-9]{1,20})?/?$")

_QUESTION = "#question, .question[data-questionid], [data-questionid]"
_ANSWERS = ".answer[data-answerid], [data-answerid].answer, #answers [data-answerid]"
_BODY = ".js-post-body, .post-text, [itemprop=text]"
_VOTES = ".js-vote-count, .vote-count-post, [itemprop=upvoteCount]"
# Notices inside or by the question's body: the generic ones, and the old layout's.
_SE_NOTICES = (".s-notice, aside, [role=status], .question-status, .post-notice, "
               ".question-originals-of-duplicate, .js-post-notice")
_OLD_DUPLICATE = "Possible Duplicate"
# "[duplicate]" / "[closed]" ending an old layout's title, in SE's languages.
_TITLE_STATUS = re.compile(
    r"\s*\[(?P<word>duplicate|closed|duplicada|duplicado|fechada|cerrada|дубликат|закрыт"
    r"|重複|クローズ)\]\s*$", re.IGNORECASE)


def _text(node: LexborNode | None) -> str:
    return squeeze(node.text(deep=True)) if node is not None else ""


def _se_time(value: str | None) -> str | None:
    """``2014-01-30 03:17:47Z`` or ``2014-01-30T03:17:47`` (UTC on SE) as ISO 8601."""
    return iso_time(value, naive_is_utc=True) if value else None


class StackExchangeProfile(QAPageProfile):
    name = "stackexchange"
    parser_version = 4  # 3, 4: as the generic profile's 3, 4
    hosts: ClassVar[tuple[str, ...]] = _HOSTS
    page_path = _PAGE_PATH
    # /questions/<id> is every Q&A site's shape: only SE's own hosts are SE's.
    path_alone = False
    naive_times_are_utc = True
    linked_blocks = ".linked"
    related_blocks = ".related"

    # -- URLs ---------------------------------------------------------------------------

    def canonical_page_url(self, url: str) -> str | None:
        """The question's URL; an answer permalink (``/a/<id>``) as it is, without its
        user id, query or fragment: its question is known after the redirect."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        permalink = _ANSWER_PERMALINK.match(parts.path)
        if permalink is not None and parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}/a/{permalink['id']}"
        return super().canonical_page_url(url)

    # -- the page's parts ---------------------------------------------------------------

    def _page_region(self, html: str) -> str:
        """The ``<head>`` (canonical link, metadata) and ``#content`` (question, answers,
        sidebars) up to the footer: the top bar, the site navigation and the footer are
        half of a page's elements, and building them was a third of the parse."""
        content = html.find('<div id="content"')
        head_end = html.find("<body")
        if content < 0 or head_end < 0 or head_end > content:
            return html
        footer = html.find("<footer", content)
        return html[:head_end] + "<body>" + html[content:footer if footer > 0 else len(html)]

    def _is_question_page(self, root: LexborNode) -> bool:
        return root.css_first(_QUESTION) is not None

    def _title(self, tree: LexborHTMLParser, question: SchemaQuestion | None) -> tuple[str, str]:
        """The question's title without the " [duplicate]" / " [closed]" the heading adds
        (the status is read from it, ``_status``)."""
        title, source = super()._title(tree, question)
        return _TITLE_STATUS.sub("", title), source

    def _notice_status(self, notice: LexborNode, url: str) -> tuple[str, str | None] | None:
        found = super()._notice_status(notice, url)
        classes = (notice.attributes.get("class") or "").split()
        if "question-originals-of-duplicate" in classes and (found is None
                                                             or found[0] != "duplicate"):
            return "duplicate", None
        return found

    def _question_container(self, root: LexborNode) -> LexborNode | None:
        return root.css_first(_QUESTION)

    def _question_body(self, root: LexborNode, container: LexborNode | None,
                       question: SchemaQuestion | None) -> LexborNode | None:
        if question is not None and question.element is not None:
            return question.element
        return container.css_first(_BODY) if container is not None else None

    def _notices(self, root: LexborNode, container: LexborNode | None,
                 body_node: LexborNode | None) -> list[LexborNode]:
        scope = container or body_node
        if scope is None:
            return []
        notices = scope.css(_SE_NOTICES)[:16]
        if body_node is not None:
            # The old layout's system quote: "Possible Duplicate: <link>", first in the body.
            for quote in body_node.css("blockquote")[:4]:
                if _OLD_DUPLICATE in _text(quote)[:80]:
                    notices.append(quote)
        # A notice inside another is read (and removed) with it.
        return [notice for notice in notices
                if not any(other.mem_id != notice.mem_id and _inside(other, notice)
                           for other in notices)]

    def _status(self, root: LexborNode, container: LexborNode | None,
                body_node: LexborNode | None, url: str, *,
                question: SchemaQuestion | None = None) -> tuple[str, str | None]:
        status, target = super()._status(root, container, body_node, url, question=question)
        if status == "open":
            heading = root.css_first("#question-header h1, h1[itemprop=name]")
            mark = _TITLE_STATUS.search(_text(heading))
            if mark is not None:
                word = mark["word"].casefold()
                status = "closed" if word in ("closed", "fechada", "cerrada", "закрыт",
                                              "クローズ") else "duplicate"
        return status, target

    def _answers(self, root: LexborNode, question: SchemaQuestion | None,
                 url: str) -> list[Answer]:
        blocks = root.css(_ANSWERS)
        if not blocks:
            return super()._answers(root, question, url)
        by_scope: dict[int, SchemaAnswer] = {}
        for schema_answer in question.answers if question is not None else []:
            if schema_answer.scope is not None:
                by_scope[schema_answer.scope.mem_id] = schema_answer
        answers: list[Answer] = []
        seen: set[str] = set()
        for block in blocks:
            answer_id = block.attributes.get("data-answerid") or None
            if answer_id is not None and answer_id in seen:
                continue  # a block nested in another with the same id
            if answer_id is not None:
                seen.add(answer_id)
            marked = by_scope.get(block.mem_id)
            body = (marked.element if marked is not None and marked.element is not None
                    else block.css_first(_BODY))
            text, markdown = render_answer(body, url) if body is not None else ("", "")
            votes = marked.upvote_count if marked is not None else None
            answers.append(Answer(
                position=len(answers) + 1,
                id=answer_id,
                text=text,
                markdown=markdown,
                votes=votes if votes is not None else _votes(block),
                # The visible mark, not the microdata: SE's markup names the top-scored
                # answer acceptedAnswer on pages where none is accepted.
                accepted=_accepted(block),
                author=(marked.author if marked is not None and marked.author
                        else _signature_author(block, owner=False)),
                created_at=(_se_time(marked.date_created) if marked is not None else None)
                or _signature_time(block, owner=False),
            ))
            if len(answers) >= MAX_ANSWERS:
                break
        return answers

    def _answer_count(self, root: LexborNode, question: SchemaQuestion | None) -> int | None:
        """schema.org's, else the answers' heading (``data-answercount``: a page with no
        answer carries no typed Question, only a bare ``<div itemscope>``)."""
        count = super()._answer_count(root, question)
        if count is not None:
            return count
        heading = root.css_first("[data-answercount]")
        if heading is not None:
            count = schema_count(heading.attributes.get("data-answercount"))
        if count is None:
            count = schema_count(_text(root.css_first("[itemprop=answerCount]")))
        return count

    def _asked_at(self, container: LexborNode | None,
                  question: SchemaQuestion | None) -> tuple[str, str] | None:
        found = super()._asked_at(container, question)
        if found is not None:
            return found
        shown = _signature_time(container, owner=True) if container is not None else None
        return ("label", shown) if shown else None

    def _views(self, root: LexborNode,
               question: SchemaQuestion | None) -> tuple[str, int, bool] | None:
        """The exact count in a ``title`` ("Viewed 4,229 times"), else the old layout's
        ``#qinfo`` row, else schema.org's."""
        for node in _header_titles(root):
            count = view_title(node)
            if count is not None:
                return "label", count, False
        for row in root.css("#qinfo tr")[:8]:  # the old layout: "viewed | 4,229 times"
            cells = row.css("td")
            if len(cells) >= 2 and VIEW_WORDS.search(_text(cells[0])):
                count = exact_count(_text(cells[1]))
                if count is not None:
                    return "label", count, False
        # Then any title on the page, then schema.org's (not super(), which would read
        # the titles a second time).
        return titled_view_count(root) or schema_view_count(question)

    def _question_votes(self, container: LexborNode | None,
                        question: SchemaQuestion | None) -> int | None:
        votes = super()._question_votes(container, question)
        if votes is None and container is not None:
            return _votes(container)
        return votes

    def _question_author(self, container: LexborNode | None,
                         question: SchemaQuestion | None) -> str | None:
        author = super()._question_author(container, question)
        if author is None and container is not None:
            return _signature_author(container, owner=True)
        return author

    def _tags(self, tree: LexborHTMLParser, root: LexborNode, container: LexborNode | None,
              question: SchemaQuestion | None) -> tuple[list[str], str | None]:
        scope = container if container is not None else root
        taglist = scope.css_first(".post-taglist") or root.css_first(".post-taglist")
        anchors = taglist.css("a.post-tag") if taglist is not None else scope.css("a.post-tag")
        tags = unique_texts(_text(anchor) for anchor in anchors[:MAX_TAGS])
        if tags:
            return tags, "class"
        return super()._tags(tree, root, container, question)


def _header_titles(root: LexborNode) -> list[LexborNode]:
    """The ``title``-bearing elements of the line under the question's title (asked,
    active, viewed); the old layout shows them in ``#qinfo`` instead."""
    header = root.css_first("#question-header")
    line = header.next if header is not None else None
    while line is not None and line.tag in ("-text", "-comment"):
        line = line.next
    if line is None or line.attributes.get("id") == "mainbar":  # the old layout: no such line
        return []
    return line.css(TITLED)[:MAX_TITLED]


def _inside(outer: LexborNode, inner: LexborNode) -> bool:
    node = inner.parent
    while node is not None:
        if node.mem_id == outer.mem_id:
            return True
        node = node.parent
    return False


def _votes(block: LexborNode) -> int | None:
    """A post's score: ``data-value`` of its vote count, else the count's text."""
    node = block.css_first(_VOTES)
    if node is None:
        return None
    value = schema_count(node.attributes.get("data-value"))
    if value is None:
        value = schema_count(node.attributes.get("content"))
    return value if value is not None else schema_count(_text(node))


def _accepted(block: LexborNode) -> bool:
    classes = (block.attributes.get("class") or "").split()
    if "accepted-answer" in classes:
        return True
    mark = block.css_first(".js-accepted-answer-indicator, .vote-accepted-on")
    return mark is not None and "d-none" not in (mark.attributes.get("class") or "").split()


def _signature(block: LexborNode, *, owner: bool) -> LexborNode | None:
    """The post's author signature: the asker's is ``.owner``; an answer's is its last
    (an editor's signature comes first)."""
    if owner:
        found = block.css_first(".post-signature.owner")
        if found is not None:
            return found
    signatures = block.css(".post-signature")
    return signatures[-1] if signatures else None


def _signature_author(block: LexborNode, *, owner: bool) -> str | None:
    signature = _signature(block, owner=owner)
    details = signature.css_first(".user-details") if signature is not None else None
    if details is None:
        return None
    name = details.css_first("[itemprop=name], a[href*='/users/']")
    text = _text(name) if name is not None else _text(details).split(" ")[0]
    return text or None


def _signature_time(block: LexborNode, *, owner: bool) -> str | None:
    signature = _signature(block, owner=owner)
    stamp = signature.css_first(".relativetime[title], [title$=Z]") \
        if signature is not None else None
    return _se_time(stamp.attributes.get("title")) if stamp is not None else None


# What profile discovery (parsers/profile.py) looks for in each module of parsers/sites/.
PROFILE = StackExchangeProfile()
