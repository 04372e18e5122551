"""Site profile: Discourse forum topics (issue 17), on any host running Discourse.

A topic is a question when its first post asks one; every later post is an answer.
Discourse serves each topic page three ways at once, and this adapter reads each for
what it gives best:

- the **crawler view** (``.crawler-post`` posts with schema.org microdata, inside
  ``<noscript data-path=...>`` for browsers, bare for crawlers): every rendered post's
  body, author (the user name), time (``datePublished``, UTC), position ("#N", the
  post number) and likes (a ``LikeAction`` counter), read from the schema.org reader's
  items (``parsers/schema_org.py``), no second walk;
- the **preloaded topic** (``data-preloaded``: HTML-escaped JSON whose values are JSON
  strings; the topic under ``topic_<id>``): the views (the topic map's figure, which the
  crawler view does not show), the posts' ids (matched by post number), the accepted
  mark (discourse-solved), the post count (answers = posts - 1), tags, and whether the
  topic is closed or archived;
- the head: the JSON-LD ``QAPage`` (title, asked time, the asker's display name) and
  ``article:tag`` metas.

The JSON-LD's ``answerCount`` is discourse-solved's count of accepted answers (0 on a
topic with 30 replies), so the answer count comes from the preloaded ``posts_count``
only. A broken preload (a stored page carries ``\\&quoquot;``, a garbled ``&quot;``)
is repaired where the repair is unambiguous, else ignored: the crawler view still gives
every post, without ids.

Answers are numbered in page order from 1 on every page of a topic (``?page=2`` is a
page of its own, ``canonical_page_url`` keeps it); deleted posts leave gaps in the post
numbers, not in the positions.

Discourse runs on many hosts: besides the few below, a page is claimed by its markup
(``body_signature``: the ``generator`` meta, ``data-discourse-setup``) when
``parsers.choose_profile`` is given the body.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any, ClassVar

from selectolax.lexbor import LexborHTMLParser, LexborNode

from parsers.schema_org import (
    MAX_ANSWERS,
    SchemaAnswer,
    SchemaData,
    SchemaItem,
    SchemaQuestion,
    SchemaValue,
    qa_question,
    schema_count,
)
from parsers.sites.qapage import MAX_TAGS, QAPageProfile, unique_texts
from parsers.text import squeeze

__all__ = ["PROFILE", "DiscourseProfile"]

# Hosts known to run Discourse (tests/fixtures/qapage/ has a page of the second); others
# are claimed by ``body_signature``.
_HOSTS = ("meta.discourse.org", "forum.ionicframework.com")
_PAGE_PATH = re.compile(r"^/t/[^/]+/[0-9]{1,20}(?:/[0-9]{1,20})?/?$")
# Discourse's own markup in the head of every page it serves (the generator meta, the
# setup meta).
_SIGNATURE = re.compile(
    rb"""<meta\s+name=["']generator["']\s+content=["']Discourse\b"""
    rb"""|\bid=["']data-discourse-setup["']""")
# The preloaded data: the attribute's value, and the size read (a topic page's is
# ~150 KB; the topic ~40 KB per 20 posts).
_PRELOADED = 'data-preloaded="'
MAX_PRELOADED_CHARS = 8_000_000
# A garbled ``&quot;`` seen in a stored real page (``\&quoquot;``): read as ``&quot;``.
_GARBLED_QUOT = re.compile(r"&quo(?!t;)[a-z]{1,8};")
_TOPIC_KEY = re.compile(r"&quot;topic_([0-9]{1,20})&quot;:")
_OTHER_REFERENCE = re.compile(r"&(?!quot;|amp;|lt;|gt;|#39;)(?:#|[A-Za-z])")
# Posts read from the preloaded stream (Discourse sends 20 per chunk).
MAX_PRELOADED_POSTS = 1_000
# The crawler view's posts (one schema.org item each) and the types they carry.
_POST_TYPES = ("DiscussionForumPosting", "Comment", "Answer")
MAX_POSTS = MAX_ANSWERS + 1
_POST_NUMBER = re.compile(r"[0-9]{1,9}")
# An accepted answer's URL in discourse-solved's JSON-LD: /t/<slug>/<topic>/<post number>.
_POST_URL = re.compile(r"/t/[^/]+/[0-9]{1,20}/([0-9]{1,9})/?(?:[?#]|$)")
# Discourse's "like" in actions_summary.
_LIKE_ACTION = 2
_DECODER = json.JSONDecoder()
# A count or id of more digits is none (schema_count's bound too).
_MAX_COUNT = 10**18 - 1
_MAX_NAME_CHARS = 200


@dataclass(frozen=True, slots=True)
class _Post(SchemaAnswer):
    """A reply as an answer, with its id from the preloaded topic (None without one)."""

    post_id: str | None = None


@dataclass(frozen=True, slots=True)
class _Topic(SchemaQuestion):
    """The topic's question, with what only the preloaded topic says."""

    views: int | None = None
    posts_count: int | None = None
    tags: tuple[str, ...] = ()
    closed: bool = False


def _int(value: Any) -> int | None:
    """A JSON count or id (an int, not a bool; 0 to 18 digits, as SQLite stores), or None."""
    return value if type(value) is int and 0 <= value <= _MAX_COUNT else None


def _unescape(raw: str) -> str:
    """An attribute value as its text: the five references Discourse writes, by
    str.replace (the full HTML unescape is ten times slower on a preload's thousands
    of ``&quot;``), ``&amp;`` last; any other reference, the full unescape."""
    if _OTHER_REFERENCE.search(raw) is not None:
        return html.unescape(raw)
    text = raw.replace("&quot;", '"').replace("&#39;", "'").replace("&lt;", "<")
    return text.replace("&gt;", ">").replace("&amp;", "&")


def preloaded_topic(page: str, topic_id: str | None) -> dict[str, Any] | None:
    """The preloaded topic (``topic_<id>`` of ``data-preloaded``), or None when the page
    has none or it does not parse. Pure, bounded: only the topic's value is decoded."""
    start = page.find(_PRELOADED)
    if start < 0:
        return None
    start += len(_PRELOADED)
    end = page.find('"', start, start + MAX_PRELOADED_CHARS + 1)
    if end < 0:
        return None
    key = f"&quot;topic_{topic_id}&quot;:" if topic_id else None
    at = page.find(key, start, end) if key else -1
    if at >= 0:
        at += len(key)  # type: ignore[arg-type]
    else:
        found = _TOPIC_KEY.search(page, start, end)
        if found is None:
            return None
        at = found.end()
    raw = page[at:end]  # the topic, and any keys after it
    # A preload's only references are its thousands of ``&quot;`` (and at times a
    # garbled one): replaced in one pass, the rest of the unescape only when some ``&``
    # is left (the same text: a garbled ``&quot;`` holds no other, nor do they overlap).
    text = raw.replace("&quot;", '"')
    if "&" in text:
        text = _GARBLED_QUOT.sub('"', text)
    if "&" in text:
        if _GARBLED_QUOT.search(raw) is not None:
            raw = _GARBLED_QUOT.sub("&quot;", raw)
        text = _unescape(raw)
    text = text.lstrip(" \t\n\r")
    if not text.startswith('"'):
        return None
    try:
        # The topic is a JSON string holding JSON: its end is found by the decoder.
        inner, _ = _DECODER.raw_decode(text)
        topic = json.loads(inner) if isinstance(inner, str) else None
    except (ValueError, RecursionError):
        return None
    return topic if isinstance(topic, dict) else None


def _likes(post: dict[str, Any]) -> int | None:
    summary = post.get("actions_summary")
    if not isinstance(summary, list):
        return None
    for action in summary[:32]:
        if isinstance(action, dict) and action.get("id") == _LIKE_ACTION:
            return _int(action.get("count"))
    return 0


def _topic_posts(topic: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The preloaded posts by post number."""
    stream = topic.get("post_stream")
    posts = stream.get("posts") if isinstance(stream, dict) else None
    found: dict[int, dict[str, Any]] = {}
    for post in posts[:MAX_PRELOADED_POSTS] if isinstance(posts, list) else []:
        if isinstance(post, dict):
            number = _int(post.get("post_number"))
            if number is not None:
                found.setdefault(number, post)
    return found


def _topic_tags(topic: dict[str, Any]) -> tuple[str, ...]:
    tags = topic.get("tags")
    names = []
    for tag in tags[:MAX_TAGS] if isinstance(tags, list) else []:
        name = tag.get("name") if isinstance(tag, dict) else tag  # newer Discourse: objects
        if isinstance(name, str):
            names.append(name)
    return tuple(unique_texts(names))


def _text_value(value: SchemaValue) -> str | None:
    if isinstance(value, str):
        text = squeeze(value)
        return text if text and len(text) <= _MAX_NAME_CHARS else None
    return None


def _author(item: SchemaItem, data: SchemaData) -> str | None:
    """The post's author: the user name the crawler view shows."""
    value = data.resolve(item.first("author"))
    if isinstance(value, SchemaItem):
        return _text_value(value.first("name")) or _text_value(value.first("alternateName"))
    return _text_value(value)


def _like_count(item: SchemaItem, data: SchemaData) -> int | None:
    for value in item.values("interactionStatistic")[:8]:
        value = data.resolve(value)
        if not isinstance(value, SchemaItem):
            continue
        kind = value.first("interactionType")
        kind_text = " ".join(kind.types) if isinstance(kind, SchemaItem) else str(kind or "")
        if "LikeAction" in kind_text:
            return schema_count(value.first("userInteractionCount"))
    return None


def _post_number(item: SchemaItem) -> int | None:
    """The post's number: its ``position`` ("#3"), else its element's ``id="post_3"``."""
    for text in (item.first("position"),
                 (item.scope.attributes.get("id") or "").removeprefix("post_")
                 if item.scope is not None else None):
        if isinstance(text, str):
            found = _POST_NUMBER.search(text[:32])
            if found is not None:
                return int(found.group())
    return None


def _posts_of(data: SchemaData) -> list[SchemaItem]:
    """The crawler view's posts in page order: the top-level posting items with a body,
    and the replies newer Discourse nests in the first as its ``comment``s."""
    posts: list[SchemaItem] = []
    for item in data.microdata:
        if not any(item.is_a(kind) for kind in _POST_TYPES):
            continue
        for post in (item, *item.values("comment")[:MAX_POSTS]):
            post = data.resolve(post)
            if isinstance(post, SchemaItem) and (post.element("articleBody")
                                                 or post.element("text")) is not None:
                posts.append(post)
            if len(posts) >= MAX_POSTS:
                return sorted(posts, key=lambda found: found.order)
    return sorted(posts, key=lambda found: found.order)


class DiscourseProfile(QAPageProfile):
    name = "discourse"
    parser_version = 3  # 2, 3: as the generic profile's 3, 4
    hosts: ClassVar[tuple[str, ...]] = _HOSTS
    page_path = _PAGE_PATH
    # /t/<slug>/<id> is Discourse's own shape, but the body tells: the markup claims it.
    path_alone = False
    body_signature = _SIGNATURE

    # -- the page's parts ---------------------------------------------------------------

    def _page_region(self, html: str) -> str:
        """The ``<head>`` and the crawler view, unwrapped from its ``<noscript>``: the
        preloaded data (two thirds of a page) is read as a string, and the app's shell
        and scripts are never built."""
        start = html.find("<noscript data-path")
        head_end = html.find("<body")
        if start < 0 or head_end < 0 or head_end > start:
            return html
        content = html.find(">", start) + 1
        end = html.find("</noscript>", content)
        if content <= 0 or end < 0:
            return html
        return f"{html[:head_end]}<body>{html[content:end]}</body></html>"

    def _is_question_page(self, root: LexborNode) -> bool:
        return root.css_first(".crawler-post") is not None

    def _question(self, data: SchemaData, root: LexborNode, page: str,
                  question_id: str | None) -> SchemaQuestion | None:
        """The JSON-LD question, its body and answers from the crawler view's posts,
        with the preloaded topic's figures."""
        base = qa_question(data)
        topic = preloaded_topic(page, question_id) or {}
        by_number = _topic_posts(topic)
        accepted_numbers = {int(found.group(1)) for answer in (base.answers if base else [])
                            if answer.accepted and answer.url
                            and (found := _POST_URL.search(answer.url)) is not None}
        opening: SchemaItem | None = None
        answers: list[_Post] = []
        posts = _posts_of(data)
        numbers = [_post_number(post) for post in posts]
        for index, (post, number) in enumerate(zip(posts, numbers, strict=True)):
            # The first post asks: post 1, or the first one shown when none is numbered.
            if number == 1 or (index == 0 and number is None and opening is None):
                opening = opening or post
                continue
            preloaded = by_number.get(number) if number is not None else None
            likes = _like_count(post, data)
            if likes is None and preloaded is not None:
                likes = _likes(preloaded)
            post_id = _int(preloaded.get("id")) if preloaded is not None else None
            answers.append(_Post(
                text=None,
                element=post.element("articleBody") or post.element("text"),
                scope=post.scope,
                upvote_count=likes,
                date_created=_text_value(post.first("datePublished"))
                or _text_value(post.first("dateCreated")),
                author=_author(post, data),
                url=None,
                accepted=(preloaded is not None and preloaded.get("accepted_answer") is True)
                or number in accepted_numbers,
                position=len(answers) + 1,
                post_id=str(post_id) if post_id is not None else None,
            ))
        if base is None and opening is None and not answers:
            return None
        posts_count = _int(topic.get("posts_count"))
        element = (opening.element("articleBody") or opening.element("text")) \
            if opening is not None else None
        asked = _text_value(opening.first("datePublished")) if opening is not None else None
        votes = _like_count(opening, data) if opening is not None else None
        return _Topic(
            name=(base.name if base else None) or _text_value(topic.get("title")),
            text=base.text if base else None,
            element=element if element is not None else (base.element if base else None),
            scope=opening.scope if opening is not None else None,
            date_created=asked or (base.date_created if base else None),
            upvote_count=votes if votes is not None else (base.upvote_count if base else None),
            # discourse-solved's answerCount counts accepted answers: not this.
            answer_count=posts_count - 1 if posts_count else None,
            author=(_author(opening, data) if opening is not None else None)
            or (base.author if base else None),
            url=base.url if base else None,
            view_count=None,
            keywords=[],
            answers=list(answers),
            syntax=base.syntax if base else "microdata",
            views=_int(topic.get("views")),
            posts_count=posts_count,
            tags=_topic_tags(topic),
            closed=topic.get("closed") is True or topic.get("archived") is True,
        )

    def _answer_id(self, answer: SchemaAnswer, url: str) -> str | None:
        if isinstance(answer, _Post):
            return answer.post_id
        return super()._answer_id(answer, url)

    def _notices(self, root: LexborNode, container: LexborNode | None,
                 body_node: LexborNode | None) -> list[LexborNode]:
        """None: a Discourse post's ``<aside>``s are quotes and link previews, part of
        its text; the topic's state is in the preloaded topic."""
        return []

    def _status(self, root: LexborNode, container: LexborNode | None,
                body_node: LexborNode | None, url: str, *,
                question: SchemaQuestion | None = None) -> tuple[str, str | None]:
        if isinstance(question, _Topic) and question.closed:
            return "closed", None
        return "open", None

    def _views(self, root: LexborNode,
               question: SchemaQuestion | None) -> tuple[str, int, bool] | None:
        if isinstance(question, _Topic) and question.views is not None:
            return "state", question.views, False
        return super()._views(root, question)

    def _tags(self, tree: LexborHTMLParser, root: LexborNode, container: LexborNode | None,
              question: SchemaQuestion | None) -> tuple[list[str], str | None]:
        """``article:tag`` metas, else the preloaded topic's tags."""
        tags, source = super()._tags(tree, root, container, question)
        if tags:
            return tags, source
        if isinstance(question, _Topic) and question.tags:
            return list(question.tags), "state"
        return [], None


# What profile discovery (parsers/profile.py) looks for in each module of parsers/sites/.
PROFILE = DiscourseProfile()
