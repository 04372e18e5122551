"""Pages in the layout the evidence about the real site describes (REAL-SITE-EVIDENCE.md).

Three pages written by hand (tests/fixtures/real-layout/, with their expected records
written by hand), surgery on them (one source taken away at a time), and pages a
hypothesis strategy builds in that layout, whose expected values come from the
strategy, never from the parser.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import AnswerPage, ParseError, parse_page
from parsers.model import FIELD_SOURCES
from parsers.state import MAX_STATE_CHARS, embedded_state

FIXTURES = Path(__file__).parent / "fixtures" / "real-layout"
PAGES = sorted(FIXTURES.glob("answer-*.html"))
NORMAL = FIXTURES / "answer-4jwajo20pn.html"
CUT = FIXTURES / "answer-z3rz3f2macyt.html"
NO_STATE = FIXTURES / "answer-f0e072cd68ceb7d5ef38c67c44b419ba.html"


def _expected(path: Path) -> dict:
    return json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))


def _url(path: Path) -> str:
    return "https://wenku.csdn.net/answer/" + path.stem.removeprefix("answer-")


def _parse(html: str, path: Path = NORMAL) -> AnswerPage:
    return parse_page(html.encode("utf-8"), _url(path))


def _check(page: AnswerPage, expected: dict) -> None:
    record = page.to_record()
    for name, value in expected.items():
        if name == "field_sources":
            assert {key: record[name].get(key) for key in value} == value
        else:
            assert record[name] == value, name


# -- the hand-written pages ------------------------------------------------------------


def test_there_are_the_three_pages() -> None:
    assert [path.name for path in PAGES] == [
        "answer-4jwajo20pn.html", "answer-f0e072cd68ceb7d5ef38c67c44b419ba.html",
        "answer-z3rz3f2macyt.html"]


@pytest.mark.parametrize("path", PAGES, ids=lambda path: path.stem)
def test_hand_written_page_gives_its_hand_written_record(path: Path) -> None:
    _check(_parse(path.read_text(encoding="utf-8"), path), _expected(path))


@pytest.mark.parametrize("path", PAGES, ids=lambda path: path.stem)
def test_field_sources_name_known_sources(path: Path) -> None:
    page = _parse(path.read_text(encoding="utf-8"), path)
    assert set(page.field_sources.values()) <= set(FIELD_SOURCES)
    assert {"title", "asked_at", "answer_text", "answer_markdown"} <= set(page.field_sources)


@pytest.mark.parametrize("path", PAGES, ids=lambda path: path.stem)
def test_cli_parse_prints_the_record_and_its_sources(path: Path) -> None:
    from click.testing import CliRunner

    from qarchive.cli import cli

    result = CliRunner().invoke(cli, ["parse", str(path)])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    expected = _expected(path)
    assert record["field_sources"] | expected["field_sources"] == record["field_sources"]
    assert record["answer_text"] == expected["answer_text"]


def _without_state(html: str) -> str:
    return re.sub(r"<script>window\.__INITIAL_STATE__.*?</script>", "", html, flags=re.S)


def _answer_box(html: str) -> tuple[int, int]:
    start = html.index('<div class="cont first-show forbid"')
    return start, html.index('<div class="open">', start)


def test_answer_text_is_the_same_whichever_copy_it_came_from() -> None:
    html = NORMAL.read_text(encoding="utf-8")
    expected = _expected(NORMAL)["answer_text"]
    start, end = _answer_box(html)
    opened = html.index(">", start) + 1
    first_paragraph_end = html.index("</p>", opened) + len("</p>")
    cut = html[:first_paragraph_end] + '\n<p class="ellipsis">...</p>\n' + html[end:]
    emptied = html[:opened] + html[end:]
    from_both = _parse(html)
    from_dom = _parse(_without_state(html))
    from_state_cut = _parse(cut)
    from_state_only = _parse(emptied)
    assert from_both.answer_text == from_dom.answer_text == expected
    assert from_state_cut.answer_text == from_state_only.answer_text == expected
    assert from_dom.field_sources["answer_text"] == "label"
    assert from_state_cut.field_sources["answer_text"] == "state"
    assert "展开全文" not in from_dom.answer_markdown


def test_cut_answer_without_its_state_keeps_what_the_page_shows() -> None:
    """No complete copy anywhere: the shown part, without the ellipsis and the button."""
    page = _parse(_without_state(CUT.read_text(encoding="utf-8")), CUT)
    assert page.answer_text == ("核心区别\n\nwatch需要显式指定侦听的数据源,"
                                "watchEffect会自动收集回调中用到的响应式依赖。")
    # The visible title is cut ("..."): the full one from Open Graph, which agrees with it.
    assert (page.title, page.field_sources["title"]) == ("Vue3中watch和watchEffect的区别是什么",
                                                         "meta")
    assert page.asked_at == "2024-03-05T18:42:00+08:00"  # the label shows no seconds


def test_buttons_are_never_answer_text() -> None:
    for path in PAGES:
        page = _parse(path.read_text(encoding="utf-8"), path)
        for button in ("展开全文", "收起", "..."):
            assert button not in page.answer_text, (path.name, button)


def test_a_related_question_without_a_link_is_its_own_item() -> None:
    page = _parse(NO_STATE.read_text(encoding="utf-8"), NO_STATE)
    first, unlinked, last = page.related_questions
    assert unlinked.url is None and unlinked.id is None
    assert "找到占用端口" not in unlinked.answer_text and "ss直接" not in first.answer_text
    assert page.links_to_follow() == [first.url, last.url]


@pytest.mark.parametrize(
    "items",
    [
        # A flat list: each title, then its answer, one after another.
        """<a href="/answer/z3rz3f2macyt">问一</a><p>答一</p>
        <a href="/answer/8d3jq0w5pe">问二</a><p>答二</p>""",
        # Only one linked question and one without a link: the link is no item boundary.
        """<div class="item"><a href="/answer/z3rz3f2macyt">问一</a><p>答一</p></div>
        <div class="item"><span class="q-title">问二</span><p>答二</p></div>""",
    ],
    ids=["flat", "one-link"],
)
def test_related_items_are_repeated_blocks(items: str) -> None:
    html = NORMAL.read_text(encoding="utf-8")
    start = html.index('<div class="related-list">')
    end = html.index("</div>\n</div>\n<div id=\"recommend\"", start)
    html = html[:start] + f'<div class="related-list">{items}' + html[end:]
    page = _parse(html)
    assert [(q.title, q.answer_text) for q in page.related_questions] == [
        ("问一", "答一"), ("问二", "答二")]


def test_script_text_is_still_never_visible_text() -> None:
    """With the visible title and labels gone, the i18n table's labels are not read."""
    html = NO_STATE.read_text(encoding="utf-8")
    html = html.replace('<div class="data"><span>提问时间 2023-11-02 09:15:40</span> '
                        "<span>2,345阅读</span></div>", "")
    with pytest.raises(ParseError, match="no 时间 label"):
        _parse(html, NO_STATE)


def test_a_page_whose_state_says_it_is_an_answer_needs_no_time() -> None:
    """A redesign that drops the time label: the record lacks asked_at (the drift alarm
    counts it); without a state object such a page is not an answer page."""
    html = NORMAL.read_text(encoding="utf-8").replace(
        '<span class="time">时间: 2024-08-20 07:27:08</span>', "").replace(
        '"createTime": "2024-08-20 07:27:08", ', "")
    page = _parse(html)
    assert page.asked_at is None and "asked_at" not in page.field_sources
    assert page.view_count == 89


# -- the state object: bounded, and never a crash --------------------------------------


@pytest.mark.parametrize(
    "script",
    [
        "window.__INITIAL_STATE__ = {",
        "window.__INITIAL_STATE__ = {\"pageData\": {\"detailInfo\": undefined}};",
        "window.__INITIAL_STATE__ = " + "[" * 100_000 + "]" * 100_000 + ";",
        "window.__INITIAL_STATE__ = {\"a\":" * 50_000 + "1" + "}" * 50_000 + ";",
        "window.__INITIAL_STATE__ = \"not an object\";",
        "window.__INITIAL_STATE__ == {\"pageData\": {}};",
        "var s = window.__INITIAL_STATE__; window.__INITIAL_STATE__ = 7;",
        "window.__INITIAL_STATE__ = {\"pageData\": {\"detailInfo\": {\"title\": 5, "
        "\"viewContent\": [1], \"createTime\": 1e400, \"viewCount\": \"-3\"}}};",
        "window.__INITIAL_STATE__ = JSON.parse(\"{\\\"pageData\\\":",
        "window.__INITIAL_STATE__ = {\"x\": \"" + "a" * (MAX_STATE_CHARS + 10) + "\"};",
    ],
    ids=["cut", "undefined", "deep-arrays", "deep-objects", "string", "comparison", "read-first",
         "wrong-types", "json-parse-cut", "too-long"],
)
def test_a_hostile_state_object_is_ignored(script: str) -> None:
    html = _without_state(NO_STATE.read_text(encoding="utf-8"))
    html = html.replace("</body>", f"<script>{script}</script></body>")
    _check(_parse(html, NO_STATE), _expected(NO_STATE))


def test_state_is_read_only_inside_a_script_and_in_either_form() -> None:
    state = '{"pageData": {"detailInfo": {"title": "T"}}}'
    assert embedded_state(f"<p>window.__INITIAL_STATE__ = {state}</p>") is None
    assert embedded_state(f"<script>window.__INITIAL_STATE__={state};f()</script>") == {
        "pageData": {"detailInfo": {"title": "T"}}}
    quoted = json.dumps(state)
    assert embedded_state(f"<script>window.__INITIAL_STATE__ = JSON.parse({quoted})</script>")


# -- pages a strategy builds in the evidence's layout ---------------------------------------

_BLOCKS = [  # (Markdown, HTML as the site renders it, answer_text)
    ("第一段,说明问题的背景。", "<p>第一段,说明问题的背景。</p>", "第一段,说明问题的背景。"),
    ("用`pip install x`安装。", "<p>用<code>pip install x</code>安装。</p>",
     "用pip install x安装。"),
    ("- 甲\n- 乙", "<ul>\n<li>甲</li>\n<li>乙</li>\n</ul>", "甲\n乙"),
    ("```python\nprint(1)\n```", '<pre><code class="language-python">print(1)\n</code></pre>',
     "print(1)"),
    ("## 小结", "<h2>小结</h2>", "小结"),
    ("最后一段,总结答案。", "<p>最后一段,总结答案。</p>", "最后一段,总结答案。"),
]
_VIEWS = [("76", 76, False), ("1,234", 1234, False), ("1.2万", 12000, True),
          ("3.4w", 34000, True), ("10万+", 100000, True), ("1.3w", 13000, True)]
# More with REAL_LAYOUT_EXAMPLES=3000 (the strategy found three bugs on the way).
EXAMPLES = int(os.environ.get("REAL_LAYOUT_EXAMPLES", "300"))
_IDS = ["4jwajo20pn", "z3rz3f2macyt", "f0e072cd68ceb7d5ef38c67c44b419ba"]


@dataclass
class Built:
    html: str
    url: str
    expected: dict


@st.composite
def evidence_pages(draw: st.DrawFn) -> Built:
    page_id = draw(st.sampled_from(_IDS))
    url = f"https://wenku.csdn.net/answer/{page_id}"
    title = draw(st.sampled_from(["如何在Python中读取Excel文件", "Vue3的watch和watchEffect",
                                  "Linux查看端口占用"]))
    # The sources of the title; at least one.
    show_title = draw(st.sampled_from(["div", "h1", "none"]))
    with_state = draw(st.booleans())
    title_tag = draw(st.booleans()) or (show_title == "none" and not with_state)
    og = draw(st.booleans())
    # Time and views: label words, colon, order, value before or after, spans.
    time_label = draw(st.sampled_from(["时间", "发布时间", "提问时间"]))
    views_label = draw(st.sampled_from(["浏览", "浏览量", "阅读量", "阅读"]))
    colon = draw(st.sampled_from([":", "：", " : ", "", " "]))
    seconds = draw(st.booleans())
    hour, minute, second = draw(st.integers(0, 23)), draw(st.integers(0, 59)), draw(
        st.integers(0, 59))
    date = f"2024-0{draw(st.integers(1, 9))}-1{draw(st.integers(0, 9))}"
    shown_time = f"{date} {hour:02d}:{minute:02d}" + (f":{second:02d}" if seconds else "")
    views_text, views, approximate = draw(st.sampled_from(_VIEWS))
    labels = draw(st.booleans()) or not with_state
    state_time = with_state and (draw(st.booleans()) or not labels)
    state_views = with_state and draw(st.booleans())
    time_first = draw(st.booleans())
    time_value_first = draw(st.booleans())
    views_value_first = draw(st.booleans())
    spans = draw(st.booleans())

    def labelled(label: str, value: str, value_first: bool) -> str:
        if spans:
            parts = [f"<span>{label}{colon.strip()}</span>", f"<span>{escape(value)}</span>"]
            return "<span>" + "".join(parts[::-1] if value_first else parts) + "</span>"
        if value_first:
            return f"<span>{escape(value)} {label}</span>"
        return f"<span>{label}{colon or ' '}{escape(value)}</span>"

    parts = [labelled(time_label, shown_time, time_value_first),
             labelled(views_label, views_text, views_value_first)]
    data = ('<div class="data">' + " ".join(parts if time_first else parts[::-1]) + "</div>"
            if labels else "")
    # The answer: some blocks, collapsed or not, cut or not.
    blocks = draw(st.lists(st.sampled_from(_BLOCKS), min_size=1, max_size=5, unique=True))
    cut = with_state and len(blocks) > 1 and draw(st.booleans())
    shown = blocks[: max(1, len(blocks) // 2)] if cut else blocks
    collapsed = draw(st.booleans()) or cut
    box = draw(st.sampled_from(['<div class="cont first-show forbid">',
                                '<div id="copyRef" class="content-view">',
                                '<div class="markdown_views">', '<div class="htmledit_views">']))
    answer = box + "\n".join(html for _, html, _ in shown) + (
        '<p class="ellipsis">...</p>' if cut else "") + (
        '<div class="open"><span>展开全文</span></div>' if collapsed else "") + "</div>"
    # Related questions: repeated blocks, some without a link.
    # A question listed twice is kept once: the targets differ.
    related_spec = draw(st.lists(st.tuples(st.booleans(), st.sampled_from([*_IDS, "8d3jq0w5pe"])),
                                 max_size=4, unique_by=lambda spec: spec[1]))
    related_html, related = [], []
    for number, (linked, target) in enumerate(related_spec, start=1):
        question, reply = f"相关问题{number}的标题", f"相关问题{number}的回答。"
        head = (f'<a class="question-tit" href="/answer/{target}">{question}</a>' if linked
                else f'<div class="question-tit">{question}</div>')
        related_html.append(f'<div class="related-question">{head}'
                            f'<div class="question-answer">{reply}</div></div>')
        target_url = f"https://wenku.csdn.net/answer/{target}" if linked else None
        related.append({"position": number, "id": target if linked else None,
                        "url": target_url, "title": question, "answer_text": reply})
    # Recommendations: recommend-item-box[data-url], 最新发布 on the latest.
    items_spec = draw(st.lists(st.booleans(), max_size=4))
    items_html, positions, resources = [], {"related": 0, "latest": 0}, []
    for number, latest in enumerate(items_spec, start=1):
        link = f"https://wenku.csdn.net/doc/{number:024d}"
        tag = '<div class="tag">最新发布</div>' if latest else ""
        items_html.append(
            f'<div class="recommend-item-box" data-url="{link}"><div class="content-box">'
            f'<a class="tit" href="{link}?spm=1"><div class="left">资源{number}</div>{tag}</a>'
            f'<div class="desc">资源{number}的描述</div><div class="date">0{number}-1{number}'
            "</div></div></div>")
        section = "latest" if latest else "related"
        positions[section] += 1
        resources.append({"section": section, "position": positions[section], "url": link,
                          "title": f"资源{number}", "description": f"资源{number}的描述",
                          "file_type": "unknown", "kind": "doc"})
    resources.sort(key=lambda resource: resource["section"] != "related")

    detail: dict = {"id": page_id, "title": title, "isShowAll": not collapsed,
                    "viewContent": "\n\n".join(md for md, _, _ in blocks)}
    if state_time:
        detail["createTime"] = f"{date} {hour:02d}:{minute:02d}:{second:02d}"
    if state_views:
        detail["viewCount"] = views
    state = json.dumps({"pageData": {"detailInfo": detail}}, ensure_ascii=draw(st.booleans()))
    title_html = {"div": f'<div class="title forbid">{title}</div>', "h1": f"<h1>{title}</h1>",
                  "none": ""}[show_title]
    html = (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        + (f"<title>{title} - CSDN文库</title>" if title_tag else "")
        + (f'<meta property="og:title" content="{title}">' if og else "")
        + '</head><body><div id="app"><div id="chatgpt-article-detail">'
        '<div class="layout-center"><div class="main">'
        + title_html + data + f'<div class="article-box">{answer}</div></div>'
        + ('<div class="related-box"><div class="related-head">相关问题</div>'
           + "".join(related_html) + "</div>" if related_html else "")
        + ('<div id="recommend" class="recommend-box">' + "".join(items_html) + "</div>"
           if items_html else "")
        + '</div></div></div><div class="csdn-side-toolbar"><span>客服</span></div>'
        + (f"<script>window.__INITIAL_STATE__{draw(st.sampled_from(['=', ' = ']))}{state};"
           "(function(){}());</script>" if with_state else "")
        + '<script>var i18n={t:"时间: 1999-01-01 00:00:00",v:"浏览: 5"};</script>'
        "</body></html>"
    )
    if state_time:
        asked_at = f"{date}T{hour:02d}:{minute:02d}:{second:02d}+08:00"
    else:
        asked_at = f"{date}T{hour:02d}:{minute:02d}:{second if seconds else 0:02d}+08:00"
    expected = {
        "id": page_id, "title": title, "asked_at": asked_at,
        "view_count": views if (state_views or labels) else None,
        "view_count_approximate": approximate and not state_views and labels,
        "answer_text": "\n\n".join(text for _, _, text in blocks),
        "related_questions": related, "recommended_resources": resources,
    }
    return Built(html, url, expected)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(built=evidence_pages())
def test_pages_in_the_evidence_layout_parse_exactly(built: Built) -> None:
    page = parse_page(built.html.encode("utf-8"), built.url)
    record = page.to_record()
    for name, value in built.expected.items():
        assert record[name] == value, name
    assert set(page.field_sources.values()) <= set(FIELD_SOURCES)
