"""Tests that kill surviving mutants of parsers/ (see TESTING.md).

Written from `mutmut run` survivors: each pins down one behaviour the other parser
tests left open, with literal expected values.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser
from tests_support import lexbor_depth

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
        ("https://[例/a", ""),  # not ASCII: urlsplit's answer, which is an error
        ("https://h/a?b?c", "/a"),
        ("https://h/a#b#c", "/a"),
    ],
)
def test_url_path(url: str, path: str) -> None:
    assert url_path(url) == path


# The fast paths (plain ASCII links) must give what urljoin gives; the others go to urljoin.
@pytest.mark.parametrize(
    ("href", "url"),
    [
        ("/a/./b", "https://wenku.csdn.net/a/b"),  # dot segments: normalised
        ("/a/../b", "https://wenku.csdn.net/b"),
        ("http://[::1/x", None),  # an unclosed IPv6 bracket: malformed
        ("https://exam\uff1aple.com/x", None),  # a netloc that NFKC turns into host:port
        ("https://例子.cn/路径", "https://例子.cn/路径"),
        ("//h/x", "https://h/x"),
        ("c/d", "https://wenku.csdn.net/answer/c/d"),
    ],
)
def test_resolve_link(href: str, url: str | None) -> None:
    from parsers.links import resolve_link

    assert resolve_link("https://wenku.csdn.net/answer/x", href) == url


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
        ('<pre class="hljs"><code class="language-python">X = 1\n</code></pre>', "X = 1",
         "```python\nX = 1\n```"),
        ('<ol start="123456789"><li>a</li></ol><ol start="1234567890"><li>b</li></ol>',
         "a\n\nb", "123456789. a\n\n1. b"),
        ("<ul><script>x</script><li>a</li><li>b</li></ul>", "a\nb", "- a\n- b"),
        ('<p><span>sp</span> <span><a href="/doc/5">in</a></span> '
         '<b><a href="/doc/6">bo</a></b></p>', "sp in bo",
         "sp [in](https://wenku.csdn.net/doc/5) **[bo](https://wenku.csdn.net/doc/6)**"),
        ("<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>d</td></tr></tbody>"
         "<tfoot><tr><td>f</td></tr></tfoot></table>", "h\nd\nf",
         "| h |\n| --- |\n| d |\n| f |"),
    ],
    ids=["ol-bad-start", "nested-list-link-code", "table", "empty-table", "inline",
         "image-only", "heading", "blockquote", "hr", "top-level-text", "script-first",
         "code-indent", "code-not-pre-text", "code-deep", "code-language-of-code",
         "ol-start-9-digits", "list-not-an-item-first", "links-in-spans-and-bold",
         "table-head-body-foot"],
)
def test_render(html: str, text: str, markdown: str) -> None:
    assert render(html) == (text, markdown)


def _spans(k: int, inner: str) -> str:
    return "<span>" * k + inner + "</span>" * k


# The answer's walk recurses MAX_DEPTH (64) elements deep: an element 64 levels below the
# answer keeps its Markdown, one 65 levels below is its plain text (escaped). Cells count
# from their row (the <tbody> lexbor adds is not counted): a cell's element one deeper.
@pytest.mark.parametrize(
    ("make", "formatted_at"),
    [
        (lambda k: "<p>" + _spans(k - 2, "<b>x</b>") + "</p>", 64),  # p, spans, b
        (lambda k: "<div>" * (k - 1) + "<b>x</b>" + "</div>" * (k - 1), 64),
        (lambda k: "<h2>" + _spans(k - 2, "<b>x</b>") + "</h2>", 64),
        (lambda k: "<p>" + "<s>" * (k - 2) + "<b>x</b>" + "</s>" * (k - 2) + "</p>", 64),
        (lambda k: "<ul><li>" + _spans(k - 3, "<b>x</b>") + "</li></ul>", 64),
        (lambda k: "<table><tr><td>" + _spans(k - 5, "<b>x</b>") + "</td></tr></table>", 65),
    ],
    ids=["paragraph", "divs", "heading", "strikes", "list-item", "table-cell"],
)
def test_formatting_is_kept_64_elements_deep(make: Callable[[int], str], formatted_at: int) -> None:
    assert "**x**" in render(make(formatted_at))[1]
    text, markdown = render(make(formatted_at + 1))
    assert text == "x" and "x" in markdown and "**" not in markdown


@pytest.mark.parametrize("tag", ["div", "blockquote"])
def test_blocks_64_deep_are_walked_and_one_deeper_is_one_paragraph(tag: str) -> None:
    def nested(levels: int) -> str:
        return f"<{tag}>" * levels + "<p>a</p><p>b</p>" + f"</{tag}>" * levels

    assert render(nested(64))[0] == "a\n\nb"  # the <p>s, 65 deep, each flattened
    assert render(nested(65))[0] == "ab"  # the block 65 deep: its text as one paragraph


def test_lists_nest_64_lists_deep_then_join_their_parent_item() -> None:
    def nested(levels: int) -> str:
        return "<ul><li>a" * levels + "</li></ul>" * levels

    lines = render(nested(64))[1].split("\n")
    assert len(lines) == 64 and lines[-1] == " " * 126 + "- a"
    lines = render(nested(65))[1].split("\n")
    assert len(lines) == 64 and lines[-1] == " " * 126 + "- aa"  # the 65th: text of its item
    assert render(nested(65))[0] == "a\n" * 63 + "aa"


# -- values and decoding -----------------------------------------------------------


def test_a_view_count_has_at_most_18_digits() -> None:
    assert parse_view_count("9" * 18) == (999_999_999_999_999_999, False)
    assert parse_view_count("1" + "0" * 18) is None


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
    assert raised.value.reason == ("unknown profile 'nope' "
                                   "(known: csdn-answer, discourse, qapage, stackexchange, "
                                   "zhihu)")


def test_profiles_are_discovered_once_and_named_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(profile_module, "_discovered", None)
    assert profile_module.profile_names() == [  # discovered on first use
        "csdn-answer", "discourse", "qapage", "stackexchange", "zhihu"]
    found = profile_module._discovered
    assert found is not None and profile_module._profiles() is found  # and kept
    monkeypatch.setattr(profile_module, "_discovered", {"zeta": object(), "alpha": object()})
    with pytest.raises(UnknownProfile) as raised:
        choose_profile("", name="nope")
    assert raised.value.reason == "unknown profile 'nope' (known: alpha, zeta)"


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
    assert (page.profile, page.parser_version, page.view_count) == ("csdn-answer", 5, 76)


@pytest.mark.parametrize(
    ("url", "kind"),
    [("https://wenku.csdn.net/", "unknown"), ("https://wenku.csdn.net/Doc/1", "doc"),
     ("https://download.csdn.net/download/a/1", "download")],
)
def test_resource_kind(url: str, kind: str) -> None:
    assert choose_profile("", name="csdn-answer").resource_kind(url) == kind


# -- profile discovery --------------------------------------------------------------


def _site_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, modules: dict[str, str],
                  entry_points: list[tuple[str, str]] = ()) -> None:
    """A package qa_mut_pkg.sites holding ``modules``, and ``entry_points`` in the group."""
    import importlib.metadata
    import sys

    root = tmp_path / "qa_mut_pkg"
    (root / "sites").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "sites" / "__init__.py").write_text("")
    (root / "extra.py").write_text(
        "class _P:\n    name = 'gamma'\nPROFILE = _P()\nNOT_A_PROFILE = object()\n")
    for name, source in modules.items():
        (root / "sites" / f"{name}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [name for name in sys.modules if name.startswith("qa_mut_pkg")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(profile_module, "SITES_PACKAGE", "qa_mut_pkg.sites")
    points = [importlib.metadata.EntryPoint(name, value, "qarchive.profiles")
              for name, value in entry_points]
    monkeypatch.setattr(profile_module, "entry_points",
                        lambda *, group: points if group == "qarchive.profiles" else [])


_PROFILE_MODULE = "class _P:\n    name = {name!r}\nPROFILE = _P()\n"


def test_discovery_finds_modules_and_entry_points_and_skips_helpers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    _site_package(tmp_path, monkeypatch, {
        "_helper": "raise ImportError('a helper is never imported')\n",
        "alpha": _PROFILE_MODULE.format(name="alpha"),
        "beta": _PROFILE_MODULE.format(name="beta"),
    }, [("gamma", "qa_mut_pkg.extra:PROFILE"), ("delta", "qa_mut_pkg.sites.beta")])
    with pytest.raises(RuntimeError) as raised:
        profile_module._discover()
    assert str(raised.value) == (
        "two site profiles are named 'beta': qa_mut_pkg.sites.beta and "
        "entry point delta = qa_mut_pkg.sites.beta")


def test_discovery_returns_the_profiles_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    _site_package(tmp_path, monkeypatch, {
        "_helper": "raise ImportError('a helper is never imported')\n",
        "alpha": _PROFILE_MODULE.format(name="alpha"),
    }, [("gamma", "qa_mut_pkg.extra:PROFILE")])
    profiles = profile_module._discover()
    assert list(profiles) == ["alpha", "gamma"]
    assert profiles["alpha"] is sys.modules["qa_mut_pkg.sites.alpha"].PROFILE
    assert profiles["gamma"] is sys.modules["qa_mut_pkg.extra"].PROFILE


@pytest.mark.parametrize(
    ("modules", "points", "message"),
    [
        ({"alpha": "PROFILE = None\nprofile = 1\n"}, [],
         "qa_mut_pkg.sites.alpha: not a site profile (a profile module needs a PROFILE)"),
        ({"alpha": "profile = 1\n"}, [],
         "qa_mut_pkg.sites.alpha: not a site profile (a profile module needs a PROFILE)"),
        ({}, [("broken", "qa_mut_pkg.extra:NOT_A_PROFILE")],
         "entry point broken = qa_mut_pkg.extra:NOT_A_PROFILE: not a site profile "
         "(a profile module needs a PROFILE)"),
        ({}, [("module", "qa_mut_pkg.extra")], None),
    ],
)
def test_a_module_or_entry_point_without_a_profile_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, modules: dict[str, str],
    points: list[tuple[str, str]], message: str | None,
) -> None:
    _site_package(tmp_path, monkeypatch, modules, points)
    if message is None:  # an entry point naming a module: its PROFILE
        assert list(profile_module._discover()) == ["gamma"]
        return
    with pytest.raises(TypeError) as raised:
        profile_module._discover()
    assert str(raised.value) == message


def test_profile_names_are_sorted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(profile_module, "_discovered", {"zeta": object(), "alpha": object()})
    assert profile_module.profile_names() == ["alpha", "zeta"]


# -- text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "squeezed", "lines"),
    [
        ("  a \t b\u3000\n\n c  ", "a b c", "a b\nc"),
        ("\n x   y \n", "x y", "x y"),
        ("a\x85b\xa0\xa0c", "a b c", "a b c"),
        ("one", "one", "one"),
        (" \n \n ", "", ""),
        ("a" + " " * 9 + "b\n\n\n\nc", "a b c", "a b\nc"),
        ("X\tXbox X", "X Xbox X", "X Xbox X"),  # letters are no whitespace, at the ends too
    ],
)
def test_squeeze_and_squeeze_lines(text: str, squeezed: str, lines: str) -> None:
    from parsers.text import squeeze, squeeze_lines

    assert squeeze(text) == squeezed == " ".join(text.split())
    assert squeeze_lines(text) == lines


# -- decoding ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "charset", "text"),
    [
        (b"caf\xe9", "latin-1", "café"),  # not UTF-8: the declared Latin-1
        ("café".encode(), "latin-1", "café"),  # valid UTF-8 with high bytes: UTF-8
        (b"plain", "latin-1", "plain"),
        (b"\xef\xbb\xbfcaf\xc3\xa9 \xff", None, "café \ufffd"),
        (b"\xff\xfea\x00\x00\xd8", None, "a\ufffd"),
        (b"caf\xe9", " \"'latin-1'\" ", "café"),
        (b"<meta charset=gbk>\xc4\xe3", "nonsense", "<meta charset=gbk>你"),
        (b"\xc4\xe3", "utf-8", "\ufffd\ufffd"),
        # GBK labels read as GB18030 (its superset: the emoji is four GB18030 bytes), quoted
        # or in capitals too
        ("你好😀".encode("gb18030"), '"gbk"', "你好😀"),
        ("你好😀".encode("gb18030"), "X-GBK", "你好😀"),
    ],
)
def test_decode_html(body: bytes, charset: str | None, text: str) -> None:
    assert decode_html(body, charset=charset) == text


# -- nesting: what the depth model keeps ---------------------------------------------------
# Each case after 4,100 <br> (void: no nesting), so that cap_nesting reads the page: the
# start tags (and their end tags) nesting deeper than max_depth are left out, the text kept.

_PAD = "<br>" * 4_100


@pytest.mark.parametrize(
    ("html", "max_depth", "kept"),
    [
        ('<div><div><div><div><div><div>x', 3, '<div><div><div>x'),
        ('<svg><g><p>a</p>', 2, '<svg><g><p>a</p>'),
        ('<svg><g><font color=red>a', 2, '<svg><g><font color=red>a'),
        ('<svg><g><font>a', 2, '<svg><g>a'),
        ('<svg><g><font face=x>a', 2, '<svg><g><font face=x>a'),
        ('<svg><g><font size=3>a', 2, '<svg><g><font size=3>a'),
        ('<svg><g><font class=x>a', 2, '<svg><g>a'),
        ('<math><mi><mglyph><g>a', 3, '<math><mi><mglyph>a'),
        ('<math><mi><b><i>a', 3, '<math><mi><b>a'),
        ("<math><annotation-xml encoding='text/html'><div><div>a", 3,
         "<math><annotation-xml encoding='text/html'><div>a"),
        ('<math><annotation-xml encoding="application/xhtml+xml"><div><div>a', 3,
         '<math><annotation-xml encoding="application/xhtml+xml"><div>a'),
        ('<math><annotation-xml encoding=TEXT/HTML><div><div>a', 3,
         '<math><annotation-xml encoding=TEXT/HTML><div>a'),
        ('<math><annotation-xml encoding=svg><div><div>a', 3,
         '<math><annotation-xml encoding=svg><div><div>a'),
        ('<math><annotation-xml encoding=Xtext/html><div><div>a', 3,
         '<math><annotation-xml encoding=Xtext/html><div><div>a'),
        ('<math><annotation-xml><div><div>a', 3, '<math><annotation-xml><div><div>a'),
        ('<math><annotation-xml><svg><g>a', 3, '<math><annotation-xml><svg>a'),
        ('<math><annotation-xml encoding><g><g>a', 3, '<math><annotation-xml encoding><g>a'),
        ("<math><annotation-xml class=x encoding='text/html'><g><g>a", 3,
         "<math><annotation-xml class=x encoding='text/html'><g>a"),
        ('<svg><foreignObject><div><div>a', 3, '<svg><foreignObject><div>a'),
        ('<svg><desc><div><div>a', 3, '<svg><desc><div>a'),
        ('<svg><title><div><div>a', 3, '<svg><title><div>a'),
        ('<svg><g><g/><g/><g>a', 2, '<svg><g><g/><g/>a'),
        ('<math><mtext><div><div>a', 3, '<math><mtext><div>a'),
        ('<b><i><u><p>a</b>b<div>c', 3, '<b><i><u>a</b>b<div>c'),
        ('<b><p>a</b>b<b><b><b>c', 3, '<b><p>a</b>b<b>c'),
        ('<a><div><a>x</a>y', 3, '<a><div><a>x</a>y'),
        ('<table><tr><td><b><i>x</td><td><u>y', 5, '<table><tr><td><b>x</td><td><u>y'),
        ('<table><td>a<td>b<tr><td>c', 3, '<table>ab<tr>c'),
        ('<table><tbody><tr><td><div>a', 4, '<table><tbody><tr><td>a'),
        ('<table><caption><div>a', 3, '<table><caption><div>a'),
        ('<table><col><td>a', 3, '<table><col>a'),
        ('<table><thead><tr><th>a</table><div>b', 3, '<table><thead><tr>a</table><div>b'),
        ('<ul><li><li><li><div>a', 3, '<ul><li><li><li><div>a'),
        ('<dl><dd><dt><dd><div>a', 3, '<dl><dd><dt><dd><div>a'),
        ('<select><option><option><input>x', 2, '<select><option><option><input>x'),
        ('<select><select>x', 2, '<select><select>x'),
        ('<form><form><div>a</form><div>b', 2, '<form><form><div>a</form>b'),
        ('<form><div></form><div><div>a', 3, '<form><div></form><div>a'),
        ('<h1><h2><h3>a', 2, '<h1><h2><h3>a'),
        ('<p><div><p><div>a', 3, '<p><div><p><div>a'),
        ('<button><p><button><p>a', 3, '<button><p><button>a'),
        ('<nobr><nobr><nobr><div>a', 3, '<nobr><nobr><nobr><div>a'),
        ('<div><span></div><div><span><div>a', 3, '<div><span></div><div><span><div>a'),
        ('<marquee><b></marquee><b><b>a', 3, '<marquee><b></marquee><b><b>a'),
        ('<object><i></object><i><i>a', 3, '<object><i></object><i><i>a'),
        ('<template><b></template><b><b>a', 3, '<template><b></template><b><b>a'),
        ('<textarea><div><div></textarea><div><div>a', 2,
         '<textarea><div><div></textarea><div><div>a'),
        ('<div><div><textarea>t<div></textarea>a', 2, '<div><div>t&lt;div>a'),
        ('<div><div><title>t<b></title>a', 2, '<div><div>t&lt;b>a'),
        ('<div><div><script>if (a<b) x</script>a', 2, '<div><div>a'),
        ('<div><div><style>p{}</style>a', 2, '<div><div>a'),
        ('<div><div><plaintext><div>a', 2, '<div><div>&lt;div>a'),
        ('<div><plaintext><div>a', 2, '<div><plaintext><div>a'),
        ('<!-- <div><div><div> --><div><div>a', 2, '<!-- <div><div><div> --><div><div>a'),
        ('<div><![CDATA[<div>]]><div>a', 2, '<div><![CDATA[<div>]]><div>a'),
        ('<svg><![CDATA[<g><g>]]><g>a', 2, '<svg><![CDATA[<g><g>]]><g>a'),
        ('<frameset><div>a', 2, '<div>a'),
        ('<frameset><div><div>a', 1, '<div>a'),  # and the tags after it are read on
        ('<div title=\'<div>\' data-x="<div>"><div>a', 1, '<div title=\'<div>\' data-x="<div>">a'),
        ('<div><script><!--<script></script>--></script><div><div>a', 2,
         '<div><script><!--<script></script>--></script><div>a'),
        ('<div><script><!--</script><div><div>a', 2, '<div><script><!--</script><div>a'),
        ('<div><div><script>x<div>', 2, '<div><div>'),  # unclosed: the rest is its text
        ('<div><div id=x', 1, '<div><div id=x'),
        ('</div></b></p></li></td><div><div>a', 2, '</div></b></p></li></td><div><div>a'),
        ('<li><ul><li><div><li>a', 3, '<li><ul><li><li>a'),
        ('<table><tr><td><table><tr><td>a', 6, '<table><tr><td><table>a'),
        ('<b><div><b><div><b>a', 3, '<b><div><b>a'),
        ('<div><svg><math><mi><div>a', 3, '<div><svg><math><div>a'),
        ('<p><svg><g></p><div>a', 3, '<p><svg><g></p><div>a'),
        ('<svg><g></svg><div><div>a', 2, '<svg><g></svg><div><div>a'),
        ('<math><mi><mglyph><malignmark>a', 3, '<math><mi><mglyph>a'),
        ('<math><annotation-xml><svg><foreignObject><div>a', 4,
         '<math><annotation-xml><svg><foreignObject>a'),
        ('<b>1<i>2</b>3</i>4<div><div>a', 3, '<b>1<i>2</b>3</i>4<div><div>a'),
        ('<a>1<b>2</a>3<div><div>a', 3, '<a>1<b>2</a>3<div><div>a'),
        ('<s><s><s></s><div><div>a', 3, '<s><s><s></s><div>a'),
        ('<code><p></code><code><code>a', 3, '<code><p></code><code>a'),
        ('<div><xmp><div></xmp><div>a', 2, '<div><xmp><div></xmp><div>a'),
        ('<div><iframe><div></iframe><div>a', 2, '<div><iframe><div></iframe><div>a'),
        ('<noembed><div></noembed><div><div>a', 2, '<noembed><div></noembed><div><div>a'),
        ('<select><div><keygen><div>a', 2, '<select><div><keygen><div>a'),
        ('<select><textarea>x</textarea><div><div>a', 2,
         '<select><textarea>x</textarea><div><div>a'),
        ('<div><option><option><div>a', 3, '<div><option><option><div>a'),
        ('<div/><div/><div>a', 1, '<div/>a'),
        ('<DIV><Div><dIV>a', 2, '<DIV><Div>a'),
        ('<tr><td><div><div>a', 2, '<tr><td><div><div>a'),
        ('<applet><b></applet><b><b>a', 3, '<applet><b></applet><b><b>a'),
        ('<div><a><table><a><div>a', 4, '<div><a><table><a>a'),
        # an HTML end tag inside SVG in a <template> (a fragment of its own: not
        # measurable by lexbor_depth): </td> is ignored there, the <td> stays counted
        ('<template><svg><td><foreignObject><div></td><div><div>a', 5,
         '<template><svg><td><foreignObject><div></td>a'),
        # <col> straight in a table brings a <colgroup>: no room for it, no <col>
        ('<table><col>a', 1, '<table>a'),
        # a cell in a <caption>: lexbor closes the caption first, the model counts it still
        # open (one level too deep, the direction it errs in)
        ('<table><caption><td><div>a', 5, '<table><caption><td>a'),
        # likewise a row in a <caption> (lexbor closes the caption and puts the <div> before
        # the table): the model counts the caption and a <tbody> open
        ('<table><caption><tr><div>a', 4, '<table><caption><tr>a'),
        # </table> in a <template> is ignored (any end tag but </template> is, in a
        # template): the <div>s nest in it (its content is not measurable by lexbor_depth)
        ('<table><template></table><div><div>a', 3, '<table><template></table><div>a'),
    ],
)
def test_cap_nesting_keeps(html: str, max_depth: int, kept: str) -> None:
    from parsers.nesting import cap_nesting

    capped = cap_nesting(_PAD + html, max_depth=max_depth)
    assert capped[:len(_PAD)] == _PAD
    assert capped[len(_PAD):] == kept


def _lexbor_depth(html: str) -> int:
    """How deep lexbor nests ``html``'s elements below <body> (text and comments not counted)."""
    return lexbor_depth(html, elements_only=True) - 2


def _lexbor_text(html: str) -> str:
    body = LexborHTMLParser(html).body
    return body.text(deep=True) if body is not None else ""


# Cases of the depth model's bookkeeping (formatting elements that lexbor reopens, the
# adoption agency's moved elements, ...), each checked against lexbor itself: what is kept
# nests no deeper than max_depth, keeps every text, and is the page unchanged when lexbor
# nests the page within max_depth anyway.
@pytest.mark.parametrize(
    ("html", "max_depth", "kept"),
    [
        # a <b> closed by </div> stays open (reopened) until its own </b>
        ("<div><b></div></b><div><div>a", 2, "<div><b></div></b><div><div>a"),
        ("<div><b><b></div></b></b><div><div><div><div>a", 3,
         "<div><b><b></div></b></b><div><div><div>a"),
        ("<div><b></div></b></b><div><div><div>a", 2, "<div><b></div></b></b><div><div>a"),
        # ... or until the end of the <marquee> (a marker, like a cell) it was opened in
        ("<marquee><p><b></p></b></marquee><div><div><div><div>a", 3,
         "<marquee><p><b></p></b></marquee><div><div><div>a"),
        ("<marquee><p><b></p></b></marquee><marquee><p><b></p></marquee><div><div><div>a", 3,
         "<marquee><p><b></p></b></marquee><marquee><p><b></p></marquee><div><div><div>a"),
        ("<marquee><p><b></p></b></marquee><marquee><p><b></p></b></marquee>"
         "<div><div><div><div>a", 3,
         "<marquee><p><b></p></b></marquee><marquee><p><b></p></b></marquee><div><div><div>a"),
        ("<marquee><p><b></p></marquee></b><div><div><div><div>a", 3,
         "<marquee><p><b></p></marquee></b><div><div><div>a"),
        ("<marquee><p><b></p></marquee><p><b></p></b><div><div><div>a", 3,
         "<marquee><p><b></p></marquee><p><b></p></b><div><div><div>a"),
        # the adoption agency: </b> with a <div> open in it moves the <b>; the outer
        # </div> then closes it with the rest
        ("<div><b><div></b></div></div><div><div>a", 3, "<div><b><div></b></div></div><div><div>a"),
        # </form> closes the form open on top, and a form may follow it
        ("<form></form><form><div><div><div>a", 2, "<form></form><form><div>a"),
        ("<div><form></form><div><div>a", 2, "<div><form></form><div>a"),
        # </li> closes the <li> and what is open in it
        ("<ul><li><div></li><div><div>a", 3, "<ul><li><div></li><div><div>a"),
        # a script's text: "<!--<script>" escapes its first </script>, "<!-->" opens and
        # closes an escape at once
        ("<div><script><!--<script></script><div><div>--></script><div>a", 2,
         "<div><script><!--<script></script><div><div>--></script><div>a"),
        ("<div><script><!--<script></script></script><div><div>a", 2,
         "<div><script><!--<script></script></script><div>a"),
        ("<div><script><!--><script></script><div><div></script><div>a", 2,
         "<div><script><!--><script></script><div></script>a"),
        # two reopened <b>s ended by their </b>s, then their marker: both counted out once
        ("<marquee><p><b><b></p></b></b></marquee><div><div><div><div><div>a", 4,
         "<marquee><p><b><b></p></b></b></marquee><div><div><div><div>a"),
        # </form> in SVG: lexbor takes out the form, the SVG elements stay open
        ("<form><svg><g></form><g><g><g>a", 4, "<form><svg><g></form><g>a"),
        # an SVG end tag in an integration point closes it and what is open in it
        ("<svg><g><desc></g><g><g>a", 3, "<svg><g><desc></g><g><g>a"),
        # </td> in an inner table's caption: ignored, not the outer table's cell
        ("<table><tr><td><table><caption></td><div><div>a", 6,
         "<table><tr><td><table><caption></td>a"),
        # </p> closes what is open in the <p> when no scope element is
        ("<p><noscript></p><span><span>a", 2, "<p><noscript></p><span><span>a"),
        # </span> above a special element is ignored; the later one closes it
        ("<span><div></span></div></span><span><span>a", 2,
         "<span><div></span></div></span><span><span>a"),
        # an element in a <select> (no <input>, <keygen>, <textarea>, <select>) keeps it open
        ("<select><option><span><span>a", 3, "<select><option><span>a"),
        # a <select> in a <select> is read as </select>
        ("<select><select><span><span>a", 2, "<select><select><span><span>a"),
        # </colgroup> closes the implied <colgroup>
        ("<table><col></colgroup><tr><td>a", 4, "<table><col></colgroup><tr><td>a"),
        # a list item closes the one open at the bottom of the stack too
        ("<li><li><div><div>a", 2, "<li><li><div>a"),
        # <option> closes an open <option>, and only it
        ("<div><option><option><div><div>a", 3, "<div><option><option><div>a"),
        # <a> closes the open <a>
        ("<a>1<a>2<a>3<div>x", 2, "<a>1<a>2<a>3<div>x"),
        # a cell closes the open cell, <td> or <th>
        ("<table><tr><td>a<td>b<td>c<div>x", 5, "<table><tr><td>a<td>b<td>c<div>x"),
        ("<table><tr><th>a<th>b<th>c<div>x", 5, "<table><tr><th>a<th>b<th>c<div>x"),
        # a row closes the open row; a <caption> closes what is open in the table
        ("<table><tr><td>a<tr><td>b<tr><td>c<div>x", 5,
         "<table><tr><td>a<tr><td>b<tr><td>c<div>x"),
        ("<table><tr><td>a<caption><div><div>x", 4, "<table><tr><td>a<caption><div><div>x"),
        # the <tbody> and <tr> a cell or row implies, each by its name
        ("<table><tbody><td><div>a", 5, "<table><tbody><td><div>a"),
        ("<table><tbody><td>a<tr><td>b<div>x", 5, "<table><tbody><td>a<tr><td>b<div>x"),
        ("<table><td>a<tr><td>b<div>x", 5, "<table><td>a<tr><td>b<div>x"),
        ("<table><tr></tr><td><div>a", 5, "<table><tr></tr><td><div>a"),
        ("<table><td></tr><td><div>a", 5, "<table><td></tr><td><div>a"),
        # other void elements in a table bring no <colgroup>
        ("<table><input><tr><td><div>a", 5, "<table><input><tr><td><div>a"),
        # no doctype: quirks mode, where <table> leaves the <p> open
        ("<p><table><tr><td><div><div>a", 6, "<p><table><tr><td><div>a"),
        # an <svg> in MathML is a MathML element: its <mi> is a text integration point,
        # where HTML nests (the model took it for SVG, whose <div> closes all foreign
        # content: each repeat counted 1 level, lexbor nests 4) ...
        ("<math><svg><mi><div><div>a", 4, "<math><svg><mi><div>a"),
        ("<math><svg><mi><div>" * 50 + "a", 8, "<math><svg><mi><div>" * 2 + "a"),
        # ... and its <foreignObject> no integration point: <div> leaves the MathML
        ("<math><svg><foreignObject><div><div>a", 3, "<math><svg><foreignObject><div><div>a"),
        # a list item closes the open <li> past elements that are not special (<span>) and
        # past the special ones it passes over (<address>, <div>)
        ("<ul><li><span><li><div>a", 3, "<ul><li><span><li><div>a"),
        ("<li><address><li><div><div>a", 2, "<li><address><li><div>a"),
        ("<li><div><li><div>a", 2, "<li><div><li><div>a"),
        # </li> with a <ul> open in the <li> is ignored (as with <ol>)
        ("<li><ul></li><div><div>a", 3, "<li><ul></li><div>a"),
        # a <marquee>'s end counts out the <b> reopened in it, an element opened after it too
        ("<marquee><p><b></p><div></marquee><div><div><div>a", 3,
         "<marquee><p><b></p><div></marquee><div><div><div>a"),
        # HTML rules in an SVG integration point: <option> closes the open <option>
        ("<svg><desc><option><option><article>a", 3, "<svg><desc><option><option>a"),
        # <mglyph> and <malignmark> in a MathML text integration point are MathML: a <div>
        # closes them; in an HTML <mi> (no MathML) <mglyph> is HTML, and a <div> nests in it
        ("<div><math><mi><mglyph><div><div>a", 4, "<div><math><mi><mglyph><div>a"),
        ("<div><math><mi><malignmark><div><div>a", 4, "<div><math><mi><malignmark><div>a"),
        ("<mi><mglyph><div><div>a", 3, "<mi><mglyph><div>a"),
        # an <svg> straight in <math>, at the bottom of the stack
        ("<math><svg><g>a", 2, "<math><svg>a"),
        # a breakout tag closes the foreign elements, one by one, down to an HTML one
        ("<div><svg><p><span>a", 2, "<div><svg><p>a"),
        # <font> breaks out with a color; another SVG element with one does not
        ("<svg><g color=red><g>a", 2, "<svg><g color=red>a"),
        # a "/" ending an unquoted value does not self-close the element
        ("<svg><g a=b/><g>a", 2, "<svg><g a=b/>a"),
        # <style> in SVG is an element like another: its content is markup
        ("<svg><style><g><g>a", 3, "<svg><style><g>a"),
        # "<![CDATA[" in HTML is a bogus comment, ended by the first ">"
        ("<div><![CDATA[><div>]]><div>a", 2, "<div><![CDATA[><div>]]>a"),
        # a CDATA section's end is looked for from its start, not at a "]]>" before it
        ("]]><svg><![CDATA[<g>]]><g>a", 2, "]]><svg><![CDATA[<g>]]><g>a"),
        # each end tag of a left-out element goes with it, one for one
        ("<div><div></div></div>a", 1, "<div></div>a"),
        ("<div><div></div><div></div>a", 1, "<div>a"),
        ("<div><div><div></div></div></div>a", 1, "<div></div>a"),
    ],
)
def test_cap_nesting_against_lexbor(html: str, max_depth: int, kept: str) -> None:
    from parsers.nesting import cap_nesting

    capped = cap_nesting(_PAD + html, max_depth=max_depth)
    assert capped[:len(_PAD)] == _PAD
    assert capped[len(_PAD):] == kept
    assert _lexbor_depth(kept) <= max_depth
    assert _lexbor_text(kept) == _lexbor_text(html)
    assert kept == html or _lexbor_depth(html) > max_depth


def test_cap_nesting_reads_pages_of_more_than_4096_tags_from_their_start() -> None:
    from parsers.nesting import cap_nesting

    page = "<div>" * 4_096
    assert cap_nesting(page, max_depth=2) is page  # 4,096 "<": unread, however deep
    assert cap_nesting(page + "<br>", max_depth=2) == "<div><div><br>"
    page = "<table><td>" * 2_500  # nests 10,000 deep, but has no more "<" than max_depth
    assert cap_nesting(page, max_depth=5_000) is page


# -- state: the embedded state object (parsers/state.py) -----------------------------------

_STATE = "window.__INITIAL_STATE__"


@pytest.mark.parametrize(
    ("html", "state"),
    [
        (f'<script>{_STATE} = {{"a": 1}};</script>', {"a": 1}),
        # a read first, then the assignment; the assignment first, then a read
        (f'<script>var s = {_STATE}; {_STATE} = {{"a": 1}};</script>', {"a": 1}),
        (f'<script>{_STATE} = {{"a": 1}}; var s = {_STATE};</script>', {"a": 1}),
        # the name at the very start of the page (no script), then in a script
        (f'__INITIAL_STATE__ <script>{_STATE} = {{"a": 1}}</script>', {"a": 1}),
        # a call, a comparison, another variable whose name starts with it
        (f'<script>f({_STATE} ({{"a": 2}}))</script>', None),
        (f'<script>if ({_STATE} == {{"a": 2}}) x()</script>', None),
        (f'<script>{_STATE}X = {{"a": 2}}</script>', None),
        # outside any script: before one, after a closed one (either case), then inside
        (f'{_STATE} = {{"b": 1}}<script>{_STATE} = {{"a": 1}}</script>', {"a": 1}),
        (f'{_STATE} = {{"b": 1}}<script>x</script>', None),
        (f'{_STATE} = {{"b": 1}}<SCRIPT>x</SCRIPT>', None),
        (f'<script>x</script>{_STATE} = {{"b": 1}}', None),
        (f'<SCRIPT>x</SCRIPT>{_STATE} = {{"b": 1}}', None),
        # upper-case scripts; the last script opened before the name is the one it is in
        (f'<SCRIPT>{_STATE} = {{"a": 1}}</SCRIPT>', {"a": 1}),
        (f'<SCRIPT>a</SCRIPT><SCRIPT>{_STATE} = {{"a": 1}}</SCRIPT>', {"a": 1}),
        (f'<SCRIPT>x</SCRIPT><script>{_STATE} = {{"a": 1}}</script>', {"a": 1}),
        (f'<script>{_STATE} = {{"a": 1}}</SCRIPT>', {"a": 1}),
        # the page ends at the name or at its "="
        (f"<script>{_STATE}", None),
        (f"<script>{_STATE} =", None),
        (f"<script>{_STATE} = [1, 2]</script>", None),  # no object
        (f'<script>{_STATE} = JSON.parse({{"a": 1}})</script>', None),  # no string to parse
        (f'<script>{_STATE} = JSON.parse("{{\\"a\\": 1}}")</script>', {"a": 1}),
    ],
)
def test_embedded_state(html: str, state: dict[str, int] | None) -> None:
    from parsers.state import embedded_state

    assert embedded_state(html) == state


def test_embedded_state_size_limits() -> None:
    from parsers.state import MAX_STATE_CHARS, embedded_state

    def state_of(length: int) -> str:  # an object of exactly ``length`` characters
        return "{\"a\": \"" + "x" * (length - 9) + "\"}"

    opening = f"<script>{_STATE} = "
    # read while its </script (8 characters) ends within MAX_STATE_CHARS + 1 of it
    assert embedded_state(opening + state_of(MAX_STATE_CHARS - 7) + "</script>") is not None
    assert embedded_state(opening + state_of(MAX_STATE_CHARS - 6) + "</script>") is None
    # an object of MAX_STATE_CHARS that runs to the end of the page is read
    assert embedded_state(opening + state_of(MAX_STATE_CHARS)) is not None
    # what follows the script, and what comes before it, are not counted
    small = opening + '{"a": 1}</script>'
    assert embedded_state(small + "<p>" + "x" * MAX_STATE_CHARS) == {"a": 1}
    assert embedded_state("<!--" + "x" * MAX_STATE_CHARS + "-->" + small) == {"a": 1}
    # a state too large is passed over for the next one
    assert embedded_state(opening + state_of(MAX_STATE_CHARS + 1) + "</script>" + small) \
        == {"a": 1}


@pytest.mark.parametrize(
    ("value", "path", "anywhere", "found"),
    [
        ({"a": {"b": 1}}, ("a", "b"), None, 1),
        ({"a": 1}, ("a", "b"), None, None),
        ({"a": 1}, ("a", "b"), "b", None),
        ({"x": {"b": 2}}, ("a", "b"), "b", 2),
        ({"x": [{"b": 3}]}, ("a",), "b", 3),
        ({"a": {"b": 1}, "b": 5}, ("a", "b"), "b", 1),
        ({"x": {}}, ("a",), "b", None),
    ],
)
def test_find_key(value: dict[str, object], path: tuple[str, ...], anywhere: str | None,
                  found: object) -> None:
    from parsers.state import find_key

    assert find_key(value, path, anywhere=anywhere) == found


def test_find_key_visits_at_most_20000_containers() -> None:
    from parsers.state import find_key

    # the list is the first container visited, its dicts the next ones
    assert find_key([{}] * 19_998 + [{"b": 1}], ("a",), anywhere="b") == 1
    assert find_key([{}] * 19_999 + [{"b": 1}], ("a",), anywhere="b") is None


# -- markdown_source -----------------------------------------------------------------------


def test_visible_signature() -> None:
    from parsers.markdown_source import visible_signature

    text = "![img](a.png) [link](http://x) <b>bold</b>\n1. one\n2) two"
    assert visible_signature(text, markdown=True) == "linkboldonetwo"
    assert visible_signature(text) == "![img](a.png)[link](http://x)<bbold</b1.one2)two"


def test_markdown_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    from parsers import markdown_source

    assert markdown_source.markdown_answer("[a](/x) *b*", PAGE_URL) == ("a b", "[a](/x) *b*")
    # a comment renders to no text, but the Markdown is kept; blank Markdown is nothing
    assert markdown_source.markdown_answer("<!-- c -->", PAGE_URL) == ("", "<!-- c -->")
    assert markdown_source.markdown_answer("   ", PAGE_URL) is None
    monkeypatch.setattr(markdown_source, "MAX_MARKDOWN_CHARS", 5)
    assert markdown_source.markdown_answer("a" * 5, PAGE_URL) == ("aaaaa", "aaaaa")
    assert markdown_source.markdown_answer("a" * 6, PAGE_URL) is None


# -- css: one selector engine per thread ---------------------------------------------------


def test_css_queries_work_in_another_thread() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from parsers.css import css, css_first, css_matches

    root = LexborHTMLParser("<div><p class=a>1</p><p class=a>2</p></div>").body
    assert root is not None

    def query() -> tuple[list[str], str | None, bool]:
        first = css_first(root, "p.a")
        return ([node.text() for node in css(root, "p.a")], first.text() if first else None,
                css_matches(root, "p.b"))

    with ThreadPoolExecutor(max_workers=1) as pool:  # a new thread: its own engine
        assert pool.submit(query).result() == (["1", "2"], "1", False)


# -- schema_org: JSON-LD -------------------------------------------------------------------


def _json_ld(*objects: object) -> LexborHTMLParser:
    import json

    scripts = "".join(f'<script type="application/ld+json">{json.dumps(obj)}</script>'
                      for obj in objects)
    return LexborHTMLParser(f"<html><head>{scripts}</head><body></body></html>")


def test_json_ld_references_types_and_properties() -> None:
    from parsers.schema_org import qa_question, read_schema_org

    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": ["Question", "Thing"], "@id": "#q", "name": "q", "author": {"@id": "#u"},
         "keywords": [["a", "b"], "c"],
         "about": {"@id": "#t", "name": "topic"}},
        {"@id": "#u", "@type": "Person", "name": "Ann"},
    ]}
    data = read_schema_org(_json_ld(graph), PAGE_URL)
    question = data.json_ld[0]
    assert question.types == ("Question", "Thing")
    assert question.id == "#q"
    assert sorted(question.properties) == ["about", "author", "keywords", "name"]
    assert question.properties["keywords"] == ["c"]  # a list in a list is no value
    assert data.by_id["#u"].first("name") == "Ann"
    assert data.by_id["#t"].first("name") == "topic"
    found = qa_question(data)
    assert found is not None and found.author == "Ann"


def test_json_ld_answers_come_in_json_order() -> None:
    from parsers.schema_org import qa_question, read_schema_org

    question = {"@type": "Question", "name": "q",
                "suggestedAnswer": {"@type": "Answer", "text": "first"},
                "acceptedAnswer": {"@type": "Answer", "text": "second"}}
    found = qa_question(read_schema_org(_json_ld(question), PAGE_URL))
    assert found is not None
    assert [(answer.text, answer.accepted) for answer in found.answers] == [
        ("first", False), ("second", True)]


def test_json_ld_nesting_is_followed_32_levels_deep() -> None:
    from parsers.schema_org import MAX_JSON_DEPTH, read_schema_org

    obj: dict[str, object] = {"@type": "Thing"}
    for _ in range(40):
        obj = {"@type": "Thing", "child": obj}
    item = read_schema_org(_json_ld(obj), PAGE_URL).json_ld[0]
    levels = 0
    while (item := item.first("child")) is not None:
        levels += 1
    assert levels == MAX_JSON_DEPTH == 32


@pytest.mark.parametrize(("answers", "kept"), [(19_999, 19_999), (20_000, 19_999)])
def test_json_ld_keeps_20000_objects(answers: int, kept: int) -> None:
    from parsers.schema_org import MAX_JSON_OBJECTS, read_schema_org

    assert MAX_JSON_OBJECTS == 20_000
    top = {"@type": "Thing", "part": [{"@type": "T"}] * answers}
    assert len(read_schema_org(_json_ld(top), PAGE_URL).json_ld[0].values("part")) == kept


def test_json_ld_answer_urls_are_non_empty_strings() -> None:
    from parsers.schema_org import qa_question, read_schema_org

    question = {"@type": "Question", "name": "q", "suggestedAnswer": [
        {"@type": "Answer", "text": "a", "url": 5}, {"@type": "Answer", "text": "b", "url": ""},
        {"@type": "Answer", "text": "c", "url": "https://h.test/a/1"}]}
    found = qa_question(read_schema_org(_json_ld(question), PAGE_URL))
    assert found is not None
    assert [answer.url for answer in found.answers] == [None, None, "https://h.test/a/1"]


# -- sites/qapage: the generic QAPage profile ----------------------------------------------

QA_URL = "https://h.test/questions/7/x"


def qa_page(*, question_text: str = "<p>Q text</p>", answers: str = "", head: str = "",
            extra: str = "") -> str:
    """A QAPage in microdata; ``answers``: whole answer elements."""
    return f"""<html><head>{head}</head><body>
<div itemscope itemtype="https://schema.org/QAPage">
<div itemprop="mainEntity" itemscope itemtype="https://schema.org/Question">
  <h1 itemprop="name">Q</h1><div itemprop="text">{question_text}</div>{answers}
</div></div>{extra}</body></html>"""


def qa_answer(attributes: str = "", url: str | None = None, text: str = "A") -> str:
    link = f'<link itemprop="url" href="{url}">' if url is not None else ""
    return (f'<div itemprop="suggestedAnswer" itemscope itemtype="https://schema.org/Answer" '
            f'{attributes}>{link}<div itemprop="text">{text}</div></div>')


@pytest.mark.parametrize(
    ("answer", "answer_id"),
    [
        (qa_answer('data-post-id="77"'), "77"),
        (qa_answer('id="answer-12"'), "12"),
        (qa_answer('id="a-b-12"'), "12"),
        (qa_answer('data-answerid="abc" id="answer-12"'), "12"),
        (qa_answer(f'data-answerid="{"1" * 20}"'), "1" * 20),
        (qa_answer(f'data-answerid="{"1" * 21}"'), None),
        (qa_answer(url="https://h.test/questions/7/x#12"), "12"),
        (qa_answer(url="https://h.test/questions/7/x#a#12"), None),
        (qa_answer(url=f"https://h.test/questions/7/x#{'1' * 20}"), "1" * 20),
        (qa_answer(url=f"https://h.test/questions/7/x#{'1' * 21}"), None),
        (qa_answer(url="https://h.test/questions/7/slug"), None),
        (qa_answer(url="https://h.test/questions/7/x/88"), "88"),
        (qa_answer(), None),
    ],
)
def test_generic_answer_ids(answer: str, answer_id: str | None) -> None:
    page = parse_page(qa_page(answers=answer), QA_URL)
    assert [found.id for found in page.answers] == [answer_id]


def test_generic_notices_in_the_body() -> None:
    # a notice with no status in the question's body is no part of its text
    page = parse_page(qa_page(question_text="<p>Q text</p><aside><p>Note well</p></aside>"),
                      QA_URL)
    assert (page.status, page.question_text) == ("open", "Q text")
    # a duplicate notice: its first link to a question of the site is the target; with none,
    # no target
    notice = ("<aside>This question already has an answer here: <a href='/help'>help</a> "
              "<a href='https://else.test/questions/5/y'>far</a> "
              "<a href='/questions/5/y?z=1'>Y</a></aside>")
    page = parse_page(qa_page(question_text="<p>Q text</p>" + notice), QA_URL)
    assert (page.status, page.duplicate_of) == ("duplicate", "https://h.test/questions/5/y")
    page = parse_page(qa_page(question_text="<p>Q text</p><aside>Marked as duplicate</aside>"),
                      QA_URL)
    assert (page.status, page.duplicate_of, page.question_text) == ("duplicate", None, "Q text")


def test_generic_json_ld_bodies_resolve_their_links() -> None:
    import json

    data = {"@type": "QAPage", "mainEntity": {
        "@type": "Question", "name": "Topic", "text": '<p><a href="/x">l</a></p>',
        "suggestedAnswer": [{"@type": "Answer", "text": '<a href="/y">m</a>'}]}}
    html = (f'<html><head><script type="application/ld+json">{json.dumps(data)}</script>'
            '</head><body></body></html>')
    page = parse_page(html, "https://forum.test/t/topic/55")
    assert page.question_markdown == "[l](https://forum.test/x)"
    assert page.answers[0].markdown == "[m](https://forum.test/y)"


def test_generic_answer_pages() -> None:
    links = ('<a href="/questions/8/z?page=2">other question</a>'
             '<a href="https://else.test/questions/7/x?page=3">other site</a>'
             '<a href="/questions/7/x?page=2">2</a>')
    page = parse_page(qa_page(extra=links), QA_URL)
    assert page.sidebar_links == ["https://h.test/questions/7/x?page=2"]
    many = "".join(f'<a href="/questions/7/x?page={n}">{n}</a>' for n in range(2, 2_003))
    page = parse_page(qa_page(extra=many), QA_URL)
    assert len(page.sidebar_links) == 2_000
    assert page.sidebar_links[-1] == "https://h.test/questions/7/x?page=2001"


def test_generic_resource_kind() -> None:
    from parsers.sites.qapage import PROFILE

    assert PROFILE.resource_kind("https://h.test/questions/1") == "question"
    assert PROFILE.resource_kind("https://h.test/about") == "unknown"


def test_exact_count_and_view_title() -> None:
    from parsers.sites.qapage import exact_count, view_title

    assert exact_count("1" * 15) == int("1" * 15)
    assert exact_count("1" * 16) is None
    assert exact_count("none") is None

    def title(text: str) -> int | None:
        node = LexborHTMLParser(f'<span title="{text}">x</span>').css_first("span")
        assert node is not None
        return view_title(node)

    assert title("Viewed 5 times".ljust(80, ".")) == 5
    assert title("Viewed 5 times".ljust(81, ".")) is None


# -- sites/stackexchange: the old layout, read off the visible page ------------------------

SE_URL = "https://stackoverflow.com/questions/11/old-title"


def se_old_page(*, header: str = "Old title", body_quote: str = "", notices: str = "",
                answers_heading: str = '<h2 data-answercount="2">2 Answers</h2>') -> str:
    """A question page in Stack Exchange's old layout: no microdata, the visible page only."""
    return f"""<html><head><title>t</title></head>
<body><div class="topbar"><span title="Viewed 888 times">nav</span></div>
<div id="content">
<div id="question-header"><h1>{header}</h1></div>
<div id="mainbar">
<div class="question" data-questionid="11" id="question">
  <span class="vote-count-post">7</span>
  <div class="post-text">{body_quote}<p>Body text.</p></div>{notices}
  <div class="post-taglist"><a class="post-tag" href="/questions/tagged/c">c</a>
    <a class="post-tag" href="/questions/tagged/py">py</a></div>
  <div class="post-signature owner"><span class="relativetime" title="2014-01-30 03:17:47Z">x</span>
    <div class="user-details">Asker 1,234</div></div>
  <div class="post-signature"><div class="user-details"><a href="/users/2/e">Editor</a></div>
    <span class="relativetime" title="2014-01-31 00:00:00Z">x</span></div>
</div>
<div id="answers">{answers_heading}
<div class="answer accepted-answer" data-answerid="21">
  <span class="vote-count-post" data-value="5">4</span><div class="post-text"><p>First</p></div>
  <div class="post-signature"><div class="user-details"><a href="/users/3/x">Ed</a></div>
    <span class="relativetime" title="2014-01-31 00:00:00Z">x</span></div>
  <div class="post-signature"><span title="2014-02-01 10:00:00Z">x</span>
    <div class="user-details"><a href="/users/4/bo">Bo</a></div></div>
</div>
<div class="answer" data-answerid="22"><span class="js-vote-count" content="-2">0</span>
  <div class="js-accepted-answer-indicator d-none"></div><div class="post-text"><p>Second</p></div>
  <div class="post-signature"><div class="user-details">Anon Name</div></div></div>
<div class="answer" data-answerid="23"><span class="js-vote-count">3</span>
  <div class="vote-accepted-on"></div>
  <div class="post-text"><p><a title="Viewed 55 times" href="/q/1">Third</a></p></div></div>
</div></div>
<div id="sidebar"><table id="qinfo"><tr><td>asked</td><td>1 year ago</td></tr>
  <tr><td>viewed</td><td>4,229 times</td></tr></table></div>
</div>
<footer><span title="viewed 999 times">f</span><h2 data-answercount="99"></h2></footer>
</body></html>"""


def _se_fields(html: str) -> dict[str, object]:
    record = parse_page(html, SE_URL).to_record()
    return {key: record[key] for key in (
        "title", "status", "duplicate_of", "question_text", "question_votes",
        "question_author", "asked_at", "view_count", "tags", "answer_count")}


def test_stack_exchange_old_layout() -> None:
    page = parse_page(se_old_page(), SE_URL)
    assert _se_fields(se_old_page()) == {
        "title": "Old title", "status": "open", "duplicate_of": None,
        "question_text": "Body text.", "question_votes": 7, "question_author": "Asker",
        "asked_at": "2014-01-30T03:17:47+00:00", "view_count": 4229, "tags": ["c", "py"],
        "answer_count": 2}
    assert [(a.position, a.id, a.text, a.markdown, a.votes, a.accepted, a.author, a.created_at)
            for a in page.answers] == [
        (1, "21", "First", "First", 5, True, "Bo", "2014-02-01T10:00:00+00:00"),
        (2, "22", "Second", "Second", -2, False, "Anon", None),
        (3, "23", "Third", "[Third](https://stackoverflow.com/q/1)", 3, True, None, None)]
    assert page.field_sources == {
        "title": "heading", "question_text": "class", "answers": "class", "asked_at": "label",
        "view_count": "label", "tags": "class"}


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        # the status from the heading's mark, which the title loses
        ({"header": "Old title [closed]"}, {"title": "Old title", "status": "closed"}),
        ({"header": "Old title [duplicada]"}, {"title": "Old title", "status": "duplicate"}),
        # the old system quote in the body: a duplicate and its target, out of the text
        ({"body_quote": "<blockquote><p><strong>Possible Duplicate:</strong><br>"
                        "<a href='/questions/5/first'>First</a></p></blockquote>"},
         {"status": "duplicate", "duplicate_of": "https://stackoverflow.com/questions/5/first",
          "question_text": "Body text."}),
        # notices by the body in the question's element; one inside another is read with it
        ({"notices": "<div class='question-originals-of-duplicate'>See these</div>"},
         {"status": "duplicate"}),
        ({"notices": "<aside class='s-notice'>Closed. <div class='post-notice'>x</div></aside>"},
         {"status": "closed"}),
        # no answer count in the page: the microdata's visible count; the footer's is not read
        ({"answers_heading": "<h2><span itemprop='answerCount'>3</span> Answers</h2>"},
         {"answer_count": 3}),
        ({"answers_heading": ""}, {"answer_count": None}),
        # the heading's mark in each of Stack Exchange's languages
        ({"header": "T [fechada]"}, {"title": "T", "status": "closed"}),
        ({"header": "T [cerrada]"}, {"title": "T", "status": "closed"}),
        ({"header": "T [закрыт]"}, {"title": "T", "status": "closed"}),
        ({"header": "T [クローズ]"}, {"title": "T", "status": "closed"}),
        # the quote is looked for in the body's first 4 quotes, in a quote's first 80
        # characters; 16 notices are read
        ({"body_quote": "<blockquote>q</blockquote>" * 4
          + "<blockquote>Possible Duplicate: x</blockquote>"}, {"status": "open"}),
        ({"body_quote": "<blockquote><p>" + "x" * 62 + " Possible Duplicate</p></blockquote>"},
         {"status": "open"}),
        ({"notices": "<aside>x</aside>" * 16 + "<aside>closed</aside>"}, {"status": "open"}),
    ],
)
def test_stack_exchange_old_layout_variants(changes: dict[str, str],
                                            fields: dict[str, object]) -> None:
    found = _se_fields(se_old_page(**changes))
    assert {key: found[key] for key in fields} == fields


def test_stack_exchange_a_notice_with_no_status_outside_the_body_stays() -> None:
    html = se_old_page().replace('<span class="vote-count-post">7</span>',
                                 '<aside><span class="vote-count-post">9</span></aside>'
                                 '<span class="vote-count-post">7</span>')
    assert _se_fields(html)["question_votes"] == 9


@pytest.mark.parametrize(
    ("old", "new", "views"),
    [
        # the line under the title (text and comments before it skipped) comes first
        ('<div id="mainbar">', '<!-- c --> <div><span title="Viewed 1,234 times">1k</span>'
                               '<span title="Viewed 5 times"></span></div><div id="mainbar">',
         1234),
        # no #qinfo: a title elsewhere in the content (an answer's link); the top bar's and
        # the footer's are not read
        ('<table id="qinfo">', '<table id="gone">', 55),
    ],
)
def test_stack_exchange_view_counts(old: str, new: str, views: int | None) -> None:
    assert _se_fields(se_old_page().replace(old, new))["view_count"] == views


@pytest.mark.parametrize(
    ("old", "new", "fields"),
    [
        # the asker's signature is the owner's, wherever it is; an answer's is its last
        ('<div class="post-signature"><div class="user-details"><a href="/users/3/x">',
         '<div class="post-signature owner"><div class="user-details"><a href="/users/3/x">',
         {"question_author": "Asker", "asked_at": "2014-01-30T03:17:47+00:00"}),
        ('<div class="post-signature owner">', '<div class="post-signature">',
         {"question_author": "Editor", "asked_at": "2014-01-31T00:00:00+00:00"}),
        # tags: the question's tag list, not another one or the tag links in its body
        ('<div id="question-header">',
         '<div class="post-taglist"><a class="post-tag">hdr</a></div><div id="question-header">',
         {"tags": ["c", "py"]}),
        ("<p>Body text.</p>", '<p>Body text. <a class="post-tag">in-body</a></p>',
         {"tags": ["c", "py"]}),
        ('<div class="post-taglist">', '<div class="gone">', {"tags": ["c", "py"]}),
        ("<title>t</title>", '<title>t</title><meta property="article:tag" content="m">',
         {"tags": ["c", "py"]}),
        # the region read: #content up to the footer, whatever else says <body or <footer
        ("</footer>", '<div id="content"></div></footer>', {"view_count": 4229}),
        ('<div class="topbar">', '<div class="topbar"><footer></footer>', {"view_count": 4229}),
        ('<div id="content">', '<div id="main">', {"view_count": 4229, "answer_count": 2}),
        ("<body>", "", {"view_count": 4229, "answer_count": 2}),
        # no #question-header, or nothing after it
        ('<div id="question-header">', "<div>", {"title": "Old title", "view_count": 4229}),
        ('<div id="question-header"><h1>Old title</h1></div>',
         '<div><div id="question-header"><h1>Old title</h1></div></div>',
         {"view_count": 4229}),
    ],
)
def test_stack_exchange_old_layout_parts(old: str, new: str, fields: dict[str, object]) -> None:
    html = se_old_page()
    assert old in html
    found = _se_fields(html.replace(old, new, 1))
    assert {key: found[key] for key in fields} == fields


def test_stack_exchange_an_answers_signature_is_its_last_even_after_the_askers() -> None:
    html = se_old_page().replace(
        '<div class="post-signature"><div class="user-details"><a href="/users/3/x">',
        '<div class="post-signature owner"><div class="user-details"><a href="/users/3/x">')
    first = parse_page(html, SE_URL).answers[0]
    assert (first.author, first.created_at) == ("Bo", "2014-02-01T10:00:00+00:00")


def test_stack_exchange_no_time_shown_is_no_asked_at() -> None:
    page = parse_page(se_old_page().replace('title="2014-', 'data-x="'), SE_URL)
    assert page.asked_at is None and "asked_at" not in page.field_sources


def test_stack_exchange_tags_outside_the_question() -> None:
    html = se_old_page()
    start = html.index('<div class="post-taglist">')
    end = html.index("</div>", start) + len("</div>")
    without = html[:start] + html[end:]
    moved = without.replace('<div id="sidebar">', '<div id="sidebar">' + html[start:end])
    assert _se_fields(moved)["tags"] == ["c", "py"]  # the page's only tag list
    no_tags = without.replace('<div id="sidebar">',
                              '<div id="sidebar"><a rel="tag" href="/t/x">x</a>')
    assert _se_fields(no_tags)["tags"] == []  # rel="tag" links are read by the question only


def test_stack_exchange_tags_without_a_tag_list() -> None:
    html = se_old_page().replace('class="post-tag"', 'class="tag"')
    assert _se_fields(html)["tags"] == []
    html = html.replace("<title>t</title>",
                        '<title>t</title><meta property="article:tag" content="m">')
    assert _se_fields(html)["tags"] == ["m"]


def test_stack_exchange_region_from_a_body_at_the_start() -> None:
    html = se_old_page().replace('<table id="qinfo">', '<table id="gone">')
    html = html[html.index("<body>"):] + '<script>document.write("<body")</script>'
    assert _se_fields(html)["view_count"] == 55  # the top bar's 888, the footer's 999 unread


def test_stack_exchange_answer_without_a_body_and_2000_answers() -> None:
    blocks = "".join(f'<div class="answer" data-answerid="{n}"></div>' for n in range(1, 2_002))
    html = se_old_page().replace('<div id="answers">', '<div id="answers">' + blocks)
    page = parse_page(html, SE_URL)
    assert len(page.answers) == 2_000
    assert (page.answers[0].text, page.answers[0].markdown) == ("", "")


def test_stack_exchange_header_line_view_count_is_a_label() -> None:
    html = se_old_page().replace(
        '<div id="mainbar">', '<div><span title="Viewed 1,234 times"></span></div>'
                              '<div id="mainbar">')
    page = parse_page(html, SE_URL)
    assert (page.view_count, page.field_sources["view_count"]) == (1234, "label")


# -- sites/zhihu ----------------------------------------------------------------------------


def _zhihu(**changes: str) -> str:
    from test_qapage_forums import zhihu_page

    return zhihu_page(**changes)


def _zhihu_answer(token: str, **changes: str) -> str:
    from test_qapage_forums import zhihu_answer

    return zhihu_answer(token, **changes)


ZHIHU_URL = "https://www.zhihu.com/question/5"


def test_zhihu_title_from_a_title_element_anywhere() -> None:
    html = _zhihu().replace("<title>标题？ - 知乎</title>", "").replace(
        '<div id="zh-question-title"><h2 class="zm-item-title">\n标题？\n</h2></div>',
        "<title>别的标题 - 知乎</title>")
    page = parse_page(html, ZHIHU_URL)
    assert (page.title, page.field_sources["title"]) == ("别的标题", "title-tag")


@pytest.mark.parametrize(
    ("old", "new", "views"),
    [
        ("", "", (321, "meta")),
        ('<div class="zu-main-sidebar">',
         '<div class="zu-main-sidebar"><div class="NumberBoard-item">被浏览'
         '<strong title="1,024">1k</strong></div>', (1024, "label")),
        ('<div class="zu-main-sidebar">',
         '<div class="zu-main-sidebar"><div class="zg-gray-normal">被浏览 <strong>2万</strong> 次'
         '</div>', (20000, "label")),
    ],
)
def test_zhihu_view_count_sources(old: str, new: str, views: tuple[int, str]) -> None:
    html = _zhihu().replace(old, new) if old else _zhihu()
    if "zg-gray-normal" in new:  # the visible figure is read only without visitsCount
        html = html.replace('<meta itemprop="visitsCount" content="321">', "")
    page = parse_page(html, ZHIHU_URL)
    assert (page.view_count, page.field_sources["view_count"]) == views


@pytest.mark.parametrize(
    ("old", "new", "count"),
    [
        ('data-num="12" ', "", 12),
        ('data-num="12" ', 'data-num="x" ', 12),
        ('<h3 data-num="12" id="zh-question-answer-num">12 个回答</h3>', "", None),
    ],
)
def test_zhihu_answer_count_from_the_heading(old: str, new: str, count: int | None) -> None:
    assert parse_page(_zhihu().replace(old, new), ZHIHU_URL).answer_count == count


def test_zhihu_tags_fall_back_to_the_generic_ones() -> None:
    html = _zhihu().replace('class="zm-item-tag"', 'class="tag"').replace(
        "<title>", '<meta property="article:tag" content="m"><title>')
    assert parse_page(html, ZHIHU_URL).tags == ["m"]


def test_zhihu_answers_ids_votes_authors_and_bodies() -> None:
    answers = (
        _zhihu_answer("1" * 20)
        + _zhihu_answer("2" * 21)
        + _zhihu_answer("13", author='<a href="/people/x"></a><a href="/people/bo">Bo</a> (b)')
        + _zhihu_answer("14", author="匿名用户，bio").replace(
            '<div class="zm-votebar"><button class="up"><span class="count">3</span></button>'
            "</div>", '<div data-votecount="7"></div>')
        .replace('<div class="zm-item-rich-text">', '<div class="gone">'))
    page = parse_page(_zhihu(answers=answers), ZHIHU_URL)
    assert [(a.id, a.votes, a.author, a.text, a.markdown) for a in page.answers] == [
        ("1" * 20, 3, "Ann", "答案", "答案"),
        ("13", 3, "Bo", "答案", "答案"),
        ("14", 7, "匿名用户", "", "")]


def test_stack_exchange_microdata_wins_over_the_visible_values() -> None:
    """Where a page's schema.org data and what it shows differ, the data is read (the
    accepted mark excepted: SE's markup names the top answer acceptedAnswer)."""
    question = ('<div class="question" data-questionid="11" id="question" itemprop="mainEntity" '
                'itemscope itemtype="https://schema.org/Question">'
                '<meta itemprop="upvoteCount" content="10"><meta itemprop="answerCount" '
                'content="5"><time itemprop="dateCreated" datetime="2015-05-05T05:05:05">x</time>'
                '<span itemprop="author" itemscope itemtype="https://schema.org/Person">'
                '<span itemprop="name">Micro</span></span>')
    answer = ('<div class="answer accepted-answer" data-answerid="21" itemprop="suggestedAnswer" '
              'itemscope itemtype="https://schema.org/Answer"><meta itemprop="upvoteCount" '
              'content="50"><time itemprop="dateCreated" datetime="2016-06-06T06:06:06">x</time>'
              '<span itemprop="author" itemscope itemtype="https://schema.org/Person">'
              '<span itemprop="name">Mia</span></span>')
    html = se_old_page().replace(
        '<div class="question" data-questionid="11" id="question">', question).replace(
        '<div class="answer accepted-answer" data-answerid="21">', answer).replace(
        "<body>", '<body><div itemscope itemtype="https://schema.org/QAPage">', 1)
    # the answers inside the question's element, as Stack Exchange nests them
    html = html.replace('</div>\n<div id="answers">', '<div id="answers">').replace(
        '</div></div>\n<div id="sidebar">', '</div></div></div>\n<div id="sidebar">')
    fields = _se_fields(html)
    assert (fields["question_votes"], fields["question_author"], fields["asked_at"],
            fields["answer_count"]) == (10, "Micro", "2015-05-05T05:05:05+00:00", 5)
    first = parse_page(html, SE_URL).answers[0]
    assert (first.id, first.votes, first.author, first.created_at, first.accepted) == (
        "21", 50, "Mia", "2016-06-06T06:06:06+00:00", True)


# -- sites/discourse: the preloaded topic ---------------------------------------------------


def _preloaded(**topics: object) -> str:
    import html
    import json

    value = json.dumps({key: json.dumps(topic) for key, topic in topics.items()})
    return f'<div data-preloaded="{html.escape(value, quote=True)}"></div>'


def test_discourse_preloaded_topic_by_its_id() -> None:
    from parsers.sites.discourse import preloaded_topic

    page = _preloaded(topic_9={"id": 9}, topic_5={"id": 5})
    assert preloaded_topic(page, "5") == {"id": 5}
    assert preloaded_topic(page, None) == {"id": 9}  # no id: the first topic
    assert preloaded_topic(page, "7") == {"id": 9}
    # the first data-preloaded is the page's
    assert preloaded_topic(_preloaded(topic_5={"id": 5}) + _preloaded(topic_5={"id": 6}),
                           "5") == {"id": 5}
    # a topic that is no JSON string is none
    assert preloaded_topic('<div data-preloaded="{&quot;topic_5&quot;: {&quot;a&quot;: 1}}">',
                           "5") is None


def test_discourse_counts_are_0_to_18_digits() -> None:
    from parsers.sites.discourse import _int

    assert [_int(value) for value in (0, 10**18 - 1, 10**18, -1, True, 2.0)] == [
        0, 10**18 - 1, None, None, None, None]
