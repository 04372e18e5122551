"""The ``evidence`` and ``redesign`` layouts of the answer page, as strings. Pure functions.

``evidence`` follows what code written for the real pages relies on
(``/work/shared/source-page/REAL-SITE-EVIDENCE.md``; see ``README.md``)::

    <title>{question} - CSDN文库</title>, og:title, og:description, description
    #app > #chatgpt-article-detail
      .layout-center > .main
        div.title.forbid                 the question (no <h1>)
        div.data                         time and views: 时间/发布时间/提问时间,
                                         浏览/浏览量/阅读量/阅读, ":", "：" or no colon,
                                         "1.2万阅读" on some pages
        div.article-box > div.cont.first-show.forbid   the answer (or div#copyRef.content-view,
                                         div.markdown_views, div.htmledit_views); collapsed
                                         ones end in div.open 展开全文; some show only the
                                         first blocks
        div.related-box                  相关问题: repeated blocks, some without a link
        div#recommend                    div.recommend-item-box[data-url]: a.tit > div.left
                                         (title), div.tag 最新发布 on the latest ones,
                                         .desc outside the link, a date MM-DD
      .layout-right                      热门问答
    .csdn-side-toolbar                   never content
    <script>window.__INITIAL_STATE__ = {"pageData": {"detailInfo": {title, viewContent
             (the complete answer in Markdown), isShowAll, ...}}}</script>

``redesign`` stands for a future redesign: new class names, the title in an ``h2``,
the time labelled ``更新于`` (an update time, not when it was asked) and the views as
an eye icon and a number with no label, in no structured data. The state object,
``<title>``, Open Graph, 相关问题, ``#recommend`` and 热门问答 stay.
"""

from __future__ import annotations

import json
from html import escape

from .content import AnswerPageContent, Look, RelatedItem, Resource
from .render import _FOOTER, _toolbar

__all__ = ["TRUNCATE_BEFORE", "render_evidence_page", "render_redesign_page"]

# Where the truncated-html fault cuts each layout: after the title, before the answer.
TRUNCATE_BEFORE = {
    "evidence": b'<div class="article-box"',
    "redesign": b'<section class="qa-answer"',
}

_CONTAINERS = {
    "cont": '<div class="cont first-show forbid"',
    "copyRef": '<div id="copyRef" class="content-view"',
    "markdown_views": '<div class="markdown_views prism-atom-one-light"',
    "htmledit_views": '<div class="htmledit_views"',
}

_SIDE_TOOLBAR = (
    '<div class="csdn-side-toolbar">'
    '<a class="option-box" data-type="guide"><span class="show-txt">新手<br>引导</span></a>'
    '<a class="option-box" data-type="cs"><span class="show-txt">客服</span></a>'
    '<a class="option-box" data-type="report"><span class="show-txt">举报</span></a>'
    '<a class="option-box go-top-hide" data-type="gotop"><span class="show-txt">返回<br>顶部'
    "</span></a></div>\n"
)


_EVIDENCE_STYLE = (
    '<link rel="stylesheet" href="https://csdnimg.cn/release/wenku/static/css/'
    'chatgpt-article-detail.6b1c9e0.css">\n'
    "<style>.cont.first-show{max-height:600px;overflow:hidden}"
    ".cont .open{cursor:pointer}</style>\n"
)
_REDESIGN_STYLE = (
    '<link rel="stylesheet" href="https://csdnimg.cn/release/wenku/static/css/qa.v3.41d0.css">\n'
)


def _head(page: AnswerPageContent, *, charset: str, style: str) -> str:
    title = escape(page.title)
    description = escape(page.answer.summary[:100])
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n'
        f'<meta charset="{charset}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"<title>{title} - CSDN文库</title>\n"
        f'<meta name="keywords" content="{title}">\n'
        f'<meta name="description" content="{description}">\n'
        f'<meta property="og:title" content="{title}">\n'
        f'<meta property="og:description" content="{description}">\n'
        '<meta property="og:type" content="article">\n'
        f'<link rel="canonical" href="{escape(page.url)}">\n'
        f"{style}"
        "</head>\n"
    )


def _state_script(page: AnswerPageContent, look: Look) -> str:
    """``window.__INITIAL_STATE__ = {...}``: JSON, with the complete answer as Markdown."""
    state = {
        "pageData": {
            "detailInfo": {
                "id": page.id,
                "title": page.title,
                "viewContent": page.answer.markdown,
                "isShowAll": page.shown_blocks >= len(page.answer.html_blocks),
                "isCollect": False,
                "tags": [],
            },
            "loading": False,
        },
        "user": {"isLogin": False, "userName": ""},
        "config": {"tabs": ["相关推荐", "最新推荐"], "env": "production"},
    }
    text = json.dumps(state, ensure_ascii=look.state_ascii, separators=(",", ":"))
    text = text.replace("</", "<\\/")  # "</script>" inside would end the script early
    assign = "window.__INITIAL_STATE__ = " if look.state_spaced else "window.__INITIAL_STATE__="
    trailer = ""
    if look.state_trailer:
        trailer = ("(function(){var s;(s=document.currentScript||document.scripts["
                   "document.scripts.length-1]).parentNode.removeChild(s);}());")
    return f"<script>{assign}{text};{trailer}</script>\n"


def _label_value(cls: str, label: str, colon: str, value: str, *, spans: bool,
                 value_first: bool = False, bare_joint: str = " ") -> str:
    """One labelled figure of div.data: "阅读量: 89", "阅读量：89", "阅读量89", "89阅读", ..."""
    label, value = escape(label), escape(value)
    if value_first:
        inner = (f'<span class="num">{value}</span><span class="text">{label}</span>'
                 if spans else f"{value}{label}")
    elif spans:
        inner = f'<span class="text">{label}{colon}</span> <span class="num">{value}</span>'
    else:
        joint = {":": ": ", "：": "："}.get(colon, bare_joint)
        inner = f"{label}{joint}{value}"
    return f'<span class="{cls}">{inner}</span>'


def _data(page: AnswerPageContent, look: Look) -> str:
    time = _label_value("time", look.time_label, look.colon, page.time_text,
                        spans=look.data_spans)
    views = _label_value("read-count", look.views_label, look.colon, page.views_text,
                         spans=look.data_spans, value_first=look.views_first, bare_joint="")
    return f'<div class="data">{time} {views}</div>\n'


def _answer_box(page: AnswerPageContent, look: Look) -> str:
    shown = "\n".join(page.answer.html_blocks[: page.shown_blocks])
    cut = page.shown_blocks < len(page.answer.html_blocks)
    if cut:
        shown += '\n<p class="ellipsis">...</p>'
    opener = '\n<div class="open"><span>展开全文</span><i class="icon-down"></i></div>' if (
        look.collapsed) else ""
    style = ' style="max-height:600px;overflow:hidden"' if look.collapsed else ""
    return (
        '<div class="article-box">\n'
        f"{_CONTAINERS[look.container]}{style}>\n{shown}{opener}\n</div>\n"
        "</div>\n"
    )


def _related_block(page: AnswerPageContent, items: list[RelatedItem], *, heading: str) -> str:
    if page.related_block == "omitted":
        return ""
    blocks = []
    for item in items:
        if item.href is None:
            question = f'<div class="question-tit">{escape(item.title)}</div>'
        else:
            question = (f'<a class="question-tit" href="{escape(item.href)}" target="_blank">'
                        f"{escape(item.title)}</a>")
        blocks.append(
            f'<div class="related-question">\n{question}\n'
            f'<div class="question-answer">{escape(item.answer_text)}</div>\n</div>\n'
        )
    return (f'<div class="related-box">\n<div class="related-head">{heading}</div>\n'
            f'{"".join(blocks)}</div>\n')


def _recommend_item(resource: Resource, date: str) -> str:
    tag = '<div class="tag">最新发布</div>' if resource.section == "latest" else ""
    return (
        f'<div class="recommend-item-box" data-url="{escape(resource.url)}">\n'
        f'<img class="type-icon" src="{resource.icon_url}" alt="">\n'
        '<div class="content-box">\n'
        f'<a class="tit" href="{escape(resource.href)}" target="_blank">'
        f'<div class="left">{escape(resource.title)}</div>{tag}</a>\n'
        f'<div class="desc">{escape(resource.description)}</div>\n'
        f'<div class="date">{date}</div>\n'
        "</div></div>\n"
    )


def _recommend(page: AnswerPageContent, look: Look) -> str:
    # The latest items first, as CSDN lists its 最新发布 items; positions count per section.
    dated = list(zip(page.resources, look.dates, strict=True))
    ordered = [x for x in dated if x[0].section == "latest"] + [
        x for x in dated if x[0].section != "latest"]
    items = "".join(_recommend_item(resource, date) for resource, date in ordered)
    return f'<div id="recommend" class="recommend-box">\n{items}</div>\n'


def _sidebar(page: AnswerPageContent) -> str:
    links = "".join(
        f'<li><a href="{escape(link.href)}">{escape(link.title)}</a></li>\n'
        for link in page.sidebar
    )
    return (
        '<div class="layout-right"><div class="hot-box"><div class="hot-title">热门问答</div>'
        f"<ul>\n{links}</ul></div></div>\n"
    )


def _look(page: AnswerPageContent) -> Look:
    if page.look is None:
        raise ValueError(f"page {page.id} has no look: it is a {page.layout} page")
    return page.look


def render_evidence_page(page: AnswerPageContent, *, charset: str = "utf-8") -> str:
    """The answer page in the layout the evidence about the real pages describes."""
    look = _look(page)
    return (
        _head(page, charset=charset, style=_EVIDENCE_STYLE)
        + "<body>\n"
        + _toolbar()
        + '<div id="app"><div id="chatgpt-article-detail" class="chatgpt-article-detail">\n'
        '<div class="layout-center">\n<div class="main">\n'
        f'<div class="title forbid">{escape(page.title)}</div>\n'
        + _data(page, look)
        + _answer_box(page, look)
        + "</div>\n"
        + _related_block(page, page.related_items(), heading="相关问题")
        + _recommend(page, look)
        + "</div>\n"
        + _sidebar(page)
        + "</div></div>\n"
        + _SIDE_TOOLBAR
        + _FOOTER
        + _state_script(page, look)
        + "</body>\n</html>\n"
    )


def render_redesign_page(page: AnswerPageContent, *, charset: str = "utf-8") -> str:
    """The answer page after a redesign nobody's parser knows: see the module docstring."""
    look = _look(page)
    shown = "\n".join(page.answer.html_blocks[: page.shown_blocks])
    more = ('\n<button class="qa-expand">展开全文</button>'
            if page.shown_blocks < len(page.answer.html_blocks) else "")
    return (
        _head(page, charset=charset, style=_REDESIGN_STYLE)
        + "<body>\n"
        + _toolbar()
        + '<div id="app"><main class="qa-page">\n<article class="qa-article">\n'
        f'<h2 class="qa-question">{escape(page.title)}</h2>\n'
        '<div class="qa-meta">'
        f'<span class="qa-date">更新于 {escape(page.time_text)}</span>'
        '<span class="qa-eye"><svg class="icon" aria-hidden="true">'
        f'<use xlink:href="#icon-eye"></use></svg>{escape(page.views_text)}</span></div>\n'
        f'<section class="qa-answer">\n<div class="qa-answer-body">\n{shown}{more}\n</div>\n'
        "</section>\n</article>\n"
        + _related_block(page, page.related_items(), heading="相关问题")
        + _recommend(page, look)
        + "</main>\n"
        + _sidebar(page)
        + "</div>\n"
        + _SIDE_TOOLBAR
        + _FOOTER
        + _state_script(page, look)
        + "</body>\n</html>\n"
    )
