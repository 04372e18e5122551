"""The nh3 sanitiser behind answer pages, tested with input that reaches it.

markdown-it (raw HTML off) already escapes tags and refuses javascript:,
vbscript:, file: and data: (non-image) links, so hostile *HTML* in an answer
never gets as far as nh3. These tests give the sanitiser what does:

* HTML handed straight to it: the plugin's Markdown stage swapped for one that
  passes its input through, so ``render_markdown`` is nh3's allow-list alone;
* Markdown whose output markdown-it lets through but nh3 must clean: links
  and images with schemes other than http, https and mailto (ms-msdt:, the
  Follina scheme; search-ms:; intent:; data:image/...), and every link's rel;
* the same, end to end, on the question page Datasette serves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import pytest
from datasette.app import Datasette
from test_publish import question_path
from tests_support import module_from_file

from archive import open_archive
from archive.schema_files import schema_dir
from parsers import AnswerPage
from publish import make_datasette

REL = 'rel="noopener noreferrer nofollow ugc"'


@pytest.fixture(scope="module")
def plugin() -> ModuleType:
    return module_from_file("qarchive_plugin_sanitise_tests",
                            schema_dir() / "plugins" / "qarchive_plugin.py")


class _PassThrough:
    """A Markdown stage that renders nothing: its input goes to nh3 as it is."""

    @staticmethod
    def render(text: str) -> str:
        return text


@pytest.fixture
def sanitise(plugin: ModuleType, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(plugin, "_MARKDOWN", _PassThrough())
    return lambda html: str(plugin.render_markdown(html))


# -- HTML straight into the sanitiser ---------------------------------------


@pytest.mark.parametrize(("html", "expected"), [
    ("<p>a<script>window.__xss=1</script>b</p>", "<p>ab</p>"),
    ('<img src="https://example.com/x.png" onerror="window.__xss=2" alt="x">',
     '<img src="https://example.com/x.png" alt="x">'),
    ('<a href="javascript:window.__xss=4">click</a>', f"<a {REL}>click</a>"),
    ('<a href="JaVaScRiPt:alert(1)" onclick="alert(1)">c</a>', f"<a {REL}>c</a>"),
    ('<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">d</a>', f"<a {REL}>d</a>"),
    ('<img src="data:image/svg+xml;base64,PHN2Zz4=" alt="s">', '<img alt="s">'),
    ('<iframe src="https://evil.example/"></iframe><p>after</p>', "<p>after</p>"),
    ('<svg onload="window.__xss=3"><circle r="1"></circle></svg>', ""),
    ('<p style="position:fixed;top:0" class="overlay">covered</p>', "<p>covered</p>"),
    ('<table><tr><td style="text-align:center;background:url(javascript:alert(1))">c</td>'
     "</tr></table>",
     '<table><tbody><tr><td style="text-align:center">c</td></tr></tbody></table>'),
    ("<style>body{display:none}</style><p>shown</p>", "<p>shown</p>"),
    ('<form action="https://evil.example/"><input name="password"></form>', ""),
    ('<object data="x.swf"></object><embed src="x.swf"><p>ok</p>', "<p>ok</p>"),
    ('<a href="https://example.com/" target="_blank">ok</a>',
     f'<a href="https://example.com/" {REL}>ok</a>'),
    ("<p>safe <strong>bold</strong> <code class=\"language-python\">x</code></p>",
     '<p>safe <strong>bold</strong> <code class="language-python">x</code></p>'),
], ids=["script", "img-onerror", "javascript-href", "mixed-case-scheme-onclick",
        "data-text-href", "data-svg-src", "iframe", "svg-onload", "style-and-class",
        "style-url", "style-element", "form", "object-embed", "target-blank", "allowed-kept"])
def test_the_sanitiser_removes_what_the_allow_list_does_not_name(
        sanitise, html: str, expected: str) -> None:
    assert sanitise(html) == expected


# -- Markdown whose HTML only nh3 cleans ------------------------------------


@pytest.mark.parametrize(("markdown", "expected"), [
    # ms-msdt: is the Follina scheme (CVE-2022-30190); markdown-it lets any scheme
    # through except javascript:, vbscript:, file: and data: (non-image).
    ("[打开](ms-msdt:/id%20PCWDiagnostic)", f"<p><a {REL}>打开</a></p>\n"),
    ("<search-ms:query=invoice&crumb=location:\\\\evil.example\\share>",
     f"<p><a {REL}>search-ms:query=invoice&amp;crumb=location:\\\\evil.example\\share</a></p>\n"),
    ("[app](intent://scan/#Intent;scheme=zxing;end)", f"<p><a {REL}>app</a></p>\n"),
    ("![pixel](data:image/png;base64,iVBORw0KGgo=)", '<p><img alt="pixel"></p>\n'),
    ('[ok](https://example.com/ "标题")',
     f'<p><a href="https://example.com/" title="标题" {REL}>ok</a></p>\n'),
], ids=["ms-msdt", "search-ms-autolink", "intent", "data-image", "https-gets-rel"])
def test_links_markdown_passes_through_are_cleaned(
        plugin: ModuleType, markdown: str, expected: str) -> None:
    # The Markdown stage alone keeps the dangerous target: only nh3 removes it.
    raw = plugin._MARKDOWN.render(markdown)
    assert "href=" in raw or "src=" in raw
    assert str(plugin.render_markdown(markdown)) == expected


# -- End to end: the question page ------------------------------------------

HOSTILE_ID = "sanit1se00"
HOSTILE_MARKDOWN = (
    "第一段 [打开](ms-msdt:/id%20PCWDiagnostic) 和 <search-ms:query=x>\n\n"
    "![pixel](data:image/png;base64,iVBORw0KGgo=)\n\n"
    "[安全](https://example.com/)\n"
)


@pytest.fixture
async def ds(tmp_path: Path) -> AsyncIterator[Datasette]:
    path = tmp_path / "archive.db"
    db = open_archive(path)
    with db.atomic():
        db.store_answer_page(AnswerPage(
            site="wenku.csdn.net", url=f"https://wenku.csdn.net/answer/{HOSTILE_ID}",
            id=HOSTILE_ID, title="清理测试",
            asked_at="2023-07-01T09:00:00+08:00", view_count=1, answer_text="第一段",
            answer_markdown=HOSTILE_MARKDOWN, profile="csdn-answer", parser_version=1))
    db.close()
    datasette = make_datasette(path)
    await datasette.invoke_startup()
    yield datasette
    for database in datasette.databases.values():
        database.close()


async def test_question_page_serves_the_sanitised_answer(ds: Datasette) -> None:
    response = await ds.client.get(question_path(HOSTILE_ID))
    assert response.status_code == 200
    html = response.text
    for target in ("ms-msdt:", "search-ms:query=x\"", "data:image"):
        assert f'="{target}' not in html and f"={target}" not in html, target
    assert f"<p>第一段 <a {REL}>打开</a> 和 <a {REL}>search-ms:query=x</a></p>" in html
    assert '<p><img alt="pixel"></p>' in html
    assert f'<p><a href="https://example.com/" {REL}>安全</a></p>' in html
