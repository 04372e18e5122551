"""Tests that kill surviving mutants of csdn.py's page, title, labels and answer code
(issue #16, TESTING.md): the line of labels found by its time label, the fold/unfold
buttons dropped from the answer (found, checked as blocks of their own, rendered away), and
the small tree helpers those use.

Literal fragments in the CSDN markup, each function called directly, and whole literal
pages through ``parse``; every expected value is written from what the fragment shows. The
fragments start with a doctype (lexbor then matches class names case-sensitively, as a
browser does) unless a test needs quirks mode and says so.
"""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser, LexborNode
from tests_support import by_id as _by_id
from tests_support import node_name as _name

from parsers.sites import csdn

URL = "https://wenku.csdn.net/answer/q0"
SITE = "https://wenku.csdn.net"


def _tree(html: str, *, doctype: bool = True) -> LexborHTMLParser:
    return LexborHTMLParser(("<!DOCTYPE html>" if doctype else "")
                            + f"<html><head></head><body>{html}</body></html>")


def _root(html: str, *, doctype: bool = True) -> LexborNode:
    body = _tree(html, doctype=doctype).body
    assert body is not None
    return body


# -- the line of labels found by its time label (_meta_by_label, _is_label_line) ---------


@pytest.mark.parametrize(("html", "expected"), [
    # The line whose span shows the time, with the views in the next span: the whole line.
    ('<h2>标题</h2><div id="line"><span>时间：2023-06-23 11:03:20</span>'
     '<span>浏览：76</span></div><div id="answer"><p>正文</p></div>', "line"),
    # Up to three label lines around the time's element, not four.
    ('<div id="d1"><div id="d2"><div id="d3"><div id="d4"><span>时间：2023-06-23 11:03:20'
     '</span></div></div></div></div><p>正文</p>', "d2"),
    # The climb stops at an element that is no label line (here: it holds a title).
    ('<div id="outer"><div class="title">标题</div><div id="line"><span>时间：2023-06-23 '
     '11:03:20</span></div></div><p>正文</p>', "line"),
    # The label and the time in separate elements: the label's element is climbed from,
    # three levels at most (the third here, the fourth in the next case).
    ('<div id="line"><span><b>时间</b></span><span>2023-06-23 11:03:20</span></div>', "line"),
    ('<div id="line"><span><b><i>时间</i></b></span><span>2023-06-23 11:03:20</span></div>',
     None),
    # A label with no time: no line (the text after it is looked at next; the long answer
    # keeps the body from being a short line of labels itself).
    ('<p>浏览时间很长</p><div id="line"><span>发布时间：2023-06-23 11:03</span></div>'
     '<p>' + "正文" * 250 + '</p>', "line"),
    # Texts without a label are passed over, not the end of the look.
    ('<p>说明</p><p>作者</p><div id="line">时间：2023-06-23 11:03:20</div>', "line"),
    # A text of exactly 400 characters is read; one over it is not.
    ('<div id="line">' + "时间：2023-06-23 11:03:20".ljust(400) + "</div>", "line"),
    ('<div id="line">' + "时间：2023-06-23 11:03:20 " + "说" * 400 + "</div>", None),
])
def test_meta_by_label_finds_the_line_of_labels(html: str, expected: str | None) -> None:
    root = _root(html)
    assert _name(csdn._meta_by_label(root, None)) == expected


def test_meta_by_label_passes_over_the_answers_own_time_labels() -> None:
    root = _root(
        '<div id="answer"><p>时间：2020-01-01 08:00:00 是示例</p></div>'
        '<div id="line"><span>时间：2023-06-23 11:03:20</span></div>')
    answer = _by_id(root, "answer")
    assert _name(csdn._meta_by_label(root, answer)) == "line"
    assert csdn._meta_by_label(_root('<div id="answer"><p>时间：2020-01-01 08:00:00</p></div>'),
                               None) is not None
    only_in_answer = _root('<div id="answer"><p>时间：2020-01-01 08:00:00</p></div>')
    assert csdn._meta_by_label(only_in_answer, _by_id(only_in_answer, "answer")) is None


@pytest.mark.parametrize(("html", "limit", "expected"), [
    ('<div id="n"><span>时间：2023-06-23</span> <span>浏览：76</span></div>', 400, True),
    ('<div id="n"><span>时间</span><p>段落</p></div>', 400, False),
    ('<div id="n"><span>时间</span><a href="/x">链接</a></div>', 400, False),
    ('<div id="n"><span>时间</span><span class="sub-title">题</span></div>', 400, False),
    # Class values are matched as written: "TITLE" is no title class.
    ('<div id="n"><span>时间</span><span class="TITLE">题</span></div>', 400, True),
    # The limit counts the raw text: 400 characters are a line, 401 are not.
    ('<div id="n">' + "x" * 400 + "</div>", 400, True),
    ('<div id="n">' + "x" * 401 + "</div>", 400, False),
    ('<div id="n">' + "x" * 401 + "</div>", None, True),
])
def test_is_label_line(html: str, limit: int | None, expected: bool) -> None:
    assert csdn._is_label_line(_by_id(_root(html), "n"), limit=limit) is expected


def test_body_and_html_are_never_a_label_line() -> None:
    tree = _tree("<span>时间：2023-06-23</span>")
    assert tree.body is not None and tree.root is not None
    assert csdn._is_label_line(tree.body) is False
    assert csdn._is_label_line(tree.root) is False
    assert csdn._is_label_line(tree.body, limit=None) is False


# -- fold/unfold buttons: found (_controls, _in_code), dropped, rendered away ---------------


@pytest.mark.parametrize(("html", "expected"), [
    # The highest element whose whole text is the button, below the answer.
    ('<div id="answer"><p>正文</p><div id="open"><span>展开全文</span></div></div>', ["open"]),
    ('<div id="answer"><p>正文</p><span id="s">收起</span></div>', ["s"]),
    # The answer itself is never one, even when its text is a button's.
    ('<div id="answer"><span id="s">展开全文</span></div>', ["s"]),
    # Text directly in the answer: the text node.
    ('<div id="answer">…</div>', ["…"]),
    # "..." in code is code.
    ('<div id="answer"><pre><span>...</span></pre><p><code>...</code></p><p id="e">...</p>'
     '</div>', ["e"]),
    # An element whose whole text is a button's word is one, even inside a sentence (the
    # rendered text tells whether to drop it); a text that only holds the word is not.
    ('<div id="answer"><p>请<span>展开</span>菜单</p></div>', ["span"]),
    ('<div id="answer"><p>请点击展开菜单</p></div>', []),
])
def test_controls_are_the_highest_button_elements(html: str, expected: list[str]) -> None:
    answer = _by_id(_root(html), "answer")
    assert [_name(node) for node in csdn._controls(answer)] == expected


def test_controls_of_an_answer_inside_code_are_found() -> None:
    # The look for <pre>/<code> stops at the answer: code around it does not count.
    root = _root('<code><div id="answer"><span id="s">展开全文</span></div></code>')
    assert [_name(node) for node in csdn._controls(_by_id(root, "answer"))] == ["s"]


def test_controls_stop_at_sixteen() -> None:
    root = _root('<div id="answer">' + "".join(
        f'<div id="b{number}">展开</div>' for number in range(17)) + "</div>")
    assert [_name(node) for node in csdn._controls(_by_id(root, "answer"))] == [
        f"b{number}" for number in range(16)]


@pytest.mark.parametrize(("html", "expected"), [
    ('<div id="stop"><pre><span><b id="n">...</b></span></pre></div>', True),
    ('<div id="stop"><p><code id="n">...</code></p></div>', True),
    ('<div id="stop"><p><span id="n">...</span></p></div>', False),
    # The look stops at ``stop``: a <pre> above it does not count.
    ('<pre><span id="stop"><b id="n">...</b></span></pre>', False),
])
def test_in_code(html: str, expected: bool) -> None:
    root = _root(html)
    node = _by_id(root, "n").child
    assert node is not None and node.tag == "-text"
    assert csdn._in_code(node, _by_id(root, "stop").mem_id) is expected


def test_drop_controls_removes_the_buttons_and_says_so() -> None:
    root = _root('<div id="answer"><p>正文</p><div class="open"><span>展开全文</span>'
                 '</div><p>尾</p></div>')
    answer = _by_id(root, "answer")
    assert csdn._drop_controls(answer) is True
    assert answer.html == '<div id="answer"><p>正文</p><p>尾</p></div>'
    assert csdn._drop_controls(answer) is False
    assert answer.html == '<div id="answer"><p>正文</p><p>尾</p></div>'


@pytest.mark.parametrize(("html", "markdown", "expected"), [
    # A button on a line of its own is dropped; a relative link resolved against the page.
    ('<p>正文 <a href="/answer/x1">链接</a></p><div class="open">展开全文</div>', True,
     ("正文 链接", f"正文 [链接]({SITE}/answer/x1)")),
    ('<p>正文 <a href="/answer/x1">链接</a></p><div class="open">展开全文</div>', False,
     ("正文 链接", "")),
    ("<p>正文</p><p>更多内容见下</p>", False, ("正文\n\n更多内容见下", "")),
    # 更多 ends a line as a button does but is no hint of one: the text is kept.
    ("<p>正文</p><div>更多</div>", True, ("正文\n\n更多", "正文\n\n更多")),
    # A button's word in a sentence is not dropped (the line ends otherwise).
    ("<p>see <span>更多</span> here</p><p>展开全文 of the tail</p>", True,
     ("see 更多 here\n\n展开全文 of the tail", "see 更多 here\n\n展开全文 of the tail")),
    # No line ends as a button: the elements that are one stay.
    ("<p>正文</p><p>请<span>展开</span>菜单</p>", True,
     ("正文\n\n请展开菜单", "正文\n\n请展开菜单")),
])
def test_render_shown_answer_without_its_buttons(
        html: str, markdown: bool, expected: tuple[str, str]) -> None:
    answer = _by_id(_root(f'<div id="answer">{html}</div>'), "answer")
    assert csdn._render_shown_answer(answer, URL, markdown=markdown) == expected


def test_render_shown_answer_settled_renders_once() -> None:
    answer = _by_id(_root('<div id="answer"><p>正文</p><div>展开全文</div></div>'), "answer")
    assert csdn._render_shown_answer(answer, URL, markdown=True, settled=True) == (
        "正文\n\n展开全文", "正文\n\n展开全文")
    assert answer.css_first("div div") is not None  # the tree is as it was


# -- a button that is a block of its own (_is_own_block) ---------------------------------

# Each fragment is the answer's inside; the element looked at is #b, the elements named in
# the third column are doomed with it.
OWN_BLOCKS = [
    ('<div id="b">展开全文</div>', (), True),
    ('<p id="b">展开全文</p>', (), True),
    ('<p id="b"><span>展开</span>全文</p>', (), True),
    ('<section id="b"><div>展开全文</div></section>', (), True),
    ('<span id="b">展开全文</span>', (), False),
    ('<h3 id="b">收起</h3>', (), False),
    # Small: at most 32 nodes, itself and its texts counted.
    ('<div id="b">' + "<i>展</i>" * 15 + "开</div>", (), True),
    ('<div id="b">' + "<i>展</i>" * 16 + "</div>", (), False),
    # Its ancestors up to the answer are plain blocks, at most 8 of them.
    ('<div><div id="b">展开</div></div>', (), True),
    ('<span><div id="b">展开</div></span>', (), False),
    ("<div>" * 7 + '<div id="b">展开</div>' + "</div>" * 7, (), True),
    ("<div>" * 8 + '<div id="b">展开</div>' + "</div>" * 8, (), False),
    ('<div id="a"><div id="b">展开</div></div>', ("a",), False),
    # What follows it, up to the next block: whitespace, comments, skipped tags only.
    ('<div id="b">展开</div><p>下一段</p>', (), True),
    ('<div id="b">展开</div>\n  <p>下一段</p>', (), True),
    ('<div id="b">展开</div><!-- c --><button>x</button> <p>下一段</p>', (), True),
    ('<div id="b">展开</div>尾巴', (), False),
    ('<div id="b">展开</div><!-- c -->尾巴', (), False),
    ('<div id="b">展开</div><span>尾巴</span>', (), False),
    ('<div id="b">展开</div><b></b><p>下一段</p>', (), False),
]


@pytest.mark.parametrize(("html", "doomed", "expected"), OWN_BLOCKS)
def test_is_own_block(html: str, doomed: tuple[str, ...], expected: bool) -> None:
    root = _root(f'<div id="answer">{html}</div>')
    element = _by_id(root, "b")
    doomed_ids = {element.mem_id, *(_by_id(root, name).mem_id for name in doomed)}
    assert csdn._is_own_block(element, _by_id(root, "answer").mem_id, doomed_ids) is expected


def test_a_paragraph_holding_a_block_is_not_one_of_its_own() -> None:
    # In quirks mode a <table> does not close the <p> before it: a block inside a <p>.
    root = _root('<div id="answer"><p id="b">展开<table><tr><td>x</td></tr></table></p></div>',
                 doctype=False)
    element = _by_id(root, "b")
    assert element.css_first("table") is not None
    assert csdn._is_own_block(element, _by_id(root, "answer").mem_id, {element.mem_id}) is False
    # A <div> holding one is (rendered alone, its blocks are its own paragraphs anyway).
    root = _root('<div id="answer"><div id="b">展开<table><tr><td>x</td></tr></table></div></div>')
    element = _by_id(root, "b")
    assert csdn._is_own_block(element, _by_id(root, "answer").mem_id, {element.mem_id}) is True


# -- small tree helpers (_contains_within, _within, _contains, _line_of) ------------------

NEST = ('<div id="top"><div id="outer"><div id="mid"><span id="inner">x</span></div>'
        '<p id="side">y</p></div></div>')


@pytest.mark.parametrize(("node", "inner", "stop", "expected"), [
    ("outer", "inner", "top", True),
    ("mid", "inner", "top", True),
    ("inner", "inner", "top", True),
    ("side", "inner", "top", False),
    ("mid", "side", "top", False),
    # The climb from ``inner`` ends at ``stop``: what is above it is not reached.
    ("top", "inner", "outer", False),
    ("outer", "inner", "outer", True),
])
def test_contains_within(node: str, inner: str, stop: str, expected: bool) -> None:
    root = _root(NEST)
    assert csdn._contains_within(_by_id(root, node), _by_id(root, inner),
                                 _by_id(root, stop).mem_id) is expected


@pytest.mark.parametrize(("node", "ancestor", "top", "expected"), [
    ("inner", "mid", "top", True),
    ("inner", "inner", "top", True),
    ("inner", "top", "top", True),
    ("inner", "side", "top", False),
    # Stopped at ``top``, above the ancestor.
    ("inner", "top", "mid", False),
    # ``top`` not above it: the climb goes on to the root and ends there.
    ("inner", "top", "side", True),
    ("side", "mid", "side", False),
    ("side", "mid", "nowhere", False),
])
def test_within(node: str, ancestor: str, top: str, expected: bool) -> None:
    root = _root(NEST + '<i id="nowhere"></i>')
    element = _by_id(root, node)
    assert csdn._within(element, element.mem_id, _by_id(root, ancestor).mem_id,
                        _by_id(root, top).mem_id) is expected


def test_contains_and_line_of() -> None:
    tree = _tree(NEST)
    root = tree.body
    assert root is not None and tree.root is not None
    outer, inner, side = (_by_id(root, name) for name in ("outer", "inner", "side"))
    assert csdn._contains(outer, inner) and csdn._contains(inner, inner)
    assert not csdn._contains(side, inner) and not csdn._contains(inner, outer)
    assert not csdn._contains(outer, None)
    names = {node.mem_id: _name(node) for node in tree.root.traverse()}
    line = csdn._line_of(inner)
    assert isinstance(line, frozenset)
    assert sorted(names.get(mem_id, "?") for mem_id in line) == sorted(
        ["inner", "mid", "outer", "top", "body", "html", "?"])  # "?": the document
    assert csdn._line_of(None) == frozenset()


# -- settling the buttons before the first rendering (_settle_controls) ------------------


@pytest.mark.parametrize(("html", "settled", "after"), [
    # No hint of a button in the text: not settled here, the tree untouched.
    ("<p>正文</p>", False, "<p>正文</p>"),
    ("<p>正文</p><div>更多</div>", False, "<p>正文</p><div>更多</div>"),
    # A hint but no button: settled, nothing to drop.
    ("<p>请点击展开菜单</p>", True, "<p>请点击展开菜单</p>"),
    # A button that is a block of its own, its line showing as one: dropped.
    ('<p>正文</p><div class="open"><span>展开全文</span></div>', True, "<p>正文</p>"),
    ('<p>正文</p><div class="open">展开全文</div><div><button>展开</button></div>', True,
     "<p>正文</p>"),
    # The same element twice (two texts of one button): left to the rendering.
    ("<p>正文</p><div>…<br>…</div>", False, "<p>正文</p><div>…<br>…</div>"),
    # A button inside a paragraph's line: left to the rendering.
    ("<p>正文<span>展开</span></p>", False, "<p>正文<span>展开</span></p>"),
    # Its line shows no hint (更多 is no hint of one): left to the rendering.
    ("<p>展开 the menu</p><div>更多</div>", False, "<p>展开 the menu</p><div>更多</div>"),
])
def test_settle_controls(html: str, settled: bool, after: str) -> None:
    answer = _by_id(_root(f'<div id="answer">{html}</div>'), "answer")
    assert csdn._settle_controls(answer, URL) is settled
    assert answer.html == f'<div id="answer">{after}</div>'


# -- text helpers (_text, _spaced_text, _shows_text, _is_element, _has_content) -------------


def test_text_and_spaced_text() -> None:
    root = _root('<div id="n">  <span>11:03:20</span><span>76</span>\n<b> 浏览\u3000量 </b></div>')
    node = _by_id(root, "n")
    assert csdn._text(node) == "11:03:2076 浏览 量"
    assert csdn._spaced_text(node) == "11:03:20 76 浏览 量"
    assert csdn._text(None) == ""
    big = _by_id(_root('<div id="n"><p>' + "字 " * 3000 + "</p>\n<p>尾</p></div>"), "n")
    assert csdn._text(big) == "字 " * 3000 + "尾"


@pytest.mark.parametrize(("html", "expected"), [
    ("<div><p>正文</p></div>", True),
    (" <div>\n <p> </p></div> <!-- 注释 -->", False),
    ("<div> &nbsp;\u3000</div>", False),  # Unicode spaces are no text either
    ("<div><img src=\"a.png\"></div>", False),
    ("<script>var x = 1;</script>", True),  # parse() calls it before scripts are stripped
])
def test_shows_text(html: str, expected: bool) -> None:
    assert csdn._shows_text(_root(html)) is expected


def test_is_element_and_element_children() -> None:
    node = _by_id(_root('<div id="n">text<!-- c --><span>s</span><p>p</p></div>'), "n")
    kinds = [(child.tag, csdn._is_element(child)) for child in node.iter(include_text=True)]
    assert kinds == [("-text", False), ("-comment", False), ("span", True), ("p", True)]
    assert [child.tag for child in csdn._element_children(node)] == ["span", "p"]


@pytest.mark.parametrize(("html", "raw", "expected"), [
    ('<div id="n">正文</div>', None, True),
    ('<div id="n"><p>正文</p></div>', None, True),
    ('<div id="n"> 展开全文 </div>', None, False),
    ('<div id="n"><span>∨</span> 收起 </div>', None, False),
    ('<div id="n"></div>', None, False),
    ('<div id="n"><img src="a.png"></div>', None, True),
    ('<div id="n"><pre></pre></div>', None, True),
    ('<div id="n"><table></table></div>', None, True),
    ('<div id="n"><span></span></div>', None, False),
    # ``raw``: the text already read, used as it is.
    ('<div id="n">正文</div>', "展开", False),
    ('<div id="n">展开</div>', "正文", True),
    ('<div id="n">正文</div>', "  ", False),
])
def test_has_content(html: str, raw: str | None, expected: bool) -> None:
    assert csdn._has_content(_by_id(_root(html), "n"), raw) is expected


@pytest.mark.parametrize(("html", "expected"), [
    ('<div id="n">notice</div><div id="c" class="content-view">答案</div>', "c"),
    ('<div id="n">notice</div><!-- c --> <p id="p">x</p>'
     '<div id="c" class="markdown_views">答案</div>', "c"),
    ('<div id="n" class="markdown_views">答案</div><div id="c" class="content-view">x</div>', "n"),
    ('<div id="n"><div class="htmledit_views">答案</div></div><div id="c" '
     'class="content-view">x</div>', "n"),
    ('<div id="n">答案</div><p id="p">x</p>', "n"),
    ('<div id="n">答案</div>', "n"),
])
def test_prefer_known_box(html: str, expected: str) -> None:
    assert _name(csdn._prefer_known_box(_by_id(_root(html), "n"))) == expected


# -- the section labels (_find_labels) ------------------------------------------------------


def test_find_labels_first_shown_each() -> None:
    root = _root(
        "<style>相关问题</style><noscript>相关推荐</noscript>"
        '<h3 id="r1">相关问题</h3><div id="r2"> 相关问题 </div>'
        '<span id="s">\n  热门问答\n</span><b id="l">最新推荐</b>'
        '<p>相关推荐：见下</p><h4 id="t">相关推荐</h4>')
    found = {label: _name(node) for label, node in csdn._find_labels(root).items()}
    assert found == {"相关问题": "r1", "热门问答": "s", "最新推荐": "l", "相关推荐": "t"}


@pytest.mark.parametrize(("spaces", "found"), [(64, True), (65, False)])
def test_find_labels_reads_texts_of_the_label_and_64_characters_more(
        spaces: int, found: bool) -> None:
    # The longest label is 4 characters: a text of 68 is read, one of 69 is not.
    root = _root('<p id="l">' + " " * (spaces // 2) + "相关问题" + " " * (spaces - spaces // 2)
                 + "</p>")
    assert ("相关问题" in csdn._find_labels(root)) is found


# -- the most complete answer (_complete_answer) --------------------------------------------

LONG_SHOWN = ("<p>这是一段比较长的可见答案文字，共有三十个字左右的长度呢。</p>"
              '<p>看<a href="/answer/x1">链接</a></p>')
LONG_TEXT = "这是一段比较长的可见答案文字，共有三十个字左右的长度呢。\n\n看链接"
LONG_MARKDOWN = ("这是一段比较长的可见答案文字，共有三十个字左右的长度呢。\n\n"
                 f"看[链接]({SITE}/answer/x1)")
# Entities: long as Markdown source, 21 characters of text once rendered.
ENTITIES = "&amp;" * 20 + "x"


@pytest.mark.parametrize(("html", "markdown", "expected"), [
    # No Markdown in the state: the visible copy, its buttons gone, links resolved.
    ('<p>正文 <a href="/answer/x1">链接</a></p><div class="open">展开全文</div>', None,
     ("正文 链接", f"正文 [链接]({SITE}/answer/x1)", "label", "label")),
    ('<p>正文</p><div class="open">展开全文</div>', "  \n",
     ("正文", "正文", "label", "label")),
    # An image alone: no text, but Markdown.
    ('<p><img src="/a.png" alt="图"></p>', None,
     ("", f"![图]({SITE}/a.png)", "label", "label")),
    ("<p></p>", None, None),
    (None, None, None),
    # The visible copy covers the Markdown: its own text, the state's Markdown.
    ("<p>第一段</p><p>第二段</p>", "第一段 第二段",
     ("第一段\n\n第二段", "第一段 第二段", "state", "state")),
    ('<p>第一段</p><p>第二段</p><div class="open">展开全文</div>', "第一段 第二段",
     ("第一段\n\n第二段", "第一段 第二段", "state", "state")),
    # Covering at the edge: 8 characters of a Markdown of 10, with its ending.
    ("<p>cdef</p><p>ghij</p>", "ab cdefghij",
     ("cdef\n\nghij", "ab cdefghij", "state", "state")),
    ('<p>cdef</p><p>ghij</p><div class="open">展开全文</div>', "ab cdefghij",
     ("cdef\n\nghij", "ab cdefghij", "state", "state")),
    # As long, but not its ending: the Markdown rendered.
    ("<p>abcd</p>", "dcba", ("dcba", "dcba", "state", "state")),
    (None, "ab", ("ab", "ab", "state", "state")),
    # A cut copy: the Markdown, rendered.
    ('<p>第一段</p><div class="open">展开全文</div>', "第一段\n\n第二段 *强调* 的话",
     ("第一段\n\n第二段 强调 的话", "第一段\n\n第二段 *强调* 的话", "state", "state")),
    # The visible copy is the fuller one: kept, with its own Markdown.
    (LONG_SHOWN, ENTITIES, (LONG_TEXT, LONG_MARKDOWN, "label", "label")),
    (LONG_SHOWN + '<div class="open">展开全文</div>', ENTITIES,
     (LONG_TEXT, LONG_MARKDOWN, "label", "label")),
    # Markdown too long to render: the visible copy, even one with no text but an image.
    ('<p><img src="/a.png" alt="图"></p>', "x" * 1_000_001,
     ("", f"![图]({SITE}/a.png)", "label", "label")),
])
def test_complete_answer(html: str | None, markdown: str | None,
                         expected: tuple[str, str, str, str] | None) -> None:
    shown = None if html is None else _by_id(_root(f'<div id="answer">{html}</div>'), "answer")
    assert csdn._complete_answer(shown, "label", markdown, URL) == expected


# -- the line of labels under the title and the block after it (_is_meta_line, _after) ------

HUGE = "9" * 400  # a figure that makes a line of labels over 400 characters long


@pytest.mark.parametrize(("html", "expected"), [
    ('<div id="n">时间：2023-06-23 11:03:20</div>', True),
    ('<div id="n"><span>浏览：76</span></div>', True),
    ('<div id="n"><span>76 浏览</span></div>', True),
    ('<div id="n">2023-06-23 11:03:20</div>', True),  # a bare time
    ('<div id="n">作者：张三</div>', False),
    ('<div id="n">' + "2023-06-23 11:03:20 " + "x" * 380 + "</div>", True),  # 400: read
    ('<div id="n">' + "2023-06-23 11:03:20 " + "x" * 381 + "</div>", False),
    # 322 characters of text, 621 once its 300 texts are spaced apart: too long.
    ('<div id="n">时间：2023-06-23 11:03:20' + "<i>x</i>" * 300 + "</div>", False),
    # Over 400 characters: only a line of labels and figures, its label in the first 400.
    (f'<div id="n"><span>时间：2023-06-23 11:03:20</span> <span>浏览量：76</span><span>{HUGE}'
     "</span></div>", True),
    (f'<div id="n"><span>时间：2023-06-23 11:03:20</span><span>{HUGE}</span></div>', True),
    (f'<div id="n"><span>浏览量：76</span><span>{HUGE}</span></div>', True),
    # ... a count before its label is not looked for there,
    (f'<div id="n"><span>76 浏览</span><span>{"x" * 400}</span></div>', False),
    # ... nor a bare time,
    (f'<div id="n"><span>2023-06-23 11:03:20</span><span>{HUGE}</span></div>', False),
    # ... and a paragraph makes it an answer's block.
    (f'<div id="n"><p>时间：2023-06-23 11:03:20</p><span>{HUGE}</span></div>', False),
    (f'<div id="n"><span>{HUGE}</span><span>时间：2023-06-23 11:03:20</span></div>', False),
])
def test_is_meta_line(html: str, expected: bool) -> None:
    node = _by_id(_root(html), "n")
    assert csdn._is_meta_line(node) is expected
    assert csdn._is_meta_line(node, node.text(deep=True)) is expected


def _after_names(root: LexborNode, anchor: str = "t") -> tuple[list[str | None], str | None]:
    meta, answer = csdn.CsdnAnswerProfile._after(_by_id(root, anchor))
    return [_name(node) for node in meta], _name(answer)


@pytest.mark.parametrize(("html", "expected"), [
    ('<h1 id="t">标题</h1><div id="m">时间：2023-06-23 11:03:20</div>'
     '<div id="a"><p>正文</p></div>', (["m"], "a")),
    # Lines before the title, nearest first; texts and comments are no line.
    ('时间：2020-01-01 08:00:00<div id="m1">浏览：76</div><!-- c --><div id="m2">时间：'
     '2023-06-23 11:03:20</div><h1 id="t">标题</h1><div id="a">正文</div>',
     (["m2", "m1"], "a")),
    # Buttons, empty blocks, texts and comments after the title are no answer.
    ('<h1 id="t">标题</h1>正文？<!-- c --><div>展开全文</div><div></div>'
     '<div id="a"><img src="a.png"></div>', ([], "a")),
    # No block after it: the lines, no answer.
    ('<div id="m">时间：2023-06-23 11:03:20</div><h1 id="t">标题</h1>', (["m"], None)),
    # The title in a header: its siblings, then the header's.
    ('<div class="head"><h1 id="t">标题</h1></div><div id="m">时间：2023-06-23 11:03:20</div>'
     '<div id="a">正文</div>', (["m"], "a")),
    ('<div id="m0">浏览：1</div><div class="head"><h1 id="t">标题</h1><div id="m">时间：'
     '2023-06-23 11:03:20</div></div><div id="a">正文</div>', (["m"], "a")),
    # Four levels up, not five.
    ("<div><div><div><div><h1 id=\"t\">标题</h1></div></div></div></div>"
     '<div id="a">正文</div>', ([], "a")),
    ("<div><div><div><div><div><h1 id=\"t\">标题</h1></div></div></div></div></div>"
     '<div id="a">正文</div>', ([], None)),
    # A notice before today's answer box: the box.
    ('<h1 id="t">标题</h1><div id="n">提示</div><div id="a" class="content-view">正文</div>',
     ([], "a")),
])
def test_after(html: str, expected: tuple[list[str], str | None]) -> None:
    assert _after_names(_root(html)) == expected


def test_after_stops_at_the_body() -> None:
    tree = LexborHTMLParser(
        "<!DOCTYPE html><html><head><title>发布时间：2023-06-23 11:03:20</title></head>"
        '<body><h1 id="t">标题</h1></body></html>')
    assert tree.body is not None
    assert _after_names(tree.body) == ([], None)


# -- the values the labels show (_labelled_values) -----------------------------------------

T_SECONDS = "2023-06-23T11:03:20+08:00"
T_MINUTES = "2023-06-23T11:03:00+08:00"


@pytest.mark.parametrize(("fragments", "times", "views", "errors"), [
    (['<span>时间：2023-06-23 11:03:20</span><span>浏览：76</span>'],
     [("label", T_SECONDS, True)], [("label", 76, False)], []),
    (["<span>发布时间 2023-06-23 11:03</span><span>1.2万 阅读</span>"],
     [("label", T_MINUTES, False)], [("label", 12000, True)], []),
    # Several lines are read as one text, a space between them.
    (["<span>时间：2023-06-23</span>", "<span>11:03:20</span>"],
     [("label", T_SECONDS, True)], [], []),
    (["<span>时间：2023-13-45 11:03:20</span><span>浏览：1.5</span>"],
     [], [], ["unreadable time '2023-13-45 11:03:20'", "unreadable view count '1.5'"]),
    # Today's classes: the .data line's bare time and its view counter.
    (['<div class="data"><span class="time">2023-06-23 11:03:20</span>'
      '<span class="read-count">76</span></div>'],
     [("class", T_SECONDS, True)], [("class", 76, False)], []),
    (['<div class="data"><span>2023-06-23 11:03</span><span class="view">无</span>'
      '<span class="browse-num">3w+</span><span class="read">99</span></div>'],
     [("class", T_MINUTES, False)], [("class", 30000, True)], []),
    # ... a line holding a .data box read whole (css_matches looks inside it: the first
    # time and counter of the line, here before the box),
    (['<span>2020-01-01 08:00:00</span><span class="view">1</span>'
      '<div class="data"><span>2023-06-23 11:03:20</span><span class="view">76</span></div>'],
     [("class", "2020-01-01T08:00:00+08:00", True)], [("class", 1, False)], []),
    # ... only for what the labels did not show,
    (['<div class="data"><span>时间：2023-06-23 11:03:20</span><span>2020-01-01 08:00:00</span>'
      '<span class="view-num">1.2万</span></div>'],
     [("label", T_SECONDS, True)], [("class", 12000, True)], []),
    (['<div class="data"><span>2023-06-23 11:03</span><span class="view">浏览：76</span>'
      '<span class="read">99</span></div>'],
     [("class", T_MINUTES, False)], [("label", 76, False)], []),
    # ... and never with classes in capitals, nor an unreadable time.
    (['<div class="DATA"><span>2023-06-23 11:03:20</span><span class="VIEW">76</span></div>'],
     [], [], []),
    (['<div class="data"><span>2023-13-45 11:03:20</span><span class="VIEW">76</span></div>'],
     [], [], []),
])
def test_labelled_values(fragments: list[str], times: list[tuple[str, str, bool]],
                         views: list[tuple[str, int, bool]], errors: list[str]) -> None:
    root = _root("".join(f'<div id="n{number}">{fragment}</div>'
                         for number, fragment in enumerate(fragments)))
    nodes = [_by_id(root, f"n{number}") for number in range(len(fragments))]
    assert csdn.CsdnAnswerProfile._labelled_values(nodes) == (times, views, errors)


def test_labelled_values_of_a_data_line_itself() -> None:
    root = _root('<div id="n" class="data"><span>2023-06-23 11:03:20</span>'
                 '<span class="view">76</span></div>')
    assert csdn.CsdnAnswerProfile._labelled_values([_by_id(root, "n")]) == (
        [("class", T_SECONDS, True)], [("class", 76, False)], [])
    assert csdn.CsdnAnswerProfile._labelled_values([]) == ([], [], [])


# -- the title (_title) ----------------------------------------------------------------

STATE = ("state", "问题标题")
TITLE_TAG = ("title-tag", "问题标题 - 另一个站点")


@pytest.mark.parametrize(("html", "structured", "expected"), [
    # Nothing to agree with: the first <h1> with text, else div.title.forbid.
    ('<h1 id="a">标题一</h1><h1 id="b">标题二</h1>', [], ("a", ("heading", "标题一"))),
    ('<h1></h1><h1 id="b">相关问题</h1><h1 id="c">标题三</h1>', [], ("c", ("heading", "标题三"))),
    ('<div id="t" class="title forbid">标题</div>', [], ("t", ("class", "标题"))),
    # A bare .title is trusted only if a structured title agrees.
    ('<div id="t" class="title">标题</div>', [], (None, ("", ""))),
    ('<div id="t" class="title">标题</div>', [TITLE_TAG], (None, TITLE_TAG)),
    ('<div id="t" class="title">问题标题</div>', [("meta", "问题标题")],
     ("t", ("class", "问题标题"))),
    # A visible title agreeing with a structured one; the longer structured one kept.
    ('<h1 id="a">问题标题</h1>', [STATE], ("a", ("heading", "问题标题"))),
    ('<h1 id="a">问题</h1>', [STATE], ("a", STATE)),
    ('<h1 id="a">站点名</h1><h1 id="b">问题标题</h1>', [STATE], ("b", ("heading", "问题标题"))),
    ('<h1 id="a">站点名</h1><div id="t" class="title forbid">问题标题</div>', [STATE],
     ("t", ("class", "问题标题"))),
    ('<div id="t" class="title forbid">问题标题</div>', [STATE], ("t", ("class", "问题标题"))),
    # Eight <h1>s are looked at, not nine.
    ("<h1>站点名</h1>" * 7 + '<h1 id="h">问题标题</h1>', [STATE], ("h", ("heading", "问题标题"))),
    ("<h1>站点名</h1>" * 8 + '<h1 id="h">问题标题</h1>', [STATE], (None, STATE)),
    # None agrees: the state's or the metadata's, then the visible one, then <title>.
    ('<h1 id="a">站点名</h1>', [STATE, TITLE_TAG], (None, STATE)),
    ('<h1 id="a">站点名</h1>', [TITLE_TAG], ("a", ("heading", "站点名"))),
    ("<p>正文</p>", [TITLE_TAG, ("title-tag", "另一个")], (None, TITLE_TAG)),
])
def test_title(html: str, structured: list[tuple[str, str]],
               expected: tuple[str | None, tuple[str, str]]) -> None:
    node, title = csdn.CsdnAnswerProfile._title(_root(html), structured)
    assert (_name(node), title) == expected


# -- whole pages (CsdnAnswerProfile.parse) -------------------------------------------------

PAGE_URL = "https://wenku.csdn.net/answer/abc123"


def _page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"


def _reason(body: str | bytes, url: str = PAGE_URL) -> tuple[str, str | None]:
    with pytest.raises(csdn.ParseError) as caught:
        csdn.PROFILE.parse(body, url)
    return caught.value.reason, caught.value.url


LINE = '<div class="data"><span>时间：2023-06-23 11:03:20</span><span>浏览：76</span></div>'


@pytest.mark.parametrize(("body", "url", "expected"), [
    (_page(" \n <div>\u3000</div><!-- 问题 -->"), PAGE_URL,
     ("empty page", PAGE_URL)),
    (_page(f"<h1>问题</h1>{LINE}<p>答案</p>"), "https://wenku.csdn.net/doc/123",
     ("not an answer page: no answer id in the URL", "https://wenku.csdn.net/doc/123")),
    (_page(f"<h1>问题</h1>{LINE}<p>答案</p>"), "",
     ("not an answer page: no answer id in the URL", "")),
    (_page(f"{LINE}<p>答案</p>"), PAGE_URL, ("not an answer page: no title", PAGE_URL)),
    (_page("<p>抱歉，您访问的页面不存在</p>"), PAGE_URL,
     ("not an answer page: soft 404 (page says it does not exist)", PAGE_URL)),
    (_page("<p>请登录后查看</p>"), PAGE_URL, ("not an answer page: login wall", PAGE_URL)),
    (_page("<h1>问题</h1><p>答案</p>"), PAGE_URL, ("not an answer page: no 时间 label", PAGE_URL)),
    (_page("<h1>问题</h1><div>时间：2023-13-45 11:03:20 浏览：1.5</div><p>答案</p>"), PAGE_URL,
     ("unreadable time '2023-13-45 11:03:20'", PAGE_URL)),
    (_page("<h1>问题</h1><div>时间：2023-06-23 11:03:20 浏览：1.5</div><p>答案</p>"), PAGE_URL,
     ("unreadable view count '1.5'", PAGE_URL)),
    (_page(f"<h1>问题</h1>{LINE}<div><p></p></div>"), PAGE_URL,
     ("no answer text (truncated page?)", PAGE_URL)),
])
def test_parse_refuses(body: str, url: str, expected: tuple[str, str | None]) -> None:
    assert _reason(body, url) == expected


def test_parse_a_page_in_todays_layout() -> None:
    page = csdn.PROFILE.parse(_page(
        '<div class="title forbid">问题标题</div>'
        '<div class="data"><span class="time">2023-06-23 11:03</span>'
        '<span class="read-count">1.2万</span></div>'
        '<div class="csdn-side-toolbar"><span>客服</span></div>'
        '<div class="cont first-show"><p>答案 <a href="/answer/x1">链接</a></p>'
        '<div class="open">展开全文</div></div>',
        "<title>问题标题 - CSDN文库</title>"), PAGE_URL + "?spm=1")
    assert (page.url, page.id, page.title, page.asked_at) == (
        PAGE_URL + "?spm=1", "abc123", "问题标题", "2023-06-23T11:03:00+08:00")
    assert (page.view_count, page.view_count_approximate) == (12000, True)
    assert (page.answer_text, page.answer_markdown) == (
        "答案 链接", f"答案 [链接]({SITE}/answer/x1)")
    assert page.field_sources == {
        "title": "class", "asked_at": "class", "view_count": "class",
        "answer_text": "label", "answer_markdown": "label"}
    assert (page.profile, page.parser_version, page.site) == ("csdn-answer", 5, "wenku.csdn.net")
    assert (page.related_questions, page.recommended_resources, page.sidebar_links) == ([], [], [])


def test_parse_takes_the_url_from_the_canonical_link_and_bytes_in_a_charset() -> None:
    html = _page(f"<h1>问题</h1>{LINE}<p>答案</p>",
                 f'<link rel="canonical" href="{PAGE_URL}">')
    for body, charset in ((html, None), (html.encode(), None), (html.encode("gbk"), "gbk")):
        page = csdn.PROFILE.parse(body, "", charset=charset)
        assert (page.url, page.id, page.title, page.answer_text) == (
            PAGE_URL, "abc123", "问题", "答案")
        assert (page.asked_at, page.view_count, page.view_count_approximate) == (
            "2023-06-23T11:03:20+08:00", 76, False)
        assert page.field_sources == {
            "title": "heading", "asked_at": "label", "view_count": "label",
            "answer_text": "label", "answer_markdown": "label"}


def test_parse_with_a_state_without_time_or_views() -> None:
    state = ('<script>window.__INITIAL_STATE__={"pageData":{"detailInfo":'
             '{"title":"问题标题","viewContent":"答案的 **Markdown**"}}};</script>')
    page = csdn.PROFILE.parse(_page(f"<h1>问题标题</h1><div>作者</div>{state}"), PAGE_URL)
    assert (page.title, page.asked_at, page.view_count, page.view_count_approximate) == (
        "问题标题", None, None, False)
    assert (page.answer_text, page.answer_markdown) == ("答案的 Markdown", "答案的 **Markdown**")
    assert page.field_sources == {
        "title": "heading", "answer_text": "state", "answer_markdown": "state"}


def test_parse_finds_the_line_of_labels_by_its_time_label() -> None:
    # The answer follows the title; the labels are in the footer.
    page = csdn.PROFILE.parse(_page(
        '<h1>问题</h1><div id="a"><p>答案正文</p></div>'
        "<footer><span>发布时间：2023-06-23 11:03:20</span><span>阅读量：76</span></footer>"),
        PAGE_URL)
    assert (page.asked_at, page.view_count, page.answer_text) == (
        "2023-06-23T11:03:20+08:00", 76, "答案正文")
    # No visible title: the line of labels, and the answer after it.
    page = csdn.PROFILE.parse(_page(
        '<div class="side">侧栏</div><div><span>时间：2023-06-23 11:03:20</span> '
        '<span>浏览：76</span></div><div><p>答案正文</p></div>',
        '<meta property="og:title" content="问题标题">'), PAGE_URL)
    assert (page.title, page.asked_at, page.view_count, page.answer_text) == (
        "问题标题", "2023-06-23T11:03:20+08:00", 76, "答案正文")
    assert page.field_sources == {
        "title": "meta", "asked_at": "label", "view_count": "label",
        "answer_text": "label", "answer_markdown": "label"}


def test_parse_finds_the_answer_by_its_class_near_the_title_first() -> None:
    page = csdn.PROFILE.parse(_page(
        '<div class="markdown_views">侧栏的文字</div>'
        '<div><div class="content-view"><p>答案正文</p></div><h1>问题</h1>'
        '<div>时间：2023-06-23 11:03:20</div></div>'), PAGE_URL)
    assert (page.title, page.answer_text) == ("问题", "答案正文")
    assert page.field_sources == {
        "title": "heading", "asked_at": "label", "answer_text": "class",
        "answer_markdown": "class"}
    page = csdn.PROFILE.parse(_page(
        '<div class="markdown_views"><p>答案正文</p></div>'
        '<div><h1>问题</h1><div>时间：2023-06-23 11:03:20</div></div>'), PAGE_URL)
    assert (page.answer_text, page.field_sources["answer_text"]) == ("答案正文", "class")


def test_parse_passes_over_the_answers_own_time_label() -> None:
    # The block after the title is the answer (over 400 characters, with paragraphs), and
    # no line of labels is beside the title: the one found by its label is outside it.
    page = csdn.PROFILE.parse(_page(
        "<h1>问题</h1><div><p>时间：2020-01-01 08:00:00 是示例</p><p>" + "答" * 400 + "</p></div>"
        "<footer><span>时间：2023-06-23 11:03:20</span></footer>"), PAGE_URL)
    assert (page.asked_at, page.answer_text) == (
        "2023-06-23T11:03:20+08:00", "时间：2020-01-01 08:00:00 是示例\n\n" + "答" * 400)


def test_parse_without_a_visible_title_finds_the_answer_by_its_class() -> None:
    page = csdn.PROFILE.parse(_page(
        '<div class="markdown_views"><p>答案正文</p></div>'
        "<div><span>时间：2023-06-23 11:03:20</span></div>",
        '<meta property="og:title" content="问题标题">'), PAGE_URL)
    assert (page.title, page.asked_at, page.answer_text) == (
        "问题标题", "2023-06-23T11:03:20+08:00", "答案正文")
    assert page.field_sources == {
        "title": "meta", "asked_at": "label", "answer_text": "class", "answer_markdown": "class"}


def test_parse_keeps_the_sections_out_of_the_question_and_the_recommendations() -> None:
    # An empty 相关问题 block beside the answer does not take in the answer's links.
    page = csdn.PROFILE.parse(_page(
        '<div class="main"><h1>问题</h1><div>时间：2023-06-23 11:03:20</div>'
        '<div class="cont first-show"><p>答案 <a href="/answer/zzz9">另一个问题</a></p></div>'
        "<div><h3>相关问题</h3></div></div>"), PAGE_URL)
    assert (page.answer_text, page.related_questions) == ("答案 另一个问题", [])
    assert page.field_sources["related_questions"] == "label"
    # Nor the recommendations' box beside it; the sidebar is read by its label.
    page = csdn.PROFILE.parse(_page(
        '<h1>问题</h1><div>时间：2023-06-23 11:03:20</div><div class="cont first-show">'
        '<p>答案</p></div><div class="wrap"><div><h3>相关问题</h3></div>'
        '<div class="recommend-box"><div class="recommend-item-box" '
        'data-url="https://wenku.csdn.net/doc/1"><a href="https://wenku.csdn.net/doc/1">推荐资源'
        '</a><p>描述</p></div><div class="recommend-item-box" data-url="/answer/r2">'
        '<a href="/answer/r2">推荐问答</a></div></div></div>'
        '<div class="side"><h3>热门问答</h3><ul><li><a href="/answer/s1">热门一</a></li>'
        '<li><a href="/answer/s2">热门二</a></li></ul></div>'), PAGE_URL)
    assert page.related_questions == []
    assert page.recommended_resources == [
        csdn.RecommendedResource("related", 1, f"{SITE}/doc/1", "推荐资源", "描述", "unknown",
                                 "doc"),
        csdn.RecommendedResource("related", 2, f"{SITE}/answer/r2", "推荐问答", "", "unknown",
                                 "answer")]
    assert page.sidebar_links == [f"{SITE}/answer/s1", f"{SITE}/answer/s2"]
    assert page.field_sources == {
        "title": "heading", "asked_at": "label", "answer_text": "label",
        "answer_markdown": "label", "related_questions": "label",
        "recommended_resources": "class", "sidebar_links": "label"}


def test_parse_reads_the_sections_by_their_labels() -> None:
    page = csdn.PROFILE.parse(_page(
        '<h1>问题</h1><div>时间：2023-06-23 11:03:20</div><div class="cont first-show"><p>答案</p>'
        '</div><div class="rel"><h3>相关问题</h3><ul><li><a href="/answer/r1">相关一</a><p>答一'
        '</p></li><li><a href="/answer/r2">相关二</a><p>答二</p></li></ul></div>'
        # The label a level deeper than its list: the block around both.
        '<div class="rec"><div><h3>相关推荐</h3></div><ul><li>'
        '<a href="https://wenku.csdn.net/doc/9">资源九</a></li></ul></div>'), PAGE_URL)
    assert page.related_questions == [
        csdn.RelatedQuestion(1, "r1", f"{SITE}/answer/r1", "相关一", "答一"),
        csdn.RelatedQuestion(2, "r2", f"{SITE}/answer/r2", "相关二", "答二")]
    assert page.recommended_resources == [
        csdn.RecommendedResource("related", 1, f"{SITE}/doc/9", "资源九", "", "unknown", "doc")]
    assert page.field_sources == {
        "title": "heading", "asked_at": "label", "answer_text": "label",
        "answer_markdown": "label", "related_questions": "label",
        "recommended_resources": "label"}
