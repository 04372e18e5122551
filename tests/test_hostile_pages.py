"""Hostile input never stops a crawl: deep nesting, odd attributes, floods of links, huge pages.

Each case is a page a crawler may meet; the parse must return a record (or a
ParseError), never RecursionError or ValueError, and its work must grow with
the page, not with its square. No timing here (bench/ does that): the tests
assert what comes out, and build inputs large enough that a recursive or
quadratic parse could not finish (20,000 links took 259 s when the parse was
quadratic; 1,000 nested <div>s raised RecursionError).
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser
from tests_support import lexbor_depth

from parsers import ParseError, parse_page
from parsers.markdown import render_answer
from parsers.nesting import MAX_NESTING, UNREAD_TAGS, cap_nesting
from parsers.sites.csdn import MAX_LINKS
from parsers.values import parse_view_count
from sample_sites.csdn.content import SampleSite
from sample_sites.csdn.render import render_answer_page

REFERENCE = (Path(__file__).parent / "fixtures" / "answer-2kxyq3m7vd.html").read_text("utf-8")
PAGE_URL = "https://wenku.csdn.net/answer/2kxyq3m7vd"
_ANSWER_OPEN = '<div class="markdown-body answer-content">'
_ANSWER_START = REFERENCE.index(_ANSWER_OPEN) + len(_ANSWER_OPEN)
_ANSWER_END = REFERENCE.index("</div></div>", _ANSWER_START)


def page_with_answer(answer_html: str) -> str:
    """The reference page with its answer's content replaced."""
    return REFERENCE[:_ANSWER_START] + answer_html + REFERENCE[_ANSWER_END:]


def render(html: str) -> tuple[str, str]:
    body = LexborHTMLParser(f"<html><body><div id='a'>{html}</div></body></html>").css_first("#a")
    assert body is not None
    return render_answer(body, PAGE_URL)


# -- 1. deep nesting --------------------------------------------------------------


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_divs_keep_the_answer_text(depth: int) -> None:
    # 100,000 levels: most of this test's time is lexbor building the tree.
    page = parse_page(page_with_answer("<div>" * depth + "深层答案" + "</div>" * depth), PAGE_URL)
    assert page.answer_text == "深层答案"
    assert page.answer_markdown == "深层答案"
    assert page.title == "模型训练和模型预训练的区别"
    assert [q.id for q in page.related_questions] == ["8d3jq0w5pe", "5tn1yh6c2a"]


@pytest.mark.parametrize(
    ("opening", "closing"),
    [
        ("<span>", "</span>"),
        ("<b>", "</b>"),
        ("<ul><li>", "</li></ul>"),
        ("<blockquote>", "</blockquote>"),
        ("<table><tr><td>", "</td></tr></table>"),
        ("<div><p><em>", "</em></p></div>"),
    ],
)
def test_deep_nesting_of_every_kind_keeps_the_text(opening: str, closing: str) -> None:
    text, markdown = render("before" + opening * 3_000 + "深 *层* 答案" + closing * 3_000)
    assert "before" in text
    assert "深 *层* 答案" in text
    assert "深 \\*层\\* 答案" in markdown  # flattened text is still escaped Markdown


def test_100k_nested_inline_elements_render() -> None:
    text, markdown = render("<p>" + "<span>" * 100_000 + "a<br>b" + "</span>" * 100_000 + "</p>")
    assert (text, markdown) == ("a\nb", "a\nb")


def test_structure_above_the_depth_cap_is_kept() -> None:
    text, markdown = render("<div>" * 10 + "<ol><li>一</li><li><b>二</b></li></ol>" + "</div>" * 10)
    assert (text, markdown) == ("一\n二", "1. 一\n2. **二**")


# -- 2. digits that int() refuses -------------------------------------------------


@pytest.mark.parametrize("start", ["²", "١٢", "１２", "9" * 5_000, "-3", "2.5", ""])
def test_ol_start_that_is_no_ascii_number_starts_at_one(start: str) -> None:
    answer = f'<ol start="{start}"><li>一</li><li>二</li></ol>'
    page = parse_page(page_with_answer(answer), PAGE_URL)
    assert page.answer_markdown == "1. 一\n2. 二"
    assert page.answer_text == "一\n二"


def test_ol_start_in_ascii_digits_is_kept() -> None:
    _, markdown = render('<ol start=" 42 "><li>x</li></ol>')
    assert markdown == "42. x"


@pytest.mark.parametrize("shown", ["9" * 5_000, "1." + "9" * 5_000 + "万"])
def test_view_count_with_thousands_of_digits_is_refused_not_a_crash(shown: str) -> None:
    assert parse_view_count(shown) == (None if "." not in shown else (19_999, True))
    html = REFERENCE.replace("</span> 76</span>", f"</span> {shown}</span>")
    assert html != REFERENCE
    if "." in shown:
        assert parse_page(html, PAGE_URL).view_count == 19_999
    else:
        with pytest.raises(ParseError, match="unreadable view count"):
            parse_page(html, PAGE_URL)


def test_unicode_digits_are_no_view_count() -> None:
    for shown in ("²", "١٢", "７６"):
        assert parse_view_count(shown) is None
    page = parse_page(REFERENCE.replace("</span> 76</span>", "</span> ７６</span>"), PAGE_URL)
    assert page.view_count is None


# -- 3. floods of links -----------------------------------------------------------

LINKS = 20_000


def _answer_items(count: int) -> str:
    return "".join(
        f'<li><a href="https://wenku.csdn.net/answer/{n:010d}">问题{n}</a><div>答{n}</div></li>'
        for n in range(count)
    )


def test_20000_related_questions_are_capped() -> None:
    html = REFERENCE.replace('<ul class="related-list">', '<ul class="related-list">'
                             + _answer_items(LINKS))
    page = parse_page(html, PAGE_URL)
    assert len(page.related_questions) == MAX_LINKS == 2_000
    first, last = page.related_questions[0], page.related_questions[-1]
    assert (first.position, first.id, first.title, first.answer_text) == (
        1, "0000000000", "问题0", "答0")
    assert (last.position, last.id, last.answer_text) == (2_000, "0000001999", "答1999")


def test_20000_sidebar_links_are_capped() -> None:
    html = REFERENCE.replace('<div class="hot-title">热门问答</div><ul>',
                             '<div class="hot-title">热门问答</div><ul>' + _answer_items(LINKS))
    page = parse_page(html, PAGE_URL)
    assert len(page.sidebar_links) == MAX_LINKS
    assert page.sidebar_links[0] == "https://wenku.csdn.net/answer/0000000000"
    assert len(page.links_to_follow()) == 2 + MAX_LINKS


def test_20000_recommended_resources_are_capped() -> None:
    items = "".join(
        f'<div class="recommend-item"><a href="https://wenku.csdn.net/doc/{n}">'
        f"<div>标题{n}</div><div>描述{n}</div></a></div>"
        for n in range(LINKS)
    )
    html = REFERENCE.replace('aria-label="相关推荐">', 'aria-label="相关推荐">' + items)
    page = parse_page(html, PAGE_URL)
    assert len(page.recommended_resources) == MAX_LINKS
    assert {r.section for r in page.recommended_resources} == {"related"}
    assert page.recommended_resources[-1].title == "标题1999"


def test_20000_links_in_the_answer_render() -> None:
    links = " ".join(f'<a href="/x/{n}">l{n}</a>' for n in range(LINKS))
    page = parse_page(page_with_answer(f"<p>{links}</p>"), PAGE_URL)
    assert page.answer_text.endswith("l19998 l19999")
    assert page.answer_markdown.endswith("[l19999](https://wenku.csdn.net/x/19999)")


# -- 4. memory --------------------------------------------------------------------


def test_a_big_answer_of_short_words_costs_a_small_multiple_of_the_page() -> None:
    """One 2 MB paragraph of words: str.split() made an object per word (~20× the page)."""
    body = page_with_answer("<p>" + "word " * 400_000 + "</p>").encode()
    tracemalloc.start()
    try:
        page = parse_page(body, PAGE_URL)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(page.answer_text) == len("word " * 400_000) - 1
    assert peak < 12 * len(body), (peak, len(body))


# -- 5. nesting beyond lexbor's reach (parsers/nesting.py) ------------------------


def test_a_million_nested_divs_parse_with_the_answer_kept() -> None:
    """~6 MB of <div>: hours of lexbor's quadratic tree building without the pre-pass."""
    depth = 1_000_000
    page = parse_page(page_with_answer("<div>" * depth + "深层答案" + "</div>" * depth), PAGE_URL)
    assert page.answer_text == "深层答案"
    assert page.title == "模型训练和模型预训练的区别"
    assert [q.id for q in page.related_questions] == ["8d3jq0w5pe", "5tn1yh6c2a"]


@pytest.mark.parametrize("depth", [100_000, 1_000_000])
def test_nesting_is_capped_and_the_text_kept_in_order(depth: int) -> None:
    html = "<p>前</p>" + "<div><span>x</span>" * depth + "深" + "</div>" * depth + "<p>后</p>"
    capped = cap_nesting(html)
    assert lexbor_depth(capped) <= MAX_NESTING + 5
    body = LexborHTMLParser(capped).body
    assert body is not None
    # Past the cap the spans go and their texts join the next: same text, in order.
    assert body.text(deep=True) == "前" + "x" * depth + "深后"


@pytest.mark.parametrize(
    "unit",
    [
        "<div></b>",             # end tags lexbor ignores
        "<span><div></span>",    # ... above a special element
        "<li><ol></li>",         # ... out of list-item scope
        "<div><table><td></div>",  # ... out of scope, and implied <tbody><tr>
        "<b><div></b>",          # the adoption agency algorithm
        "<div><b id=1></div>x",  # formatting elements reopened
        "<a><g><a>",             # <a> closing the open <a>
        "<svg><g/><div/>",       # self-closing only in SVG
        "<svg><image>",          # no void elements in SVG
        "<select><style></select><div>",  # raw text in a select
        "<p><table><tr><td>",    # no doctype: <table> leaves the <p> open (quirks mode)
    ],
)
def test_tag_soup_cannot_nest_past_the_cap(unit: str) -> None:
    html = unit * 20_000
    assert lexbor_depth(cap_nesting(html, max_depth=64)) <= 64 + 8


def test_markup_in_scripts_styles_and_comments_is_not_counted() -> None:
    filler = "<p>段</p>" * UNREAD_TAGS  # enough tags to be read
    hidden = (
        "<script>" + "<div>" * 2_000 + "</script>"
        "<style>" + "<div>" * 2_000 + "</style>"
        "<!--" + "<div>" * 2_000 + "-->"
        "<script><!--<script></script>" + "</div>" * 50 + "</script>"
        "<textarea>" + "<div>" * 2_000 + "</textarea>"
    )
    html = filler + "<div>" * 10 + hidden + "<b>内</b>" + "</div>" * 10
    assert cap_nesting(html, max_depth=MAX_NESTING) is html
    # the fake </div>s inside the script must not close the ten open divs
    deep = filler + "<div>" * 600 + "<script><!--<script></script>" + "</div>" * 600 + "</script>"
    deep += "<div>" * 600 + "底"
    assert lexbor_depth(cap_nesting(deep)) <= MAX_NESTING + 5


def test_the_reference_page_is_returned_unchanged() -> None:
    assert cap_nesting(REFERENCE) is REFERENCE
    big = REFERENCE.replace('<ul class="related-list">',
                            '<ul class="related-list">' + _answer_items(1_000))
    assert big.count("<") > UNREAD_TAGS
    assert cap_nesting(big) is big


def test_sample_site_pages_are_returned_unchanged() -> None:
    site = SampleSite(pages=200, seed=7, base_url="http://127.0.0.1:8000")
    pages = [render_answer_page(site.content(index)) for index in range(200)]
    for html in pages:
        assert cap_nesting(html) is html
    joined = "".join(pages)  # enough tags to be read, and markup of every kind
    assert joined.count("<") > UNREAD_TAGS
    assert cap_nesting(joined) is joined
