"""Site profile: CSDN 文库 answer pages (``https://wenku.csdn.net/answer/<id>``).

Layered extraction (issue 14). Each field is read from every source the page
offers, most trusted first, and the sources are cross-checked:

1. structured data: the embedded ``window.__INITIAL_STATE__`` object read as
   JSON by key path (``pageData.detailInfo``: ``title``, ``viewContent``, the
   answer as Markdown, ``isShowAll``, times and counts), Open Graph / meta
   tags, schema.org JSON-LD, and ``<title>`` (``<question> - CSDN文库``);
2. the visible page found by what a reader sees: the title (an ``<h1>`` or the
   element playing its part, the real page's ``div.title``), the labels and
   their values (时间 / 发布时间 / 提问时间, 浏览 / 浏览量 / 阅读量 / 阅读, with a
   half- or full-width colon or none, the value after or before its label), the
   section labels (相关问题, 相关推荐, 最新推荐, 热门问答);
3. last, today's class names.

When sources disagree the most complete value is kept (a full title over a cut
one, a time with seconds over one without, an exact count over a rounded one,
the whole answer over a collapsed, cut copy), and ``AnswerPage.field_sources``
records where each field came from.

Text inside <script> is never *visible* content: scripts repeat the title and
every label (window.__NUXT__, the i18n table). Reading the one known state
object as JSON is a deliberate, separate source (parsers/state.py).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, ClassVar, NamedTuple

from mypy_extensions import mypyc_attr
from selectolax.lexbor import LexborHTMLParser, LexborNode

from parsers.css import css, css_first, css_matches
from parsers.decoding import decode_html_source
from parsers.links import resolve_link, url_path
from parsers.markdown import BLOCK_CONTAINERS, BLOCKS, SKIPPED, render_answer
from parsers.markdown_source import markdown_answer, visible_signature
from parsers.model import AnswerPage, ParseError, RecommendedResource, RelatedQuestion
from parsers.nesting import cap_nesting
from parsers.state import embedded_state, find_key
from parsers.text import delete_chars, squeeze
from parsers.values import CHINA_TIME, parse_timestamp, parse_view_count

__all__ = ["MAX_LINKS", "PROFILE", "SITE", "CsdnAnswerProfile", "answer_id_from_url"]

# The site every page this profile reads belongs to, whichever host served it (a
# mirror, the sample site): half of a question's key.
SITE = "wenku.csdn.net"

# Any plain lowercase token after /answer/ is an answer id: 10 letters/digits
# (4jwajo20pn), 12 (z3rz3f2macyt) and 32 hex digits are known, and the list is not closed.
_ANSWER_PATH = re.compile(r"/answer/(?P<id>[a-z0-9]{1,64})/?$")

# -- labels and their values ------------------------------------------------------------

_TIME_LABELS = "提问时间|发布时间|创建时间|时间"
_VIEW_LABELS = "浏览量|浏览次数|阅读量|阅读次数|阅读数|浏览|阅读"
_SEP = r"\s*[:：]?\s*"  # half- or full-width colon, or none
# Digits are ASCII [0-9]: re's \d also matches "١" or "７", which no page shows here.
_TIMESTAMP = r"[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}[ T]+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?"
# Digits grouped by three only, so "浏览: 76, 收藏: 3" reads 76; a count is never
# followed by a date's or a time's next part ("浏览 2023-06-23" is no count of 2023);
# a unit letter must end the word, so "76 words" is not 76w.
_COUNT = (r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?(?![0-9]|[-/:.][0-9])"
          r"(?:\s*[万wWkK千亿](?![A-Za-z]))?(?:\s*\+)?")
_TIME_AFTER = re.compile(f"(?:{_TIME_LABELS}){_SEP}(?P<value>{_TIMESTAMP})")
_TIME_BEFORE = re.compile(rf"(?P<value>{_TIMESTAMP})\s*(?:{_TIME_LABELS})")
_VIEWS_AFTER = re.compile(f"(?:{_VIEW_LABELS}){_SEP}(?P<value>{_COUNT})")
_VIEWS_BEFORE = re.compile(rf"(?<![0-9.,:/-])(?P<value>{_COUNT})\s*次?\s*(?:{_VIEW_LABELS})")
_ANY_TIME_LABEL = re.compile(_TIME_LABELS)
# Every time label ends in 时间 and every views label holds 浏览 or 阅读: a text without
# them skips the regexes above (each a scan of the text from every position).
_TIME_WORD = "时间"
_VIEW_WORDS = ("浏览", "阅读")
_BARE_TIME = re.compile(_TIMESTAMP)
_BARE_COUNT = re.compile(rf"(?<![0-9.,:/-])(?P<value>{_COUNT})")
# A block this long is an answer, not the line of labels under a title.
_META_MAX_CHARS = 400

_RELATED_LABEL = "相关问题"
_SECTION_LABELS = {"相关推荐": "related", "最新推荐": "latest"}
_SIDEBAR_LABEL = "热门问答"
_LABELS = frozenset((_RELATED_LABEL, *_SECTION_LABELS, _SIDEBAR_LABEL))
_NOT_FOUND_SIGNS = ("页面不存在", "页面找不到", "404 Not Found", "您访问的页面不存在", "内容已删除")
_LOGIN_SIGNS = ("请登录", "登录后查看", "扫码登录", "登录后可查看")
_SKIPPED_TAGS = ["script", "style", "noscript", "template"]
# Never content (REAL-SITE-EVIDENCE.md): the floating side toolbar.
_CHROME = ".csdn-side-toolbar"
# Buttons that fold or unfold a collapsed answer (the real page's ``div.open``): not
# answer text, nor list items. Compared with arrows and spaces removed.
_CONTROLS = frozenset((
    "展开全文", "收起全文", "展开阅读全文", "阅读全文", "展开", "收起", "查看全部", "显示全部",
    "查看更多", "更多", "加载更多", "...", "…", "……", "......",
))
_CONTROL_ENDINGS = tuple(_CONTROLS)  # for str.endswith: one call for all
# Spoken as a quick test of a rendered answer before the tree is searched.
_CONTROL_HINTS = ("展开", "收起", "阅读全文", "查看全部", "显示全部", "...", "…")
_CONTROL_NOISE = " \t\r\n\u3000\xa0∨∧⌄⌃▼▲▽△↓↑>»<«|"
# A character neither in a button's words nor noise: no button (most texts fail at their
# first character, before the noise is deleted).
_NOT_CONTROL = re.compile(
    "[^" + re.escape("".join(sorted(set("".join(_CONTROLS)) | set(_CONTROL_NOISE)))) + "]")
# A fold button dropped before the first rendering (_settle_controls): small, so that
# rendering it alone gives what it gives inside the answer (far from MAX_DEPTH).
_SMALL_CONTROL_NODES = 32
_CONTROL_CONTEXT_DEPTH = 8
# Today's class names of the answer's box (the real page's and the readers' fallbacks;
# the reference reconstruction's), used when the answer is not found by its position.
_ANSWER_CLASSES = ("div.cont.first-show, #copyRef, .content-view, .markdown_views, "
                   ".htmledit_views, .answer-content, .markdown-body, [class*=answer-content]")
# Badges and short dates in a recommended item (div.tag 最新发布, "06-23"): neither
# its title nor its description.
_LATEST_BADGE = "最新发布"
# Today's class names of the recommendations' box (the reconstruction's, the real page's).
_RECOMMEND_BOXES = ".recommend-box, #recommend"
_BADGES = frozenset((_LATEST_BADGE, "原创", "转载", "翻译", "置顶", "热门", "精选"))
_SHORT_DATE = re.compile(r"^(?:[0-9]{4}[-/.])?[0-9]{1,2}[-/.][0-9]{1,2}(?:\s+[0-9:]{4,8})?$")
# The longest text _SHORT_DATE matches once its spaces are squeezed ("2023-06-23 11:03:20"),
# which starts with a digit: other texts skip the regex.
_SHORT_DATE_MAX = 19
# Elements that stay inside one run of text (a title with <em> keywords is one title).
_INLINE = frozenset(("em", "strong", "b", "i", "u", "s", "del", "mark", "code", "small", "sub",
                     "sup", "font", "br", "img", "abbr", "cite", "q", "time", "-text",
                     "-comment"))


def _tag_ids() -> dict[str, int]:
    """lexbor's ids of the tags the item walk tells apart (a standard tag's id is fixed;
    one lexbor does not know gets an id above them all): compared as ints, not names."""
    names = [*sorted(_INLINE - {"-text", "-comment"}), "a"]
    sample = "".join(f"<{name}></{name}>" for name in names) + "text<!---->"
    holder = LexborHTMLParser(f"<body><p>{sample}</p></body>").css_first("p")
    assert holder is not None
    return {node.tag or "": node.tag_id for node in holder.iter(include_text=True)}


_TAG_IDS = _tag_ids()
_INLINE_IDS = frozenset(_TAG_IDS[name] for name in _INLINE)
_TEXT_ID, _A_ID, _IMG_ID = _TAG_IDS["-text"], _TAG_IDS["a"], _TAG_IDS["img"]
# Links taken from each of a page's link lists (related questions, recommended
# resources, sidebar). Real pages show tens; a hostile or broken page with 20,000
# links would otherwise flood the frontier and the archive from one page.
MAX_LINKS = 2_000
# _text() of a longer string avoids str.split(), which would build one object per
# word of a 10 MB block (parsers/text.py).
_BIG_TEXT = 4_096
_ICON_NAME = re.compile(r"([A-Za-z0-9_-]+)\.(?:png|svg|gif|jpe?g|webp)")
# " - CSDN文库" and the like at the end of <title>.
_SITE_SUFFIX = re.compile(r"\s*[-_|–—]\s*CSDN\s*文库\s*$")
_ELLIPSIS = ("...", "…", "……")
# Keys of the state's detailInfo holding the time and the view count (the answer's
# are known: title, viewContent, isShowAll).
_STATE_TIME_KEYS = ("createTime", "createdTime", "createdAt", "create_time", "gmtCreate",
                    "publishTime", "pubTime", "askTime", "postTime", "time")
_STATE_VIEW_KEYS = ("viewCount", "viewNum", "viewCnt", "views", "view_count", "pv",
                    "readCount", "readNum", "browseCount", "visitCount")
_JSON_LD_MAX_CHARS = 1_000_000
_ISO_WITH_OFFSET = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?P<seconds>:[0-9]{2}(?:\.[0-9]+)?)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})$")
# Where the title is looked for, in order: (selector, source, shown only if a
# structured source agrees). Any .title is too common to be trusted alone.
_TITLE_PLACES = (("h1", "heading", False), (".title.forbid", "class", False),
                 (".title", "class", True))


@functools.lru_cache(maxsize=4_096)
def answer_id_from_url(url: str) -> str | None:
    match = _ANSWER_PATH.search(url_path(url))
    return match["id"] if match else None


def _text(node: LexborNode | None) -> str:
    if node is None:
        return ""
    text = node.text(deep=True)
    if len(text) > _BIG_TEXT:
        return squeeze(text)
    # str.split() splits on every Unicode space (\u3000 too), like re's \s, but faster.
    return " ".join(text.split())


def _spaced_text(node: LexborNode) -> str:
    """The text with a space between text nodes: ``<span>11:03:20</span><span>76</span>``
    must not read as ``11:03:2076``. (lexbor joins the text nodes: a walk over them in
    Python cost ten times as much.)"""
    return " ".join(node.text(deep=True, separator=" ").split())


def _shows_text(root: LexborNode) -> bool:
    """Any text but whitespace: the first such text node ends the walk (the body's whole
    text, built to be stripped, cost more than the rest of the check)."""
    for node in root.traverse(include_text=True, skip_empty=True):
        if node.tag_id == _TEXT_ID:  # is_text_node, as an int compared (cheaper)
            text = node.text_content
            if text and not text.isspace():
                return True
    return False


def _labelled_time(text: str) -> re.Match[str] | None:
    """A time after its label, else before it."""
    if _TIME_WORD not in text:
        return None
    return _TIME_AFTER.search(text) or _TIME_BEFORE.search(text)


def _labelled_views(text: str, *, before: bool = True) -> re.Match[str] | None:
    """A view count after its label, else (``before``) before it."""
    if _VIEW_WORDS[0] not in text and _VIEW_WORDS[1] not in text:
        return None
    return _VIEWS_AFTER.search(text) or (_VIEWS_BEFORE.search(text) if before else None)


def _is_element(node: LexborNode) -> bool:
    return node.tag not in ("-text", "-comment")


def _element_children(node: LexborNode) -> list[LexborNode]:
    return [child for child in node.iter() if _is_element(child)]


def _is_control(text: str) -> bool:
    return (len(text) <= 24 and _NOT_CONTROL.search(text) is None
            and delete_chars(text, _CONTROL_NOISE) in _CONTROLS)


def _find_labels(root: LexborNode) -> dict[str, LexborNode]:
    """The element whose own visible text is each section label, first in the page.

    One walk over the text nodes for all labels: the deep text of every
    element would make this quadratic in the page size, and a walk per label
    was a sixth of the parse time.
    """
    found: dict[str, LexborNode] = {}
    longest = max(map(len, _LABELS)) + 64  # room for the indentation around a label
    # skip_empty: the whitespace between tags, half the text nodes, is dropped in C.
    for node in root.traverse(include_text=True, skip_empty=True):
        if node.tag_id != _TEXT_ID:  # not is_text_node, as an int compared (cheaper)
            continue
        text = node.text_content
        if text is None or len(text) > longest:
            continue
        text = text.strip()
        if text in _LABELS and text not in found:
            parent = node.parent
            if parent is not None and parent.tag not in _SKIPPED_TAGS:
                found[text] = parent
                if len(found) == len(_LABELS):
                    break
    return found


def _answer_links(root: LexborNode, base_url: str) -> Iterator[tuple[LexborNode, str]]:
    for anchor in css(root, "a[href]"):
        url = resolve_link(base_url, anchor.attrs.get("href"))
        if url and answer_id_from_url(url):
            yield anchor, url


def _links_inside(block: LexborNode) -> dict[int, int]:
    """How many ``a[href]`` each element inside ``block`` holds (by ``mem_id``), counted to 2.

    One pass over the links, each climbing only until an element already holds two
    (whose ancestors then do too): linear in the page, where a CSS query per link
    over its parent was quadratic (20,000 links: 259 s).
    """
    counts: dict[int, int] = {}
    block_id = block.mem_id
    for anchor in css(block, "a[href]"):
        node = anchor.parent
        while node is not None and node.mem_id != block_id:
            held = counts.get(node.mem_id, 0)
            if held >= 2:
                break
            counts[node.mem_id] = held + 1
            node = node.parent
    return counts


# -- structured sources -----------------------------------------------------------------


class _Structured(NamedTuple):
    """What the page's structured sources say, each value with its source."""

    titles: list[tuple[str, str]]  # (source, title), most trusted first
    times: list[tuple[str, str, bool]]  # (source, ISO time, shown with seconds)
    views: list[tuple[str, int, bool]]  # (source, count, approximate)
    markdown: str | None  # the state's viewContent
    canonical: str | None
    has_state: bool  # the page embeds an answer's state (pageData.detailInfo)


def _state_time(value: Any) -> tuple[str, bool] | None:
    """A structured time: "2024-08-20 07:27:08" (China time), ISO 8601 with an offset,
    or epoch seconds or milliseconds; with whether it shows seconds."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and 10**8 < value < 10**14:
        seconds = value / 1000 if value > 10**11 else value
        try:
            moment = datetime.fromtimestamp(int(seconds), tz=CHINA_TIME)
        except (OverflowError, OSError, ValueError):
            return None
        return moment.isoformat(), True
    if isinstance(value, str) and len(value) <= 64:
        iso = _ISO_WITH_OFFSET.match(value.strip())
        if iso:
            try:
                moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                return None
            shown = moment.astimezone(CHINA_TIME).replace(microsecond=0)
            # Seconds by the pattern, not by counting colons: "+0800" has none, "+08:00" one.
            return shown.isoformat(), iso["seconds"] is not None
        match = _BARE_TIME.search(value)
        parsed = parse_timestamp(match.group(0)) if match else None
        if parsed is not None and match is not None:
            return parsed, match.group(0).count(":") == 2
    return None


def _state_views(value: Any) -> tuple[int, bool] | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 <= value < 10**15:
        return value, False
    if isinstance(value, str) and len(value) <= 32:
        return parse_view_count(value)
    return None


def _first_of(info: dict[str, Any], keys: tuple[str, ...], read: Callable[[Any], Any]) -> Any:
    for key in keys:
        if key in info:
            value = read(info[key])
            if value is not None:
                return value
    return None


def _clean_title(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 2_000:
        return ""
    if "<" in value:  # a title with highlight markup (<em>): its text
        body = LexborHTMLParser(f"<html><body>{value}</body></html>").body
        value = body.text(deep=True) if body is not None else ""
    return " ".join(value.split())


def _json_ld(tree: LexborHTMLParser, html: str) -> list[dict[str, Any]]:
    # No quick look for "application/ld+json" in the text: pages may write the type in any
    # case, which lexbor's match ignores as HTML's does; the query costs ~7 µs a page.
    if tree.root is None:
        return []
    found: list[dict[str, Any]] = []
    for script in css(tree.root, 'script[type="application/ld+json"]')[:8]:
        text = script.text(deep=True)
        if len(text) > _JSON_LD_MAX_CHARS:
            continue
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            continue
        items = value if isinstance(value, list) else [value]
        found.extend(item for item in items[:16] if isinstance(item, dict))
    return found


def _structured(tree: LexborHTMLParser, html: str) -> _Structured:
    """The embedded state, JSON-LD, Open Graph / meta tags and <title>: read before
    scripts are stripped (the state and JSON-LD live in scripts)."""
    titles: list[tuple[str, str]] = []
    times: list[tuple[str, str, bool]] = []
    views: list[tuple[str, int, bool]] = []
    markdown: str | None = None
    state = embedded_state(html) if "__INITIAL_STATE__" in html else None
    info = find_key(state, ("pageData", "detailInfo"), anywhere="detailInfo") if state else None
    if isinstance(info, dict):
        title = _clean_title(info.get("title"))
        if title:
            titles.append(("state", title))
        content = info.get("viewContent")
        if isinstance(content, str) and content.strip():
            markdown = content
        time = _first_of(info, _STATE_TIME_KEYS, _state_time)
        if time is not None:
            times.append(("state", *time))
        count = _first_of(info, _STATE_VIEW_KEYS, _state_views)
        if count is not None:
            views.append(("state", *count))
    for item in _json_ld(tree, html):
        title = _clean_title(item.get("headline") or item.get("name"))
        if title:
            titles.append(("meta", title))
        time = _state_time(item.get("datePublished") or item.get("dateCreated"))
        if time is not None:
            times.append(("meta", *time))
    head = tree.head
    canonical = None
    title_tag = None
    if head is not None:
        for meta in head.iter():
            tag = meta.tag
            if tag == "title":
                title_tag = title_tag or meta
                continue
            if tag == "link" and canonical is None:
                if (meta.attributes.get("rel") or "").lower() == "canonical":
                    canonical = meta.attributes.get("href") or None
                continue
            if tag != "meta":
                continue
            attributes = meta.attributes
            key = (attributes.get("property") or attributes.get("name")
                   or attributes.get("itemprop") or "")
            content = attributes.get("content") or ""
            if key == "og:title":
                title = _clean_title(content)
                if title:
                    titles.append(("meta", title))
            elif key in ("article:published_time", "datePublished", "og:release_date",
                         "publishdate"):
                time = _state_time(content)
                if time is not None:
                    times.append(("meta", *time))
    if title_tag is not None:
        shown = _SITE_SUFFIX.sub("", _clean_title(title_tag.text(deep=True)))
        if shown:
            titles.append(("title-tag", shown))
    if canonical is None and tree.root is not None:
        link = css_first(tree.root, 'link[rel="canonical"]')
        canonical = (link.attributes.get("href") or None) if link is not None else None
    return _Structured(titles, times, views, markdown, canonical, isinstance(info, dict))


class _Shown(NamedTuple):
    """What the labels (and classes) near the title show, and what could not be read."""

    times: list[tuple[str, str, bool]]
    views: list[tuple[str, int, bool]]
    errors: list[str]  # "unreadable time '...'", "unreadable view count '...'"


# -- choosing among sources -------------------------------------------------------------


def _title_key(title: str) -> str:
    for mark in _ELLIPSIS:
        if title.endswith(mark):
            title = title[: -len(mark)]
            break
    return "".join(title.split()).casefold()


def _agrees(shown: str, other: str) -> bool:
    """Equal, or one a cut copy (a prefix, an ellipsis) of the other."""
    a, b = _title_key(shown), _title_key(other)
    return bool(a and b) and (a == b or a.startswith(b) or b.startswith(a))


def _title_text(node: LexborNode) -> str:
    """The node's text if it can be a title (not a label, at most 500 characters), else ""."""
    text = _text(node)
    return "" if len(text) > 500 or text in _LABELS else text


def _agreeing(text: str, structured: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The structured (source, title) entries that ``text`` agrees with."""
    return [entry for entry in structured if _agrees(text, entry[1])]


def _fuller(chosen: tuple[str, str], others: list[tuple[str, str]]) -> tuple[str, str]:
    """The most complete of the titles agreeing with ``chosen``: a longer one from the
    state or metadata, or any longer one when ``chosen`` ends in an ellipsis (a
    <title> may add words of its own after the question)."""
    best = chosen
    for source, title in others:
        cut = best[1].endswith(_ELLIPSIS)
        if ((cut or source in ("state", "meta")) and _agrees(best[1], title)
                and len(_title_key(title)) > len(_title_key(best[1]))):
            best = (source, title)
    return best


def _pick_time(found: list[tuple[str, str, bool]]) -> tuple[str, str] | None:
    """The most trusted time; a later source showing seconds of the same minute wins."""
    if not found:
        return None
    source, iso, seconds = found[0]
    if not seconds:
        for other_source, other, other_seconds in found[1:]:
            if other_seconds and other[:16] == iso[:16]:
                return other_source, other
    return source, iso


def _pick_views(found: list[tuple[str, int, bool]]) -> tuple[str, int, bool] | None:
    """The most trusted count; an exact count near a rounded one (1.2万, 10万+) wins."""
    if not found:
        return None
    best = found[0]
    if best[2]:
        for other in found[1:]:
            if not other[2] and best[1] // 2 <= other[1] <= best[1] * 2:
                return other
    return best


# -- the profile --------------------------------------------------------------------------


# Compiled by mypyc (pyproject.toml); site adapters of other packages subclass it.
@mypyc_attr(allow_interpreted_subclasses=True)
class CsdnAnswerProfile:
    # Class variables (ClassVar): a subclass's values, one defined in Python by another
    # package too, are what the compiled methods read.
    name: ClassVar[str] = "csdn-answer"
    # 2: layered extraction (state, metadata, labels, classes), field_sources, the
    # real page's layout, any lowercase answer id, items as repeated blocks.
    # 3: the record names its site and lists its one answer under ``answers``.
    # 4: an ISO time whose offset has no colon (+0800) keeps its seconds; unnamed tab
    # panels follow the page's tab order (found by the mutation tests, #16).
    # 5: JSON-LD whose type is written in capitals (application/LD+JSON) is read.
    parser_version: ClassVar[int] = 5
    hosts: ClassVar[tuple[str, ...]] = ("wenku.csdn.net",)
    page_path: ClassVar[re.Pattern[str]] = _ANSWER_PATH
    # /answer/<id> is CSDN's own shape: a mirror or the sample site is chosen by it alone.
    path_alone: ClassVar[bool] = True

    def resource_kind(self, url: str) -> str:
        """The URL's first path segment (doc, download, column, answer); a blog post
        (``blog.csdn.net/<user>/article/details/<n>``) is a "blog", not its author."""
        return _resource_kind(url)

    def canonical_page_url(self, url: str) -> str | None:
        """``scheme://host/answer/<id>``: no query, fragment or trailing slash (a path
        before ``/answer/``, as on a mirror, is kept)."""
        path = url_path(url)
        match = _ANSWER_PATH.search(path)
        scheme_end = url.find("://")
        if match is None or scheme_end < 0:
            return None
        host_end = url.find("/", scheme_end + 3)
        origin = url[:host_end] if host_end >= 0 else url
        if any(separator in origin for separator in "?#"):
            return None  # no path at all: not an answer URL
        return f"{origin}{path[:match.start()]}/answer/{match['id']}"

    def parse(self, body: bytes | str, url: str, *, charset: str | None = None) -> AnswerPage:
        html, utf8 = decode_html_source(body, charset=charset)
        capped = cap_nesting(html)
        # lexbor parses UTF-8 bytes: the body itself when it is the text's UTF-8 (the
        # text would be encoded back to these very bytes).
        tree = LexborHTMLParser(utf8 if utf8 is not None and capped is html else capped)
        root = tree.body
        if root is None or not _shows_text(root):
            raise ParseError("empty page", url=url)
        structured = _structured(tree, html)
        tree.strip_tags(_SKIPPED_TAGS)
        for chrome in css(root, _CHROME):
            chrome.decompose()
        url = url or structured.canonical or ""
        answer_id = answer_id_from_url(url)
        if not answer_id:
            raise ParseError("not an answer page: no answer id in the URL", url=url)
        sources: dict[str, str] = {}

        title_node, (title_source, title) = self._title(root, structured.titles)
        if not title:
            raise ParseError(self._why_not_an_answer(root, "no title"), url=url)
        sources["title"] = title_source

        meta_nodes, answer_node = self._after(title_node) if title_node else ([], None)
        if not any(_ANY_TIME_LABEL.search(_spaced_text(node)) for node in meta_nodes):
            labelled = _meta_by_label(root, answer_node)
            if labelled is not None:
                meta_nodes = [labelled]
                if answer_node is None:
                    answer_node = self._after(labelled)[1]
        shown = self._labelled_values(meta_nodes)
        picked_time = _pick_time(structured.times + shown.times)
        asked_at: str | None = None
        if picked_time is not None:
            sources["asked_at"], asked_at = picked_time
        else:
            unreadable = [error for error in shown.errors if error.startswith("unreadable time")]
            if unreadable:
                raise ParseError(unreadable[0], url=url)
            if not structured.has_state:
                # Without the page's own state, a title and a time make an answer page.
                raise ParseError(self._why_not_an_answer(root, "no 时间 label"), url=url)
            # The state says it is an answer page: the time is missing (a redesign moved
            # it); the record says so, and field_sources has no asked_at.
        picked_views = _pick_views(structured.views + shown.views)
        if picked_views is not None:
            sources["view_count"] = picked_views[0]
        else:
            unreadable = [error for error in shown.errors if error.startswith("unreadable view")]
            if unreadable:
                raise ParseError(unreadable[0], url=url)

        answer_source = "label"
        if answer_node is None:
            container = (title_node.parent if title_node is not None else None) or root
            answer_node = css_first(container, _ANSWER_CLASSES) or css_first(root, _ANSWER_CLASSES)
            answer_source = "class"
        answer = _complete_answer(answer_node, answer_source, structured.markdown, url)
        if answer is None:
            raise ParseError("no answer text (truncated page?)", url=url)
        answer_text, answer_markdown, text_source, markdown_source = answer
        sources["answer_text"] = text_source
        sources["answer_markdown"] = markdown_source

        labels = _find_labels(root)
        # A section's block never takes in the question, its answer or another section.
        fences = [node for node in (title_node, answer_node) if node is not None]
        recommend_box = css_first(root, _RECOMMEND_BOXES)
        related, related_source = self._related_questions(
            root, url, labels.get(_RELATED_LABEL),
            [*fences, *([recommend_box] if recommend_box is not None else [])])
        resources, resources_source = self._recommended_resources(
            root, url, labels, fences, recommend_box)
        sidebar, sidebar_source = self._sidebar_links(root, url, labels.get(_SIDEBAR_LABEL))
        for name, source in (("related_questions", related_source),
                             ("recommended_resources", resources_source),
                             ("sidebar_links", sidebar_source)):
            if source is not None:
                sources[name] = source
        return AnswerPage(
            url=url,
            id=answer_id,
            title=title,
            asked_at=asked_at,
            view_count=picked_views[1] if picked_views else None,
            view_count_approximate=picked_views[2] if picked_views else False,
            answer_text=answer_text,
            answer_markdown=answer_markdown,
            related_questions=related,
            recommended_resources=resources,
            sidebar_links=sidebar,
            profile=self.name,
            parser_version=self.parser_version,
            field_sources=sources,
            site=SITE,  # its one answer is answer_text: AnswerPage.page_answers()
        )

    # -- the page's parts ---------------------------------------------------

    @staticmethod
    def _why_not_an_answer(root: LexborNode, missing: str) -> str:
        text = root.text(deep=True)
        if any(sign in text for sign in _NOT_FOUND_SIGNS):
            return "not an answer page: soft 404 (page says it does not exist)"
        if any(sign in text for sign in _LOGIN_SIGNS):
            return "not an answer page: login wall"
        return f"not an answer page: {missing}"

    @staticmethod
    def _title(
        root: LexborNode, structured: list[tuple[str, str]]
    ) -> tuple[LexborNode | None, tuple[str, str]]:
        """The title: an <h1>, else the element playing its part (``div.title``), else
        the structured sources; a visible one agreeing with a structured one first."""
        fallback: tuple[LexborNode, tuple[str, str]] | None = None
        for selector, source, must_agree in _TITLE_PLACES:
            if structured:
                # The first match, if it agrees, is what the loop below returns: found
                # without listing every match (a query of the whole page).
                first = css_first(root, selector)
                if first is None:
                    continue
                text = _title_text(first)
                agreeing = _agreeing(text, structured) if text else []
                if agreeing:
                    return first, _fuller((source, text), agreeing)
            for node in css(root, selector)[:8]:
                text = _title_text(node)
                if not text:
                    continue
                agreeing = _agreeing(text, structured)
                if agreeing:
                    return node, _fuller((source, text), agreeing)
                if fallback is None and not must_agree:
                    fallback = (node, (source, text))
            if fallback is not None and not structured:
                return fallback  # nothing to agree with: the first <h1>
        # No visible title agrees: the state's or the metadata's title, then the
        # visible one, then <title> (which may name the site rather than the question).
        trusted = [entry for entry in structured if entry[0] != "title-tag"]
        if trusted:
            return None, _fuller(trusted[0], structured)
        if fallback is not None:
            return fallback
        if structured:
            return None, structured[0]
        return None, ("", "")

    @staticmethod
    def _after(anchor: LexborNode) -> tuple[list[LexborNode], LexborNode | None]:
        """The lines of labels around ``anchor`` (a title or a label line) and the first
        block after them: the answer, found by its place on the page, not by class."""
        meta: list[LexborNode] = []
        node = anchor
        for _ in range(5):
            if not meta:
                sibling = node.prev
                while sibling is not None:
                    if _is_element(sibling) and _is_meta_line(sibling):
                        meta.append(sibling)
                    sibling = sibling.prev
            sibling = node.next
            while sibling is not None:
                if _is_element(sibling):
                    raw = sibling.text(deep=True)  # read once for both tests
                    if _is_meta_line(sibling, raw):
                        meta.append(sibling)
                    elif _has_content(sibling, raw):
                        return meta, _prefer_known_box(sibling)
                sibling = sibling.next
            parent = node.parent
            if parent is None or parent.tag in ("body", "html"):
                break
            node = parent
        return meta, None

    @staticmethod
    def _labelled_values(meta_nodes: list[LexborNode]) -> _Shown:
        """The time and view count shown by the labels (then today's classes) near the title."""
        times: list[tuple[str, str, bool]] = []
        views: list[tuple[str, int, bool]] = []
        errors: list[str] = []
        text = " ".join(_spaced_text(node) for node in meta_nodes)
        time_match = _labelled_time(text)
        if time_match:
            value = time_match["value"]
            asked_at = parse_timestamp(value)
            if asked_at is None:
                errors.append(f"unreadable time {value!r}")
            else:
                times.append(("label", asked_at, value.count(":") == 2))
        views_match = _labelled_views(text)
        if views_match:
            count = parse_view_count(views_match["value"])
            if count is None:
                errors.append(f"unreadable view count {views_match['value']!r}")
            else:
                views.append(("label", *count))
        # Today's class names: the real page's div.data line under the title.
        for node in meta_nodes if not (times and views) else ():
            boxes = [node] if css_matches(node, ".data") else css(node, ".data")
            for box in boxes:
                box_text = _spaced_text(box)
                if not times and (bare := _BARE_TIME.search(box_text)):
                    asked_at = parse_timestamp(bare.group(0))
                    if asked_at is not None:
                        times.append(("class", asked_at, bare.group(0).count(":") == 2))
                if not views:
                    for counter in css(box, "[class*=view], [class*=read], [class*=browse]"):
                        count_match = _BARE_COUNT.search(_spaced_text(counter))
                        count = parse_view_count(count_match["value"]) if count_match else None
                        if count is not None:
                            views.append(("class", *count))
                            break
        return _Shown(times, views, errors)

    def _related_questions(
        self, root: LexborNode, url: str, label: LexborNode | None, fences: list[LexborNode]
    ) -> tuple[list[RelatedQuestion], str | None]:
        if label is not None:
            block: LexborNode | None = _section_block(
                label, _RELATED_LABEL,
                lambda node: (next(_answer_links(node, url), None) is not None
                              or _repeated_items(node, label) is not None),
                fences,
            )
            source = "label"
        else:
            block = css_first(root, ".related-questions")
            source = "class"
        if block is None:
            return [], None
        items = _repeated_items(block, label)
        if items is None:
            if next(_answer_links(block, url), None) is not None:
                return self._related_by_links(block, url), source
            items = _lone_item(block, label)  # one question, shown without a link
        related: list[RelatedQuestion] = []
        seen: set[str] = set()
        for item in items[:MAX_LINKS]:
            anchor, link = next(_answer_links_of(item, url), (None, None))
            if link is None:
                link = _data_url(item, url)
                link = link if link and answer_id_from_url(link) else None
            answer_id = answer_id_from_url(link) if link else None
            if answer_id is not None and answer_id in seen:
                continue
            title_node = anchor if anchor is not None else _title_part(item)
            if answer_id is None:
                link = None
            title = _text(title_node) if title_node is not None else _text(item[0])
            if not title:
                continue
            if answer_id is not None:
                seen.add(answer_id)
            related.append(RelatedQuestion(
                position=len(related) + 1, id=answer_id, url=link, title=title,
                answer_text=_text_outside(item, title_node) if title_node is not None else "",
            ))
        return related, source

    def _related_by_links(self, block: LexborNode, url: str) -> list[RelatedQuestion]:
        """Items told apart by their links, where the block shows no repeated blocks."""
        related: list[RelatedQuestion] = []
        seen: set[str] = set()
        links_inside = _links_inside(block)
        for anchor, link in _answer_links(block, url):
            if len(related) >= MAX_LINKS:
                break
            answer_id = answer_id_from_url(link)
            if answer_id is None or answer_id in seen:
                continue
            seen.add(answer_id)
            item = anchor
            # Climb to the item that holds this link and its answer, but no other link.
            while item.parent is not None and item.parent.mem_id != block.mem_id:
                if links_inside.get(item.parent.mem_id, 0) > 1:
                    break
                item = item.parent
            title = _text(anchor)
            snippet = _text(item)
            if snippet.startswith(title):
                snippet = snippet[len(title) :].strip()
            related.append(
                RelatedQuestion(
                    position=len(related) + 1, id=answer_id, url=link, title=title,
                    answer_text=snippet,
                )
            )
        return related

    def _recommended_resources(
        self, root: LexborNode, url: str, labels: dict[str, LexborNode], fences: list[LexborNode],
        box: LexborNode | None,
    ) -> tuple[list[RecommendedResource], str | None]:
        """``box``: ``css_first(root, _RECOMMEND_BOXES)``, found already (a query of the
        whole page, not repeated)."""
        panels, source = self._recommend_panels(labels, fences, box)
        resources: list[RecommendedResource] = []
        positions: dict[str, int] = {}
        for section, panel, skip in panels:
            for item in _panel_items(panel, skip):
                if len(resources) >= MAX_LINKS:
                    break
                found = self._resource(item, url, section)
                if found is not None:
                    position = positions[found[0]] = positions.get(found[0], 0) + 1
                    resources.append(RecommendedResource(found[0], position, *found[1:]))
        # Related first, then latest (expected.json's order), each in page order.
        resources.sort(key=lambda resource: resource.section != "related")
        return resources, source

    def _resource(
        self, item: list[LexborNode], url: str, section: str | None
    ) -> tuple[str, str, str, str, str, str] | None:
        """One recommended item: its link (``data-url`` first), title, description, icon:
        ``(section, url, title, description, file_type, kind)``.
        ``section`` None: no tab decides it; a 最新发布 badge makes it "latest".

        One walk over the item: its first web link, its type icon, and its runs of text
        (each the text of one element outside inline markup: a title with <em> keywords
        is one run), each known to sit in the link or not.
        """
        link = _data_url(item, url)
        anchor_id = -1  # the item's link (its first web link), once found
        icon: LexborNode | None = None
        runs: dict[int, list[Any]] = {}  # element -> [texts, in the link]
        for top in item:
            top_id = top.mem_id
            # skip_empty: whitespace between tags is dropped in C, not looked at here.
            for node in top.traverse(include_text=True, skip_empty=True):
                tag_id = node.tag_id
                if tag_id == _TEXT_ID:
                    text = node.text_content
                    if not text or text.isspace():
                        continue
                    holder = node.parent
                    while holder is not None and holder.tag_id in _INLINE_IDS:
                        holder = holder.parent
                    if holder is None:
                        continue
                    holder_id = holder.mem_id
                    run = runs.get(holder_id)
                    if run is None:
                        run = runs[holder_id] = [[], anchor_id >= 0 and _within(
                            holder, holder_id, anchor_id, top_id)]
                    run[0].append(text)
                    continue
                if tag_id == _A_ID and anchor_id < 0:
                    href = (node.attrs.get("href") or "").strip()
                    if not href or href.startswith(("#", "javascript:")):
                        continue
                    resolved = resolve_link(url, href) or ""
                    # Schemes are case-insensitive (RFC 3986 §3.1): "JavaScript:void(0)"
                    # is no resource either, so keep only web links.
                    if resolved[:8].lower().startswith(("http://", "https://")):
                        anchor_id = node.mem_id
                        link = link or resolved
                elif tag_id == _IMG_ID and (icon is None or (
                        node.attributes.get("alt") == "recommend-type"
                        and icon.attributes.get("alt") != "recommend-type")):
                    icon = node
        if not link or not link[:8].lower().startswith(("http://", "https://")):
            return None
        parts: list[tuple[str, bool]] = []
        latest = False
        for texts, in_link in runs.values():
            text = " ".join("".join(texts).split())
            if text == _LATEST_BADGE:
                latest = True
            if not text or text in _BADGES or (
                    len(text) <= _SHORT_DATE_MAX and "0" <= text[0] <= "9"
                    and _SHORT_DATE.match(text)):
                continue
            parts.append((text, in_link))
        if not parts:
            return None
        if section is None:
            section = "latest" if latest else "related"
        title_at = 0  # the first run in the link, else the first
        for at, (_, inside) in enumerate(parts):
            if inside:
                title_at = at
                break
        title = parts[title_at][0]
        description = " ".join([text for at, (text, _) in enumerate(parts) if at != title_at])
        return section, link, title, description, _file_type(icon), _resource_kind(link)

    @staticmethod
    def _recommend_panels(
        labels: dict[str, LexborNode], fences: list[LexborNode], box: LexborNode | None
    ) -> tuple[list[tuple[str | None, LexborNode, LexborNode | None]], str | None]:
        """Each tab panel with its section, decided by the panel the items sit in (None:
        no tabs, each item's badge decides)."""
        found = [(label, labels[label]) for label in _SECTION_LABELS if label in labels]
        if len(found) == 1:
            # One label (a heading, or a single tab): its section is the block around it.
            label_text, label = found[0]
            block = _section_block(label, label_text, _holds_web_link, fences)
            return [(_SECTION_LABELS[label_text], block, label)], "label"
        source = "label"
        if found:
            tab_bar = _common_ancestor([tab for _, tab in found])
            panels = _panels_after(tab_bar)
        else:
            if box is None:
                return [], None
            panels = _element_children(box)
            source = "class"
        labelled: list[tuple[str | None, LexborNode, LexborNode | None]] = []
        for panel in panels:
            # A panel names its tab (aria-label / data-tab) where the markup says so.
            attributes = panel.attrs  # looked up by name: no dict of every attribute
            name = (attributes.get("aria-label") or "").strip()
            data_tab = (attributes.get("data-tab") or "").strip()
            if name in _SECTION_LABELS:
                labelled.append((_SECTION_LABELS[name], panel, None))
            elif data_tab in _SECTION_LABELS.values():
                labelled.append((data_tab, panel, None))
        if labelled:
            return labelled, source
        if not found:
            # A box of items and no tabs (the real page's #recommend): 最新发布 badges
            # mark the latest, the others are related.
            return [(None, box, None)] if box is not None else [], source
        # Otherwise the n-th panel belongs to the n-th tab, in the tab bar's order (the
        # page's, which need not be _SECTION_LABELS' own).
        place = {node.mem_id: index for index, node in enumerate(tab_bar.traverse())}
        order = sorted(found, key=lambda item: place.get(item[1].mem_id, 0))
        return [(_SECTION_LABELS[label], panel, None)
                for (label, _), panel in zip(order, panels, strict=False)], source

    @staticmethod
    def _sidebar_links(
        root: LexborNode, url: str, label: LexborNode | None
    ) -> tuple[list[str], str | None]:
        box = label.parent if label is not None else css_first(root, ".hot-box")
        if box is None:
            return [], None
        links: dict[str, None] = {}
        for _, link in _answer_links(box, url):
            links.setdefault(link, None)
            if len(links) >= MAX_LINKS:
                break
        return list(links), "label" if label is not None else "class"


# -- the title's neighbourhood and the answer ---------------------------------------------


def _is_meta_line(node: LexborNode, raw: str | None = None) -> bool:
    """A short block showing a time or a count with its label (or a bare time).
    ``raw``: its text, if already read."""
    if raw is None:
        raw = node.text(deep=True)
    if len(raw.strip()) > _META_MAX_CHARS:
        # Too long for a line of labels, unless it is one with a huge figure: labels and
        # figures only, no block of an answer.
        if not _is_label_line(node, limit=None):
            return False
        text = _spaced_text(node)
        head = text[:_META_MAX_CHARS]
        return bool(_labelled_time(head) or _labelled_views(head, before=False))
    text = _spaced_text(node)
    if len(text) > _META_MAX_CHARS:
        return False
    return bool(_labelled_time(text) or _labelled_views(text) or _BARE_TIME.search(text))


def _has_content(node: LexborNode, raw: str | None = None) -> bool:
    text = (node.text(deep=True) if raw is None else raw).strip()
    if text:
        return not _is_control(text)
    return css_first(node, "img, pre, table") is not None


def _prefer_known_box(node: LexborNode) -> LexborNode:
    """The block found by position, unless a later sibling is today's answer box and
    this one is not (a notice between the title and the answer). ``css_matches`` looks at
    the block and everything inside it."""
    if css_matches(node, _ANSWER_CLASSES):
        return node
    sibling = node.next
    while sibling is not None:
        if _is_element(sibling) and css_matches(sibling, _ANSWER_CLASSES):
            return sibling
        sibling = sibling.next
    return node


def _meta_by_label(root: LexborNode, answer: LexborNode | None) -> LexborNode | None:
    """The line of labels found by its time label alone (no title to start from)."""
    inside_answer = set()
    if answer is not None:
        inside_answer = {node.mem_id for node in answer.traverse(include_text=True)}
    for node in root.traverse(include_text=True):
        if not node.is_text_node or node.mem_id in inside_answer:
            continue
        text = node.text_content or ""
        if len(text) > _META_MAX_CHARS or not _ANY_TIME_LABEL.search(text):
            continue
        block = node.parent
        for _ in range(3):
            if block is None:
                break
            if _is_meta_line(block):
                line = _spaced_text(block)
                if _labelled_time(line):
                    # The whole line: the views may sit in the next <span>.
                    for _ in range(3):
                        parent = block.parent
                        if parent is None or not _is_label_line(parent):
                            break
                        block = parent
                    return block
            block = block.parent
    return None


def _is_label_line(node: LexborNode, limit: int | None = _META_MAX_CHARS) -> bool:
    """A line of labels and figures only: no paragraph, list, heading, image or link."""
    if node.tag in ("body", "html") or (limit is not None and len(node.text(deep=True)) > limit):
        return False
    return css_first(node, "p, pre, ul, ol, table, img, blockquote, a, h1, h2, h3, h4, h5, h6, "
                          "[class*=title]") is None


def _render_shown_answer(
    node: LexborNode, url: str, *, markdown: bool, settled: bool = False
) -> tuple[str, str]:
    """The visible answer's text and Markdown (empty without ``markdown``), without its
    fold/unfold buttons, which are removed from the tree: rendered, and if the text shows
    a button, rendered again without it. ``settled``: _settle_controls has already left
    the tree as that would; one rendering is enough."""
    rendered = render_answer(node, url, markdown=markdown)
    if settled:
        return rendered
    text = rendered[0]
    if any(hint in text for hint in _CONTROL_HINTS) and _shows_control(text) and _drop_controls(
            node):
        rendered = render_answer(node, url, markdown=markdown)
    return rendered


def _shows_control(text: str) -> bool:
    """A line of the rendered answer is, or ends with, a fold/unfold button."""
    for line in text.split("\n"):
        line = delete_chars(line.strip(), _CONTROL_NOISE)
        if line and line.endswith(_CONTROL_ENDINGS):
            return True
    return False


def _controls(answer: LexborNode) -> list[LexborNode]:
    """The elements whose whole text is a fold/unfold button (展开全文, 收起), at most 16,
    in page order: the highest such element around each button's text."""
    doomed: list[LexborNode] = []
    answer_id = answer.mem_id
    # skip_empty: whitespace is no button (nor is any text that strips to nothing).
    for node in answer.traverse(include_text=True, skip_empty=True):
        if len(doomed) >= 16:
            break
        if node.tag_id != _TEXT_ID:
            continue
        text = (node.text_content or "").strip()
        if not text or not _is_control(text) or _in_code(node, answer_id):
            continue
        element = node
        parent = node.parent
        while parent is not None and parent.mem_id != answer_id and _is_control(
                parent.text(deep=True).strip()):
            element = parent
            parent = parent.parent
        doomed.append(element)
    return doomed


def _drop_controls(answer: LexborNode) -> bool:
    """Remove the elements whose whole text is a fold/unfold button (展开全文, 收起)."""
    doomed = _controls(answer)
    for element in doomed:
        element.decompose()
    return bool(doomed)


def _settle_controls(answer: LexborNode, url: str) -> bool:
    """Leave the tree as _render_shown_answer's render, look and render again would, without
    rendering the whole answer first; True if it could (False: the tree is untouched).

    Sure when no element is a button, and when every button is a block of its own that
    shows as a button in the text (its own line ends as one), the text around it joining
    nothing once it is gone: a ``div`` (or a ``p`` of inline content), small, inside the
    answer's plain blocks, followed by nothing but whitespace, comments and skipped tags up
    to the next block. Its rendered lines are then lines of the answer's text, which shows
    the button; the answer rendered without it is the answer's text less its lines.
    """
    deep = answer.text(deep=True)
    if not any(hint in deep for hint in _CONTROL_HINTS):
        return False  # a hint may still show once tags are dropped (展<button>x</button>开)
    doomed = _controls(answer)
    if not doomed:
        return True
    doomed_ids = {element.mem_id for element in doomed}
    if len(doomed_ids) != len(doomed):
        return False
    answer_id = answer.mem_id
    texts = []
    for element in doomed:
        if not _is_own_block(element, answer_id, doomed_ids):
            return False
        texts.append(render_answer(element, url, markdown=False)[0])
    shown = "\n\n".join(texts)
    if not (any(hint in shown for hint in _CONTROL_HINTS) and _shows_control(shown)):
        return False
    for element in doomed:
        element.decompose()
    return True


def _is_own_block(element: LexborNode, answer_id: int, doomed_ids: set[int]) -> bool:
    """See _settle_controls: a small ``div``-like block (or an inline-only ``p``) whose
    ancestors up to the answer are such blocks too, and which nothing inline follows."""
    tag = element.tag
    if tag not in BLOCK_CONTAINERS and tag != "p":
        return False
    for size, _ in enumerate(element.traverse(include_text=True)):
        if size >= _SMALL_CONTROL_NODES:
            return False
    if tag == "p" and any(child.tag in BLOCKS for child in element.iter()):
        return False  # rendered alone, a block inside would be a paragraph of its own
    parent = element.parent
    for _ in range(_CONTROL_CONTEXT_DEPTH):
        if parent is None or parent.mem_id in doomed_ids:
            return False
        if parent.mem_id == answer_id:
            break
        if parent.tag not in BLOCK_CONTAINERS:
            return False
        parent = parent.parent
    else:
        return False
    sibling = element.next
    while sibling is not None:
        sibling_tag = sibling.tag
        if sibling_tag in BLOCKS:
            break
        if sibling_tag == "-text":
            if (sibling.text_content or "").strip():
                return False
        elif sibling_tag not in SKIPPED:
            return False
        sibling = sibling.next
    return True


def _in_code(node: LexborNode, stop: int) -> bool:
    """Inside a <pre> or <code> (an "..." there is code, not a fold)."""
    parent = node.parent
    while parent is not None and parent.mem_id != stop:
        if parent.tag in ("pre", "code"):
            return True
        parent = parent.parent
    return False


def _complete_answer(
    shown: LexborNode | None, shown_source: str, markdown: str | None, url: str
) -> tuple[str, str, str, str] | None:
    """``(answer_text, answer_markdown, text source, markdown source)``: the most complete
    of the visible copy (``shown``) and the state's Markdown, the text the same from either.

    With the state's Markdown, the visible copy is first rendered as text alone: its
    Markdown is rendered only if that copy is kept, which it seldom is. It is not rendered
    at all when even its whole text (no rendered text holds more) is well short of the
    Markdown's: a cut copy.
    """
    settled = shown is not None and _settle_controls(shown, url)
    if markdown is None or not markdown.strip():
        if shown is None:
            return None
        shown_text, shown_markdown = _render_shown_answer(
            shown, url, markdown=True, settled=settled)
        if not (shown_text or shown_markdown):
            return None
        return shown_text, shown_markdown, shown_source, shown_source
    rendered: tuple[str, str] | None = None
    markdown_rendered = False
    if settled and shown is not None:
        # The rendered text's characters are some of the tree's text's: its signature is
        # at most this long, so _covers is False and the comparison below favours the
        # Markdown whatever the rendering gives.
        most = len(visible_signature(shown.text(deep=True)))
        if most < 0.8 * len(visible_signature(markdown, markdown=True)):
            rendered, markdown_rendered = markdown_answer(markdown, url), True
            if rendered is not None and most <= len(visible_signature(rendered[0])):
                return rendered[0], rendered[1], "state", "state"
    shown_text = _render_shown_answer(
        shown, url, markdown=False, settled=settled)[0] if shown is not None else ""
    shown_signature = visible_signature(shown_text)
    if shown_signature and _covers(shown_signature, markdown):
        # The visible copy is whole: its text is what the Markdown renders to.
        return shown_text, markdown.strip(), "state", "state"
    if not markdown_rendered:
        rendered = markdown_answer(markdown, url)
    if rendered is not None and len(shown_signature) <= len(visible_signature(rendered[0])):
        return rendered[0], rendered[1], "state", "state"
    # The visible copy is the fuller one (or the Markdown renders to nothing): kept whole,
    # its Markdown from the tree its fold/unfold buttons are already gone from.
    if shown is None:
        return None
    shown_markdown = render_answer(shown, url)[1]
    if not (shown_text or shown_markdown):
        return None
    return shown_text, shown_markdown, shown_source, shown_source


def _covers(shown: str, markdown: str) -> bool:
    """Does the visible text (its ``visible_signature``, ``shown``) hold all the Markdown
    says (checked cheaply: same ending, about as long)? False sends the Markdown through
    the renderer to compare."""
    source = visible_signature(markdown, markdown=True)
    if not shown or len(shown) < 0.8 * len(source):
        return False
    return source.endswith(shown[-24:])


# -- items: repeated blocks, not links ------------------------------------------------------


def _line_of(node: LexborNode | None) -> frozenset[int]:
    """``node`` and its ancestors (``mem_id``s): ``child.mem_id in _line_of(skip)`` is
    ``_contains(child, skip)``, with one climb for all children."""
    found = set()
    while node is not None:
        found.add(node.mem_id)
        node = node.parent
    return frozenset(found)


def _contains_within(node: LexborNode, inner: LexborNode, stop_id: int) -> bool:
    """``_contains(node, inner)`` for a ``node`` at or under the element ``stop_id``
    (``inner`` under it too): the climb from ``inner`` ends there."""
    node_id = node.mem_id
    current: LexborNode | None = inner
    while current is not None:
        current_id = current.mem_id
        if current_id == node_id:
            return True
        if current_id == stop_id:
            return False
        current = current.parent
    return False


def _contains(node: LexborNode, inner: LexborNode | None) -> bool:
    while inner is not None:
        if inner.mem_id == node.mem_id:
            return True
        inner = inner.parent
    return False


def _within(node: LexborNode, node_id: int, ancestor_id: int, top_id: int) -> bool:
    """Is ``node`` (its ``mem_id`` given) ``ancestor_id`` or inside it? ``top_id``: an
    element known to hold the ancestor, where the climb may stop (above it, it climbs on
    to the root: a text's holder above the item when the item is inline markup)."""
    while True:
        if node_id == ancestor_id:
            return True
        if node_id == top_id:
            return False
        parent = node.parent
        if parent is None:
            return False
        node, node_id = parent, parent.mem_id


def _signature(node: LexborNode) -> tuple[str, str]:
    classes = (node.attrs.get("class") or "").split()
    return node.tag or "", classes[0] if classes else ""


def _repeated_items(block: LexborNode, skip: LexborNode | None) -> list[list[LexborNode]] | None:
    """The block's items: its repeated blocks (same tag and first class), each with the
    siblings that follow it up to the next one (a flat list: title, answer, title, ...).

    Descends through single wrappers (``<ul>``); the child holding the section's label
    is no item. None when the block shows no repetition (one item, or none).
    """
    node = block
    around_skip = _line_of(skip)
    for _ in range(6):
        children = []
        for child in node.iter():
            tag = child.tag
            if tag in ("-text", "-comment") or child.mem_id in around_skip:
                continue
            text = child.text(deep=True).strip()
            if text:
                if len(text) <= 24 and _is_control(text):
                    continue
            elif tag != "img" and css_first(child, "a[href], img") is None:
                continue
            children.append(child)
        if not children:
            return None
        groups: dict[tuple[str, str], list[LexborNode]] = {}
        for child in children:
            groups.setdefault(_signature(child), []).append(child)
        repeated = [members for members in groups.values() if len(members) >= 2]
        if repeated:
            # The group holding links, else the first: its members start the items.
            members = repeated[0] if len(repeated) == 1 else max(repeated, key=lambda group: (
                sum(1 for member in group if member.tag == "a" or css_first(member, "a[href]")),
                -children.index(group[0])))
            starts = {member.mem_id for member in members}
            items: list[list[LexborNode]] = []
            for child in children:
                if child.mem_id in starts:
                    items.append([child])
                elif items:
                    items[-1].append(child)
                else:
                    return None  # content before the first: these are parts of one item
            return items
        if len(children) == 1 and children[0].tag != "a":  # a link is one item, whole
            node = children[0]
            continue
        return None
    return None


def _lone_item(block: LexborNode, skip: LexborNode | None) -> list[list[LexborNode]]:
    """The one item of a block listing a single question (through a <ul> around it)."""
    node = block
    around_skip = _line_of(skip)
    for _ in range(3):
        children = [child for child in _element_children(node)
                    if child.mem_id not in around_skip and child.text(deep=True).strip()]
        if len(children) != 1:
            return []
        if children[0].tag not in ("ul", "ol"):
            return [children]
        node = children[0]
    return []


def _answer_links_of(item: list[LexborNode], url: str) -> Iterator[tuple[LexborNode, str]]:
    for node in item:
        anchors = ([node] if node.tag == "a" and node.attrs.get("href") else []) \
            + css(node, "a[href]")
        for anchor in anchors:
            link = resolve_link(url, anchor.attrs.get("href"))
            if link and answer_id_from_url(link):
                yield anchor, link


def _data_url(item: list[LexborNode], url: str) -> str | None:
    """The item's own ``data-url`` (the real page's ``div.recommend-item-box``)."""
    value = item[0].attrs.get("data-url")
    return resolve_link(url, value) if value else None


def _title_part(item: list[LexborNode]) -> LexborNode | None:
    """A linkless item's title: its heading or title-classed element (``div.question-tit``),
    else the first of a flat item's parts, else its first run of text."""
    found = css_first(item[0], "h2, h3, h4, h5, h6, [class*=tit]")
    if found is not None and found.mem_id != item[0].mem_id:
        return found
    if len(item) > 1:
        return item[0]
    holders = _text_holders(item)
    return holders[0] if holders and holders[0].mem_id != item[0].mem_id else None


def _text_outside(item: list[LexborNode], excluded: LexborNode | None) -> str:
    """The item's text but ``excluded``'s (its title): the answer shown under the title."""
    if excluded is not None and len(item) == 1:
        whole, title = _text(item[0]), _text(excluded)
        if whole.startswith(title):  # the title first, as items show it: no walk needed
            return whole[len(title):].strip()
    skip = ({node.mem_id for node in excluded.traverse(include_text=True)}
            if excluded is not None else set())
    parts: list[str] = []
    for node in item:
        for child in node.traverse(include_text=True):
            if child.is_text_node and child.mem_id not in skip:
                parts.append(child.text_content or "")
    text = "".join(parts)
    return squeeze(text) if len(text) > _BIG_TEXT else " ".join(text.split())


def _text_holders(item: list[LexborNode]) -> list[LexborNode]:
    """The elements holding one run of text each (title, description...), in order:
    the highest ones whose children are only text and inline markup."""
    holders: list[LexborNode] = []
    stack = list(reversed(item))
    while stack and len(holders) < 64:
        node = stack.pop()
        if node.tag in ("img", "i", "br", "svg") or not _is_element(node):
            continue
        children = _element_children(node)
        if all(child.tag in _INLINE for child in children):
            if node.text(deep=True).strip():
                holders.append(node)
            continue
        stack.extend(reversed(children))
    return holders


def _panel_items(panel: LexborNode, skip: LexborNode | None) -> list[list[LexborNode]]:
    """A panel's items: its ``[data-url]`` boxes, else its repeated blocks, else its links."""
    around_skip = _line_of(skip)
    boxes = [node for node in css(panel, "[data-url]") if node.mem_id not in around_skip]
    if boxes:
        outermost: list[list[LexborNode]] = []
        panel_id = panel.mem_id
        for box in boxes:
            if outermost and _contains_within(outermost[-1][0], box, panel_id):
                continue
            outermost.append([box])
        return outermost
    repeated = _repeated_items(panel, skip)
    if repeated is not None:
        return repeated
    return [[anchor] for anchor in css(panel, "a[href]")
            if not (skip is not None and _contains(skip, anchor))]


def _holds_web_link(node: LexborNode) -> bool:
    return css_first(node, "a[href], [data-url]") is not None


_ALL_LABELS = (_RELATED_LABEL, *_SECTION_LABELS, _SIDEBAR_LABEL)


def _section_block(
    label: LexborNode, label_text: str, holds_items: Callable[[LexborNode], bool],
    fences: list[LexborNode] = (),  # type: ignore[assignment]
) -> LexborNode:
    """Climb from a section's label to the smallest block that holds its items.

    A redesign may wrap the label a level or two deeper (``<div><h3>相关问题</h3></div><ul>``);
    the climb never goes so far that it takes in another section's label, nor any of
    ``fences`` (the title, the answer, another section's box): an empty 相关问题 block
    stays empty instead of taking the recommendations below it.
    """
    block = label.parent or label
    for _ in range(3):
        if holds_items(block):
            return block
        parent = block.parent
        if parent is None:
            break
        if any(_contains(parent, fence) for fence in fences):
            break
        # Its raw text: a label holds no whitespace, so it is there iff it is in _text().
        parent_text = parent.text(deep=True)
        if any(other in parent_text for other in _ALL_LABELS if other != label_text):
            break
        block = parent
    return block


def _common_ancestor(nodes: list[LexborNode]) -> LexborNode:
    """The innermost element holding every tab label: the tab bar."""
    first = nodes[0]
    if len(nodes) == 1:
        return first.parent or first
    ancestors: dict[int, LexborNode] = {}
    node: LexborNode | None = first
    while node is not None:
        ancestors[node.mem_id] = node
        node = node.parent
    node = nodes[1]
    while node is not None and node.mem_id not in ancestors:
        node = node.parent
    return node if node is not None else first


def _following_elements(node: LexborNode) -> list[LexborNode]:
    siblings = []
    sibling = node.next
    while sibling is not None:
        if _is_element(sibling):
            siblings.append(sibling)
        sibling = sibling.next
    return siblings


def _panels_after(tab_bar: LexborNode) -> list[LexborNode]:
    """The tab panels: the elements after the tab bar (or after the block wrapping it)."""
    node = tab_bar
    panels = _following_elements(node)
    for _ in range(2):
        if panels or node.parent is None:
            break
        node = node.parent
        panels = _following_elements(node)
    if len(panels) == 1 and not _names_its_tab(panels[0]):
        # One wrapper around all panels: its children are the panels.
        children = _element_children(panels[0])
        if len(children) >= 2:
            return children
    return panels


def _names_its_tab(panel: LexborNode) -> bool:
    return bool(panel.attributes.get("aria-label") or panel.attributes.get("data-tab"))


# Cached: resources recur from page to page (the same documents are recommended
# beside many questions), and a type icon's address beside every item.
@functools.lru_cache(maxsize=4_096)
def _resource_kind(url: str) -> str:
    if url[:13].lower().startswith(("https://blog.", "http://blog.")):
        return "blog"
    first_segment = url_path(url).lstrip("/").partition("/")[0]
    return first_segment.lower() if first_segment else "unknown"


def _file_type(icon: LexborNode | None) -> str:
    """The icon file's name (``.../minetype/PDF.png`` -> ``pdf``): its last path segment
    (a regex searching the whole URL from every "/" cost more than the rest of the item)."""
    if icon is None:
        return "unknown"
    return _icon_type(icon.attrs.get("src") or "")


@functools.lru_cache(maxsize=1_024)
def _icon_type(src: str) -> str:
    for separator in "?#":
        src = src.partition(separator)[0]
    match = _ICON_NAME.fullmatch(src.rpartition("/")[2])
    return match.group(1).lower() if match else "unknown"


# What profile discovery (parsers/profile.py) looks for in each module of parsers/sites/.
PROFILE = CsdnAnswerProfile()
