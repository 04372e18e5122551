"""HTML, robots.txt and sitemaps of the sample site, as strings. Pure functions.

The answer page copies the structure of ``answer-2kxyq3m7vd.html`` (the reference
reconstruction of a wenku.csdn.net answer page): toolbar, answer-wrap with h1 and
the ``时间``/``浏览`` meta labels, markdown-body answer, ``相关问题`` block, the
recommend-box with two tabs and two ``role=tabpanel`` panels, the ``热门问答``
sidebar, footer, and scripts that repeat the title and labels.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from html import escape

from .content import AnswerPageContent, Resource

__all__ = [
    "render_answer_page",
    "render_gone_page",
    "render_index_page",
    "render_private_page",
    "render_resource_page",
    "render_soft_404_page",
]

_TOOLBAR_MENUS = ("博客", "下载", "学习", "社区", "GitCode", "InsCode", "会议", "C知道", "文库",
                  "问答", "专栏", "直播")


def _script_literal(value: object) -> str:
    # "</" inside a script would end it early; JSON allows the escaped slash.
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def _toolbar() -> str:
    menus = "".join(
        f'<li><a href="https://www.csdn.net/nav/{i}" '
        f"data-report-click='{{\"spm\":\"3001.{4470 + i}\"}}'>{label}</a></li>"
        for i, label in enumerate(_TOOLBAR_MENUS)
    )
    return (
        '<div id="csdn-toolbar" class="toolbar-container"><div class="toolbar-inside">\n'
        '<a class="toolbar-logo" href="https://www.csdn.net/"><img '
        'src="https://img-home.csdnimg.cn/images/20201124032511.png" alt="CSDN首页"></a>\n'
        f'<ul class="toolbar-menus">{menus}</ul>\n'
        '<div class="toolbar-search"><input type="text" placeholder="搜索" autocomplete="off">'
        "<button>搜索</button></div>\n"
        '<div class="toolbar-btns"><a href="https://passport.csdn.net/login">登录</a></div>\n'
        "</div></div>\n"
    )


_FOOTER = (
    '<div id="csdn-footer" class="footer"><p>关于我们 招贤纳士 商务合作 寻求报道 客服</p>'
    "<p>京ICP备19004658号 京网文〔2020〕1039-165号 "
    "©1999-2023北京创新乐知网络技术有限公司</p></div>\n"
)


def _head(title: str, *, charset: str, canonical: str, description: str = "") -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n'
        f'<meta charset="{charset}">\n'
        '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"<title>{escape(title)}-CSDN文库</title>\n"
        f'<meta name="keywords" content="{escape(title)}">\n'
        f'<meta name="description" content="{escape(description)}">\n'
        f'<link rel="canonical" href="{escape(canonical)}">\n'
        f'<meta property="og:title" content="{escape(title)}">\n'
        '<link rel="stylesheet" href="https://csdnimg.cn/release/wenku/static/css/answer.8f3a21c.css">\n'
        '<script src="https://g.csdnimg.cn/common/csdn-report/report.js" '
        'type="text/javascript"></script>\n'
        "<style>.answer-wrap{padding:24px}.tab.active{color:#fc5531}</style>\n"
        "</head>\n"
    )


def _recommend_panel(section: str, label: str, resources: Iterable[Resource]) -> str:
    items = "".join(
        '<div class="recommend-item">\n'
        f'<a class="recommend-link" href="{escape(r.href)}" target="_blank">\n'
        f'<img class="recommend-icon" src="{r.icon_url}" alt="recommend-type">\n'
        f'<div class="recommend-info"><div class="recommend-title">{escape(r.title)}</div>'
        f'<div class="recommend-desc">{escape(r.description)}</div></div>\n'
        "</a></div>\n"
        for r in resources
        if r.section == section
    )
    return (
        f'<div class="recommend-panel" role="tabpanel" data-tab="{section}" '
        f'aria-label="{label}">\n{items}</div>\n'
    )


def render_answer_page(page: AnswerPageContent, *, charset: str = "utf-8") -> str:
    """The answer page's HTML; ``charset`` only changes the ``<meta charset>`` it declares."""
    if page.related_block == "omitted":
        related = ""
    else:
        items = "".join(
            '<li class="related-item">\n'
            f'<a class="related-title" href="{escape(link.href)}" target="_blank">'
            f"{escape(link.title)}</a>\n"
            f'<div class="related-answer">{escape(link.answer_text)}</div>\n'
            "</li>\n"
            for link in page.related
        )
        related = (
            '<div class="related-questions"><div class="block-title">相关问题</div>\n'
            f'<ul class="related-list">\n{items}</ul></div>\n'
        )
    sidebar = "".join(
        f'<li><a href="{escape(link.href)}">{escape(link.title)}</a></li>\n'
        for link in page.sidebar
    )
    nuxt = (
        "window.__NUXT__=(function(a,b,c,d){return {layout:\"default\",data:[{detail:"
        "{title:a,createTime:b,viewCount:c,tabs:[\"相关问题\",\"相关推荐\",\"最新推荐\"]}}],"
        f"fetch:{{}},error:d}}}}({_script_literal(page.title)},"
        f"{_script_literal(page.time_text)},{_script_literal(page.views_text)},null));"
    )
    return (
        _head(page.title, charset=charset, canonical=page.url,
              description=page.answer.summary[:100])
        + "<body>\n"
        '<div id="__nuxt"><div id="__layout"><div class="page-answer">\n'
        + _toolbar()
        + '<div class="main-container">\n<div class="layout-left">\n'
        f'<div class="answer-wrap" data-id="{page.id}">\n'
        f'<div class="answer-header"><h1 class="answer-title">{escape(page.title)}</h1>\n'
        '<div class="answer-meta"><span class="meta-item time">'
        f'<span class="label">{page.time_label}</span> {page.time_text}</span> '
        f'<span class="meta-item views"><span class="label">{page.views_label}</span> '
        f"{page.views_text}</span></div></div>\n"
        '<div class="answer-body"><div class="markdown-body answer-content">\n'
        f"{page.answer.html}\n"
        "</div></div>\n"
        '<div class="answer-actions"><button class="btn-like" aria-label="有帮助">'
        '<i class="icon-like"></i></button><button class="btn-copy" aria-label="复制">'
        '<i class="icon-copy"></i></button></div>\n'
        "</div>\n"
        + related
        + '<div class="recommend-box">\n'
        '<div class="recommend-tabs" role="tablist"><span class="tab active" role="tab" '
        'data-tab="related">相关推荐</span><span class="tab" role="tab" '
        'data-tab="latest">最新推荐</span></div>\n'
        + _recommend_panel("related", "相关推荐", page.resources)
        + _recommend_panel("latest", "最新推荐", page.resources)
        + "</div>\n</div>\n"
        '<div class="layout-right"><div class="hot-box"><div class="hot-title">热门问答</div><ul>\n'
        f"{sidebar}</ul></div>\n"
        '<div class="ad-box" data-ad="wenku_answer_right"><a href="https://edu.csdn.net/">'
        '<img src="https://img-bss.csdnimg.cn/ad.png" alt="广告"></a></div></div>\n'
        "</div>\n"
        + _FOOTER
        + "</div></div></div>\n"
        f"<script>{nuxt}</script>\n"
        '<script>var i18n={relatedTitle:"相关问题",recTitle:"相关推荐",latestTitle:"最新推荐",'
        'time:"时间: ",view:"浏览: "};</script>\n'
        "</body>\n</html>\n"
    )


def _simple_page(title: str, body: str, *, canonical: str = "") -> str:
    link = f'<link rel="canonical" href="{escape(canonical)}">\n' if canonical else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{escape(title)}-CSDN文库</title>\n{link}</head>\n<body>\n"
        + _toolbar()
        + f'<div class="main-container">\n{body}\n</div>\n'
        + _FOOTER
        + "</body>\n</html>\n"
    )


def render_index_page(*, root_url: str, sitemap_url: str) -> str:
    """``/``: one plain link to the root answer page, so a crawl can start at the site's root."""
    body = (
        "<h1>CSDN文库 · 问答</h1>\n"
        f'<p><a class="start" href="{escape(root_url)}">从这里开始浏览问答</a></p>\n'
        f'<p><a href="{escape(sitemap_url)}">站点地图</a></p>'
    )
    return _simple_page("问答", body)


def render_resource_page(kind: str, path: str, *, url: str) -> str:
    """A stand-in for /doc/, /download/ and /column/ pages: they exist, nothing to archive."""
    labels = {"doc": "文档", "download": "资源下载", "column": "专栏"}
    body = (
        f'<div class="{kind}-page"><h1>{labels.get(kind, kind)} {escape(path)}</h1>\n'
        "<p>这是示例站点上的占位页面,内容不属于问答存档。</p></div>"
    )
    return _simple_page(f"{labels.get(kind, kind)} {path}", body, canonical=url)


def render_private_page(path: str) -> str:
    return _simple_page("内部页面", f"<h1>内部页面</h1>\n<p>{escape(path)} 仅供内部使用。</p>")


def render_soft_404_page() -> str:
    """A "页面不存在" page served with status 200: no answer layout, nothing to extract."""
    body = (
        '<div class="error-page"><img src="https://csdnimg.cn/release/wenku/static/img/404.png" '
        'alt="404"><h2>页面不存在</h2>\n<p>您访问的页面不存在或已被删除,'
        '<a href="/">返回首页</a></p></div>'
    )
    return _simple_page("页面不存在", body)


def render_gone_page(status: int) -> str:
    message = "该问答已被删除" if status == 410 else "页面不存在"
    return _simple_page(message, f'<div class="error-page"><h2>{message}</h2></div>')
