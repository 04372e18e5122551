"""Site profile: CSDN 文库 answer pages (``https://wenku.csdn.net/answer/<id>``).

Sections are found by the labels a reader sees (时间, 浏览, 相关问题, 相关推荐,
最新推荐, 热门问答), which survive redesigns; today's class names are only a
fallback. Text inside <script> is never content: scripts repeat the title
and every label (window.__NUXT__, the i18n table).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator

from selectolax.lexbor import LexborHTMLParser, LexborNode

from parsers.decoding import decode_html
from parsers.links import resolve_link, url_path
from parsers.markdown import render_answer
from parsers.model import AnswerPage, ParseError, RecommendedResource, RelatedQuestion
from parsers.nesting import cap_nesting
from parsers.text import squeeze
from parsers.values import parse_timestamp, parse_view_count

__all__ = ["MAX_LINKS", "PROFILE", "CsdnAnswerProfile", "answer_id_from_url"]

# Two id shapes: 10 lowercase letters/digits, or 32 hex digits.
_ANSWER_PATH = re.compile(r"/answer/(?P<id>[0-9a-f]{32}|[a-z0-9]{10})/?$")
_COLON = r"\s*[:：]\s*"
# Digits are ASCII [0-9]: re's \d also matches "١" or "７", which no page shows here.
_TIME_LABEL = re.compile(
    "时间" + _COLON
    + r"(?P<value>[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}[ T]+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)"
)
# Digits grouped by three only, so "浏览: 76, 收藏: 3" reads 76 instead of the
# unreadable "76,"; a unit letter must end the word, so "76 words" is not 76w.
_VIEWS_LABEL = re.compile(
    "浏览" + _COLON
    + r"(?P<value>[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?(?:\s*[万wWkK千亿](?![A-Za-z]))?\s*\+?)"
)
_RELATED_LABEL = "相关问题"
_SECTION_LABELS = {"相关推荐": "related", "最新推荐": "latest"}
_SIDEBAR_LABEL = "热门问答"
_LABELS = frozenset((_RELATED_LABEL, *_SECTION_LABELS, _SIDEBAR_LABEL))
_NOT_FOUND_SIGNS = ("页面不存在", "页面找不到", "404 Not Found", "您访问的页面不存在", "内容已删除")
_LOGIN_SIGNS = ("请登录", "登录后查看", "扫码登录", "登录后可查看")
_SKIPPED_TAGS = ["script", "style", "noscript", "template"]
# Links taken from each of a page's link lists (related questions, recommended
# resources, sidebar). Real pages show tens; a hostile or broken page with 20,000
# links would otherwise flood the frontier and the archive from one page.
MAX_LINKS = 2_000
# _text() of a longer string avoids str.split(), which would build one object per
# word of a 10 MB block (parsers/text.py).
_BIG_TEXT = 4_096
_ICON_NAME = re.compile(r"/([A-Za-z0-9_-]+)\.(?:png|svg|gif|jpe?g|webp)(?:[?#].*)?$")


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


def _find_labels(root: LexborNode) -> dict[str, LexborNode]:
    """The element whose own visible text is each section label, first in the page.

    One walk over the text nodes for all labels: the deep text of every
    element would make this quadratic in the page size, and a walk per label
    was a sixth of the parse time.
    """
    found: dict[str, LexborNode] = {}
    longest = max(map(len, _LABELS)) + 64  # room for the indentation around a label
    for node in root.traverse(include_text=True):
        if not node.is_text_node:
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
    for anchor in root.css("a[href]"):
        url = resolve_link(base_url, anchor.attributes.get("href"))
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
    for anchor in block.css("a[href]"):
        node = anchor.parent
        while node is not None and node.mem_id != block_id:
            held = counts.get(node.mem_id, 0)
            if held >= 2:
                break
            counts[node.mem_id] = held + 1
            node = node.parent
    return counts


class CsdnAnswerProfile:
    name = "csdn-answer"
    parser_version = 1
    hosts: tuple[str, ...] = ("wenku.csdn.net",)
    page_path = _ANSWER_PATH

    def resource_kind(self, url: str) -> str:
        segments = [part for part in url_path(url).split("/") if part]
        return segments[0].lower() if segments else "unknown"

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
        html = decode_html(body, charset=charset)
        tree = LexborHTMLParser(cap_nesting(html))
        root = tree.body
        if root is None or not root.text(deep=True).strip():
            raise ParseError("empty page", url=url)
        tree.strip_tags(_SKIPPED_TAGS)
        url = url or self._canonical_url(tree) or ""
        answer_id = answer_id_from_url(url)
        if not answer_id:
            raise ParseError("not an answer page: no answer id in the URL", url=url)

        title_node = root.css_first("h1")
        title = _text(title_node)
        if title_node is None or not title:
            raise ParseError(self._why_not_an_answer(root, "no title"), url=url)
        header, meta_text = self._header(title_node)
        asked_at_match = _TIME_LABEL.search(meta_text)
        if not asked_at_match:
            raise ParseError(self._why_not_an_answer(root, "no 时间 label"), url=url)
        asked_at = parse_timestamp(asked_at_match["value"])
        if asked_at is None:
            raise ParseError(f"unreadable time {asked_at_match['value']!r}", url=url)
        views_match = _VIEWS_LABEL.search(meta_text)
        views = parse_view_count(views_match["value"]) if views_match else None
        if views_match and views is None:
            raise ParseError(f"unreadable view count {views_match['value']!r}", url=url)

        answer_node = self._answer_body(header)
        answer_text, answer_markdown = render_answer(answer_node, url) if answer_node else ("", "")
        if not answer_text and not answer_markdown:
            raise ParseError("no answer text (truncated page?)", url=url)

        labels = _find_labels(root)
        related = self._related_questions(root, url, labels.get(_RELATED_LABEL))
        resources = self._recommended_resources(root, url, labels)
        sidebar = self._sidebar_links(root, url, labels.get(_SIDEBAR_LABEL))
        return AnswerPage(
            url=url,
            id=answer_id,
            title=title,
            asked_at=asked_at,
            view_count=views[0] if views else None,
            view_count_approximate=views[1] if views else False,
            answer_text=answer_text,
            answer_markdown=answer_markdown,
            related_questions=related,
            recommended_resources=resources,
            sidebar_links=sidebar,
            profile=self.name,
            parser_version=self.parser_version,
        )

    # -- the page's parts ---------------------------------------------------

    @staticmethod
    def _canonical_url(tree: LexborHTMLParser) -> str | None:
        link = tree.css_first('link[rel="canonical"]')
        return (link.attributes.get("href") or None) if link else None

    @staticmethod
    def _why_not_an_answer(root: LexborNode, missing: str) -> str:
        text = root.text(deep=True)
        if any(sign in text for sign in _NOT_FOUND_SIGNS):
            return "not an answer page: soft 404 (page says it does not exist)"
        if any(sign in text for sign in _LOGIN_SIGNS):
            return "not an answer page: login wall"
        return f"not an answer page: {missing}"

    @staticmethod
    def _header(title_node: LexborNode) -> tuple[LexborNode, str]:
        """The smallest block around the title that also holds the 时间 label."""
        node = title_node
        for _ in range(4):
            parent = node.parent
            if parent is None:
                break
            node = parent
            text = _text(node)
            if _TIME_LABEL.search(text):
                return node, text
        return title_node, _text(title_node.parent)

    @staticmethod
    def _answer_body(header: LexborNode) -> LexborNode | None:
        """The first block after the title's header: the answer, by position, not class."""
        sibling = header.next
        while sibling is not None:
            if sibling.tag not in ("-text", "-comment") and (
                sibling.text(deep=True).strip() or sibling.css_first("img, pre, table")
            ):
                return sibling
            sibling = sibling.next
        # Fallback for a layout that nests the answer inside the header: today's classes.
        container = header.parent or header
        return container.css_first(".answer-content, .markdown-body, [class*=answer-content]")

    def _related_questions(
        self, root: LexborNode, url: str, label: LexborNode | None
    ) -> list[RelatedQuestion]:
        if label is not None:
            block: LexborNode | None = _section_block(
                label, _RELATED_LABEL,
                lambda node: next(_answer_links(node, url), None) is not None,
            )
        else:
            block = root.css_first(".related-questions")
        if block is None:
            return []
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
        self, root: LexborNode, url: str, labels: dict[str, LexborNode]
    ) -> list[RecommendedResource]:
        panels = self._recommend_panels(root, labels)
        resources: list[RecommendedResource] = []
        for section, panel in panels:
            position = 0
            for anchor in panel.css("a[href]"):
                if len(resources) >= MAX_LINKS:
                    return resources
                href = (anchor.attributes.get("href") or "").strip()
                if not href or href.startswith(("#", "javascript:")):
                    continue
                leaves, icon = _item_parts(anchor)
                texts = [text for text in map(_text, leaves) if text]
                if not texts:
                    continue
                link = resolve_link(url, href) or ""
                # Schemes are case-insensitive (RFC 3986 §3.1): "JavaScript:void(0)"
                # is no resource either, so keep only web links.
                if not link.lower().startswith(("http://", "https://")):
                    continue
                position += 1
                resources.append(
                    RecommendedResource(
                        section=section,
                        position=position,
                        url=link,
                        title=texts[0],
                        description=" ".join(texts[1:]),
                        file_type=_file_type(icon),
                        kind=self.resource_kind(link),
                    )
                )
        return resources

    @staticmethod
    def _recommend_panels(
        root: LexborNode, labels: dict[str, LexborNode]
    ) -> list[tuple[str, LexborNode]]:
        """Each tab panel with its section, decided by the panel the items sit in."""
        found = [(label, labels[label]) for label in _SECTION_LABELS if label in labels]
        if found:
            tab_bar = _common_ancestor([tab for _, tab in found])
            panels = _panels_after(tab_bar)
        else:
            box = root.css_first(".recommend-box")
            if box is None:
                return []
            panels = [child for child in box.iter() if child.tag != "-text"]
        labelled: list[tuple[str, LexborNode]] = []
        for panel in panels:
            # A panel names its tab (aria-label / data-tab) where the markup says so.
            name = (panel.attributes.get("aria-label") or "").strip()
            data_tab = (panel.attributes.get("data-tab") or "").strip()
            if name in _SECTION_LABELS:
                labelled.append((_SECTION_LABELS[name], panel))
            elif data_tab in _SECTION_LABELS.values():
                labelled.append((data_tab, panel))
        if labelled:
            return labelled
        # Otherwise the n-th panel belongs to the n-th tab, in the tab bar's order.
        order = [(_SECTION_LABELS[label], tab) for label, tab in found]
        return [(section, panel) for (section, _), panel in zip(order, panels, strict=False)]

    @staticmethod
    def _sidebar_links(root: LexborNode, url: str, label: LexborNode | None) -> list[str]:
        box = label.parent if label is not None else root.css_first(".hot-box")
        if box is None:
            return []
        links: dict[str, None] = {}
        for _, link in _answer_links(box, url):
            links.setdefault(link, None)
            if len(links) >= MAX_LINKS:
                break
        return list(links)


_ALL_LABELS = (_RELATED_LABEL, *_SECTION_LABELS, _SIDEBAR_LABEL)


def _section_block(
    label: LexborNode, label_text: str, holds_items: Callable[[LexborNode], bool]
) -> LexborNode:
    """Climb from a section's label to the smallest block that holds its items.

    A redesign may wrap the label a level or two deeper (``<div><h3>相关问题</h3></div><ul>``);
    the climb never goes so far that it takes in another section's label.
    """
    block = label.parent or label
    for _ in range(3):
        if holds_items(block):
            return block
        parent = block.parent
        if parent is None:
            break
        parent_text = _text(parent)
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
        if sibling.tag not in ("-text", "-comment"):
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
        children = [child for child in panels[0].iter() if child.tag not in ("-text", "-comment")]
        if len(children) >= 2:
            return children
    return panels


def _names_its_tab(panel: LexborNode) -> bool:
    return bool(panel.attributes.get("aria-label") or panel.attributes.get("data-tab"))


def _item_parts(anchor: LexborNode) -> tuple[list[LexborNode], LexborNode | None]:
    """A recommended item's text-bearing elements in order (title, then description),
    and its type icon (the ``alt="recommend-type"`` image, else the first image)."""
    leaves = []
    icon: LexborNode | None = None
    anchor_id = anchor.mem_id
    for node in anchor.traverse():
        tag = node.tag
        if tag == "img":
            if icon is None or (node.attributes.get("alt") == "recommend-type"
                                and icon.attributes.get("alt") != "recommend-type"):
                icon = node
            continue
        if tag in ("-text", "-comment", "br", "i") or node.mem_id == anchor_id:
            continue
        if not any(child.tag not in ("-text", "-comment", "br") for child in node.iter()):
            leaves.append(node)
    return leaves or [anchor], icon


def _file_type(icon: LexborNode | None) -> str:
    if icon is None:
        return "unknown"
    match = _ICON_NAME.search(icon.attributes.get("src") or "")
    return match.group(1).lower() if match else "unknown"


# What profile discovery (parsers/profile.py) looks for in each module of parsers/sites/.
PROFILE = CsdnAnswerProfile()
