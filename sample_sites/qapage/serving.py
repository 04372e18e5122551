"""The QAPage site's URLs and HTML, as the site-neutral app (``app.py``) asks for them.

==================================  =====================================================
``/``                               index: a link to question 0, to ``/questions``, the sitemap
``/questions/<id>/<slug>``          a question with its first answers; ``?page=N`` the next
                                    ones (``rel=prev``/``next``); a wrong or missing slug
                                    301s to the right one
``/questions?page=N``               every live question, 50 a page, ``rel=next``
``/questions/tagged/<tag>``         the questions with that tag, 50 a page
``/tags``                           every tag and its question count
``/q/<id>``                         301 to the question
``/a/<answer id>``                  301 to ``/questions/<id>/<slug>[?page=N]#<answer id>``
``/users/<id>/<name>``              200, but robots.txt disallows ``/users/`` (and
                                    ``/search``, ``/questions/ask``, ``?answertab=`` sorts)
==================================  =====================================================
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, unquote

from ..common import Document, Redirect
from ..history import EPOCH_LENGTH, EPOCH_ZERO_AT
from .content import ANSWERS_PER_PAGE, QAPageSite
from .render import (
    render_gone_page,
    render_index_page,
    render_listing_page,
    render_question_page,
    render_soft_404_page,
    render_tags_page,
    render_user_page,
)

__all__ = ["LISTING_PAGE_SIZE", "QAPageServing"]

LISTING_PAGE_SIZE = 50
_BARE_QUESTION = re.compile(r"/(?:questions|q)/(\d+)/?")
_ANSWER_LINK = re.compile(r"/a/(\d+)/?")
_TAGGED = re.compile(r"/questions/tagged/([^/]+)")


class QAPageServing:
    """Question pages at ``/questions/<id>/<slug>``; listings, tags and permalinks."""

    name = "qapage"
    page_pattern = re.compile(r"/questions/(\d+)/[^/]+")
    robots_disallow = ("/users/", "/search", "/questions/ask", "/*?answertab=", "/_admin/")
    too_many_requests = "Too many requests. Please slow down and try again later.\n"

    def __init__(self, site: QAPageSite) -> None:
        self.site = site

    def page_path(self, index: int) -> str:
        return self.site.path_of(index)

    def page_part(self, query: str) -> int | None:
        return _page_number(query)

    def render_page(self, index: int, epoch: int, *, part: int, charset: str) -> str | None:
        question = self.site.question(index, epoch)
        if part > question.answer_pages:
            return None
        return render_question_page(question, part=part, base_url=self.site.base_url,
                                    charset=charset)

    def truncate_before(self, index: int, epoch: int) -> bytes:
        # After the title, before the question, the answers and the JSON-LD at the end.
        return b'<div id="mainbar"'

    def other(self, path: str, query: str, epoch: int) -> Document | Redirect | None:
        site = self.site
        moment = EPOCH_ZERO_AT + epoch * EPOCH_LENGTH
        if path == "/":
            html = render_index_page(root_url=site.path_of(0), questions_url="/questions",
                                     sitemap_url="/sitemap.xml")
            return Document(html, moment)
        if path == "/questions":
            return self._listing("All questions", site.answer_indexes(epoch), query, epoch,
                                 url=f"{site.base_url}/questions")
        if match := _TAGGED.fullmatch(path):
            tag = unquote(match.group(1))
            indexes = site.tags(epoch).get(tag)
            if not indexes:
                return None
            return self._listing(f"Questions tagged [{tag}]", indexes, query, epoch,
                                 url=site.base_url + path)
        if path == "/tags":
            counts = {tag: len(indexes) for tag, indexes in site.tags(epoch).items()}
            return Document(render_tags_page(counts), moment)
        if match := _BARE_QUESTION.fullmatch(path):
            index = site.index_of(match.group(1), epoch=epoch)
            if index is None or site.status(index, epoch) != 200:
                return None
            return Redirect(301, site.path_of(index) + (f"?{query}" if query else ""))
        if match := _ANSWER_LINK.fullmatch(path):
            found = site.answer_location(match.group(1), epoch=epoch)
            if found is None:
                return None
            index, part = found
            page = f"?page={part}" if part > 1 else ""
            return Redirect(301, f"{site.path_of(index)}{page}#{match.group(1)}")
        if path.startswith("/users/"):
            return Document(render_user_page(path), EPOCH_ZERO_AT)
        return None

    def _listing(
        self, heading: str, indexes: list[int], query: str, epoch: int, *, url: str
    ) -> Document | None:
        page = _page_number(query)
        pages = max(1, -(-len(indexes) // LISTING_PAGE_SIZE))
        if page is None or page > pages:
            return None
        shown = indexes[(page - 1) * LISTING_PAGE_SIZE:page * LISTING_PAGE_SIZE]
        questions = [self.site.question(index, epoch) for index in shown]
        html = render_listing_page(heading=heading, questions=questions, page=page,
                                   pages=pages, url=url)
        modified = max((q.last_modified for q in questions), default=EPOCH_ZERO_AT)
        return Document(html, max(modified, EPOCH_ZERO_AT + epoch * EPOCH_LENGTH))

    def gone_page(self, status: int) -> str:
        return render_gone_page(status)

    def soft_404_page(self) -> str:
        return render_soft_404_page()

    def state(self, epoch: int) -> dict[str, Any]:
        return {"answers_per_page": ANSWERS_PER_PAGE, "listing_page_size": LISTING_PAGE_SIZE}


def _page_number(query: str) -> int | None:
    """``page=N`` from a query string: 1 when absent, None when not a number >= 1."""
    values = parse_qs(query).get("page")
    if not values:
        return 1
    value = values[-1]
    if not value.isdigit() or int(value) < 1:
        return None
    return int(value)
