"""HTML of the QAPage site, as strings: pure functions of ``content.py``'s ``Question``.

A question page is laid out like a modern Stack Exchange page: ``#question-header``
with the ``h1``; the asked/viewed line (the exact views in ``title="Viewed 4,229
times"``, the visible figure rounded to "4k"); ``#mainbar`` with the question
(``data-questionid``, votes, body in ``div.s-prose.js-post-body``, tags as
``a.post-tag`` links, signature) and the answers (``div.answer[data-answerid]``,
votes, accepted mark, body, ``/a/<id>`` share link, signature), the answers pager
with ``rel=prev``/``rel=next``; ``#sidebar`` with the Linked and Related modules.

The schema.org data comes one of two ways, per question (``Question.markup``):
``json-ld``, a ``<script type="application/ld+json">`` QAPage at the end of the body,
or ``microdata``, ``itemscope``/``itemprop`` on the visible markup as Stack Exchange
writes it (the QAPage on ``<body>``, the Question on ``#content``, its ``name`` on the
``h1``, ``answerCount`` in a ``<meta>``). Either describes
the answers *this* page shows; ``answerCount`` is the question's total.

Closed and duplicate questions carry their notice (``aside.s-notice``) inside the
question body's ``div``, where Stack Exchange puts it: microdata's ``text`` includes
it, JSON-LD's ``text`` does not.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape
from typing import Any

from .content import Answer, Question, QuestionLink, User, tag_path, views_display

__all__ = [
    "SITE_NAME",
    "render_gone_page",
    "render_index_page",
    "render_listing_page",
    "render_question_page",
    "render_soft_404_page",
    "render_tags_page",
    "render_user_page",
]

SITE_NAME = "Sample Q&A"
_SCHEMA = "https://schema.org/"


def _machine_time(moment: datetime) -> str:
    """ISO 8601 as the page writes it: ``Z`` for UTC, else the offset (+08:00)."""
    text = moment.isoformat()
    return text.removesuffix("+00:00") + "Z" if moment.utcoffset() == UTC.utcoffset(None) else text


def _human_time(moment: datetime) -> str:
    return f"{moment:%b} {moment.day}, {moment.year} at {moment:%H:%M}"


def _time(moment: datetime, *, itemprop: str | None = None) -> str:
    prop = f' itemprop="{itemprop}"' if itemprop else ""
    return (f'<time{prop} datetime="{_machine_time(moment)}" '
            f'title="{moment:%Y-%m-%d %H:%M:%S}">{_human_time(moment)}</time>')


def _head(title: str, *, canonical: str, charset: str, links: str = "") -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n'
        f'<meta charset="{charset}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)} - {escape(SITE_NAME)}</title>\n"
        f'<link rel="canonical" href="{escape(canonical)}">\n'
        f"{links}"
        f'<meta property="og:title" content="{escape(title)}">\n'
        '<meta property="og:type" content="website">\n'
        '<link rel="stylesheet" href="/static/stacks.css">\n'
        "</head>\n"
    )


_TOPBAR = (
    '<header class="s-topbar"><div class="s-topbar--container">\n'
    f'<a class="s-topbar--logo" href="/"><span>{escape(SITE_NAME)}</span></a>\n'
    '<ol class="s-navigation"><li><a href="/questions">Questions</a></li>'
    '<li><a href="/tags">Tags</a></li><li><a href="/users/">Users</a></li></ol>\n'
    '<form class="s-topbar--searchbar" action="/search" method="get">'
    '<input name="q" type="text" placeholder="Search…" aria-label="Search"></form>\n'
    "</div></header>\n"
)

_FOOTER = (
    '<footer id="footer" class="site-footer"><p>Site design / logo © 2024 Sample Q&amp;A; '
    'user contributions licensed under <a href="https://creativecommons.org/licenses/by-sa/4.0/" '
    'rel="license">CC BY-SA</a>.</p></footer>\n'
)


def _item(on: bool, itemtype: str, itemprop: str | None = None) -> str:
    """Microdata attributes for an element, when the page uses microdata."""
    if not on:
        return ""
    prop = f' itemprop="{itemprop}"' if itemprop else ""
    return f'{prop} itemscope itemtype="{_SCHEMA}{itemtype}"'


def _prop(on: bool, name: str) -> str:
    return f' itemprop="{name}"' if on else ""


def _author(user: User, *, micro: bool) -> str:
    return (f'<div class="user-details"{_item(micro, "Person", "author")}>'
            f'<a href="{escape(user.path)}"{_prop(micro, "url")}>'
            f'<span{_prop(micro, "name")}>{escape(user.name)}</span></a></div>')


def _notice(question: Question) -> str:
    if question.status == "duplicate" and question.duplicate_of is not None:
        target = question.duplicate_of
        return (
            '<aside class="s-notice s-notice__info post-notice js-post-notice mb16" '
            'role="status">\n<div class="d-flex fd-column fw-nowrap"><div class="d-flex">'
            "<div>This question already has answers here:</div></div>\n"
            f'<div class="mt8"><a href="{escape(target.href)}" class="js-dup-link">'
            f"{escape(target.title)}</a></div>\n"
            '<div class="mt8">Closed as a duplicate '
            f"{_time(question.closed_at or question.asked_at)}.</div></div>\n</aside>\n"
        )
    if question.status == "closed":
        return (
            '<aside class="s-notice s-notice__info post-notice js-post-notice mb16" '
            'role="status">\n<div class="d-flex fd-column fw-nowrap">'
            "<div><b>Closed.</b> This question is not currently accepting answers.</div>\n"
            f"<div>{escape(question.close_reason)}</div>\n"
            f'<div class="mt8">Closed {_time(question.closed_at or question.asked_at)}.</div>'
            "</div>\n</aside>\n"
        )
    return ""


def _question(question: Question, *, micro: bool) -> str:
    tags = "".join(
        f'<li class="d-inline"><a href="{escape(tag_path(tag))}" class="post-tag" '
        f'rel="tag" title="show questions tagged \'{escape(tag)}\'">{escape(tag)}</a></li>'
        for tag in question.tags
    )
    edited = ""
    if question.edited_at is not None:
        edited = f'<div class="user-action-time">edited {_time(question.edited_at)}</div>'
    meta = ""
    if micro:
        meta = f'<meta itemprop="answerCount" content="{len(question.answers)}">\n'
    return (
        f'<div id="question" class="question js-question" data-questionid="{question.id}" '
        f'data-score="{question.votes}">\n{meta}'
        '<div class="post-layout">\n<div class="votecell post-layout--left">'
        f'<div class="js-vote-count fs-title" data-value="{question.votes}"'
        f'{_prop(micro, "upvoteCount")}>{question.votes}</div></div>\n'
        '<div class="postcell post-layout--right">\n'
        f'<div class="s-prose js-post-body"{_prop(micro, "text")}>\n'
        f"{_notice(question)}{question.post.html}\n</div>\n"
        f'<div class="post-taglist"><ul class="ml0 list-ls-none js-post-tag-list-wrapper">'
        f"{tags}</ul></div>\n"
        '<div class="post-signature owner">'
        f'<a href="/q/{question.id}" class="js-share-link" title="Short permalink to this '
        'question">Share</a>'
        f"{edited}"
        f'<div class="user-action-time">asked '
        f"{_time(question.asked_at, itemprop='dateCreated' if micro else None)}</div>"
        f"{_author(question.author, micro=micro)}</div>\n"
        "</div>\n</div>\n</div>\n"
    )


def _answer(answer: Answer, base_url: str, *, micro: bool) -> str:
    accepted = " accepted-answer" if answer.accepted else ""
    prop = "acceptedAnswer" if answer.accepted else "suggestedAnswer"
    mark = ""
    if answer.accepted:
        mark = ('<div class="js-accepted-answer-indicator" title="Accepted" role="note" '
                'aria-label="Accepted">✓</div>')
    edited = ""
    if answer.edited_at is not None:
        edited = f'<div class="user-action-time">edited {_time(answer.edited_at)}</div>'
    url = f"{base_url}/a/{answer.id}" if micro else f"/a/{answer.id}"
    return (
        f'<div id="answer-{answer.id}" class="answer js-answer{accepted}" '
        f'data-answerid="{answer.id}" data-score="{answer.votes}"{_item(micro, "Answer", prop)}>\n'
        f'<a id="{answer.id}" class="anchor"></a>\n'
        '<div class="post-layout">\n<div class="votecell post-layout--left">'
        f'<div class="js-vote-count fs-title" data-value="{answer.votes}"'
        f'{_prop(micro, "upvoteCount")}>{answer.votes}</div>{mark}</div>\n'
        '<div class="answercell post-layout--right">\n'
        f'<div class="s-prose js-post-body"{_prop(micro, "text")}>\n{answer.post.html}\n</div>\n'
        '<div class="post-signature">'
        f'<a href="{escape(url)}" class="js-share-link" title="Short permalink to this answer"'
        f'{_prop(micro, "url")}>Share</a>{edited}'
        f'<div class="user-action-time">answered '
        f"{_time(answer.created_at, itemprop='dateCreated' if micro else None)}</div>"
        f"{_author(answer.author, micro=micro)}</div>\n"
        "</div>\n</div>\n</div>\n"
    )


def _pager(question: Question, part: int) -> str:
    pages = question.answer_pages
    if pages == 1:
        return ""
    items = []
    if part > 1:
        items.append(f'<a class="s-pagination--item" rel="prev" '
                     f'href="{escape(question.page_url(part - 1))}">Previous</a>')
    for number in range(1, pages + 1):
        if number == part:
            items.append(f'<span class="s-pagination--item is-selected" aria-current="page">'
                         f"{number}</span>")
        else:
            items.append(f'<a class="s-pagination--item" '
                         f'href="{escape(question.page_url(number))}">{number}</a>')
    if part < pages:
        items.append(f'<a class="s-pagination--item" rel="next" '
                     f'href="{escape(question.page_url(part + 1))}">Next</a>')
    return f'<div class="s-pagination pager-answers">{"".join(items)}</div>\n'


def _sidebar_module(kind: str, heading: str, links: Iterable[QuestionLink]) -> str:
    rows = "".join(
        f'<div class="spacer" data-question-id="{link.id}">'
        f'<a href="/q/{link.id}" title="Vote score (upvotes - downvotes)">'
        f'<div class="answer-votes">{link.votes}</div></a>'
        f'<a href="{escape(link.href)}" class="question-hyperlink">{escape(link.title)}</a></div>\n'
        for link in links
    )
    if not rows:
        return ""
    return (f'<div class="module sidebar-{kind}">\n<h4 id="h-{kind}">{heading}</h4>\n'
            f'<div class="{kind}">\n{rows}</div>\n</div>\n')


def _json_ld(question: Question, part: int, base_url: str) -> str:
    def person(user: User) -> dict[str, Any]:
        return {"@type": "Person", "name": user.name, "url": base_url + user.path}

    def answer(a: Answer) -> dict[str, Any]:
        return {"@type": "Answer", "text": a.post.text, "upvoteCount": a.votes,
                "dateCreated": _machine_time(a.created_at), "url": f"{base_url}/a/{a.id}",
                "author": person(a.author)}

    shown = question.answers_on(part)
    entity: dict[str, Any] = {
        "@type": "Question",
        "name": question.title,
        "text": question.post.text,
        "dateCreated": _machine_time(question.asked_at),
        "upvoteCount": question.votes,
        "answerCount": len(question.answers),
        "author": person(question.author),
    }
    accepted = [answer(a) for a in shown if a.accepted]
    if accepted:
        entity["acceptedAnswer"] = accepted[0]
    suggested = [answer(a) for a in shown if not a.accepted]
    if suggested:
        entity["suggestedAnswer"] = suggested
    data = {"@context": "https://schema.org", "@type": "QAPage", "mainEntity": entity}
    # "</" inside a script would end it early; JSON allows the escaped slash.
    text = json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{text}\n</script>\n'


def render_question_page(
    question: Question, *, part: int = 1, base_url: str, charset: str = "utf-8"
) -> str:
    """Page ``part`` of a question (``?page=N`` for N > 1): the question, then its answers."""
    micro = question.markup == "microdata"
    page_url = question.page_url(part)
    links = ""
    if part > 1:
        links += f'<link rel="prev" href="{escape(question.page_url(part - 1))}">\n'
    if part < question.answer_pages:
        links += f'<link rel="next" href="{escape(question.page_url(part + 1))}">\n'
    count = len(question.answers)
    answers = "".join(_answer(a, base_url, micro=micro) for a in question.answers_on(part))
    tabs = "".join(
        f'<a class="s-btn s-btn__muted" href="{escape(question.url)}?answertab={tab}">{label}</a>'
        for tab, label in (("scoredesc", "Highest score"), ("modifieddesc", "Trending"),
                           ("createdasc", "Date created (oldest first)"))
    )
    header = (f'<div id="answers-header"><h2 class="mb0" data-answercount="{count}">'
              f"{count} Answer{'s' if count != 1 else ''}</h2>"
              f'<div class="answer-sort-tabs">{tabs}</div></div>\n') if count else (
        '<div id="answers-header"><h2 class="mb0" data-answercount="0">'
        "No answers yet</h2></div>\n")
    views = f"{question.views:,}"
    body = (
        f'<body class="question-page"{_item(micro, "QAPage")}>\n{_TOPBAR}'
        f'<div id="content" class="snippet-hidden"{_item(micro, "Question", "mainEntity")}>\n'
        '<div id="question-header" class="d-flex sm:fd-column">\n'
        f'<h1 class="fs-headline1 ow-break-word mb8 flex--item fl1"{_prop(micro, "name")}>'
        f'<a href="{escape(question.url)}" class="question-hyperlink">'
        f"{escape(question.title)}</a></h1>\n"
        '<div class="ml12 aside-cta flex--item">'
        '<a href="/questions/ask" class="s-btn">Ask Question</a></div>\n</div>\n'
        '<div class="d-flex fw-wrap pb8 mb16 bb bc-black-075">\n'
        f'<div class="flex--item ws-nowrap mr16 mb8"><span class="fc-black-400 mr2">Asked</span>'
        f"{_time(question.asked_at)}</div>\n"
        f'<div class="flex--item ws-nowrap mb8" title="Viewed {views} times">'
        f'<span class="fc-black-400 mr2">Viewed</span>{views_display(question.views)} times</div>\n'
        "</div>\n"
        '<div id="mainbar" role="main">\n'
        f"{_question(question, micro=micro)}"
        f'<div id="answers">\n<a name="tab-top"></a>\n{header}{answers}{_pager(question, part)}'
        "</div>\n</div>\n"
        '<div id="sidebar" role="complementary">\n'
        f"{_sidebar_module('linked', 'Linked', question.linked)}"
        f"{_sidebar_module('related', 'Related', question.related)}"
        "</div>\n</div>\n"
        f"{_FOOTER}"
        f"{_json_ld(question, part, base_url) if not micro else ''}"
        "</body>\n</html>\n"
    )
    return _head(question.title, canonical=page_url, charset=charset, links=links) + body


def _simple_page(title: str, body: str, *, canonical: str = "", links: str = "") -> str:
    canonical_link = f'<link rel="canonical" href="{escape(canonical)}">\n' if canonical else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{escape(title)} - {escape(SITE_NAME)}</title>\n{canonical_link}{links}"
        f"</head>\n<body>\n{_TOPBAR}"
        f'<div id="content">\n{body}\n</div>\n{_FOOTER}</body>\n</html>\n'
    )


def render_index_page(*, root_url: str, questions_url: str, sitemap_url: str) -> str:
    """``/``: where a crawl from the site's root starts."""
    body = (
        f"<h1>{escape(SITE_NAME)}</h1>\n"
        "<p>技术问答 · questions and answers about Python, 预训练模型 and more.</p>\n"
        f'<p><a class="start" href="{escape(root_url)}">Start with the top question</a></p>\n'
        f'<p><a href="{escape(questions_url)}">All questions</a> · '
        '<a href="/tags">Tags</a> · '
        f'<a href="{escape(sitemap_url)}">Sitemap</a></p>'
    )
    return _simple_page("Home", body)


def render_listing_page(
    *,
    heading: str,
    questions: list[Question],
    page: int,
    pages: int,
    url: str,
) -> str:
    """A page of a question list (``/questions``, ``/questions/tagged/<tag>``), paged."""
    def page_url(number: int) -> str:
        return url if number == 1 else f"{url}?page={number}"

    items = "".join(_summary(q) for q in questions)
    links, pager = "", []
    if page > 1:
        links += f'<link rel="prev" href="{escape(page_url(page - 1))}">\n'
        pager.append(f'<a rel="prev" href="{escape(page_url(page - 1))}">Prev</a>')
    if page < pages:
        links += f'<link rel="next" href="{escape(page_url(page + 1))}">\n'
        pager.append(f'<a rel="next" href="{escape(page_url(page + 1))}">Next</a>')
    body = (f"<h1>{escape(heading)}</h1>\n<div id=\"questions\">\n{items}</div>\n"
            f'<div class="s-pagination">Page {page} of {pages} {" ".join(pager)}</div>')
    return _simple_page(heading, body, canonical=page_url(page), links=links)


def _summary(q: Question) -> str:
    accepted = " has-accepted-answer" if any(a.accepted for a in q.answers) else ""
    tags = "".join(f'<li><a class="post-tag" href="{escape(tag_path(t))}" rel="tag">'
                   f"{escape(t)}</a></li>" for t in q.tags)
    return (
        f'<div class="s-post-summary js-post-summary" data-post-id="{q.id}">\n'
        '<div class="s-post-summary--stats">'
        f'<div class="s-post-summary--stats-item" title="Score of {q.votes}">{q.votes} votes'
        f'</div><div class="s-post-summary--stats-item{accepted}">{len(q.answers)} answers</div>'
        f'<div class="s-post-summary--stats-item" title="{q.views:,} views">'
        f"{views_display(q.views)} views</div></div>\n"
        f'<h3 class="s-post-summary--content-title"><a href="{escape(q.url)}" '
        f'class="s-link">{escape(q.title)}</a></h3>\n'
        f'<ul class="s-post-summary--meta-tags">{tags}</ul>\n</div>\n'
    )


def render_tags_page(tags: dict[str, int]) -> str:
    """``/tags``: every tag with its question count."""
    items = "".join(
        f'<li><a class="post-tag" href="{escape(tag_path(tag))}" rel="tag">{escape(tag)}</a> '
        f"× {count}</li>\n"
        for tag, count in tags.items()
    )
    return _simple_page("Tags", f"<h1>Tags</h1>\n<ul>\n{items}</ul>")


def render_user_page(path: str) -> str:
    """``/users/…``: exists, but robots.txt disallows it: a polite crawler never asks."""
    return _simple_page("User", f"<h1>User</h1>\n<p>{escape(path)}</p>")


def render_soft_404_page() -> str:
    """A "Page not found" page served with status 200: no question, no QAPage markup."""
    body = ('<div class="error-page"><h1>Page not found</h1>\n<p>We couldn\'t find the page '
            'you asked for. 页面不存在。<a href="/">Back to the home page</a></p></div>')
    return _simple_page("Page not found", body)


def render_gone_page(status: int) -> str:
    message = "This question was removed" if status == 410 else "Page not found"
    if status == 503:
        message = "Service unavailable, please try again"
    return _simple_page(message, f'<div class="error-page"><h1>{message}</h1></div>')
