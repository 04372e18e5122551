"""Tests that kill surviving mutants of parsers/ (see TESTING.md).

Written from `mutmut run` survivors: each pins down one behaviour the other parser
tests left open, with literal expected values.
"""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from parsers import (
    ParseError,
    UnknownProfile,
    canonical_url,
    choose_profile,
    decode_html,
    parse_page,
)
from parsers import profile as profile_module
from parsers.links import url_path
from parsers.markdown import render_answer
from parsers.sites.csdn import CsdnAnswerProfile
from parsers.values import parse_view_count

PAGE_URL = "https://wenku.csdn.net/answer/2kxyq3m7vd"


def render(html: str) -> tuple[str, str]:
    node = LexborHTMLParser(f"<div id='answer'>{html}</div>").css_first("#answer")
    assert node is not None
    return render_answer(node, PAGE_URL)


def answer_page(meta: str = "<span>时间: 2023-06-23 11:03:20</span> <span>浏览: 76</span>",
                title: str = "一个问题", extra: str = "") -> str:
    return f"""<!DOCTYPE html><html><body>{extra}
<div class="answer-wrap"><div class="answer-header"><h1>{title}</h1>
<div class="answer-meta">{meta}</div></div>
<div class="answer-body"><div class="answer-content"><p>这是答案。</p></div></div></div>
</body></html>"""


# -- links.url_path ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("https://h/a/b?x#y", "/a/b"),
        ("https://h/a#y?z", "/a"),
        ("https://h/a?b/c", "/a"),
        ("https://h", ""),
        ("https://h?x=/a", ""),
        ("https:///a", "/a"),
        ("https://h/aXb", "/aXb"),
        ("ftp://h/p", "/p"),
        ("a://b/c://d/e", "/c://d/e"),
        ("://x/y", "/y"),
        ("/answer/x", "/answer/x"),
        ("https://例子.cn/路径", "/路径"),
        ("http://[::1", ""),
    ],
)
def test_url_path(url: str, path: str) -> None:
    assert url_path(url) == path


# -- markdown -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "text", "markdown"),
    [
        ('<ol start="x"><li>a</li><li>b</li></ol>', "a\nb", "1. a\n2. b"),
        ('<ul><li>a<br>b<ul><li><a href="/doc/1">n</a></li></ul><pre><code>x = 1</code></pre>'
         "</li></ul>",
         "a\nb\nn\nx = 1",
         "- a\n  b\n  - [n](https://wenku.csdn.net/doc/1)\n  ```\n  x = 1\n  ```"),
        ('<table><tr><td>a<br>b</td><td>x|y <a href="/doc/2">d</a></td></tr>'
         "<tr><td>c</td></tr></table>",
         "a\nb\tx|y d\nc",
         "| a b | x\\|y [d](https://wenku.csdn.net/doc/2) |\n| --- | --- |\n| c |  |"),
        ("<p>a</p><table></table>", "a", "a"),
        ("<p><i>i</i> <s>s</s> <strike>k</strike> <b>a<i>c</i></b> <b> </b> "
         "<code>a<b>c</b></code> <code>a`b</code> x<br>y</p>",
         "i s k ac ac a`b x\ny",
         "*i* ~~s~~ ~~k~~ **a*c*** `ac` ``a`b`` x\ny"),
        ('<img src="/x.png" alt="pic">', "", "![pic](https://wenku.csdn.net/x.png)"),
        ('<h2>a<br>b <a href="/doc/3">h</a></h2>', "a\nb h",
         "## a b [h](https://wenku.csdn.net/doc/3)"),
        ('<blockquote><p>a</p><p>b<br>c <a href="/doc/4">q</a></p></blockquote>',
         "a\n\nb\nc q", "> a\n>\n> b\n> c [q](https://wenku.csdn.net/doc/4)"),
        ("<p>a</p><hr><p>b</p>", "a\n\nb", "a\n\n---\n\nb"),
        ("plain <b>bold</b>", "plain bold", "plain **bold**"),
        ("<script>x</script><p>after</p>", "after", "after"),
        ("<pre><code>  x\n</code></pre>", "  x", "```\n  x\n```"),
        ("<pre><code>a</code>b</pre>", "a", "```\na\n```"),
        ("<pre><code><span>x</span></code></pre>", "x", "```\nx\n```"),
    ],
    ids=["ol-bad-start", "nested-list-link-code", "table", "empty-table", "inline",
         "image-only", "heading", "blockquote", "hr", "top-level-text", "script-first",
         "code-indent", "code-not-pre-text", "code-deep"],
)
def test_render(html: str, text: str, markdown: str) -> None:
    assert render(html) == (text, markdown)


# -- values and decoding -----------------------------------------------------------


def test_scaled_fraction_is_floored_to_an_int() -> None:
    value = parse_view_count("1.23456万")
    assert value == (12345, True) and type(value[0]) is int


def test_a_declared_gbk_wins_over_utf8_looking_bytes() -> None:
    assert decode_html("中文".encode(), charset="gbk") == "中文".encode().decode("gb18030")


# -- profile registry ------------------------------------------------------------------


def test_canonical_url_uses_the_declared_charset() -> None:
    body = '<html><head><link rel="canonical" href="https://h/answer/中文"></head></html>'
    assert canonical_url(body.encode("gbk"), charset="gbk") == "https://h/answer/中文"
    assert canonical_url(b'<link rel="canonical">') is None


def test_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(UnknownProfile) as raised:
        choose_profile("", name="nope")
    assert raised.value.reason == "unknown profile 'nope' (known: csdn-answer)"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://[::1/answer/2kxyq3m7vd", "malformed URL 'http://[::1/answer/2kxyq3m7vd'"),
        ("https://h/doc/x", "no site profile knows pages like https://h/doc/x"),
    ],
)
def test_unknown_url_errors_carry_the_url(url: str, reason: str) -> None:
    with pytest.raises(UnknownProfile) as raised:
        choose_profile(url)
    assert (raised.value.reason, raised.value.url) == (reason, url)


class _Mirror(CsdnAnswerProfile):
    name = "mirror"
    hosts = ("mirror.test",)


def test_the_host_picks_among_profiles_of_one_path_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    mirror = _Mirror()
    monkeypatch.setitem(profile_module._profiles(), "mirror", mirror)
    csdn = choose_profile("", name="csdn-answer")
    assert choose_profile("https://MIRROR.test/answer/2kxyq3m7vd") is mirror
    assert choose_profile(PAGE_URL) is csdn
    assert choose_profile("http://127.0.0.1/answer/2kxyq3m7vd") is csdn


# -- csdn-answer: errors and small parts ------------------------------------------------


@pytest.mark.parametrize(
    ("html", "url", "reason"),
    [
        (answer_page(), "https://wenku.csdn.net/doc/2kxyq3m7vd",
         "not an answer page: no answer id in the URL"),
        (answer_page(title=" "), PAGE_URL, "not an answer page: no title"),
        (answer_page(meta="<span>浏览: 76</span>"), PAGE_URL, "not an answer page: no 时间 label"),
        (answer_page(title=" ", extra="<p>页面不存在</p>"), PAGE_URL,
         "not an answer page: soft 404 (page says it does not exist)"),
        (answer_page(title=" ", extra="<p>请登录</p>"), PAGE_URL, "not an answer page: login wall"),
        (answer_page(meta="<span>时间: 2023-02-30 11:03</span>"), PAGE_URL,
         "unreadable time '2023-02-30 11:03'"),
        (answer_page(meta="<span>时间: 2023-06-23 11:03</span> <span>浏览: 1.5</span>"), PAGE_URL,
         "unreadable view count '1.5'"),
        (answer_page(), "", "not an answer page: no answer id in the URL"),
    ],
    ids=["no-id", "blank-title", "no-time", "soft-404", "login-wall", "bad-time", "bad-views",
         "no-url"],
)
def test_parse_errors_carry_reason_and_url(html: str, url: str, reason: str) -> None:
    with pytest.raises(ParseError) as raised:
        choose_profile("", name="csdn-answer").parse(html, url)
    assert (raised.value.reason, raised.value.url) == (reason, url)


def test_a_parsed_page_names_its_profile_and_parser_version() -> None:
    page = parse_page(answer_page(), PAGE_URL)
    assert (page.profile, page.parser_version, page.view_count) == ("csdn-answer", 2, 76)


@pytest.mark.parametrize(
    ("url", "kind"),
    [("https://wenku.csdn.net/", "unknown"), ("https://wenku.csdn.net/Doc/1", "doc"),
     ("https://download.csdn.net/download/a/1", "download")],
)
def test_resource_kind(url: str, kind: str) -> None:
    assert choose_profile("", name="csdn-answer").resource_kind(url) == kind
