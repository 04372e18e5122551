"""What the sample site says: deterministic answer pages, their history, and the truth.

Everything here is a pure function of ``(pages, seed, base_url)`` plus an epoch:
no clock, no network. Each page draws from its own ``random.Random(f"{seed}:{index}")``
(string seeds hash the same in every process), so page 17 reads the same whether
the site has 200 or 2,000 pages rendered before it.

The link graph, and why every page stays reachable
--------------------------------------------------
Pages ``0 .. pages-1`` form a binary heap through their related questions: page
``i`` lists pages ``2i+1`` and ``2i+2``. Pages below ``pages // 2`` are *internal*
(they have children); they are never removed and never faulted, so a crawler that
starts at page 0 reaches every page at every epoch. Only leaves disappear or
misbehave. Pages created at later epochs hang off internal pages, round robin.
Extra "cross" related links and all sidebar links point at internal pages only.

Epochs
------
Epoch 0 is the site as first crawled. At each later epoch, per page and seeded by
``(seed, page, epoch)``: about 30% of pages gain views, about 5% are edited (a
paragraph is appended, so the ETag changes), ``pages // 50`` new pages appear,
and about 6% of leaves are removed at epoch 1, 2 or 3 (answering 404 or 410).
"""

from __future__ import annotations

import random
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import ROUND_DOWN, Decimal
from html import escape
from typing import Any

from .. import _texts as texts
from .._words import Words, clip, join_sentences, link_form
from ..history import EPOCH_LENGTH, EPOCH_ZERO_AT, EpochChanges, SiteHistory
from .layouts import DEFAULT_LAYOUT, LayoutPlan

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_PAGES",
    "EPOCH_LENGTH",
    "EPOCH_ZERO_AT",
    "SITE_TZ",
    "Answer",
    "AnswerPageContent",
    "CodeBlock",
    "EpochChanges",
    "Look",
    "PageLink",
    "RelatedLink",
    "Resource",
    "SampleSite",
    "views_display",
]

DEFAULT_PAGES = 1000
DEFAULT_BASE_URL = "http://127.0.0.1:8765"
SITE_TZ = timezone(timedelta(hours=8))  # the site shows China time, like wenku.csdn.net
_FIRST_QUESTION_AT = datetime(2022, 1, 1, 0, 0, tzinfo=SITE_TZ)
_ALNUM = string.ascii_lowercase + string.digits
_ICON_URL = "https://csdnimg.cn/release/download/static_files/pc/images/minetype/{}.png"


@dataclass(frozen=True, slots=True)
class CodeBlock:
    language: str
    code: str


@dataclass(frozen=True, slots=True)
class Answer:
    html: str  # inner HTML of the page's markdown-body div
    phrases: tuple[str, ...]  # plain sentences a parser's answer_text must contain
    code_blocks: tuple[CodeBlock, ...]
    summary: str  # plain text shown under the page's title when another page relates to it
    # The same answer block by block, as HTML and as the Markdown it was written in
    # (the evidence layout embeds the Markdown, and may show only the first blocks).
    html_blocks: tuple[str, ...] = ()
    markdown_blocks: tuple[str, ...] = ()

    @property
    def markdown(self) -> str:
        return "\n\n".join(self.markdown_blocks)


@dataclass(frozen=True, slots=True)
class PageLink:
    href: str  # as written in the HTML: relative, protocol-relative or absolute
    url: str  # resolved against the page's URL
    title: str


@dataclass(frozen=True, slots=True)
class RelatedLink:
    id: str
    href: str
    url: str
    title: str
    answer_text: str


@dataclass(frozen=True, slots=True)
class Resource:
    section: str  # "related" or "latest": the tab panel it is rendered in
    href: str
    url: str
    title: str
    description: str
    icon: str  # icon file stem: PDF, ZIP, UNKNOWN, ...
    kind: str  # doc, download, column, answer

    @property
    def icon_url(self) -> str:
        return _ICON_URL.format(self.icon)


@dataclass(frozen=True, slots=True)
class RelatedItem:
    """An entry of the related-questions block; ``href``/``url``/``id`` None when unlinked."""

    id: str | None
    href: str | None
    url: str | None
    title: str
    answer_text: str


@dataclass(frozen=True, slots=True)
class Look:
    """How an evidence or redesign page presents itself, drawn once per page from its seed.

    The reconstruction layout ignores it. Everything here is presentation: the
    record a correct parser extracts does not depend on it, except that a cut answer
    (``cut``) must then be read from the embedded state.
    """

    time_label: str  # 时间, 发布时间 or 提问时间
    views_label: str  # 浏览, 浏览量, 阅读量 or 阅读
    colon: str  # ":", "：" or "" (none)
    views_first: bool  # "1.2万阅读" rather than "阅读: 1.2万"
    data_spans: bool  # label and value in separate <span>s, or one text
    container: str  # cont (div.cont.first-show.forbid), copyRef, markdown_views, htmledit_views
    collapsed: bool  # the box is collapsed with a 展开全文 button
    cut: float | None  # share of the answer's blocks the DOM shows; None: all of them
    state_spaced: bool  # "window.__INITIAL_STATE__ = {" or "window.__INITIAL_STATE__={"
    state_ascii: bool  # JSON with \uXXXX escapes instead of raw Chinese
    state_trailer: bool  # the usual "(function(){...}());" after the JSON
    unlinked: tuple[tuple[float, str, str], ...]  # (where, title, answer) of unlinked items
    dates: tuple[str, ...]  # MM-DD shown on the recommended items, in order


@dataclass(frozen=True, slots=True)
class AnswerPageContent:
    """One answer page at one epoch: everything the HTML shows, before rendering."""

    index: int
    id: str
    url: str
    title: str
    asked_at: datetime
    time_label: str  # "时间:" or "时间：" (full-width colon)
    time_text: str  # "2023-06-23 11:03:20" or, on some pages, without seconds
    views_label: str
    views_text: str  # "76", "1,234", "1.2万", "3.4w", "10万+"
    answer: Answer
    related: tuple[RelatedLink, ...]
    related_block: str  # "list"; or when there are none: "omitted" or "empty" (block, no items)
    resources: tuple[Resource, ...]
    sidebar: tuple[PageLink, ...]
    last_modified: datetime
    version: int  # number of edits so far
    layout: str = DEFAULT_LAYOUT  # reconstruction, evidence or redesign (layouts.py)
    look: Look | None = None  # how an evidence/redesign page presents itself
    shown_blocks: int = 0  # answer blocks the evidence DOM shows (all, unless look.cut)

    def related_items(self) -> list[RelatedItem]:
        """The related-questions block in page order: linked pages and, on evidence and
        redesign pages, questions shown without a link."""
        items = [RelatedItem(r.id, r.href, r.url, r.title, r.answer_text) for r in self.related]
        if self.look is not None and self.layout != DEFAULT_LAYOUT:
            for where, title, answer in self.look.unlinked:
                items.insert(round(where * len(items)), RelatedItem(None, None, None, title,
                                                                    answer))
        return items


@dataclass(frozen=True, slots=True)
class _ResourceSpec:
    section: str
    kind: str
    path: str
    icon: str
    form: str
    title: str  # empty for kind "answer": resolved from the target page
    description: str
    target: int  # the answer page for kind "answer", else -1


@dataclass(frozen=True, slots=True)
class _SidebarSpec:
    path: str
    form: str
    title: str  # empty when resolved from the target page
    target: int


@dataclass(frozen=True, slots=True)
class _BasePage:
    """The epoch-independent part of a page, drawn once from its seed."""

    title: str
    asked_at: datetime
    with_seconds: bool
    time_label: str
    views_label: str
    base_views: int
    views_style: str
    answer: Answer
    cross_links: tuple[int, ...]
    empty_related_block: str
    resources: tuple[_ResourceSpec, ...]
    sidebar: tuple[_SidebarSpec, ...]
    first_modified: datetime


def views_display(views: int, style: str) -> tuple[str, int, bool]:
    """How a page shows ``views`` in ``style``: (text, value a parser reads, approximate?).

    Rounded forms are truncated to one decimal, as the site does: 12,345 → ``1.2万``,
    which a parser reads back as 12,000 and flags as approximate.
    """
    if style == "wan_plus" and views >= 100_000:
        return "10万+", 100_000, True
    if style in ("wan", "w", "wan_plus") and views >= 10_000:
        tens_of_thousands = (Decimal(views) / 10_000).quantize(Decimal("0.1"), ROUND_DOWN)
        unit = "w" if style == "w" else "万"
        return f"{tens_of_thousands}{unit}", int(tens_of_thousands * 10_000), True
    if style in ("comma", "wan", "w") and views >= 1000:
        return f"{views:,}", views, False
    return str(views), views, False


class SampleSite(SiteHistory):
    """The sample site's content model: which answer pages exist at an epoch, and what they say.

    >>> site = SampleSite(pages=200, seed=1, base_url="http://127.0.0.1:8765")
    >>> site.expected_record(site.root_url)["title"]  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        pages: int = DEFAULT_PAGES,
        seed: int = 0,
        base_url: str = DEFAULT_BASE_URL,
        layouts: Mapping[str, float] | None = None,
        layout_switch: tuple[int, Mapping[str, float]] | None = None,
    ) -> None:
        super().__init__(pages=pages, seed=seed, base_url=base_url)
        # Which layout each page is served in at each epoch; default: reconstruction only.
        self.layouts = dict(layouts) if layouts else None
        self.layout_switch = (
            (layout_switch[0], dict(layout_switch[1])) if layout_switch is not None else None
        )
        self.layout_plan = LayoutPlan.of(layouts, layout_switch, seed=seed)
        self._ids: list[str] = []
        self._index_by_id: dict[str, int] = {}
        self._bases: dict[int, _BasePage] = {}
        self._contents: dict[tuple[int, int], AnswerPageContent] = {}

    # -- identity -----------------------------------------------------------------------

    def page_id(self, index: int) -> str:
        while len(self._ids) <= index:
            self._add_id(len(self._ids))
        return self._ids[index]

    def url_of(self, index: int) -> str:
        return f"{self.base_url}/answer/{self.page_id(index)}"

    def index_of(self, page: int | str, *, epoch: int = 0) -> int | None:
        """The index of a page given as index, id or answer URL; None if unknown at ``epoch``."""
        if isinstance(page, int):
            return page if 0 <= page < self.page_count(epoch) else None
        page_id = page.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
        self.page_id(self.page_count(epoch) - 1)
        index = self._index_by_id.get(page_id)
        if index is None or index >= self.page_count(epoch):
            return None
        return index

    def layout(self, index: int, epoch: int = 0) -> str:
        """The layout page ``index`` is served in at ``epoch`` (see ``layouts.py``)."""
        return self.layout_plan.layout_of(index, epoch)

    def _add_id(self, index: int) -> None:
        rng = random.Random(f"{self.seed}:{index}:id")
        # The real site also has 12-character ids. Only pages first served in the
        # evidence layout get them (a fifth of those), so the ids, URLs and records of
        # a reconstruction-only site stay what they always were.
        twelve = (
            self.layout(index, self.created_epoch(index)) == "evidence"
            and random.Random(f"{self.seed}:{index}:id12").random() < 0.2
        )
        while True:
            # Both shapes the real site uses: 10 lowercase letters/digits, or 32 hex digits.
            if rng.random() < 0.25:
                page_id = f"{rng.getrandbits(128):032x}"
            else:
                page_id = "".join(rng.choice(_ALNUM) for _ in range(10))
            if twelve:
                page_id = "".join(rng.choice(_ALNUM) for _ in range(12))
            if page_id not in self._index_by_id:
                break
        self._ids.append(page_id)
        self._index_by_id[page_id] = index

    # -- history (which pages exist when: SiteHistory) -------------------------------------

    def views(self, index: int, epoch: int) -> int:
        return self.grown_views(index, self._base(index).base_views, epoch)

    def _cross_links(self, index: int) -> tuple[int, ...]:
        return self._base(index).cross_links

    def _first_modified(self, index: int) -> datetime:
        return self._base(index).first_modified

    def _extra_changes(self, index: int, epoch: int) -> dict[str, bool]:
        return {"relaid": self.layout(index, epoch) != self.layout(index, epoch - 1)}

    def _signature(self, index: int, epoch: int) -> tuple[object, ...]:
        # Everything epoch-dependent that the rendered page shows.
        base = self._base(index)
        views_text = views_display(self.views(index, epoch), base.views_style)[0]
        signature: tuple[object, ...] = (
            views_text, self.version(index, epoch), tuple(self.related_targets(index, epoch))
        )
        if not self.layout_plan.is_default:
            signature += (self.layout(index, epoch),)
        return signature

    # -- content ------------------------------------------------------------------------

    def content(self, page: int | str, epoch: int = 0) -> AnswerPageContent:
        """The page as it is shown at ``epoch``; KeyError if it does not answer 200 then."""
        index = self.index_of(page, epoch=epoch)
        if index is None or self.status(index, epoch) != 200:
            raise KeyError(f"no answer page {page!r} at epoch {epoch}")
        cached = self._contents.get((index, epoch))
        if cached is not None:
            return cached
        base = self._base(index)
        version = self.version(index, epoch)
        answer = self._edited_answer(index, base.answer, version)
        related = tuple(self._related_link(index, t) for t in self.related_targets(index, epoch))
        views_text = views_display(self.views(index, epoch), base.views_style)[0]
        time_format = "%Y-%m-%d %H:%M:%S" if base.with_seconds else "%Y-%m-%d %H:%M"
        layout = self.layout(index, epoch)
        look = None if layout == DEFAULT_LAYOUT else self._look(index, len(base.resources))
        blocks = len(answer.html_blocks)
        shown_blocks = blocks
        if look is not None and look.cut is not None and blocks > 1:
            shown_blocks = min(blocks - 1, max(1, int(blocks * look.cut)))
        has_related = bool(related) or (look is not None and bool(look.unlinked))
        content = AnswerPageContent(
            index=index,
            id=self.page_id(index),
            url=self.url_of(index),
            title=base.title,
            asked_at=base.asked_at,
            time_label=base.time_label,
            time_text=base.asked_at.strftime(time_format),
            views_label=base.views_label,
            views_text=views_text,
            answer=answer,
            related=related,
            related_block="list" if has_related else base.empty_related_block,
            resources=tuple(self._resource(spec) for spec in base.resources),
            sidebar=tuple(self._sidebar_link(spec) for spec in base.sidebar),
            last_modified=self.last_modified(index, epoch),
            version=version,
            layout=layout,
            look=look,
            shown_blocks=shown_blocks,
        )
        self._contents[(index, epoch)] = content
        return content

    def expected_record(self, page: int | str, *, epoch: int = 0) -> dict[str, Any]:
        """What a correct parser extracts from the page at ``epoch``, shaped like expected.json.

        ``answer_text`` is not given exactly (how a table row flattens is the parser's
        call); instead ``answer_phrases`` lists sentences ``answer_text`` must contain and
        ``code_blocks`` the code ``answer_markdown`` must hold in fences with a language.

        It depends on the page's layout (also given, as ``layout``):

        - ``reconstruction`` and ``evidence``: every field. On evidence pages the answer
          is the complete one even when the page shows it cut short
          (``answer_complete_in_dom`` False: only the embedded state holds all of it),
          and ``related_questions`` include the questions shown without a link, with
          ``id`` and ``url`` None.
        - ``redesign``: the same, except ``asked_at`` and ``view_count`` are None (and
          ``view_count_approximate`` False): the page labels neither, and no structured
          data holds them. ``missing_fields`` names them.
        """
        content = self.content(page, epoch)
        base = self._base(content.index)
        _, view_count, approximate = views_display(
            self.views(content.index, epoch), base.views_style
        )
        record: dict[str, Any] = {
            "url": content.url,
            "id": content.id,
            "title": content.title,
            # Pages that show no seconds were drawn with second=0, so this is exact.
            "asked_at": content.asked_at.isoformat(),
            "view_count": view_count,
            "view_count_approximate": approximate,
            "answer_phrases": list(content.answer.phrases),
            "code_blocks": [
                {"language": b.language, "code": b.code} for b in content.answer.code_blocks
            ],
            "related_questions": [
                {
                    "position": position,
                    "id": item.id,
                    "url": item.url,
                    "title": item.title,
                    "answer_text": item.answer_text,
                }
                for position, item in enumerate(content.related_items(), start=1)
            ],
            "recommended_resources": [
                {
                    "section": r.section,
                    "position": position,
                    "url": r.url,
                    "title": r.title,
                    "description": r.description,
                    "file_type": r.icon.lower(),
                    "kind": r.kind,
                }
                for section in ("related", "latest")
                for position, r in enumerate(
                    (r for r in content.resources if r.section == section), start=1
                )
            ],
            "sidebar_links": [link.url for link in content.sidebar],
            "layout": content.layout,
            "answer_complete_in_dom": content.shown_blocks >= len(content.answer.html_blocks),
            "missing_fields": [],
        }
        if content.layout == "redesign":
            record.update(asked_at=None, view_count=None, view_count_approximate=False,
                          missing_fields=["asked_at", "view_count"])
        return record

    def _related_link(self, index: int, target: int) -> RelatedLink:
        form = link_form(random.Random(f"{self.seed}:{index}:href:{target}"))
        path = f"/answer/{self.page_id(target)}"
        base = self._base(target)
        return RelatedLink(
            id=self.page_id(target),
            href=self._href(path, form),
            url=self.base_url + path,
            title=base.title,
            answer_text=base.answer.summary,
        )

    def _resource(self, spec: _ResourceSpec) -> Resource:
        title, description = spec.title, spec.description
        if spec.target >= 0:
            target = self._base(spec.target)
            title = target.title
            description = clip(target.answer.summary, 90)
        return Resource(
            section=spec.section,
            href=self._href(spec.path, spec.form),
            url=self.base_url + spec.path,
            title=title,
            description=description,
            icon=spec.icon,
            kind=spec.kind,
        )

    def _sidebar_link(self, spec: _SidebarSpec) -> PageLink:
        title = spec.title or self._base(spec.target).title
        return PageLink(href=self._href(spec.path, spec.form), url=self.base_url + spec.path,
                        title=title)

    def _edited_answer(self, index: int, answer: Answer, version: int) -> Answer:
        if version == 0:
            return answer
        html, phrases = [answer.html], list(answer.phrases)
        html_blocks, markdown_blocks = list(answer.html_blocks), list(answer.markdown_blocks)
        for v in range(1, version + 1):
            rng = random.Random(f"{self.seed}:{index}:edit-text:{v}")
            words = Words(rng)
            sentence = f"补充说明(第{v}次修改):{words.fill(rng.choice(texts.SENTENCES_ZH))}"
            html.append(f"<p>{escape(sentence, quote=False)}</p>")
            html_blocks.append(html[-1])
            markdown_blocks.append(sentence)
            phrases.append(sentence)
        return Answer("\n".join(html), tuple(phrases), answer.code_blocks, answer.summary,
                      tuple(html_blocks), tuple(markdown_blocks))

    def _look(self, index: int, resources: int) -> Look:
        """How an evidence or redesign page presents itself; its own seed, any epoch."""
        rng = random.Random(f"{self.seed}:{index}:look")
        time_label = rng.choice(("时间", "发布时间", "提问时间"))
        views_label = rng.choice(("浏览", "浏览量", "阅读量", "阅读"))
        colon = rng.choice((":", ":", "：", ""))
        views_first = rng.random() < 0.25
        data_spans = rng.random() < 0.5
        container = rng.choices(("cont", "copyRef", "markdown_views", "htmledit_views"),
                                weights=(70, 12, 12, 6))[0]
        cut = rng.uniform(0.2, 0.7) if rng.random() < 0.3 else None
        collapsed = cut is not None or rng.random() < 0.5
        state_spaced = rng.random() < 0.5
        state_ascii = rng.random() < 0.3
        state_trailer = rng.random() < 0.6
        words = Words(rng)
        unlinked = tuple(
            (rng.random(), words.fill(rng.choice(texts.TITLE_TEMPLATES_ZH)),
             clip(join_sentences([words.sentence(rng) for _ in range(2)]), 160))
            for _ in range(rng.choice((0, 0, 0, 1, 1, 2)))
        )
        start = EPOCH_ZERO_AT - timedelta(days=rng.randrange(30, 400))
        dates = tuple(
            (start + timedelta(days=rng.randrange(0, 30))).strftime("%m-%d")
            for _ in range(resources)
        )
        return Look(time_label, views_label, colon, views_first, data_spans, container,
                    collapsed, cut, state_spaced, state_ascii, state_trailer, unlinked, dates)

    # -- generation ---------------------------------------------------------------------

    def _base(self, index: int) -> _BasePage:
        base = self._bases.get(index)
        if base is None:
            base = self._bases[index] = self._draw_base(index)
        return base

    def _draw_base(self, index: int) -> _BasePage:
        # The order of draws below is part of the site's identity: append, never reorder.
        rng = random.Random(f"{self.seed}:{index}")
        words = Words(rng)
        if rng.random() < 0.2:
            title = words.fill(rng.choice(texts.TITLE_TEMPLATES_EN))
        else:
            title = words.fill(rng.choice(texts.TITLE_TEMPLATES_ZH))
        if index < self.pages:
            span = EPOCH_ZERO_AT - timedelta(days=8) - _FIRST_QUESTION_AT
            asked_at = _FIRST_QUESTION_AT + timedelta(
                seconds=rng.randrange(int(span.total_seconds()))
            )
        else:
            created = EPOCH_ZERO_AT + self.created_epoch(index) * EPOCH_LENGTH
            asked_at = created - timedelta(seconds=rng.randrange(3600, 72 * 3600))
        with_seconds = rng.random() < 0.7
        if not with_seconds:
            asked_at = asked_at.replace(second=0)
        time_label = "时间：" if rng.random() < 0.25 else "时间:"
        views_label = "浏览：" if rng.random() < 0.25 else "浏览:"
        # Each display form goes with the magnitudes the site uses it for.
        magnitude = rng.random()
        if magnitude < 0.4:
            base_views, views_style = rng.randint(0, 999), "plain"
        elif magnitude < 0.7:
            base_views, views_style = rng.randint(1000, 9999), rng.choice(("plain", "comma"))
        elif magnitude < 0.9:
            base_views = rng.randint(10_000, 99_999)
            views_style = rng.choice(("wan", "w", "comma"))
        else:
            base_views = rng.randint(100_000, 2_000_000)
            views_style = rng.choice(("wan_plus", "wan_plus", "wan", "w"))
        answer = self._draw_answer(rng, words)
        if self.is_internal(index):
            cross_count = rng.choice((0, 0, 1))
        else:
            cross_count = rng.choice((0, 0, 0, 1, 1, 2))
        cross_links = tuple(
            dict.fromkeys(
                t for t in (rng.randrange(self.internal_pages) for _ in range(cross_count))
                if t != index
            )
        )
        empty_related_block = "empty" if rng.random() < 0.3 else "omitted"
        resources = self._draw_resources(rng, words, index)
        sidebar = self._draw_sidebar(rng, index)
        first_modified = asked_at + timedelta(minutes=rng.randrange(1, 59))
        return _BasePage(
            title=title,
            asked_at=asked_at,
            with_seconds=with_seconds,
            time_label=time_label,
            views_label=views_label,
            base_views=base_views,
            views_style=views_style,
            answer=answer,
            cross_links=cross_links,
            empty_related_block=empty_related_block,
            resources=resources,
            sidebar=sidebar,
            first_modified=first_modified,
        )

    def _draw_answer(self, rng: random.Random, words: Words) -> Answer:
        # Each block is written twice, as HTML and as Markdown, from the same draws:
        # the order of rng calls is the site's identity, Markdown adds none.
        blocks: list[str] = []
        markdown: list[str] = []
        phrases: list[str] = []
        code_blocks: list[CodeBlock] = []
        first = [words.sentence(rng) for _ in range(rng.randint(2, 4))]
        phrases.append(first[0])
        blocks.append(f"<p>{join_sentences([escape(s, quote=False) for s in first])}</p>")
        markdown.append(join_sentences(first))
        summary = clip(join_sentences(first), 160)
        kinds = ("p", "p", "code", "code", "ul", "ol", "table", "img", "h3", "blockquote")
        for _ in range(rng.randint(1, 9)):
            kind = rng.choice(kinds)
            if kind == "p":
                html, md = self._draw_paragraph(rng, words)
                blocks.append(html)
                markdown.append(md)
            elif kind == "code":
                language, template = rng.choice(texts.CODE_SNIPPETS)
                code = template.format(
                    name=rng.choice(("data", "report", "users", "filter_items", "demo")),
                    n=rng.randint(2, 500),
                    port=rng.choice((80, 3306, 6379, 8080, 8000)),
                    cls=rng.choice(("Main", "Demo", "App")),
                )
                code_blocks.append(CodeBlock(language, code))
                blocks.append(
                    f'<pre><code class="language-{language}">'
                    f"{escape(code, quote=False)}</code></pre>"
                )
                markdown.append(f"```{language}\n{code}\n```")
            elif kind in ("ul", "ol"):
                items = [words.fill(rng.choice(texts.LIST_ITEMS)) for _ in range(rng.randint(2, 5))]
                phrases.append(items[0])
                lis = "".join(f"<li>{escape(item, quote=False)}</li>" for item in items)
                blocks.append(f"<{kind}>{lis}</{kind}>")
                markdown.append("\n".join(
                    f"{f'{n}.' if kind == 'ol' else '-'} {item}"
                    for n, item in enumerate(items, start=1)
                ))
            elif kind == "table":
                header, rows = rng.choice(texts.TABLE_SHAPES)
                head = "".join(f"<th>{escape(cell)}</th>" for cell in header)
                body = "".join(
                    "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
                    for row in rows
                )
                blocks.append(
                    f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
                )
                markdown.append("\n".join(
                    "| " + " | ".join(cells) + " |"
                    for cells in (header, tuple("---" for _ in header), *rows)
                ))
            elif kind == "img":
                alt = words.a + rng.choice(texts.IMAGE_ALTS)
                src = f"https://img-blog.csdnimg.cn/{rng.getrandbits(64):016x}.png"
                blocks.append(f'<p><img src="{src}" alt="{escape(alt)}"></p>')
                markdown.append(f"![{alt}]({src})")
            elif kind == "h3":
                blocks.append(f"<h3>{escape(words.a, quote=False)}的用法</h3>")
                markdown.append(f"### {words.a}的用法")
            else:
                sentence = words.sentence(rng)
                blocks.append(f"<blockquote><p>{escape(sentence, quote=False)}</p></blockquote>")
                markdown.append(f"> {sentence}")
        return Answer("\n".join(blocks), tuple(phrases), tuple(code_blocks), summary,
                      tuple(blocks), tuple(markdown))

    def _draw_paragraph(self, rng: random.Random, words: Words) -> tuple[str, str]:
        """One paragraph as (HTML, Markdown)."""
        sentences = [words.sentence(rng) for _ in range(rng.randint(1, 3))]
        parts = [escape(sentence, quote=False) for sentence in sentences]
        md = list(sentences)
        inline = rng.random()
        # Inline markup sits between whole sentences, never inside one, so every
        # sentence can still be found verbatim in extracted text.
        if inline < 0.3:
            code = rng.choice(texts.INLINE_CODE).format(pkg=rng.choice(texts.PACKAGES))
            parts.insert(1, f"可以使用<code>{escape(code, quote=False)}</code>完成这一步。")
            md.insert(1, f"可以使用`{code}`完成这一步。")
        elif inline < 0.5:
            href, label = rng.choice(texts.EXTERNAL_LINKS)
            parts.append(f'详细说明见<a href="{href}" target="_blank">{label}</a>。')
            md.append(f"详细说明见[{label}]({href})。")
        elif inline < 0.65:
            target = rng.randrange(self.internal_pages)
            parts.append(f'参考<a href="/answer/{self.page_id(target)}">这个回答</a>。')
            md.append(f"参考[这个回答](/answer/{self.page_id(target)})。")
        elif inline < 0.8:
            parts.insert(0, "<strong>注意</strong>:")
            md.insert(0, "**注意**:")
        return f"<p>{join_sentences(parts)}</p>", join_sentences(md)

    def _draw_resources(
        self, rng: random.Random, words: Words, index: int
    ) -> tuple[_ResourceSpec, ...]:
        specs: list[_ResourceSpec] = []
        related_count = 0 if rng.random() < 0.05 else rng.randint(3, 6)
        latest_count = 0 if rng.random() < 0.10 else rng.randint(3, 5)
        for section, count in (("related", related_count), ("latest", latest_count)):
            for _ in range(count):
                specs.append(self._draw_resource(rng, words, section, index))
        return tuple(specs)

    def _draw_resource(
        self, rng: random.Random, words: Words, section: str, index: int
    ) -> _ResourceSpec:
        kind = rng.choices(("doc", "download", "column", "answer"), weights=(40, 30, 15, 15))[0]
        icon = rng.choice(texts.ICONS_BY_KIND[kind])
        form = link_form(rng)
        target = -1
        if kind == "doc":
            if rng.random() < 0.6:
                path = f"/doc/{rng.getrandbits(96):024x}"
            else:
                path = "/doc/" + "".join(rng.choice(_ALNUM) for _ in range(10))
        elif kind == "download":
            path = f"/download/{rng.choice(texts.DOWNLOAD_USERS)}/{rng.randint(10**7, 10**8 - 1)}"
        elif kind == "column":
            path = "/column/" + "".join(rng.choice(_ALNUM) for _ in range(10))
        else:
            target = self._other_internal(rng, index)
            path = f"/answer/{self.page_id(target)}"
        title = words.fill(rng.choice(texts.RESOURCE_TITLES))
        style = rng.random()
        if style < 0.3:
            description = (f"今天小编就为大家分享一篇{title},具有很好的参考价值,"
                           "希望对大家有所帮助。一起跟随小编过来看看吧")
        elif style < 0.45:
            # Raw Markdown, as the site shows it when a column's source leaks into the snippet.
            description = (
                f"![{words.a}](https://img-blog.csdnimg.cn/{rng.getrandbits(64):016x}.jpg) "
                f"# 2.1 {words.a}的原理和实现 {words.sentence(rng)} "
                f"**2.1.1 {words.a}的基本用法** {words.sentence(rng)}"
            )
        elif style < 0.6:
            description = clip(" ".join(words.sentence(rng) for _ in range(4)), 100)
        else:
            description = " ".join(words.sentence(rng) for _ in range(rng.randint(1, 2)))
        if kind == "answer":
            title, description = "", ""
        return _ResourceSpec(section, kind, path, icon, form, title, description, target)

    def _other_internal(self, rng: random.Random, index: int) -> int:
        target = rng.randrange(self.internal_pages)
        if target == index and self.internal_pages > 1:
            target = (target + 1) % self.internal_pages
        return target

    def _draw_sidebar(self, rng: random.Random, index: int) -> tuple[_SidebarSpec, ...]:
        specs = []
        for _ in range(rng.randint(2, 4)):
            target = self._other_internal(rng, index)
            specs.append(_SidebarSpec(f"/answer/{self.page_id(target)}", link_form(rng), "",
                                      target))
        # Links a polite crawler must not follow: robots.txt disallows both.
        if rng.random() < 0.15:
            private_id = "".join(rng.choice(_ALNUM) for _ in range(10))
            specs.append(_SidebarSpec(f"/private/answer/{private_id}", "relative", "内部问答", -1))
        if rng.random() < 0.10:
            target = rng.randrange(self.internal_pages)
            specs.append(_SidebarSpec(f"/answer/{self.page_id(target)}?print=1", "relative",
                                      "打印版", -1))
        return tuple(specs)
