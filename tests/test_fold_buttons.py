"""Fold/unfold buttons (展开全文, "...") dropped before the answer is rendered.

The parser renders the visible answer, and when a line of the text shows a button,
drops the button from the tree and renders again. Where it can tell from the tree
alone that this is what would happen (``_settle_controls``), it drops the button
first and renders once; for a cut copy, it may then not render the copy at all.
Both must give exactly the record the render-look-render-again path gives: pages
built from answer parts and buttons of many shapes are parsed both ways here.
"""

from __future__ import annotations

import json
from html import escape
from unittest import mock

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from tests_support import python_source

import parsers.sites.csdn
from parsers import AnswerPage

# The module's Python source, whose _settle_controls can be swapped (a compiled module's
# own calls cannot be patched).
csdn = python_source(parsers.sites.csdn)

URL = "https://wenku.csdn.net/answer/abcdefghij"

# Buttons as pages show them, or might: whole blocks, inline words inside a sentence,
# tags the walk skips, inside code, with noise around them.
BUTTONS = [
    '<div class="open"><span>展开全文</span><i class="icon-down"></i></div>',
    '<p class="ellipsis">...</p>',
    '<div class="more"><span>查看更多</span></div>',
    '<div><div><span>收起</span> ∧</div></div>',
    "<p>展开<b>阅读全文</b></p>",
    '<div class="open"><button>展开全文</button></div>',
    "<p>see <span>更多</span> here</p>",
    "<span>展开全文</span>",
    "展开全文",
    "<a href=\"/answer/qwertyuiop\">展开全文</a>",
    "<pre><code>for x in xs: ...\n</code></pre>",
    "<ul><li>first</li><li>...</li></ul>",
    "<p>…</p><p>……</p>",
    "<div>......<br></div>",
    "<div><p>展开</p>tail</div>",
    "<table><tr><td>展开</td></tr></table>",
    "<h3>收起</h3>",
    "<div>" + "<span>" * 40 + "展开" + "</span>" * 40 + "</div>",
]
PARTS = [
    "<p>第一段：watch需要显式指定侦听的数据源。</p>",
    "<p>Second paragraph with <em>emphasis</em> and <code>code()</code>.</p>",
    "<ul><li>one</li><li>two <strong>bold</strong></li></ul>",
    "<pre><code class=\"language-python\">print('展开')\n</code></pre>",
    "<h2>小结</h2>",
    "inline text between blocks",
    "<!-- a comment -->",
    "\n  \n",
    "<br>",
    "<blockquote><p>quoted 展开 words</p></blockquote>",
]
MARKDOWN = "第一段：watch需要显式指定侦听的数据源。\n\nSecond paragraph with *emphasis*."


def _page(answer: str, *, state: str | None, wrapped: bool) -> bytes:
    box = f'<div class="cont first-show">{answer}</div>'
    if wrapped:
        box = f'<div class="article-box">{box}</div>'
    script = ""
    if state is not None:
        detail = {"title": "watch和watchEffect的区别", "viewContent": state, "isShowAll": False}
        script = ("<script>window.__INITIAL_STATE__="
                  + json.dumps({"pageData": {"detailInfo": detail}}) + ";</script>")
    return (
        "<!DOCTYPE html><html><head><title>watch和watchEffect的区别 - CSDN文库</title></head>"
        '<body><div class="title forbid">watch和watchEffect的区别</div>'
        '<div class="data"><span class="time">时间：2024-03-05 18:42:00</span> '
        '<span class="read-count">阅读量：76</span></div>'
        f"{box}{script}</body></html>"
    ).encode()


def _both_ways(body: bytes) -> tuple[AnswerPage | str, AnswerPage | str, int]:
    """The record with the buttons settled first, the record without, and how many times
    the first parse settled the tree."""
    settled = 0
    real_settle = csdn._settle_controls

    def counting(answer, url):  # type: ignore[no-untyped-def]
        nonlocal settled
        result = real_settle(answer, url)
        settled += result
        return result

    def parse() -> AnswerPage | str:
        try:
            return csdn.CsdnAnswerProfile().parse(body, URL)
        except ValueError as error:
            return f"{type(error).__name__}: {error}"

    with mock.patch.object(csdn, "_settle_controls", counting):
        fast = parse()
    with mock.patch.object(csdn, "_settle_controls", lambda answer, url: False):
        slow = parse()
    return fast, slow, settled


@st.composite
def answers(draw: st.DrawFn) -> str:
    pieces = draw(st.lists(st.sampled_from(PARTS), min_size=0, max_size=5))
    for button in draw(st.lists(st.sampled_from(BUTTONS), min_size=0, max_size=3)):
        pieces.insert(draw(st.integers(0, len(pieces))), button)
    if draw(st.booleans()):  # buttons one level down, in a wrapper of their own
        pieces = [f"<div class=\"inner\">{''.join(pieces)}</div>"]
    return "\n".join(pieces)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer=answers(),
       state=st.sampled_from([None, MARKDOWN, MARKDOWN + "\n\n" + "很长的第三段。" * 40, "   "]),
       wrapped=st.booleans())
def test_dropping_buttons_first_gives_the_same_record(
        answer: str, state: str | None, wrapped: bool) -> None:
    fast, slow, settled = _both_ways(_page(answer, state=state, wrapped=wrapped))
    event(f"settled first: {bool(settled)}")
    assert fast == slow


@pytest.mark.parametrize("button", [BUTTONS[0], BUTTONS[1], BUTTONS[3],
                                    '<div class="open"><span>展开阅读全文</span></div>'])
@pytest.mark.parametrize("state", [None, MARKDOWN + "\n\n" + "很长的第三段。" * 40])
def test_a_block_button_is_dropped_before_the_answer_is_rendered(
        button: str, state: str | None) -> None:
    """The common shapes take the short way (so the test above compares both ways)."""
    fast, slow, settled = _both_ways(_page(PARTS[0] + "\n" + button, state=state, wrapped=True))
    assert settled == 1
    assert fast == slow
    assert isinstance(fast, AnswerPage)
    for word in ("展开", "收起", "..."):
        assert word not in fast.answer_text
    if state is not None:  # the cut copy gives way to the state's whole answer
        assert fast.field_sources["answer_text"] == "state"
        assert fast.answer_text.endswith("很长的第三段。")


def test_an_inline_word_is_left_to_the_rendered_text() -> None:
    """更多 inside a sentence is no block of its own: the rendered text decides, and the
    sentence keeps it."""
    fast, slow, settled = _both_ways(_page(PARTS[0] + BUTTONS[6], state=None, wrapped=False))
    assert settled == 0
    assert fast == slow
    assert isinstance(fast, AnswerPage)
    assert "see 更多 here" in fast.answer_text


def test_a_button_followed_by_inline_text_is_left_to_the_rendered_text() -> None:
    answer = PARTS[0] + BUTTONS[0] + "trailing words"
    fast, slow, settled = _both_ways(_page(answer, state=None, wrapped=False))
    assert settled == 0
    assert fast == slow


def test_a_deep_button_is_left_to_the_rendered_text() -> None:
    fast, slow, settled = _both_ways(_page(PARTS[0] + BUTTONS[-1], state=None, wrapped=False))
    assert settled == 0
    assert fast == slow


def test_escaped_button_text_is_still_text() -> None:
    answer = f"<p>{escape('<div>展开全文</div>')}</p>"
    fast, slow, _ = _both_ways(_page(answer, state=None, wrapped=False))
    assert fast == slow
    assert isinstance(fast, AnswerPage) and "展开全文" in fast.answer_text
