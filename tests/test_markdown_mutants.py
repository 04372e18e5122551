"""Tests that kill surviving mutants of the parser code changed since the first mutation
round (issue #16): the Markdown walk (its text-only mode), decoding with the body kept,
the record model's answers, profile choice by host and body, the text helpers (see
TESTING.md). Literal pages; every expected value is written by hand."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from parsers.markdown import render_answer

PAGE_URL = "https://wenku.csdn.net/answer/2kxyq3m7vd"


def render(html: str, *, markdown: bool = True) -> tuple[str, str]:
    node = LexborHTMLParser(f"<div id='answer'>{html}</div>").css_first("#answer")
    assert node is not None
    return render_answer(node, PAGE_URL, markdown=markdown)


# -- the Markdown walk --------------------------------------------------------------------

DEEP = 70  # elements: past the walk's MAX_DEPTH of 64


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>One <b>two</b> <a href='/x'>three</a> <em>4</em> <del>5</del></p>",
         "One two three 4 5"),
        ("<p>a  *b*   [c]</p>", "a *b* [c]"),
        ("<h2>Title <em>x</em></h2><h3>  </h3>", "Title x"),
        ("<pre><code class='language-py'>x = 1\n</code></pre>", "x = 1"),
        ("<p>a</p><hr><p>b</p>", "a\n\nb"),
        ("<hr>", ""),
        ("<blockquote><p>q1</p><p>q2</p></blockquote>", "q1\n\nq2"),
        ("<ul><li>a<ul><li>b</li></ul></li><li>c<pre>x = 1</pre></li><li></li></ul>",
         "a\nb\nc\nx = 1"),
        ("<ol start='3'><li>a <i>b</i></li><li>c</li></ol>", "a b\nc"),
        ("<table><tr><th>h1</th><th>h2</th></tr><tr><td>v<b>1</b></td></tr></table>",
         "h1\th2\nv1"),
        ("<table><tr><td>a|b</td></tr><tr><td>c</td><td>d</td></tr></table>", "a|b\nc\td"),
        ("<table></table>", ""),
        ("<p>img <img src='/i.png' alt='alt'> <code>c*d</code></p>", "img c*d"),
        ("<p>a<br>b</p>", "a\nb"),
        ("<p>a<script>x</script><span>b</span><button>no</button></p>", "ab"),
        ("lead <b>in</b><div>block</div>tail", "lead in\n\nblock\n\ntail"),
        ("<div>" * DEEP + "<p>deep *x*</p><p>and <b>more</b></p>" + "</div>" * DEEP,
         "deep *x*and more"),
        ("<p>" + "<b>" * DEEP + "bold *x*" + "</b>" * DEEP + "</p>", "bold *x*"),
    ],
)
def test_the_text_alone_is_the_text_with_no_markdown(html: str, text: str) -> None:
    # markdown=False (csdn.py and markdown_source.py read the text alone): the same text
    # as a full rendering, and no Markdown at all, whatever the blocks (a code block, a
    # rule, a quote, a heading, a block too deep to walk once gave Markdown here).
    assert render(html, markdown=False) == (text, "")
    assert render(html)[0] == text
