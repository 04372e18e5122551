"""Site profile: Zhihu (知乎) question pages (issue 17).

Zhihu marks its question up as a schema.org ``Question`` in microdata, but not as a
``QAPage``, and on the server-rendered layout of 2015 (a real page in
tests/fixtures/qapage/) its answers are items of their own, not the question's
properties. So the page itself gives:

- the page's own question: the ``Question`` whose element carries the URL's id
  (``data-urltoken``) or whose ``url`` names it, never one of the sidebar's 相关问题
  (each a ``Question`` item too);
- the title (``#zh-question-title``), the body (``#zh-question-detail``), the topics as
  tags (``a.zm-item-tag``), the answer count (``#zh-question-answer-num[data-num]``);
- the view count: exact in a ``title`` attribute by the 被浏览 label (the issue's newer
  layout: ``NumberBoard``), in ``meta itemprop="visitsCount"`` (2015), else the visible
  "被浏览 N 次" (approximate when written in 万);
- the answers rendered on the page (``div.zm-item-answer``; the rest are fetched by
  script and are not in the page): id ``data-atoken`` (the id of
  ``/question/<id>/answer/<id>``), votes ``span.count``, the author's name, the time
  ``data-created`` (Unix seconds, shown in China time: +08:00). Zhihu has no accepted
  answer.

Only the 2015 layout is proven by a real page. The newer layout's ``QuestionHeader``
title, ``NumberBoard`` views and per-answer microdata (``upvoteCount``, ``dateCreated``,
``url``) are read from the issue's description and the generic schema.org path: no real
page of it was found (SOURCES.md).

URLs: ``/question/<id>`` and ``/question/<id>/answer/<id>``; canonical
``https://www.zhihu.com/question/<id>`` on Zhihu's hosts (the scheme and host kept on a
mirror).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import ClassVar
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from parsers.markdown import render_answer
from parsers.model import Answer
from parsers.schema_org import (
    MAX_ANSWERS,
    SchemaData,
    SchemaQuestion,
    qa_question,
    qa_questions,
    schema_count,
)
from parsers.sites.qapage import MAX_TAGS, QAPageProfile, exact_count, unique_texts
from parsers.text import squeeze

__all__ = ["PROFILE", "ZhihuProfile"]

_HOSTS = ("www.zhihu.com", "zhihu.com")
_PAGE_PATH = re.compile(r"^/question/[0-9]{1,20}(?:/answer/[0-9]{1,20})?/?$")
_CANONICAL_HOST = "www.zhihu.com"
# Zhihu shows times in China Standard Time.
_CHINA = timezone(timedelta(hours=8))
# Unix seconds: more digits than this is no time (year 5138).
_MAX_EPOCH_DIGITS = 11
_VIEWS_LABEL = "被浏览"
_TEN_THOUSAND = "万"
# "37.7万" on a visible count: a figure and the 万 (10,000) it is counted in.
_WAN = re.compile(r"([0-9]{1,9}(?:\.[0-9]{1,4})?)\s*万")
_TITLE_SUFFIX = " - 知乎"
_MAX_TITLE_CHARS = 2_000
# Elements looked at for the view count's label (NumberBoard items, the sidebar rows).
_MAX_LABELS = 32

# The 2015 layout, and the newer layout's names the issue gives.
_PAGE_QUESTION = "#zh-single-question-page, .QuestionPage"
_TITLES = "#zh-question-title .zm-item-title, h1.QuestionHeader-title"
_BODIES = "#zh-question-detail .zm-editable-content, .QuestionHeader-detail .RichText"
_TAGS = ".zm-tag-editor-labels a.zm-item-tag"
_ANSWER_COUNT = "#zh-question-answer-num"
_ANSWERS = "div.zm-item-answer[data-atoken]"
_ANSWER_BODY = ".zm-item-rich-text .zm-editable-content"
_AUTHOR = ".zm-item-answer-author-wrap"
_NUMBER_BOARD = ".NumberBoard-item, .NumberBoard-itemInner"
_SIDEBAR_ROWS = ".zu-main-sidebar .zg-gray-normal"
# The 2015 layout's action bar under each answer (date link, comments, thanks, share,
# report: ~40 tags an answer, nothing the record reads) and the panels cut per page.
_META_PANEL = '<div class="zm-meta-panel">'
_MAX_PANELS = 1_000
_PAGE_MARKER = 'id="zh-single-question-page"'
_FOOTER = '<div id="zh-footer"'


def _inside(node: LexborNode, tags: tuple[str, ...]) -> bool:
    """Is ``node`` inside an element of one of ``tags``?"""
    parent = node.parent
    while parent is not None:
        if parent.tag in tags:
            return True
        parent = parent.parent
    return False


def _owned_by(element: LexborNode, scope: LexborNode) -> bool:
    """Is ``element``'s microdata item ``scope`` itself: no ``itemscope`` between them?"""
    parent = element.parent
    while parent is not None and parent.mem_id != scope.mem_id:
        if "itemscope" in parent.attributes:
            return False
        parent = parent.parent
    return parent is not None


def _text(node: LexborNode | None) -> str:
    return squeeze(node.text(deep=True)) if node is not None else ""


def _exact_count(text: str) -> int | None:
    """A count written with any grouping ("377,468"), read from the label's first 64
    characters: its ASCII digits, or None (qapage.exact_count)."""
    return exact_count(text[:64])


def _shown_count(text: str) -> tuple[int, bool] | None:
    """A visible count: ``(count, approximate)``; "37.7万" is 377,000, approximate."""
    wan = _WAN.search(text[:64])
    if wan is not None:
        return round(float(wan.group(1)) * 10_000), True
    count = _exact_count(text)
    return (count, False) if count is not None else None


def china_time(epoch: str | None) -> str | None:
    """Unix seconds (``data-created``) as ISO 8601 in China time (+08:00)."""
    if not epoch or not epoch.isascii() or not epoch.isdigit() \
            or len(epoch) > _MAX_EPOCH_DIGITS:
        return None
    return datetime.fromtimestamp(int(epoch), tz=_CHINA).isoformat(timespec="seconds")


class ZhihuProfile(QAPageProfile):
    name = "zhihu"
    # 2: a <title> read outside the head loses only its " - 知乎" suffix, not every "-"
    # at its ends (found by the mutation tests, #16).
    # 3: as the generic profile's 3. 4: as its 4; the <title> fallback skips an inline SVG's
    # <title>; a visitsCount of an item nested in the page's question (a related
    # question) is not the page's.
    parser_version = 4
    hosts: ClassVar[tuple[str, ...]] = _HOSTS
    page_path = _PAGE_PATH
    # /question/<id> is a common shape: only Zhihu's hosts are Zhihu's.
    path_alone = False
    related_blocks = "#zh-question-related-questions, .SimilarQuestions"
    heading = _TITLES

    # -- URLs ---------------------------------------------------------------------------

    def canonical_page_url(self, url: str) -> str | None:
        """``https://www.zhihu.com/question/<id>`` (an answer's URL is its question's);
        on another host (a mirror, the sample site) its scheme and host are kept."""
        found = super().canonical_page_url(url)
        if found is None:
            return None
        parts = urlsplit(found)
        if (parts.hostname or "").lower() in _HOSTS:
            return found.replace(f"{parts.scheme}://{parts.netloc}",
                                 f"https://{_CANONICAL_HOST}", 1)
        return found

    # -- the page's parts ---------------------------------------------------------------

    def _page_region(self, html: str) -> str:
        """The ``<head>`` and the question's part of the 2015 page (from
        ``#zh-single-question-page`` to the footer: no top bar, no scripts), without
        its action bars' contents (``.zm-meta-panel``): together a third of the page's
        tags, and a page of more than 4,096 tags pays for the nesting cap's walk
        (parsers/nesting.py), many times lexbor's own parse. A panel is emptied only
        when its content holds no ``<div`` and is balanced (as many end tags as start
        tags), so what follows it stays where it was. Other layouts are read whole."""
        marker = html.find(_PAGE_MARKER)
        body = html.find("<body")
        main = html.rfind("<div", 0, marker) if marker >= 0 else -1
        if body < 0 or main < body:
            return html
        footer = html.find(_FOOTER, main)
        html = html[:body] + "<body>" + html[main:footer if footer > 0 else len(html)]
        kept: list[str] = []
        written = 0
        while len(kept) < _MAX_PANELS:
            start = html.find(_META_PANEL, written)
            if start < 0:
                break
            inner = start + len(_META_PANEL)
            end = html.find("</div>", inner)
            if end < 0:
                break
            content = html[inner:end]
            if "<div" not in content and content.count("<") == 2 * content.count("</"):
                kept.append(html[written:inner])
            else:
                kept.append(html[written:end])
            written = end
        if not kept:
            return html
        kept.append(html[written:])
        return "".join(kept)

    def _is_question_page(self, root: LexborNode) -> bool:
        return root.css_first(_PAGE_QUESTION) is not None

    def _question(self, data: SchemaData, root: LexborNode, page: str,
                  question_id: str | None) -> SchemaQuestion | None:
        """The page's own question: the one whose element or URL carries the page's id;
        the sidebar's related questions are Questions too."""
        if question_id is not None:
            for question in qa_questions(data):
                scope = question.scope
                token = scope.attributes.get("data-urltoken") if scope is not None else None
                named = self.question_id(question.url) if question.url else None
                if question_id in (token, named):
                    return question
        return qa_question(data)

    def _title(self, tree: LexborHTMLParser, question: SchemaQuestion | None) -> tuple[str, str]:
        """schema.org's name, the heading, ``og:title``, else ``<title>`` without " - 知乎"."""
        title, source = super()._title(tree, question)
        if title:
            return title, source
        # The page's <title>, not an inline SVG's (an icon's tooltip) before it.
        tag = next((title for title in tree.css("title")[:_MAX_LABELS]
                    if not _inside(title, ("svg", "math"))), None)
        # Only the site's suffix goes: a title's own "-" at either end stays ("-1 的平方根").
        text = _text(tag).removesuffix(_TITLE_SUFFIX.strip()).rstrip()
        return (text, "title-tag") if text and len(text) <= _MAX_TITLE_CHARS else ("", "")

    def _question_body(self, root: LexborNode, container: LexborNode | None,
                       question: SchemaQuestion | None) -> LexborNode | None:
        if question is not None and question.element is not None:
            return question.element
        return root.css_first(_BODIES)

    def _views(self, root: LexborNode,
               question: SchemaQuestion | None) -> tuple[str, int, bool] | None:
        """The exact count in the 被浏览 figure's ``title``, else ``visitsCount``, else
        the visible figure."""
        for item in root.css(_NUMBER_BOARD)[:_MAX_LABELS]:
            if _VIEWS_LABEL in _text(item):
                titled = item.css_first("[title]")
                count = _exact_count(titled.attributes.get("title") or "") \
                    if titled is not None else None
                if count is not None:
                    return "label", count, False
        scope = question.scope if question is not None and question.scope is not None else root
        metas = scope.css('meta[itemprop="visitsCount"], meta[itemprop="zhihu:visitsCount"]')
        if scope is not root:  # an item's inside the question: a related question's views
            metas = [meta for meta in metas[:_MAX_LABELS] if _owned_by(meta, scope)]
        for meta in metas[:4]:
            count = schema_count(meta.attributes.get("content"))
            if count is not None:
                return "meta", count, False
        for row in root.css(_SIDEBAR_ROWS)[:_MAX_LABELS]:
            text = _text(row)
            if _VIEWS_LABEL in text:
                figure = row.css_first("strong")
                shown = _shown_count(_text(figure)) if figure is not None else None
                if shown is not None:
                    return "label", shown[0], shown[1]
        return super()._views(root, question)

    def _answer_count(self, root: LexborNode, question: SchemaQuestion | None) -> int | None:
        count = super()._answer_count(root, question)
        if count is not None:
            return count
        heading = root.css_first(_ANSWER_COUNT)
        if heading is None:
            return None
        count = schema_count(heading.attributes.get("data-num"))
        return count if count is not None else _exact_count(_text(heading))

    def _tags(self, tree: LexborHTMLParser, root: LexborNode, container: LexborNode | None,
              question: SchemaQuestion | None) -> tuple[list[str], str | None]:
        """The question's topics (话题)."""
        tags = unique_texts(_text(anchor) for anchor in root.css(_TAGS)[:MAX_TAGS])
        if tags:
            return tags, "class"
        return super()._tags(tree, root, container, question)

    def _answers(self, root: LexborNode, question: SchemaQuestion | None,
                 url: str) -> list[Answer]:
        blocks = root.css(_ANSWERS)
        if not blocks:
            return super()._answers(root, question, url)
        answers: list[Answer] = []
        seen: set[str] = set()
        for block in blocks:
            attributes = block.attributes
            token = attributes.get("data-atoken") or ""
            if not (token.isascii() and token.isdigit() and len(token) <= 20) or token in seen:
                continue  # no id of an answer, or a block nested in another
            seen.add(token)
            body = block.css_first(_ANSWER_BODY)
            text, markdown = render_answer(body, url) if body is not None else ("", "")
            answers.append(Answer(
                position=len(answers) + 1,
                id=token,
                text=text,
                markdown=markdown,
                votes=_votes(block),
                accepted=False,  # Zhihu has no accepted answer
                author=_author(block),
                created_at=china_time(attributes.get("data-created")),
            ))
            if len(answers) >= MAX_ANSWERS:
                break
        return answers


def _votes(block: LexborNode) -> int | None:
    count = block.css_first(".zm-votebar .up .count")
    votes = schema_count(_text(count)) if count is not None else None
    if votes is None:
        info = block.css_first("[data-votecount]")
        votes = schema_count(info.attributes.get("data-votecount")) if info is not None else None
    return votes


def _author(block: LexborNode) -> str | None:
    """The author's name: the profile link's text (the avatar link has none), else the
    heading's text up to the bio's "，" (匿名用户 has no link)."""
    heading = block.css_first(_AUTHOR)
    if heading is None:
        return None
    for anchor in heading.css('a[href*="/people/"]')[:4]:
        name = _text(anchor)
        if name:
            return name
    name = _text(heading).partition("，")[0].strip()
    return name or None


# What profile discovery (parsers/profile.py) looks for in each module of parsers/sites/.
PROFILE = ZhihuProfile()
