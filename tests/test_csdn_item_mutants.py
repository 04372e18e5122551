"""Tests that kill surviving mutants of csdn.py's item walks (issue #16, TESTING.md): the
related questions, the recommended resources and the sidebar, and the helpers that find a
section's block, its tab panels and its repeated items.

Literal fragments in the CSDN markup, each function called directly; every expected value
is written from what the fragment shows. The pages start with a doctype: in no-quirks mode
lexbor matches class names case-sensitively, as a browser does.
"""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser, LexborNode
from tests_support import by_id as _by_id
from tests_support import node_name as _name

from parsers.sites import csdn
from parsers.sites.csdn import MAX_LINKS, PROFILE

URL = "https://wenku.csdn.net/answer/q0"
SITE = "https://wenku.csdn.net"


def _root(html: str) -> LexborNode:
    body = LexborHTMLParser(f"<!DOCTYPE html><html><body>{html}</body></html>").body
    assert body is not None
    return body


def _names(items: list[list[LexborNode]] | None) -> list[list[str | None]] | None:
    return None if items is None else [[_name(node) for node in item] for item in items]


# -- links ------------------------------------------------------------------------------


def test_answer_links_are_the_links_to_answer_pages_resolved() -> None:
    root = _root(
        '<a href="/answer/a1">一</a><a>no link</a>'
        '<a href="https://blog.csdn.net/u/article/details/1">博客</a>'
        '<a href="//wenku.csdn.net/answer/a2?spm=1">二</a><a href="javascript:;">js</a>'
        '<a href="/doc/123">文档</a>')
    assert [(anchor.text(), link) for anchor, link in csdn._answer_links(root, URL)] == [
        ("一", f"{SITE}/answer/a1"), ("二", f"{SITE}/answer/a2?spm=1")]


def test_links_inside_counts_each_elements_links_up_to_two() -> None:
    root = _root(
        '<div id="outer"><div id="block"><ul id="u">'
        '<li id="l1"><a href="/answer/a1">一</a>'
        '<span id="s"><a href="/answer/a2">二</a></span></li>'
        '<li id="l2"><a href="/answer/a3">三</a></li></ul>'
        '<a href="/answer/a4">四</a><p id="p">no link</p></div></div>')
    block = _by_id(root, "block")
    names = {node.mem_id: _name(node) for node in root.traverse()}
    counts = {names.get(mem_id, "?"): held for mem_id, held in csdn._links_inside(block).items()}
    # The block itself and what is above it are not counted; <ul> holds three, counted as 2.
    assert counts == {"l1": 2, "s": 1, "u": 2, "l2": 1}


def test_answer_links_of_an_item_in_order() -> None:
    root = _root(
        '<a id="t" href="/answer/a1">题</a>'
        '<div id="d"><a href="https://blog.csdn.net/x">博客</a><a href="/answer/a2">二</a>'
        '<a href="/answer/a3">三</a></div>'
        '<span id="s" href="/answer/s1"><a href="/answer/a4">四</a></span>')
    item = [_by_id(root, "t"), _by_id(root, "d")]
    links = [link for _, link in csdn._answer_links_of(item, URL)]
    # The link itself first (lexbor's query of an element includes the element: twice).
    assert list(dict.fromkeys(links)) == [
        f"{SITE}/answer/a1", f"{SITE}/answer/a2", f"{SITE}/answer/a3"]
    # Only a link's href counts: a <span href> is no link.
    assert [link for _, link in csdn._answer_links_of([_by_id(root, "s")], URL)] == [
        f"{SITE}/answer/a4"]


@pytest.mark.parametrize(("attribute", "expected"), [
    ('data-url="/answer/d1"', f"{SITE}/answer/d1"),
    ('data-url="https://download.csdn.net/download/u/1"', "https://download.csdn.net/download/u/1"),
    ('data-url=""', None),
    ("", None),
])
def test_data_url_is_the_items_own(attribute: str, expected: str | None) -> None:
    root = _root(
        f'<div id="i" {attribute}><a href="/answer/x" data-url="/answer/inner">x</a></div>')
    assert csdn._data_url([_by_id(root, "i")], URL) == expected


def test_holds_web_link() -> None:
    root = _root('<div id="a"><p><a href="/x">x</a></p></div><div id="b"><a>no href</a></div>'
                 '<div id="c"><span data-url="/x">x</span></div><div id="d" data-url="/y">y</div>')
    assert [csdn._holds_web_link(_by_id(root, name)) for name in "abcd"] == [
        True, False, True, True]


# -- a section's block, its tab bar and panels --------------------------------------------


def test_signature_is_the_tag_and_first_class() -> None:
    root = _root('<div id="a" class="item first">x</div><p id="b">x</p>'
                 '<span id="c" class="">x</span><li id="d" class="  one  two">x</li>')
    assert [csdn._signature(_by_id(root, name)) for name in "abcd"] == [
        ("div", "item"), ("p", ""), ("span", ""), ("li", "one")]


def test_common_ancestor_of_tab_labels() -> None:
    root = _root('<div id="bar"><ul id="tabs"><li id="t1">相关推荐</li>'
                 '<li id="t2"><span id="t2s">最新推荐</span></li></ul></div>')
    t1, t2, t2s = (_by_id(root, name) for name in ("t1", "t2", "t2s"))
    assert _name(csdn._common_ancestor([t1, t2s])) == "tabs"
    assert _name(csdn._common_ancestor([t2s, t1])) == "tabs"
    assert _name(csdn._common_ancestor([t1, t2])) == "tabs"
    # One label: the block around it.
    assert _name(csdn._common_ancestor([t2s])) == "t2"
    # Labels of two documents share nothing: the first is kept.
    other = _by_id(_root('<p id="other">最新推荐</p>'), "other")
    assert csdn._common_ancestor([t1, other]).mem_id == t1.mem_id


def test_following_elements() -> None:
    root = _root('<div id="a">a</div> text <!-- c --><p id="b">b</p><span id="c">c</span>')
    assert [_name(node) for node in csdn._following_elements(_by_id(root, "a"))] == ["b", "c"]
    assert csdn._following_elements(_by_id(root, "c")) == []


@pytest.mark.parametrize(("html", "expected"), [
    # The panels follow the tab bar.
    ('<div id="bar">tabs</div><div id="p1">一</div><div id="p2">二</div>', ["p1", "p2"]),
    # The tab bar ends its block: the panels follow the block (two levels at most).
    ('<div id="w2"><div id="w1"><div id="bar">tabs</div></div></div><div id="p1">一</div>',
     ["p1"]),
    ('<div id="w3"><div id="w2"><div id="w1"><div id="bar">tabs</div></div></div></div>'
     '<div id="p1">一</div>', []),
    # One wrapper around all panels: its children are the panels.
    ('<div id="bar">tabs</div><div id="all"><div id="p1">一</div><div id="p2">二</div></div>',
     ["p1", "p2"]),
    # ...unless it names its tab (it is a panel itself), or holds one child only.
    ('<div id="bar">tabs</div><div id="all" aria-label="相关推荐"><div id="p1">一</div>'
     '<div id="p2">二</div></div>', ["all"]),
    ('<div id="bar">tabs</div><div id="all" data-tab="latest"><div id="p1">一</div>'
     '<div id="p2">二</div></div>', ["all"]),
    ('<div id="bar">tabs</div><div id="all"><div id="p1">一</div></div>', ["all"]),
])
def test_panels_after_the_tab_bar(html: str, expected: list[str]) -> None:
    root = _root(f'<div id="page">{html}</div>')
    assert [_name(node) for node in csdn._panels_after(_by_id(root, "bar"))] == expected


@pytest.mark.parametrize(("attributes", "expected"), [
    ('aria-label="相关推荐"', True), ('data-tab="related"', True),
    ('aria-label="x" data-tab="y"', True), ('aria-label="" data-tab=""', False),
    ('class="panel"', False),
])
def test_names_its_tab(attributes: str, expected: bool) -> None:
    root = _root(f'<div id="p" {attributes}>x</div>')
    assert csdn._names_its_tab(_by_id(root, "p")) is expected


def test_section_block_climbs_to_the_block_holding_items() -> None:
    def block(html: str, label_text: str = "相关推荐", fences: tuple[str, ...] = ()) -> str | None:
        root = _root(html)
        label = csdn._find_labels(root)[label_text]
        return _name(csdn._section_block(
            label, label_text, csdn._holds_web_link, [_by_id(root, name) for name in fences]))

    # The label's own block holds the items.
    assert block('<div id="s"><h3>相关推荐</h3><a href="/x">x</a></div>') == "s"
    # A label wrapped a level deeper.
    assert block('<div id="s"><div id="h"><h3>相关推荐</h3></div><ul><li><a href="/x">x</a>'
                 "</li></ul></div>") == "s"
    # Three climbs at most, whether or not the block reached holds items.
    assert block('<div id="w5"><div id="w4"><div id="w3"><div id="w2"><div id="w1">'
                 '<h3>相关推荐</h3></div></div></div></div><a href="/x">x</a></div>') == "w4"
    # Never into another section's label...
    assert block('<div id="top"><div id="s"><h3>相关推荐</h3></div>'
                 '<div><h3>最新推荐</h3><a href="/x">x</a></div></div>') == "s"
    # ...nor around a fence (the answer).
    assert block('<div id="top"><div id="answer"><a href="/x">x</a></div>'
                 '<div id="s"><h3>相关推荐</h3></div></div>', fences=("answer",)) == "s"
    assert block('<div id="top"><div id="answer"><a href="/x">x</a></div>'
                 '<div id="s"><h3>相关推荐</h3></div></div>') == "top"
    # Its own label text is no other section's.
    assert block('<div id="top"><div id="s"><h3>相关问题</h3></div><a href="/x">x</a></div>',
                 label_text="相关问题") == "top"


def test_section_block_stops_at_the_document() -> None:
    root = LexborHTMLParser("<!DOCTYPE html><html><body><h3>相关推荐</h3></body></html>")
    label = csdn._find_labels(root.body)["相关推荐"]
    # body, html, the document: no parent above it, and nothing held.
    assert csdn._section_block(label, "相关推荐", csdn._holds_web_link).tag == "-document"


# -- repeated items ------------------------------------------------------------------------


# A fold button's text of 24 characters, the most a button may have, and one of 25.
_BUTTON_24 = "展开全文" + " " * 19 + "∨"
_BUTTON_25 = "展开全文" + " " * 20 + "∨"


@pytest.mark.parametrize(("html", "expected"), [
    # Through single wrappers down to the repeated blocks.
    ('<div id="w"><ul><li id="i1"><a href="/x">一</a></li><li id="i2"><a href="/y">二</a></li>'
     "</ul></div>", [["i1"], ["i2"]]),
    # A flat list: each title with the siblings that follow it.
    ('<a id="t1" href="/x">问一</a><p id="d1">答一</p><a id="t2" href="/y">问二</a>'
     '<p id="d2">答二</p>', [["t1", "d1"], ["t2", "d2"]]),
    # Content before the first item: the parts of one item.
    ('<p id="d0">前</p><a id="t1" href="/x">问一</a><p id="d1">答一</p>'
     '<a id="t2" href="/y">问二</a>', None),
    # Two repeated groups with as many links: the first starts the items.
    ('<div id="a1" class="q"><a href="/x">一</a></div><span id="b1" class="m"><a href="/z">m</a>'
     '</span><div id="a2" class="q"><a href="/y">二</a></div><span id="b2" class="m">'
     '<a href="/w">m</a></span>', [["a1", "b1"], ["a2", "b2"]]),
    # The group holding more links starts the items, wherever it is.
    ('<span id="s1" class="m">m</span><div id="a1" class="q"><a href="/x">一</a></div>'
     '<span id="s2" class="m">m</span><div id="a2" class="q"><a href="/y">二</a></div>', None),
    ('<div id="a1" class="q"><a href="/x">一</a></div><span id="s1" class="m">m</span>'
     '<div id="a2" class="q"><a href="/y">二</a></div><span id="s2" class="m">m</span>',
     [["a1", "s1"], ["a2", "s2"]]),
    # As many links: the group whose first member comes first.
    ('<div id="a1" class="q"><a href="/x">一</a></div><span id="b1" class="m"><a href="/z">m</a>'
     '</span><span id="b2" class="m"><a href="/w">m</a></span><div id="a2" class="q">'
     '<a href="/y">二</a></div>', [["a1", "b1", "b2"], ["a2"]]),
    # Links without href count too (a group of <a>).
    ('<a id="a1" class="t">一</a><span id="s1" class="m">m</span><a id="a2" class="t">二</a>'
     '<span id="s2" class="m">m</span>', [["a1", "s1"], ["a2", "s2"]]),
    ('<span id="s1" class="m">m</span><a id="a1" class="t">一</a><span id="s2" class="m">m</span>'
     '<a id="a2" class="t">二</a>', None),
    # Fold buttons (at most 24 characters), empty blocks and comments are no items; an
    # image or a link without text is.
    ('<div id="i1" class="q">一</div><!-- c --><span id="b">展开 ∨</span><div></div>'
     '<div id="i2" class="q">二</div><p id="img"><img src="a.png"></p><img id="i" src="b.png">'
     '<span id="l"><a href="/x"></a></span>', [["i1"], ["i2", "img", "i", "l"]]),
    (f'<div id="i1" class="q">一</div><span id="b">{_BUTTON_24}</span>'
     '<div id="i2" class="q">二</div>', [["i1"], ["i2"]]),
    (f'<div id="i1" class="q">一</div><span id="b">{_BUTTON_25}</span>'
     '<div id="i2" class="q">二</div>', [["i1", "b"], ["i2"]]),
    # Text of the items' own elements counts, not only their direct text.
    ('<div id="i1" class="q"><b>一</b></div><div id="i2" class="q"><b>二</b></div>',
     [["i1"], ["i2"]]),
    # One item only, or nothing: no repetition.
    ('<div id="w"><p id="i1">一</p><span>二</span></div>', None),
    ("<div><!-- nothing --></div>", None),
    # A link is one item, whole, even when it holds repeated parts.
    ('<a href="/x"><span>一</span><span>二</span></a>', None),
])
def test_repeated_items(html: str, expected: list[list[str]] | None) -> None:
    root = _root(f'<div id="block">{html}</div>')
    assert _names(csdn._repeated_items(_by_id(root, "block"), None)) == expected


def test_repeated_items_descend_six_wrappers_at_most() -> None:
    items = '<p id="i1">一</p><p id="i2">二</p>'
    five = f"<div><div><div><div><div>{items}</div></div></div></div></div>"
    root = _root(f'<div id="block">{five}</div><div id="block6"><div>{five}</div></div>')
    assert _names(csdn._repeated_items(_by_id(root, "block"), None)) == [["i1"], ["i2"]]
    assert csdn._repeated_items(_by_id(root, "block6"), None) is None


def test_repeated_items_leave_out_the_label_and_what_holds_it() -> None:
    root = _root('<div id="block"><div id="head"><h3 id="label">相关问题</h3></div>'
                 '<p id="i1">一</p><p id="i2">二</p></div>')
    block, label = _by_id(root, "block"), _by_id(root, "label")
    assert _names(csdn._repeated_items(block, label)) == [["i1"], ["i2"]]
    # Taken in, the label's block would come before the first item.
    assert csdn._repeated_items(block, None) is None


@pytest.mark.parametrize(("html", "expected"), [
    ('<p id="q">问</p>', [["q"]]),
    ('<ul><li id="q">问</li></ul>', [["q"]]),
    ('<ol><li id="q">问</li></ol>', [["q"]]),
    ('<ul><ul><li id="q">问</li></ul></ul>', [["q"]]),
    ('<ul><ul><ul><li id="q">问</li></ul></ul></ul>', []),  # three lists deep: no item
    ('<p id="q">问</p><p id="r">又</p>', []),
    ('<p id="q">问</p><p> </p><img src="x.png">', [["q"]]),
    ('<div><p id="q">问</p></div>', [["div"]]),
    ("", []),
])
def test_lone_item(html: str, expected: list[list[str]]) -> None:
    root = _root(f'<div id="block"><h3 id="label">相关问题</h3>{html}</div>')
    assert _names(csdn._lone_item(_by_id(root, "block"), _by_id(root, "label"))) == expected


def test_lone_item_leaves_out_the_label() -> None:
    root = _root('<div id="block"><h3 id="label">相关问题</h3><p id="q">问</p></div>')
    assert csdn._lone_item(_by_id(root, "block"), None) == []


def test_text_holders_are_the_highest_runs_of_text() -> None:
    root = _root(
        '<div id="i"><img src="a.png"><i>icon</i><br><svg><text>s</text></svg><!-- c -->'
        "<h4>标题<em>关键</em></h4><div><span>甲</span><p>乙 <b>丙</b></p><p> </p>"
        '<p><b>丁</b></p></div><a href="#">链</a></div><span id="j">又</span><p id="k">再</p>')
    holders = csdn._text_holders([_by_id(root, "i")])
    assert [holder.text() for holder in holders] == ["标题关键", "甲", "乙 丙", "丁", "链"]
    assert [holder.text() for holder in csdn._text_holders(
        [_by_id(root, "j"), _by_id(root, "k")])] == ["又", "再"]


def test_text_holders_are_64_at_most() -> None:
    root = _root('<div id="i">' + "".join(f"<p>{n}</p>" for n in range(70)) + "</div>")
    assert [holder.text() for holder in csdn._text_holders([_by_id(root, "i")])] == [
        str(n) for n in range(64)]


@pytest.mark.parametrize(("html", "item", "expected"), [
    # A heading or a title-classed element of the item.
    ('<div id="i"><p>前</p><h3 id="t">标题</h3><p>答</p></div>', ["i"], "t"),
    ('<div id="i"><span id="t" class="question-tit">标题</span><p>答</p></div>', ["i"], "t"),
    ('<div id="i"><p>答</p><span id="t" class="question-tit">标题</span></div>', ["i"], "t"),
    ('<div id="i"><h2 id="t">标题</h2></div>', ["i"], "t"),
    ('<div id="i"><h6 id="t">标题</h6></div>', ["i"], "t"),
    # The item's own class names no title part.
    ('<div id="i" class="item-title"><span id="t">标题</span><p>答</p></div>', ["i"], "t"),
    # A flat item: its first part.
    ('<span id="i">标题</span><p id="d">答</p>', ["i", "d"], "i"),
    # Else its first run of text, unless that is the whole item.
    ('<div id="i"><div><b id="t">标题</b><p>答</p></div></div>', ["i"], "t"),
    ('<div id="i">标题 <b>答</b></div>', ["i"], None),
    ('<div id="i"><img src="x.png"></div>', ["i"], None),
])
def test_title_part(html: str, item: list[str], expected: str | None) -> None:
    root = _root(html)
    assert _name(csdn._title_part([_by_id(root, name) for name in item])) == expected


@pytest.mark.parametrize(("html", "item", "excluded", "expected"), [
    ('<div id="i"><a id="t">问 题</a>\n  答\n一 </div>', ["i"], "t", "答 一"),
    ('<div id="i"><span>前</span><a id="t">题</a><span>后 文</span></div>', ["i"], "t", "前后 文"),
    ('<a id="t">题</a><p id="d">答\n 一</p>', ["t", "d"], "t", "答 一"),
    ('<div id="i"><a id="t">题</a>答</div><p id="d">又</p>', ["i", "d"], "t", "答又"),
    ('<div id="i">题 <b>答</b></div>', ["i"], None, "题 答"),
])
def test_text_outside_the_title(html: str, item: list[str], excluded: str | None,
                                expected: str) -> None:
    root = _root(html)
    nodes = [_by_id(root, name) for name in item]
    assert csdn._text_outside(nodes, _by_id(root, excluded) if excluded else None) == expected


def test_text_outside_a_long_item() -> None:
    words = " ".join(f"词{n}" for n in range(1_500))
    root = _root(f'<div id="i"><span>前</span><a id="t">题</a><p>{words}\n\n</p></div>')
    assert csdn._text_outside([_by_id(root, "i")], _by_id(root, "t")) == f"前{words}"


# -- related questions ----------------------------------------------------------------------


def _related(html: str, fences: tuple[str, ...] = ()
             ) -> tuple[list[tuple[object, ...]], str | None]:
    root = _root(html)
    label = csdn._find_labels(root).get("相关问题")
    related, source = PROFILE._related_questions(
        root, URL, label, [_by_id(root, name) for name in fences])
    return [(q.position, q.id, q.url, q.title, q.answer_text) for q in related], source


# Whatever a block's climb may take in when it goes too far.
_OTHER = '<div id="other"><p>别的</p><a href="/answer/zz">别处</a></div>'


def test_related_questions_from_repeated_items() -> None:
    html = (
        '<div id="box"><h3>相关问题</h3><div class="list">'
        '<div class="item"><a href="/answer/a1">问一</a><p>答一</p></div>'
        '<div class="item" data-url="/answer/a2"><span class="q-tit">问二</span><p>答二</p></div>'
        '<div class="item" data-url="https://blog.csdn.net/u/article/details/3">'
        '<span class="q-tit">问三</span><p>答三</p></div>'
        '<div class="item"><a href="https://wenku.csdn.net/answer/a1?spm=9">问一又</a><p>重</p></div>'
        '<div class="item"><a href="/answer/a4"><img src="x.png"></a><p>无题</p></div>'
        '<div class="item"><a href="/answer/a5">问五</a><p>答五</p></div>'
        '<div class="item"><a href="/answer/a4">问四</a><p>答四</p></div>'
        '<div class="item">问六</div>'
        f"</div></div>{_OTHER}")
    assert _related(html) == ([
        (1, "a1", f"{SITE}/answer/a1", "问一", "答一"),
        (2, "a2", f"{SITE}/answer/a2", "问二", "答二"),
        (3, None, None, "问三", "答三"),  # a data-url to no answer page: no link
        # the second link to a1 is the same question; a4's first item has no title
        (4, "a5", f"{SITE}/answer/a5", "问五", "答五"),
        (5, "a4", f"{SITE}/answer/a4", "问四", "答四"),
        (6, None, None, "问六", ""),  # no title part: the whole item is its title
    ], "label")


def test_related_questions_by_class_without_a_label() -> None:
    html = ('<div class="related-questions"><div class="item"><a href="/answer/a1">问一</a>'
            '<p>答一</p></div><div class="item"><a href="/answer/a2">问二</a></div></div>'
            f"{_OTHER}")
    assert _related(html) == ([
        (1, "a1", f"{SITE}/answer/a1", "问一", "答一"),
        (2, "a2", f"{SITE}/answer/a2", "问二", "")], "class")
    # Class names are case-sensitive: a RELATED-QUESTIONS box is another box.
    assert _related(html.replace("related-questions", "RELATED-QUESTIONS")) == ([], None)
    assert _related(_OTHER) == ([], None)


def test_related_questions_told_apart_by_their_links() -> None:
    # No repeated blocks: each link is an item, with the text around it but no other link.
    html = (
        '<div id="box"><h3>相关问题</h3><div class="l">'
        '<p><a href="/answer/b1">链一</a> 答一</p>'
        '<div class="s"><div><a href="/answer/b2">链二</a></div>答二</div>'
        '<span class="t"><a href="/answer/b3">链三</a><a href="/answer/b1">链一又</a></span>'
        '<a href="https://blog.csdn.net/u/article/details/1">博客</a>'
        '<p class="u">前 <a href="/answer/b5">链五</a> 后</p>'
        '<a class="z" href="/answer/b4">链四</a>'
        f"</div></div>{_OTHER}")
    assert _related(html) == ([
        (1, "b1", f"{SITE}/answer/b1", "链一", "答一"),
        (2, "b2", f"{SITE}/answer/b2", "链二", "答二"),
        (3, "b3", f"{SITE}/answer/b3", "链三", ""),
        (4, "b5", f"{SITE}/answer/b5", "链五", "前 链五 后"),
        (5, "b4", f"{SITE}/answer/b4", "链四", ""),
    ], "label")


def test_related_questions_one_without_a_link() -> None:
    html = (f'<div id="box"><h3>相关问题</h3><ul><li><span class="q-tit">问一</span>'
            f"<p>答一</p></li></ul></div>{_OTHER}")
    # A block without links does not show it holds the items: the fence stops its climb.
    assert _related(html, fences=("other",)) == ([(1, None, None, "问一", "答一")], "label")


def test_related_questions_one_link_in_the_labels_block() -> None:
    # The label's block holds a link: it is the section, however little it holds.
    html = f'<div id="box"><h3>相关问题</h3><a href="/answer/a1">问一</a></div>{_OTHER}'
    assert _related(html) == ([(1, "a1", f"{SITE}/answer/a1", "问一", "")], "label")


def test_related_questions_linkless_items_in_the_labels_block() -> None:
    html = (f'<div id="box"><h3>相关问题</h3><div class="q">问一</div><div class="q">问二</div>'
            f"</div>{_OTHER}")
    assert _related(html) == ([(1, None, None, "问一", ""), (2, None, None, "问二", "")],
                              "label")


def test_related_questions_under_a_wrapped_label() -> None:
    html = (f'<div id="box"><div class="head"><h3>相关问题</h3></div><ul>'
            f'<li><a href="/answer/a1">问一</a></li><li><a href="/answer/a2">问二</a></li>'
            f"</ul></div>{_OTHER}")
    assert _related(html) == ([(1, "a1", f"{SITE}/answer/a1", "问一", ""),
                               (2, "a2", f"{SITE}/answer/a2", "问二", "")], "label")


def test_an_empty_related_block_stays_empty() -> None:
    html = ('<div id="main"><div id="answer"><p>答案</p><a href="/answer/zz">引用</a></div>'
            '<div id="box"><h3>相关问题</h3></div></div>')
    assert _related(html, fences=("answer",)) == ([], "label")
    # Without the answer as a fence, the climb would take its link in.
    assert _related(html) == ([(1, "zz", f"{SITE}/answer/zz", "引用", "答案引用")], "label")


def test_related_by_links_takes_2000_at_most() -> None:
    root = _root('<div id="b">' + "".join(
        f'<a href="/answer/n{n}">问{n}</a>' for n in range(MAX_LINKS + 1)) + "</div>")
    related = PROFILE._related_by_links(_by_id(root, "b"), URL)
    assert len(related) == MAX_LINKS
    assert (related[-1].position, related[-1].id) == (MAX_LINKS, f"n{MAX_LINKS - 1}")


# -- the sidebar --------------------------------------------------------------------------


def test_sidebar_links_by_label_and_by_class() -> None:
    links = ('<li><a href="/answer/h1">一</a></li><li><a href="/answer/h2#x">二</a></li>'
             '<li><a href="/answer/h1">一又</a></li><li><a href="/doc/1">文档</a></li>')
    by_label = _root(f'<div class="side"><div>热门问答</div><ul>{links}</ul></div>'
                     '<a href="/answer/out">外</a>')
    by_label_links = [f"{SITE}/answer/h1", f"{SITE}/answer/h2#x"]
    label = csdn._find_labels(by_label)["热门问答"]
    assert PROFILE._sidebar_links(by_label, URL, label) == (by_label_links, "label")
    by_class = _root(f'<div class="hot-box"><ul>{links}</ul></div><a href="/answer/out">外</a>')
    assert PROFILE._sidebar_links(by_class, URL, None) == (by_label_links, "class")
    assert PROFILE._sidebar_links(_root(f'<div class="HOT-BOX">{links}</div>'), URL, None) == (
        [], None)
    assert PROFILE._sidebar_links(_root('<div class="hot-box">空</div>'), URL, None) == (
        [], "class")


def test_sidebar_links_are_2000_at_most() -> None:
    root = _root('<div class="hot-box">' + "".join(
        f'<a href="/answer/n{n}">问{n}</a>' for n in range(MAX_LINKS + 1)) + "</div>")
    links, source = PROFILE._sidebar_links(root, URL, None)
    assert (len(links), links[-1], source) == (
        MAX_LINKS, f"{SITE}/answer/n{MAX_LINKS - 1}", "class")


# -- recommended resources ----------------------------------------------------------------

_BLOG = "https://blog.csdn.net/weixin_43921/article/details/131234567"
_DOWNLOAD = "https://download.csdn.net/download/weixin_2/87654321"
_ICONS = "https://csdnimg.cn/release/download/static_files/pc/images/minetype"
# The real page's recommended items (tests/fixtures/real-layout/answer-4jwajo20pn.html).
_REAL_ITEMS = (
    f'<div class="recommend-item-box type_blog clearfix" data-url="{_BLOG}">'
    '<div class="content-box"><div class="content-blog display-flex">'
    f'<div class="title-box"><a class="tit" href="{_BLOG}" target="_blank"><div class="left">'
    '<div class="title">Python读取Excel的<em>几种方法</em></div></div></a>'
    '<div class="tag">最新发布</div></div>\n<div class="info-box display-flex">'
    '<div class="info display-flex"><span class="info-block time">08-19</span></div></div>\n'
    '</div>\n<div class="desc-box"><div class="desc">本文介绍了三种读取Excel的方法。</div></div>'
    "</div></div>\n"
    f'<div class="recommend-item-box type_download clearfix" data-url="{_DOWNLOAD}">'
    '<div class="content-box"><div class="content-download display-flex">'
    f'<div class="title-box"><a class="tit" href="{_DOWNLOAD}" target="_blank">'
    f'<img class="recommend-icon" src="{_ICONS}/ZIP.png" alt="recommend-type">'
    '<div class="left"><div class="title">Excel读写示例代码</div></div></a></div>\n'
    '<div class="info-box display-flex"><div class="info display-flex">'
    '<span class="info-block time">07-02</span></div></div>\n</div>\n'
    '<div class="desc-box"><div class="desc">包含xlsx与csv互转的完整示例。</div></div>'
    "</div></div>\n"
    '<div class="recommend-item-box type_doc clearfix" data-url="/doc/6412b4c4">'
    '<div class="content-box"><div class="content-doc display-flex">'
    '<div class="title-box"><a class="tit" href="javascript:;">'
    f'<img class="recommend-icon" src="{_ICONS}/PDF.png?v=2" alt="recommend-type">'
    '<div class="left"><div class="title">Excel数据处理指南</div></div></a></div>\n'
    '<div class="info-box display-flex"><div class="info display-flex">'
    '<span class="info-block time">05-11</span></div></div>\n</div>\n'
    '<div class="desc-box"><div class="desc">从读取到汇总的完整流程。</div></div></div></div>')
_REAL_RESOURCES = [
    ("latest", _BLOG, "Python读取Excel的几种方法", "本文介绍了三种读取Excel的方法。", "unknown",
     "blog"),
    ("related", _DOWNLOAD, "Excel读写示例代码", "包含xlsx与csv互转的完整示例。", "zip", "download"),
    ("related", f"{SITE}/doc/6412b4c4", "Excel数据处理指南", "从读取到汇总的完整流程。", "pdf",
     "doc"),
]


def test_resources_of_the_real_pages_items() -> None:
    root = _root(f'<div id="recommend">{_REAL_ITEMS}</div>')
    items = [[node] for node in root.css(".recommend-item-box")]
    assert [PROFILE._resource(item, URL, None) for item in items] == _REAL_RESOURCES
    # A tab's section wins over the badge.
    assert [PROFILE._resource(item, URL, "related")[0] for item in items] == ["related"] * 3


def _resource(html: str, section: str | None = None) -> tuple[str, ...] | None:
    root = _root(f'<div id="item">{html}</div>')
    return PROFILE._resource([_by_id(root, "item")], URL, section)


@pytest.mark.parametrize(("html", "expected"), [
    # The title is the first run of text in the item's link, else the first run.
    ('<span>前言</span><a href="/doc/1">标题</a><p>描述</p>',
     ("标题", "前言 描述", f"{SITE}/doc/1")),
    ('<span>标题</span><a href="/doc/1"><img src="x.png"></a><p>描述</p>',
     ("标题", "描述", f"{SITE}/doc/1")),
    # The first web link: not one without href, nor a fragment or script.
    ('<a name="top">名</a><a href="#c">井</a><a href=" JavaScript:void(0)">脚本</a>'
     '<a href="https://download.csdn.net/download/u/2">下载</a><a href="/doc/9">又</a>',
     ("下载", "名 井 脚本 又", "https://download.csdn.net/download/u/2")),
    # http as well as https, in the link or the data-url.
    ('<a href="http://download.csdn.net/download/u/3">下载</a>',
     ("下载", "", "http://download.csdn.net/download/u/3")),
    # Spaces inside a run: a full-width space between inline parts is no text.
    ('<a href="/doc/1"><span>甲<em>\u3000</em>乙</span></a><p>丙\u3000丁</p>',
     ("甲乙", "丙 丁", f"{SITE}/doc/1")),
    # Badges and short dates are neither title nor description; other numbers are.
    ('<a href="/doc/1">标题</a><span>原创</span><span>2023-06-23 11:03:20</span>'
     "<span>6-23</span><span>9-30</span><span>7</span><span>2023-06-23 11:03:201</span>",
     ("标题", "7 2023-06-23 11:03:201", f"{SITE}/doc/1")),
])
def test_resource_title_description_link(html: str, expected: tuple[str, str, str]) -> None:
    found = _resource(html)
    assert found is not None
    assert (found[2], found[3], found[1]) == expected


@pytest.mark.parametrize(("html", "expected"), [
    (f'<img src="https://x.cn/u/avatar.png"><img alt="recommend-type" src="{_ICONS}/PDF.png">',
     "pdf"),
    (f'<img src="{_ICONS}/PDF.png">', "pdf"),
    (f'<img alt="recommend-type" src="{_ICONS}/ZIP.png"><img alt="recommend-type" '
     f'src="{_ICONS}/PDF.png">', "zip"),
    (f'<img alt="recommend-type" src="{_ICONS}/ZIP.png"><img src="{_ICONS}/PDF.png">', "zip"),
    (f'<img src="{_ICONS}/ZIP.png"><img src="{_ICONS}/PDF.png">', "zip"),
    ("", "unknown"),
])
def test_resource_file_type_from_its_icon(html: str, expected: str) -> None:
    found = _resource(f'<a href="/doc/1">{html}<span>标题</span></a>')
    assert found is not None
    assert found[4] == expected


@pytest.mark.parametrize("html", [
    '<a href="#top">标题</a><a href="javascript:;">又</a>',  # no web link
    '<a name="x">标题</a>',
    '<a href="/doc/1">最新发布</a><span>08-19</span><span>原创</span>',  # no text but badges
    '<a href="/doc/1"><img src="x.png"></a>',
])
def test_no_resource(html: str) -> None:
    assert _resource(html) is None


def test_resource_from_an_http_data_url() -> None:
    root = _root('<div id="item" data-url="http://blog.csdn.net/u/article/details/4">'
                 '<a href="javascript:;">标题</a></div>')
    assert PROFILE._resource([_by_id(root, "item")], URL, None) == (
        "related", "http://blog.csdn.net/u/article/details/4", "标题", "", "unknown", "blog")


def test_no_resource_from_a_data_url_to_no_web_page() -> None:
    root = _root('<div id="item" data-url="mailto:a@b.cn"><a href="/doc/1">标题</a></div>')
    assert PROFILE._resource([_by_id(root, "item")], URL, None) is None


def test_resource_of_a_flat_item() -> None:
    root = _root(f'<a id="t" href="{_DOWNLOAD}">标题</a><p id="d">描述<span>最新发布</span></p>')
    assert PROFILE._resource([_by_id(root, "t"), _by_id(root, "d")], URL, None) == (
        "latest", _DOWNLOAD, "标题", "描述", "unknown", "download")


def _panels(html: str, *, box: str | None = None, fences: tuple[str, ...] = ()
            ) -> tuple[list[tuple[str | None, str | None, str | None]], str | None]:
    root = _root(html)
    labels = csdn._find_labels(root)
    panels, source = PROFILE._recommend_panels(
        labels, [_by_id(root, name) for name in fences], _by_id(root, box) if box else None)
    return [(section, _name(panel), _name(skip)) for section, panel, skip in panels], source


def test_recommend_panels_of_one_label() -> None:
    html = ('<div id="rec"><h3 id="l">相关推荐</h3><div class="i"><a href="/doc/1">一</a></div>'
            '</div><div id="x"><a href="/doc/2">二</a></div>')
    assert _panels(html) == ([("related", "rec", "l")], "label")
    assert _panels(html.replace("相关推荐", "最新推荐")) == ([("latest", "rec", "l")], "label")
    # A label whose block holds no link climbs, but not around a fence.
    html = ('<div id="top"><div id="rec"><h3 id="l">相关推荐</h3></div>'
            '<div id="x"><a href="/d">二</a></div></div>')
    assert _panels(html) == ([("related", "top", "l")], "label")
    assert _panels(html, fences=("x",)) == ([("related", "rec", "l")], "label")


_TABS = '<div id="tabs"><span>相关推荐</span><span>最新推荐</span></div>'


@pytest.mark.parametrize(("panels", "expected"), [
    # Panels that name their tab, in whatever order.
    ('<div id="pa" aria-label=" 最新推荐 ">一</div><div id="pb" aria-label="相关推荐">二</div>',
     [("latest", "pa", None), ("related", "pb", None)]),
    ('<div id="pa" data-tab=" latest ">一</div><div id="pb" data-tab="related">二</div>',
     [("latest", "pa", None), ("related", "pb", None)]),
    ('<div id="pa" aria-label="推荐" data-tab="latest">一</div><div id="pb">二</div>'
     '<div id="pc" data-tab="hot">三</div>', [("latest", "pa", None)]),
    # Else the n-th panel is the n-th tab's.
    ('<div id="pa">一</div><div id="pb">二</div><div id="pc">三</div>',
     [("related", "pa", None), ("latest", "pb", None)]),
])
def test_recommend_panels_of_tabs(panels: str, expected: list[tuple[str, str, None]]) -> None:
    assert _panels(f"<div id=\"rec\">{_TABS}{panels}</div>") == (expected, "label")


def test_unnamed_panels_follow_the_tab_bars_own_order() -> None:
    # 最新推荐 shown first: its panel is the first, whatever order the code knows the labels in.
    tabs = '<div id="tabs"><span>最新推荐</span><span>相关推荐</span></div>'
    panels = '<div id="pa">新</div><div id="pb">关</div>'
    assert _panels(f'<div id="rec">{tabs}{panels}</div>') == (
        [("latest", "pa", None), ("related", "pb", None)], "label")


def test_recommend_panels_of_the_box() -> None:
    box = '<div id="box"><div id="pa" data-tab="latest">一</div><div id="pb">二</div></div>'
    assert _panels(box, box="box") == ([("latest", "pa", None)], "class")
    box = '<div id="box"><div id="pa">一</div><div id="pb">二</div></div>'
    assert _panels(box, box="box") == ([(None, "box", None)], "class")
    assert _panels(box) == ([], None)


@pytest.mark.parametrize(("html", "skip", "expected"), [
    # [data-url] boxes, the outermost ones, not the label's.
    ('<div id="a" data-url="/doc/1"><div id="a2" data-url="/doc/2">一</div></div>'
     '<section id="b" data-url="/doc/3"><a href="/doc/3">二</a></section>'
     '<div id="c" data-url="/doc/4"><a href="/doc/4">三</a></div>', None, [["a"], ["b"], ["c"]]),
    ('<div id="h" data-url="/more"><span id="l">相关推荐</span></div>'
     '<div id="a" data-url="/doc/1">一</div><div id="b" data-url="/doc/2">二</div>', "l",
     [["a"], ["b"]]),
    # Else the repeated blocks, the label's left out.
    ('<h3 id="l">相关推荐</h3><ul><li id="a"><a href="/doc/1">一</a></li>'
     '<li id="b"><a href="/doc/2">二</a></li></ul>', "l", [["a"], ["b"]]),
    # Else each link, but the label's.
    ('<h3><a id="l" href="/tab">相关推荐</a></h3><div><a id="a" href="/doc/1">一</a>'
     '<span><a id="b" href="/doc/2">二</a></span></div>', "l", [["a"], ["b"]]),
    ('<div><a id="a" href="/doc/1">一</a><span><a id="b" href="/doc/2">二</a></span></div>',
     None, [["a"], ["b"]]),
])
def test_panel_items(html: str, skip: str | None, expected: list[list[str]]) -> None:
    root = _root(f'<div id="panel">{html}</div>')
    items = csdn._panel_items(_by_id(root, "panel"), _by_id(root, skip) if skip else None)
    assert _names(items) == expected


def _resources(html: str, box: str | None = None) -> tuple[list[tuple[object, ...]], str | None]:
    root = _root(html)
    resources, source = PROFILE._recommended_resources(
        root, URL, csdn._find_labels(root), [], _by_id(root, box) if box else None)
    return [(r.section, r.position, r.url, r.title) for r in resources], source


def test_recommended_resources_related_first_each_numbered() -> None:
    html = (f'<div id="rec">{_TABS}'
            '<div data-tab="latest"><div data-url="/doc/l1">新一</div>'
            '<div data-url="/doc/l2">新二</div></div>'
            '<div data-tab="related"><div data-url="/doc/r1">关一</div>'
            '<div data-url="/doc/r2">关二</div></div></div>')
    assert _resources(html) == ([
        ("related", 1, f"{SITE}/doc/r1", "关一"), ("related", 2, f"{SITE}/doc/r2", "关二"),
        ("latest", 1, f"{SITE}/doc/l1", "新一"), ("latest", 2, f"{SITE}/doc/l2", "新二"),
    ], "label")


def test_recommended_resources_of_the_real_box() -> None:
    html = f'<div id="recommend">{_REAL_ITEMS}<div data-url="/doc/x"><span>08-19</span></div></div>'
    assert _resources(html, box="recommend") == ([
        ("related", 1, _DOWNLOAD, "Excel读写示例代码"),
        ("related", 2, f"{SITE}/doc/6412b4c4", "Excel数据处理指南"),
        ("latest", 1, _BLOG, "Python读取Excel的几种方法"),
    ], "class")
    assert _resources("<p>无</p>") == ([], None)


def test_recommended_resources_are_2000_at_most() -> None:
    items = "".join(f'<div data-url="/doc/n{n}">资源{n}</div>' for n in range(MAX_LINKS + 1))
    html = (f'<div id="rec">{_TABS}<div data-tab="related">{items}</div>'
            '<div data-tab="latest"><div data-url="/doc/late">新</div></div></div>')
    resources, _ = _resources(html)
    assert len(resources) == MAX_LINKS
    assert resources[-1] == ("related", MAX_LINKS, f"{SITE}/doc/n{MAX_LINKS - 1}",
                             f"资源{MAX_LINKS - 1}")


def test_recommended_resources_under_one_label() -> None:
    # The label's block is the panel: its items are the repeated blocks after the label.
    html = ('<div id="rec"><h3>相关推荐</h3>'
            '<div class="i"><a href="/doc/1">一</a><p>描述一</p></div>'
            '<div class="i"><a href="/doc/2">二</a><p>描述二</p></div></div>')
    root = _root(html)
    resources, source = PROFILE._recommended_resources(
        root, URL, csdn._find_labels(root), [], None)
    assert [(r.section, r.position, r.url, r.title, r.description) for r in resources] == [
        ("related", 1, f"{SITE}/doc/1", "一", "描述一"),
        ("related", 2, f"{SITE}/doc/2", "二", "描述二")]
    assert source == "label"
    # A label wrapped a level deeper: the climb to the items, fences checked on the way.
    html = ('<div id="rec"><div class="head"><h3>最新推荐</h3></div>'
            '<div data-url="/doc/1">一</div><div data-url="/doc/2">二</div></div>')
    assert _resources(html) == ([("latest", 1, f"{SITE}/doc/1", "一"),
                                 ("latest", 2, f"{SITE}/doc/2", "二")], "label")
