"""The answer kept twice: plain ``answer_text`` and structured ``answer_markdown``."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from parsers import parse_page
from parsers.markdown import render_answer

PAGE_URL = "https://wenku.csdn.net/answer/2kxyq3m7vd"


def render(html: str, base_url: str = PAGE_URL) -> tuple[str, str]:
    """(answer_text, answer_markdown) of an answer body written as HTML."""
    node = LexborHTMLParser(f"<div id='answer'>{html}</div>").css_first("#answer")
    assert node is not None
    return render_answer(node, base_url)


def answer_page(answer_html: str) -> str:
    return f"""<!DOCTYPE html><html><body>
<div class="answer-wrap"><div class="answer-header"><h1>一个问题</h1>
<div class="answer-meta"><span>时间: 2023-06-23 11:03:20</span> <span>浏览: 76</span></div></div>
<div class="answer-body"><div class="markdown-body answer-content">{answer_html}</div></div></div>
</body></html>"""


def test_paragraphs_are_joined_by_a_blank_line_in_text_and_markdown() -> None:
    text, markdown = render("<p>第一段。</p>\n<p>第二段。</p><p>第三段。</p>")
    assert text == "第一段。\n\n第二段。\n\n第三段。"
    assert markdown == "第一段。\n\n第二段。\n\n第三段。"


@pytest.mark.parametrize(
    ("code_html", "fence_open"),
    [
        ('<pre><code class="language-python">def f():\n    return 1</code></pre>', "```python"),
        ('<pre><code class="hljs lang-js">def f():\n    return 1</code></pre>', "```js"),
        ('<pre class="language-python"><code>def f():\n    return 1</code></pre>', "```python"),
        ("<pre><code>def f():\n    return 1</code></pre>", "```"),
    ],
)
def test_code_block_keeps_its_language_and_indentation(code_html: str, fence_open: str) -> None:
    """A highlighted block becomes a fenced block tagged with its language, indentation intact."""
    text, markdown = render(code_html)
    assert markdown == f"{fence_open}\ndef f():\n    return 1\n```"
    assert text == "def f():\n    return 1"


def test_code_containing_a_fence_gets_a_longer_fence() -> None:
    _, markdown = render("<pre><code>a\n```\nb</code></pre>")
    assert markdown == "````\na\n```\nb\n````"


def test_code_is_not_markdown_escaped() -> None:
    """Underscores and stars in code stay literal; in prose they are escaped."""
    _, markdown = render("<p>snake_case <code>x_y * 2</code></p>")
    assert markdown == "snake\\_case `x_y * 2`"


def test_ordered_unordered_and_nested_lists() -> None:
    text, markdown = render(
        "<ol><li>one<ul><li>nested a</li><li>nested b</li></ul></li><li>two</li></ol>"
        "<ul><li>u1</li><li>u2<ol><li>deep</li></ol></li></ul>"
    )
    assert markdown == (
        "1. one\n   - nested a\n   - nested b\n2. two\n\n"
        "- u1\n- u2\n  1. deep"
    )
    assert text == "one\nnested a\nnested b\ntwo\n\nu1\nu2\ndeep"


def test_ordered_list_honours_start_attribute() -> None:
    _, markdown = render('<ol start="3"><li>c</li><li>d</li></ol>')
    assert markdown == "3. c\n4. d"


def test_table_becomes_a_gfm_pipe_table() -> None:
    """Header row, separator, body rows; a pipe inside a cell is escaped."""
    text, markdown = render(
        "<table><thead><tr><th>方法</th><th>说明</th></tr></thead>"
        "<tbody><tr><td>fit</td><td>训练</td></tr><tr><td>a|b</td><td><b>粗</b></td></tr></tbody>"
        "</table>"
    )
    assert markdown == (
        "| 方法 | 说明 |\n| --- | --- |\n| fit | 训练 |\n| a\\|b | **粗** |"
    )
    assert text == "方法\t说明\nfit\t训练\na|b\t粗"


def test_ragged_table_rows_are_padded() -> None:
    _, markdown = render("<table><tr><th>a</th><th>b</th></tr><tr><td>1</td></tr></table>")
    assert markdown == "| a | b |\n| --- | --- |\n| 1 |  |"


@pytest.mark.parametrize(
    ("href", "absolute"),
    [
        ("/answer/8d3jq0w5pe", "https://wenku.csdn.net/answer/8d3jq0w5pe"),
        ("//download.csdn.net/download/a/1", "https://download.csdn.net/download/a/1"),
        ("other", "https://wenku.csdn.net/answer/other"),
        ("https://example.org/x?y=1", "https://example.org/x?y=1"),
    ],
)
def test_links_are_made_absolute(href: str, absolute: str) -> None:
    text, markdown = render(f'<p>see <a href="{href}">this</a></p>')
    assert markdown == f"see [this]({absolute})"
    assert text == "see this"


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JavaScript:void(0)",
        "  javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<b>x</b>",
        "vbscript:msgbox",
    ],
)
def test_unsafe_links_never_become_markdown_links(href: str) -> None:
    """``javascript:`` (in any spelling) and other non-web schemes keep only their text."""
    _, markdown = render(f'<p>click <a href="{href}">here</a> now</p>')
    assert markdown == "click here now"
    assert "](" not in markdown


def test_images_are_kept_with_absolute_src_and_alt() -> None:
    text, markdown = render(
        '<p><img src="/img/a.png" alt="图一"> and <img src="//cdn.example/b.jpg"></p>'
    )
    assert markdown == (
        "![图一](https://wenku.csdn.net/img/a.png) and ![](https://cdn.example/b.jpg)"
    )
    assert text == "and"


def test_image_with_javascript_src_is_dropped() -> None:
    _, markdown = render('<p>x <img src="javascript:alert(1)" alt="bad"></p>')
    assert markdown == "x"


def test_headings_emphasis_and_quotes() -> None:
    _, markdown = render(
        "<h2>标题</h2><p><strong>粗</strong> <em>斜</em> <del>删</del></p>"
        "<blockquote><p>引用一</p><p>引用二</p></blockquote><hr>"
    )
    assert markdown == "## 标题\n\n**粗** *斜* ~~删~~\n\n> 引用一\n>\n> 引用二\n\n---"


def test_markdown_syntax_in_prose_is_escaped() -> None:
    """Text that looks like Markdown stays text: a reader sees the brackets, not a link."""
    text, markdown = render("<p>[not a link](javascript:alert(1)) *x*</p>")
    assert text == "[not a link](javascript:alert(1)) *x*"
    assert markdown == "\\[not a link\\](javascript:alert(1)) \\*x\\*"


def test_scripts_buttons_and_comments_in_the_answer_are_not_content() -> None:
    text, markdown = render(
        "<p>正文</p><script>var t='脚本'</script><!-- 注释 --><button>复制</button>"
    )
    assert text == markdown == "正文"


def test_page_keeps_both_text_and_markdown_of_a_rich_answer() -> None:
    """Through parse_page: the structured answer survives into the record."""
    page = parse_page(
        answer_page(
            "<p>用 <a href='/doc/1'>文档</a>:</p>"
            "<pre><code class='language-python'>print('hi')</code></pre>"
            "<ul><li>a</li><li>b</li></ul>"
        ),
        PAGE_URL,
    )
    assert page.answer_markdown == (
        "用 [文档](https://wenku.csdn.net/doc/1):\n\n```python\nprint('hi')\n```\n\n- a\n- b"
    )
    assert page.answer_text == "用 文档:\n\nprint('hi')\n\na\nb"


def test_answer_of_only_an_image_is_an_answer() -> None:
    page = parse_page(answer_page('<p><img src="/a.png" alt="图"></p>'), PAGE_URL)
    assert page.answer_markdown == "![图](https://wenku.csdn.net/a.png)"
