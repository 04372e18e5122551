"""Site profile: any Q&A page carrying schema.org ``QAPage`` markup (issue 17).

Chosen for a page no site profile claims whose body carries the markup
(``parsers.choose_profile(url, body=...)``), and the base of the site adapters
(``stackexchange.py``, ``discourse.py``, ``zhihu.py``), which override the parts their pages
show better.

Each field is read from the page's schema.org data first (``parsers/schema_org.py``:
JSON-LD or microdata: the ``Question``'s ``name``, ``text``, ``dateCreated``,
``upvoteCount``, ``answerCount``, ``author``, its accepted and suggested answers),
then from the visible page (the ``<h1>``, ``article:tag`` / ``rel="tag"`` links, a
status notice by the question, related and linked question links), and
``AnswerPage.field_sources`` says which ("meta": schema.org or ``<meta>``; "heading";
"label"; "class").

Question URLs (``canonical_page_url``): ``/questions/<id>[/<slug>]`` (Stack Exchange,
Apache Answer), ``/q/<id>``, ``/t/<slug>/<id>`` (Discourse), ``/d/<id>[-<slug>]``
(Flarum), ``/question/<id>`` (Zhihu); query and fragment dropped but ``page=N``
(N >= 2), the answers' N-th page. A paged page's answers keep the positions the page
gives (schema.org ``position``), else they are numbered on the page from 1, and
``answers_before`` says how many answers the earlier pages hold (the archive numbers a
question's answers across its pages).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar
from urllib.parse import parse_qsl, urlsplit

from mypy_extensions import mypyc_attr
from selectolax.lexbor import LexborHTMLParser, LexborNode

from parsers.decoding import decode_html
from parsers.links import resolve_link
from parsers.markdown import render_answer
from parsers.model import Answer, AnswerPage, ParseError, RelatedQuestion
from parsers.nesting import cap_nesting
from parsers.schema_org import (
    SchemaAnswer,
    SchemaData,
    SchemaQuestion,
    iso_time,
    qa_question,
    read_schema_org,
)
from parsers.text import squeeze

__all__ = ["MAX_LINKS", "MAX_TAGS", "PROFILE", "QAPageProfile", "site_of", "unique_texts"]

# Links taken from each of a page's link lists (related, linked questions, answer pages):
# real pages show tens; a hostile page's 20,000 would flood the frontier.
MAX_LINKS = 2_000
# Anchors looked at per list (several per question: votes, title), and tags kept.
_MAX_ANCHORS = 4 * MAX_LINKS
MAX_TAGS = 256
# A title or tag longer than this is no title or tag.
_MAX_TITLE_CHARS = 2_000
_MAX_TAG_CHARS = 200
# Answer pages a URL may name (?page=N): more digits than this is no page of answers.
_MAX_PAGE_DIGITS = 6

# The question's id and the canonical path, one alternative per site family. Ids are
# ASCII digits ([0-9], not \d: "١٢" is no id).
_QUESTION_PATH = re.compile(
    r"^(?:/questions/(?P<questions>[0-9]{1,20})(?:/(?P<slug>[^/]+))?(?:/[0-9]{1,20})?"
    r"|/q/(?P<q>[0-9]{1,20})(?:/[0-9]{1,20})?"
    r"|/t/(?P<topic_slug>[^/]+)/(?P<topic>[0-9]{1,20})(?:/[0-9]{1,20})?"
    r"|/d/(?P<discussion>[0-9]{1,20})(?P<discussion_slug>-[^/]*)?(?:/[0-9]{1,20})?"
    r"|/question/(?P<question>[0-9]{1,20})(?:/answer/[0-9]{1,20})?"
    r")/?$"
)
_TRAILING_NUMBER = re.compile(r"([0-9]{1,20})/?$")
# The site's name after the question in a <title>: " - 知乎", " | Forum".
_SITE_SUFFIX = re.compile(r"\s+[-|–—]\s+([^-|–—]{1,40})$")
# Elements holding a page's related / linked questions, by class or id.
_RELATED_BLOCKS = ".related, .related-questions, #related, #related-questions, .related-topics"
_LINKED_BLOCKS = ".linked, #linked, .linked-questions, #linked-questions"
# Words of a view count's label, in Stack Exchange's languages (en, pt, es, ru, ja),
# which other Q&A engines copy: "Viewed 4,229 times" in a title behind a rounded "4k".
VIEW_WORDS = re.compile(r"(?i)view|visto|vista|visualiza|просмотр|閲覧")
_ASCII_DIGITS = re.compile(r"[0-9]")
_MAX_COUNT_DIGITS = 15
# Elements with a title attribute, and the most of them read for a view count.
TITLED = "[title]"
MAX_TITLED = 400

# A status notice by the question (Stack Exchange's new layout and others).
_NOTICES = ".s-notice, aside, [role=status], .question-status, .post-notice"
# The same, looked for in the whole page when the question's element is unknown (its
# schema.org data is JSON-LD): no bare <aside>, which sidebars of question titles use.
_PAGE_NOTICES = ".s-notice, [role=status], .question-status, .post-notice"
# Words a notice uses to say the question is a duplicate, or closed (Stack Exchange's
# languages: en, pt, es, ru, ja).
_DUPLICATE_WORDS = ("duplicate", "already has an answer", "already has answers",
                    "already have an answer", "already have answers", "duplicada",
                    "duplicado", "já tem resposta", "ya tiene respuesta", "дубликат",
                    "уже есть ответ", "重複")
_CLOSED_WORDS = ("closed", "fechada", "cerrada", "закрыт", "クローズ")


def site_of(url: str) -> str:
    """The page's site: its host, lower-case, without port (``127.0.0.1``)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _text(node: LexborNode | None) -> str:
    return squeeze(node.text(deep=True)) if node is not None else ""


def _page_number(query: str) -> int | None:
    """``page=N`` (N >= 2) of a query: the N-th page of a question's answers."""
    try:
        fields = parse_qsl(query, max_num_fields=64)
    except ValueError:  # more fields than any page link has: no page number read
        return None
    for key, value in fields:
        if key == "page" and value.isascii() and value.isdigit() \
                and len(value) <= _MAX_PAGE_DIGITS and int(value) >= 2:
            return int(value)
    return None


def _contains(outer: LexborNode, inner: LexborNode) -> bool:
    node: LexborNode | None = inner
    outer_id = outer.mem_id
    while node is not None:
        if node.mem_id == outer_id:
            return True
        node = node.parent
    return False


def _render_html(html: str, url: str) -> tuple[str, str]:
    """A body given as a string (JSON-LD ``text``: HTML or plain text) as text and Markdown."""
    fragment = LexborHTMLParser(f"<html><body><div>{cap_nesting(html)}</div></body></html>")
    holder = fragment.body.css_first("div") if fragment.body is not None else None
    return render_answer(holder, url) if holder is not None else ("", "")


# Compiled by mypyc (pyproject.toml); site adapters of other packages subclass it.
@mypyc_attr(allow_interpreted_subclasses=True)
class QAPageProfile:
    # Class variables (ClassVar): a subclass's values, a compiled one's or one defined in
    # Python by another package, are what the compiled methods read.
    name: ClassVar[str] = "qapage"
    # 3: an element matching several selectors of a list is read once; a JSON-LD answer
    # that only names an @id defined nowhere is no (empty) answer (#16).
    # 4: a JSON-LD "@type" that is a number or an object names no type (it was a
    # TypeError: the page was refused).
    parser_version: ClassVar[int] = 4
    # No host of its own: chosen by a page's markup (parsers.choose_profile(body=...)).
    hosts: ClassVar[tuple[str, ...]] = ()
    page_path: ClassVar[re.Pattern[str]] = _QUESTION_PATH
    # /questions/<id> is every Q&A site's shape: the body decides, never the path alone.
    path_alone: ClassVar[bool] = False
    # Whether a time without a zone is UTC on this site (Stack Exchange: yes).
    naive_times_are_utc: ClassVar[bool] = False
    # The elements holding the page's linked and related questions.
    linked_blocks: ClassVar[str] = _LINKED_BLOCKS
    related_blocks: ClassVar[str] = _RELATED_BLOCKS
    # The element holding the question's title when schema.org names none.
    heading: ClassVar[str] = "h1"

    # -- URLs ---------------------------------------------------------------------------

    def resource_kind(self, url: str) -> str:
        return "question" if self.question_id(url) else "unknown"

    def question_id(self, url: str) -> str | None:
        """The question's id on its site, from a question URL; None for other URLs."""
        try:
            path = urlsplit(url).path
        except ValueError:
            return None
        match = _QUESTION_PATH.match(path)
        if match is None:
            return None
        return next(value for key, value in match.groupdict().items()
                    if value and key in ("questions", "q", "topic", "discussion", "question"))

    def canonical_page_url(self, url: str) -> str | None:
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        match = _QUESTION_PATH.match(parts.path)
        if match is None or not parts.scheme or not parts.netloc:
            return None
        path = self._canonical_path(match)
        page = _page_number(parts.query)
        return f"{parts.scheme}://{parts.netloc}{path}" + (f"?page={page}" if page else "")

    @staticmethod
    def _canonical_path(match: re.Match[str]) -> str:
        found = match.groupdict()
        if found["questions"]:
            slug = f"/{found['slug']}" if found["slug"] else ""
            return f"/questions/{found['questions']}{slug}"
        if found["q"]:
            return f"/q/{found['q']}"
        if found["topic"]:
            return f"/t/{found['topic_slug']}/{found['topic']}"
        if found["discussion"]:
            return f"/d/{found['discussion']}{found['discussion_slug'] or ''}"
        return f"/question/{found['question']}"

    # -- the parse ------------------------------------------------------------------------

    def parse(self, body: bytes | str, url: str, *, charset: str | None = None) -> AnswerPage:
        page = decode_html(body, charset=charset)
        html = self._page_region(page)
        tree = LexborHTMLParser(cap_nesting(html))
        root = tree.body
        if root is None:
            raise ParseError("empty page", url=url)
        page_url = (self.canonical_page_url(url) if url else None) or url
        question_id = self.question_id(page_url)
        # The reader also drops <script> and <style>; <noscript> and <template> are left
        # for render_answer, which skips them (a pass over the tree each costs more).
        question = self._question(read_schema_org(tree, url), root, page, question_id)
        if question_id is None:
            # An answer permalink not redirected, a saved file: the page names its question.
            for named in (self._canonical_link(tree), question.url if question else None):
                link = resolve_link(url, named) if url else named
                if link and self.question_id(link):
                    page_url = self.canonical_page_url(link) or link
                    question_id = self.question_id(link)
                    break
        if question is None and not self._is_question_page(root):
            if not root.text(deep=True).strip():  # only now: the text of a whole page
                raise ParseError("empty page", url=url)
            raise ParseError("not a question page: no schema.org Question", url=url)
        if question_id is None:
            raise ParseError("not a question page: no question id in the URL", url=url)
        sources: dict[str, str] = {}

        title, title_source = self._title(tree, question)
        if not title:
            raise ParseError("not a question page: no title", url=url)
        sources["title"] = title_source

        container = self._question_container(root)
        body_node = self._question_body(root, container, question)
        status, duplicate_of = self._status(root, container, body_node, page_url,
                                            question=question)
        if status != "open":
            sources["status"] = "label"
        question_text, question_markdown = self._question_content(body_node, question, page_url)
        if question_text:
            sources["question_text"] = "meta" if question and question.text else "class"

        answers = self._answers(root, question, page_url)
        if answers:
            sources["answers"] = "meta" if question and question.answers else "class"
        chosen = next((answer for answer in answers if answer.accepted),
                      answers[0] if answers else None)

        asked_at = self._asked_at(container, question)
        if asked_at is not None:
            sources["asked_at"] = asked_at[0]
        views = self._views(root, question)
        if views is not None:
            sources["view_count"] = views[0]
        votes = self._question_votes(container, question)
        author = self._question_author(container, question)
        tags, tags_source = self._tags(tree, root, container, question)
        if tags_source:
            sources["tags"] = tags_source
        # Each CSS query walks the whole tree: none for words the page does not hold.
        linked = (self._questions_in(root, self.linked_blocks, page_url, question_id)
                  if "linked" in html else [])
        related = (self._questions_in(root, self.related_blocks, page_url, question_id)
                   if "related" in html else [])
        for name, found in (("linked_questions", linked), ("related_questions", related)):
            if found:
                sources[name] = "class"
        answer_pages = self._answer_pages(root, page_url, question_id) if "page=" in html else []
        answers_page = _page_number(urlsplit(page_url).query) or 1
        answer_count = self._answer_count(root, question)
        return AnswerPage(
            url=page_url,
            id=question_id,
            title=title,
            asked_at=asked_at[1] if asked_at else None,
            view_count=views[1] if views else None,
            view_count_approximate=views[2] if views else False,
            answer_text=chosen.text if chosen else "",
            answer_markdown=chosen.markdown if chosen else "",
            related_questions=related,
            sidebar_links=answer_pages,
            profile=self.name,
            parser_version=self.parser_version,
            field_sources=sources,
            site=site_of(page_url),
            question_text=question_text,
            question_markdown=question_markdown,
            question_votes=votes,
            question_author=author,
            tags=tags,
            status=status,
            duplicate_of=duplicate_of,
            answers=answers,
            answer_count=answer_count,
            linked_questions=linked,
            answers_page=answers_page,
            answers_before=_answers_before(answers, answers_page, answer_count,
                                           other_pages=answer_pages),
        )

    # -- the page's parts: each read from schema.org first, the visible page next ---------

    def _page_region(self, html: str) -> str:
        """The part of the page the parse reads: all of it (an adapter that knows where
        its pages keep the question may leave out the rest, which lexbor would build)."""
        return html

    def _question(self, data: SchemaData, root: LexborNode, page: str,
                  question_id: str | None) -> SchemaQuestion | None:
        """The page's question from its schema.org data (``page``: the whole decoded
        page, for an adapter whose site keeps data outside the region it builds; the
        question's id when the URL gives it): by default the Question with the most
        answers."""
        return qa_question(data)

    def _is_question_page(self, root: LexborNode) -> bool:
        """Whether a page without schema.org data is still a question page (adapters
        that read the visible page say so)."""
        return False

    @staticmethod
    def _canonical_link(tree: LexborHTMLParser) -> str | None:
        head = tree.head
        link = head.css_first('link[rel="canonical"]') if head is not None else None
        href = (link.attributes.get("href") or "").strip() if link is not None else ""
        return href or None

    def _title(self, tree: LexborHTMLParser, question: SchemaQuestion | None) -> tuple[str, str]:
        if question is not None and question.name:
            name = squeeze(question.name)
            if len(name) <= _MAX_TITLE_CHARS:
                return name, "meta"
        root = tree.body
        heading = root.css_first(self.heading) if root is not None else None
        text = _text(heading)
        if text and len(text) <= _MAX_TITLE_CHARS:
            return text, "heading"
        meta = tree.css_first('meta[property="og:title"]')
        content = squeeze(meta.attributes.get("content") or "") if meta is not None else ""
        if content and len(content) <= _MAX_TITLE_CHARS:
            return content, "meta"
        head = tree.head
        title_tag = head.css_first("title") if head is not None else None
        shown = _text(title_tag)
        if shown and len(shown) <= _MAX_TITLE_CHARS:
            # "<question> - 知乎": a short last part is the site's name, not the question's.
            suffix = _SITE_SUFFIX.search(shown)
            if suffix is not None and suffix.start() > len(suffix.group(1)):
                shown = shown[:suffix.start()]
            return shown, "title-tag"
        return "", ""

    def _question_container(self, root: LexborNode) -> LexborNode | None:
        """The element holding the question (its body, votes, tags, signature), if known."""
        return None

    def _question_body(self, root: LexborNode, container: LexborNode | None,
                       question: SchemaQuestion | None) -> LexborNode | None:
        return question.element if question is not None else None

    def _question_content(self, body_node: LexborNode | None, question: SchemaQuestion | None,
                          url: str) -> tuple[str | None, str | None]:
        if body_node is not None:
            text, markdown = render_answer(body_node, url)
            return text, markdown
        if question is not None and question.text:
            return _render_html(question.text, url)
        return None, None

    def _notices(self, root: LexborNode, container: LexborNode | None,
                 body_node: LexborNode | None) -> list[LexborNode]:
        """The status notices shown with the question (closed, duplicate)."""
        scope = container or body_node
        if scope is None:
            return root.css(_PAGE_NOTICES)[:16]
        return scope.css(_NOTICES)[:16]

    def _status(self, root: LexborNode, container: LexborNode | None,
                body_node: LexborNode | None, url: str, *,
                question: SchemaQuestion | None = None) -> tuple[str, str | None]:
        """``(status, duplicate target)`` from the notices, which are then removed: they
        sit inside the body's markup and are no part of the question's text
        (``question``: for an adapter whose site states the status in its data)."""
        status, target = "open", None
        for notice in self._notices(root, container, body_node):
            found = self._notice_status(notice, url)
            if found is not None and (status == "open" or found[0] == "duplicate"):
                status = found[0]
                target = found[1] or target
            if found is not None or (body_node is not None and _contains(body_node, notice)):
                notice.decompose()
        return status, target if status == "duplicate" else None

    def _notice_status(self, notice: LexborNode, url: str) -> tuple[str, str | None] | None:
        text = _text(notice).casefold()
        if any(word in text for word in _DUPLICATE_WORDS):
            for anchor in notice.css("a[href]")[:_MAX_ANCHORS]:
                link = resolve_link(url, anchor.attributes.get("href"))
                if link and self.question_id(link) and site_of(link) == site_of(url):
                    return "duplicate", self.canonical_page_url(link)
            return "duplicate", None
        if any(word in text for word in _CLOSED_WORDS):
            return "closed", None
        return None

    def _answers(self, root: LexborNode, question: SchemaQuestion | None,
                 url: str) -> list[Answer]:
        found = question.answers if question is not None else []
        positions = [answer.position for answer in found]
        numbered = bool(found) and all(position is not None and position > 0
                                       for position in positions)
        answers = []
        for index, schema_answer in enumerate(found, start=1):
            text, markdown = self._answer_content(schema_answer, url)
            answers.append(Answer(
                position=schema_answer.position if numbered and schema_answer.position
                else index,
                id=self._answer_id(schema_answer, url),
                text=text,
                markdown=markdown,
                votes=schema_answer.upvote_count,
                accepted=schema_answer.accepted,
                author=schema_answer.author,
                created_at=iso_time(schema_answer.date_created,
                                    naive_is_utc=self.naive_times_are_utc),
            ))
        return answers

    @staticmethod
    def _answer_content(answer: SchemaAnswer, url: str) -> tuple[str, str]:
        if answer.element is not None:
            return render_answer(answer.element, url)
        if answer.text:
            return _render_html(answer.text, url)
        return "", ""

    def _answer_id(self, answer: SchemaAnswer, url: str) -> str | None:
        """The site's answer id: the answer element's own (``data-answerid``,
        ``id="answer-123"``), else its URL's (``#123``, ``/a/123``, a last number)."""
        scope = answer.scope
        if scope is not None:
            attributes = scope.attributes
            for value in (attributes.get("data-answerid"), attributes.get("data-post-id"),
                          (attributes.get("id") or "").rpartition("-")[2]):
                if value and value.isascii() and value.isdigit() and len(value) <= 20:
                    return value
        link = resolve_link(url, answer.url) if answer.url else None
        if not link:
            return None
        _, _, fragment = link.partition("#")
        if fragment.isascii() and fragment.isdigit() and len(fragment) <= 20:
            return fragment
        path = urlsplit(link).path
        number = _TRAILING_NUMBER.search(path)
        if number and number.group(1) != self.question_id(link):
            return number.group(1)
        return None

    def _answer_count(self, root: LexborNode, question: SchemaQuestion | None) -> int | None:
        return question.answer_count if question is not None else None

    def _asked_at(self, container: LexborNode | None,
                  question: SchemaQuestion | None) -> tuple[str, str] | None:
        if question is not None:
            asked = iso_time(question.date_created, naive_is_utc=self.naive_times_are_utc)
            if asked is not None:
                return "meta", asked
        return None

    def _views(self, root: LexborNode,
               question: SchemaQuestion | None) -> tuple[str, int, bool] | None:
        """schema.org's count, else an exact count in a ``title`` ("Viewed 4,229 times")."""
        return schema_view_count(question) or titled_view_count(root)

    def _question_votes(self, container: LexborNode | None,
                        question: SchemaQuestion | None) -> int | None:
        return question.upvote_count if question is not None else None

    def _question_author(self, container: LexborNode | None,
                         question: SchemaQuestion | None) -> str | None:
        return question.author if question is not None else None

    def _tags(self, tree: LexborHTMLParser, root: LexborNode, container: LexborNode | None,
              question: SchemaQuestion | None) -> tuple[list[str], str | None]:
        """The question's tags: schema.org ``keywords``, ``article:tag``, then the
        ``rel="tag"`` links by the question."""
        if question is not None and question.keywords:
            return unique_texts(question.keywords), "meta"
        head = tree.head
        metas = head.css('meta[property="article:tag"]') if head is not None else []
        found = [meta.attributes.get("content") or "" for meta in metas[:MAX_TAGS]]
        if any(found):
            return unique_texts(found), "meta"
        scope = container or root
        links = [_text(anchor) for anchor in scope.css('a[rel~="tag"]')[:MAX_TAGS]]
        return (unique_texts(links), "class") if any(links) else ([], None)

    def _questions_in(self, root: LexborNode, blocks: str, url: str,
                      own_id: str) -> list[RelatedQuestion]:
        """The questions the page's ``blocks`` link to: same site, question-shaped links,
        one item per question (its longest link text is its title: a list may link a
        question twice, by its vote count and by its title)."""
        anchors: list[LexborNode] = []
        for block in root.css(blocks)[:16]:
            anchors.extend(block.css("a[href]")[:_MAX_ANCHORS])
            if len(anchors) >= _MAX_ANCHORS:
                break
        return self._questions_linked(anchors[:_MAX_ANCHORS], url, own_id)

    def _questions_linked(self, anchors: Iterable[LexborNode], url: str,
                          own_id: str) -> list[RelatedQuestion]:
        site = site_of(url)
        found: dict[str, tuple[str, str]] = {}  # id -> (URL, title)
        for anchor in anchors:
            link = resolve_link(url, anchor.attributes.get("href"))
            if not link or site_of(link) != site:
                continue
            question_id = self.question_id(link)
            if question_id is None or question_id == own_id:
                continue
            canonical = self.canonical_page_url(link) or link
            title = _text(anchor)
            known = found.get(question_id)
            if known is None:
                if len(found) >= MAX_LINKS:
                    break
                found[question_id] = (canonical, title)
            elif len(title) > len(known[1]):
                found[question_id] = (canonical, title)
        return [RelatedQuestion(position=position, id=question_id, url=link, title=title,
                                answer_text="")
                for position, (question_id, (link, title)) in enumerate(found.items(), start=1)]

    def _answer_pages(self, root: LexborNode, url: str, own_id: str) -> list[str]:
        """This question's other pages of answers (``?page=N``): worth crawling."""
        pages: dict[str, None] = {}
        for anchor in root.css('a[href*="page="]')[:_MAX_ANCHORS]:
            link = resolve_link(url, anchor.attributes.get("href"))
            if not link or site_of(link) != site_of(url) or self.question_id(link) != own_id:
                continue
            canonical = self.canonical_page_url(link)
            if canonical and "?page=" in canonical and canonical != url:
                pages.setdefault(canonical, None)
                if len(pages) >= MAX_LINKS:
                    break
        return list(pages)


def _answers_before(answers: list[Answer], answers_page: int, answer_count: int | None, *,
                    other_pages: list[str]) -> int:
    """How many of the question's answers its earlier pages show, when this page numbers
    its own answers from 1 (the page gave no positions): page N with a next page
    (``other_pages`` links it) follows N - 1 pages as full as itself; the last page
    holds the last of ``answer_count``."""
    if answers_page == 1 or [answer.position for answer in answers] != list(
            range(1, len(answers) + 1)):
        return 0  # the first page, or positions the page gives (already question-wide)
    has_next = any(_page_number(urlsplit(link).query) == answers_page + 1
                   for link in other_pages)
    if not has_next and answer_count is not None and answer_count >= len(answers):
        return answer_count - len(answers)
    return (answers_page - 1) * len(answers)


def unique_texts(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        value = squeeze(value)
        if value and len(value) <= _MAX_TAG_CHARS:
            seen.setdefault(value, None)
            if len(seen) >= MAX_TAGS:
                break
    return list(seen)


# What profile discovery (parsers/profile.py) looks for in each module of parsers/sites/.
PROFILE = QAPageProfile()


def exact_count(text: str) -> int | None:
    """The count a label writes with any digit grouping ("4,229", "1.630", "1 630"):
    its ASCII digits. None when there are none, or too many to be a count."""
    digits = "".join(_ASCII_DIGITS.findall(text))
    if not digits or len(digits) > _MAX_COUNT_DIGITS:
        return None
    return int(digits)


def schema_view_count(question: SchemaQuestion | None) -> tuple[str, int, bool] | None:
    """The view count schema.org gives the question, as a ``_views`` answer."""
    if question is not None and question.view_count is not None:
        return "meta", question.view_count, False
    return None


def titled_view_count(root: LexborNode) -> tuple[str, int, bool] | None:
    """The first exact count in a ``title`` of the page ("Viewed 4,229 times"), as a
    ``_views`` answer; at most MAX_TITLED elements read."""
    for node in root.css(TITLED)[:MAX_TITLED]:
        count = view_title(node)
        if count is not None:
            return "label", count, False
    return None


def view_title(node: LexborNode) -> int | None:
    """The count of a ``title="Viewed 4,229 times"`` (any of VIEW_WORDS' languages)."""
    title = node.attributes.get("title") or ""
    if len(title) > 80 or not VIEW_WORDS.search(title):
        return None
    return exact_count(title)
