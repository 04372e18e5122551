"""Tests that kill surviving mutants of parsers/sites/csdn.py's value readers and structured
sources (issue #16; TESTING.md, "Mutation testing"): the profile's URL helpers, the label
and state value readers, the fold-button checks, the structured sources (state, JSON-LD,
meta tags, <title>, canonical link) and the choice among them, called directly with
literal values and small literal pages. Every expected value is written from what the
input shows."""

from __future__ import annotations

import json
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser
from test_parsers_mutants import PAGE_URL, answer_page

from parsers import parse_page
from parsers.sites import csdn
from parsers.sites.csdn import CsdnAnswerProfile, answer_id_from_url

PROFILE = CsdnAnswerProfile()

# -- lexbor's tag ids --------------------------------------------------------------------


def _own_tag_id(name: str) -> int:
    """The tag id lexbor gives ``<name>``, from a page of its own."""
    node = LexborHTMLParser(f"<body><p><{name}></{name}></p></body>").css_first(name)
    assert node is not None
    return node.tag_id


def test_tag_ids_are_lexbors_own() -> None:
    names = ["em", "strong", "b", "i", "u", "s", "del", "mark", "code", "small", "sub", "sup",
             "font", "br", "img", "abbr", "cite", "q", "time", "a"]
    holder = LexborHTMLParser("<body><p>words<!-- a comment --></p></body>").css_first("p")
    assert holder is not None
    text_node, comment = list(holder.iter(include_text=True))
    expected = {name: _own_tag_id(name) for name in names}
    expected |= {"-text": text_node.tag_id, "-comment": comment.tag_id}
    assert len(set(expected.values())) == len(expected)  # one id a tag
    assert csdn._tag_ids() == expected
    ids = {"text": csdn._TEXT_ID, "a": csdn._A_ID, "img": csdn._IMG_ID,
           "inline": csdn._INLINE_IDS}
    assert ids == {"text": text_node.tag_id, "a": expected["a"], "img": expected["img"],
                   "inline": {expected[name] for name in names if name != "a"}
                   | {text_node.tag_id, comment.tag_id}}


# -- URLs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "canonical"), [
    ("https://wenku.csdn.net/answer/4jwajo20pn", "https://wenku.csdn.net/answer/4jwajo20pn"),
    ("https://wenku.csdn.net/answer/4jwajo20pn/?spm=1001.2101#comments",
     "https://wenku.csdn.net/answer/4jwajo20pn"),
    # a mirror's path before /answer/ is kept
    ("http://127.0.0.1:8765/mirror/answer/z3rz3f2macyt/",
     "http://127.0.0.1:8765/mirror/answer/z3rz3f2macyt"),
    # "://" again in the query: the scheme is the first one
    ("https://wenku.csdn.net/answer/abc?next=https://wenku.csdn.net/doc/1",
     "https://wenku.csdn.net/answer/abc"),
    # the origin as written, capitals too
    ("https://WENKU.CSDN.NET.EXAMPLE/answer/abc", "https://WENKU.CSDN.NET.EXAMPLE/answer/abc"),
    ("https://wenku.csdn.net/doc/6412b4", None),
    ("https://wenku.csdn.net/answer/ABC", None),  # ids are lowercase
    ("https://wenku.csdn.net/answer/", None),
    ("/answer/abc", None),  # no scheme, no host
    # no path of its own: the answer path is in another URL's query
    ("/mirror?go=https://wenku.csdn.net/answer/abc", None),
])
def test_canonical_page_url(url: str, canonical: str | None) -> None:
    assert PROFILE.canonical_page_url(url) == canonical


@pytest.mark.parametrize(("url", "answer_id"), [
    ("https://wenku.csdn.net/answer/4jwajo20pn", "4jwajo20pn"),
    ("https://wenku.csdn.net/answer/4jwajo20pn/?x=1", "4jwajo20pn"),
    ("http://127.0.0.1:8765/mirror/answer/" + "f" * 32, "f" * 32),
    ("https://wenku.csdn.net/answer/" + "a" * 65, None),
    ("https://wenku.csdn.net/answer/4jwajo20pn/comments", None),
    ("https://wenku.csdn.net/doc/4jwajo20pn", None),
])
def test_answer_id_from_url(url: str, answer_id: str | None) -> None:
    assert answer_id_from_url(url) == answer_id


@pytest.mark.parametrize(("url", "kind"), [
    ("https://blog.csdn.net/u012/article/details/1234", "blog"),
    ("HTTP://BLOG.CSDN.NET/u012/article/details/1234", "blog"),
    ("https://wenku.csdn.net/doc/6412b4", "doc"),
    ("https://download.csdn.net/download/u012/88", "download"),
    ("https://wenku.csdn.net/Column/7", "column"),
    ("https://wenku.csdn.net/answer/4jwajo20pn", "answer"),
    ("https://wenku.csdn.net/", "unknown"),
    ("https://wenku.csdn.net", "unknown"),
])
def test_resource_kind(url: str, kind: str) -> None:
    assert PROFILE.resource_kind(url) == kind


@pytest.mark.parametrize(("icon", "file_type"), [
    ('<img src="https://csdnimg.cn/release/download/static_files/pc/images/minetype/PDF.png">',
     "pdf"),
    ('<img src="/images/minetype/ZIP.svg?v=2#top">', "zip"),
    ('<img src="/icons/file-type_1.jpeg">', "file-type_1"),
    ('<img src="/icons/doc">', "unknown"),  # no image extension
    ('<img src="/icons/a.b.png">', "unknown"),  # a dot is no name character
    ("<img>", "unknown"),
    ('<img src="">', "unknown"),
    (None, "unknown"),
])
def test_file_type(icon: str | None, file_type: str) -> None:
    node = LexborHTMLParser(icon).css_first("img") if icon else None
    assert csdn._file_type(node) == file_type


# -- labels --------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [
    ("发布时间：2024-08-20 07:27:08", "2024-08-20 07:27:08"),
    ("时间 2024/8/20 7:27 浏览 76", "2024/8/20 7:27"),
    ("2024-08-20 07:27 发布时间", "2024-08-20 07:27"),  # the value before its label
    ("提问时间: 2024-08-20 07:27:08 2024-08-21 08:00 时间", "2024-08-20 07:27:08"),
    ("2024-08-20 07:27:08", None),  # no label
    ("时间：昨天", None),
    ("浏览 76", None),
])
def test_labelled_time(text: str, value: str | None) -> None:
    match = csdn._labelled_time(text)
    assert (match["value"] if match else None) == value


@pytest.mark.parametrize(("text", "before", "value"), [
    ("浏览：76", True, "76"),
    ("阅读量 1.2万", True, "1.2万"),
    ("阅读 1,234 收藏 3", True, "1,234"),
    ("76 浏览", True, "76"),  # the value before its label
    ("76次阅读", True, "76"),
    ("76 浏览", False, None),
    ("浏览：76 88 阅读", False, "76"),
    ("时间 2024-08-20 07:27", True, None),  # neither word
    ("浏览", True, None),
])
def test_labelled_views(text: str, before: bool, value: str | None) -> None:
    match = csdn._labelled_views(text, before=before)
    assert (match["value"] if match else None) == value


def test_labelled_views_reads_a_count_before_its_label_by_default() -> None:
    match = csdn._labelled_views("1.2万 阅读")
    assert match is not None
    assert match["value"] == "1.2万"


# -- fold buttons --------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "control"), [
    ("展开全文", True),
    ("展开 ∨", True),
    ("阅读 全文 ▼", True),
    ("更多>>", True),
    ("……", True),
    ("展开全文" + " " * 20, True),  # 24 characters
    ("展开全文" + " " * 21, False),  # 25: too long for a button
    (" " * 30 + "展开全文", False),
    ("展开代码", False),
    ("全文", False),
    ("", False),
])
def test_is_control(text: str, control: bool) -> None:
    assert csdn._is_control(text) is control


@pytest.mark.parametrize(("text", "shows"), [
    ("正文第一段\n展开全文 ∨", True),
    ("展开全文\n正文继续", True),  # any line
    ("正文第一段\n阅读 全文", True),  # spaces inside a line are noise
    ("正文内容，收起", True),  # a line ending with a button
    ("更多 内容见下文", False),  # a button's word inside a line
    ("正文\n\n没有按钮", False),
    ("第一行\n   \n", False),
    ("", False),
])
def test_shows_control(text: str, shows: bool) -> None:
    assert csdn._shows_control(text) is shows


# -- values of the state and metadata ------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    # epoch seconds, China time, with seconds
    (1724110028, ("2024-08-20T07:27:08+08:00", True)),
    (1724110028.9, ("2024-08-20T07:27:08+08:00", True)),
    (1724110028000, ("2024-08-20T07:27:08+08:00", True)),  # milliseconds
    (10**8, None),  # too small for either
    (10**8 + 1, ("1973-03-03T17:46:41+08:00", True)),
    (2 * 10**8, ("1976-05-04T03:33:20+08:00", True)),
    (5 * 10**8, ("1985-11-05T08:53:20+08:00", True)),
    (10**11, ("5138-11-16T17:46:40+08:00", True)),  # still seconds
    (10**11 + 1, ("1973-03-03T17:46:40+08:00", True)),  # milliseconds
    (2 * 10**11, ("1976-05-04T03:33:20+08:00", True)),
    (10**14 - 1, ("5138-11-16T17:46:39+08:00", True)),
    (10**14, None),
    (2 * 10**14, None),
    (True, None),
    (None, None),
    ([1724110028], None),
    # text: China time unless it names an offset
    ("2024-08-20 07:27:08", ("2024-08-20T07:27:08+08:00", True)),
    ("2024-08-20 07:27", ("2024-08-20T07:27:00+08:00", False)),
    ("发布于 2024/08/20 07:27:08 北京", ("2024-08-20T07:27:08+08:00", True)),
    ("2024-08-19T23:27:08Z", ("2024-08-20T07:27:08+08:00", True)),
    ("2024-08-19T23:27Z", ("2024-08-20T07:27:00+08:00", False)),
    ("2024-08-19T23:27:08.750Z", ("2024-08-20T07:27:08+08:00", True)),
    (" 2024-08-20T07:27:08+08:00 ", ("2024-08-20T07:27:08+08:00", True)),
    ("2024-08-20T07:27+08:00", ("2024-08-20T07:27:00+08:00", False)),
    # an offset without its colon: seconds shown or not all the same
    ("2024-08-20T07:27:08+0800", ("2024-08-20T07:27:08+08:00", True)),
    ("2024-08-20T07:27+0800", ("2024-08-20T07:27:00+08:00", False)),
    ("2024-08-19T23:27:08-0000", ("2024-08-20T07:27:08+08:00", True)),
    ("2024-08-20T01:57:08+02:30", ("2024-08-20T07:27:08+08:00", True)),
    ("2024-02-30T10:00:00+08:00", None),  # no such day
    ("2024-13-40 10:00", None),
    ("昨天", None),
    ("", None),
    ("x" * 45 + "2024-08-20 07:27:08", ("2024-08-20T07:27:08+08:00", True)),  # 64 characters
    ("x" * 46 + "2024-08-20 07:27:08", None),  # 65
])
def test_state_time(value: Any, expected: tuple[str, bool] | None) -> None:
    assert csdn._state_time(value) == expected


def test_a_metadata_time_with_seconds_and_a_compact_offset_wins_over_the_label() -> None:
    """The JSON-LD time shows seconds ("+0800": an offset without its colon), so it is not
    replaced by the label's time of the same minute."""
    ld = '<script type="application/ld+json">{"datePublished": "2024-08-20T07:27:08+0800"}</script>'
    page = parse_page(answer_page(meta="<span>时间: 2024-08-20 07:27:09</span>", extra=ld),
                      PAGE_URL)
    assert (page.asked_at, page.field_sources["asked_at"]) == ("2024-08-20T07:27:08+08:00", "meta")


@pytest.mark.parametrize("kind", ["application/ld+json", "application/LD+JSON",
                                  "Application/Ld+Json"])
def test_json_ld_is_read_whatever_the_case_of_its_type(kind: str) -> None:
    """HTML matches a ``type`` in any case: so does the parser (the label has no seconds,
    the JSON-LD has, so the JSON-LD's time is kept when it is read)."""
    ld = f'<script type="{kind}">{{"datePublished": "2024-08-20T07:27:08+0800"}}</script>'
    page = parse_page(answer_page(meta="<span>时间: 2024-08-20 07:27</span>", extra=ld),
                      PAGE_URL)
    assert (page.asked_at, page.field_sources["asked_at"]) == ("2024-08-20T07:27:08+08:00", "meta")


@pytest.mark.parametrize(("value", "expected"), [
    (0, (0, False)),
    (76, (76, False)),
    (1000, (1000, False)),
    (10**15 - 1, (10**15 - 1, False)),
    (10**15, None),
    (-1, None),
    (True, None),
    (76.0, None),
    (None, None),
    ("76", (76, False)),
    ("1.2万", (12000, True)),
    ("10万+", (100000, True)),
    ("很多", None),
    (" " * 30 + "76", (76, False)),  # 32 characters
    (" " * 31 + "76", None),  # 33
])
def test_state_views(value: Any, expected: tuple[int, bool] | None) -> None:
    assert csdn._state_views(value) == expected


def test_first_of_takes_the_first_key_with_a_readable_value() -> None:
    info = {"time": "2024-01-01 00:00", "createTime": "昨天", "publishTime": "2024-08-20 07:27"}
    assert csdn._first_of(info, csdn._STATE_TIME_KEYS, csdn._state_time) == (
        "2024-08-20T07:27:00+08:00", False)
    assert csdn._first_of({"viewNum": "1.2万", "viewCount": 76},
                          csdn._STATE_VIEW_KEYS, csdn._state_views) == (76, False)
    assert csdn._first_of({"title": "x"}, csdn._STATE_VIEW_KEYS, csdn._state_views) is None


@pytest.mark.parametrize(("value", "title"), [
    ("  Python\n  列表推导式  ", "Python 列表推导式"),
    ("Python <em>列表</em>推导式", "Python 列表推导式"),  # highlight markup: its text
    ("<em></em>", ""),
    ("题" * 2000, "题" * 2000),
    ("题" * 2001, ""),  # too long
    (None, ""),
    (42, ""),
])
def test_clean_title(value: Any, title: str) -> None:
    assert csdn._clean_title(value) == title


# -- JSON-LD -------------------------------------------------------------------------------


def _ld(text: str) -> str:
    return f'<script type="application/ld+json">{text}</script>'


def _json_ld(head: str) -> list[dict[str, Any]]:
    html = f"<html><head>{head}</head><body><p>x</p></body></html>"
    return csdn._json_ld(LexborHTMLParser(html), html)


def test_json_ld_items() -> None:
    assert _json_ld(_ld('{"@type": "QAPage", "name": "t"}')) == [{"@type": "QAPage", "name": "t"}]
    # a list: its objects only
    assert _json_ld(_ld('[1, "x", {"@type": "Question"}, null]')) == [{"@type": "Question"}]
    # scripts that do not parse, too deep or too long are passed over, not the page's others
    too_deep = "[" * 100_000 + "]" * 100_000
    too_long = '{"name": "' + "x" * (csdn._JSON_LD_MAX_CHARS - 11) + '"}'
    assert len(too_long) == csdn._JSON_LD_MAX_CHARS + 1
    assert _json_ld(_ld("{not json") + _ld(too_deep) + _ld(too_long) + _ld('{"a": 1}')) == [
        {"a": 1}]
    assert _json_ld(_ld("no JSON")) == []
    assert _json_ld("<script>{\"a\": 1}</script>") == []


def test_json_ld_at_its_size_limit() -> None:
    at_limit = '{"name": "' + "x" * (csdn._JSON_LD_MAX_CHARS - 12) + '"}'
    assert len(at_limit) == csdn._JSON_LD_MAX_CHARS
    assert _json_ld(_ld(at_limit)) == [{"name": "x" * (csdn._JSON_LD_MAX_CHARS - 12)}]


def test_json_ld_reads_8_scripts_and_16_items_each() -> None:
    scripts = "".join(_ld(json.dumps({"n": n})) for n in range(9))
    assert _json_ld(scripts) == [{"n": n} for n in range(8)]
    items = json.dumps([{"n": n} for n in range(17)])
    assert _json_ld(_ld(items)) == [{"n": n} for n in range(16)]


def test_no_json_ld() -> None:
    assert _json_ld("<title>t</title>") == []


# -- the structured sources together -------------------------------------------------------


def _state(value: dict[str, Any]) -> str:
    return f"<script>window.__INITIAL_STATE__={json.dumps(value, ensure_ascii=False)};</script>"


def _structured(head: str, body: str = "") -> tuple[Any, ...]:
    html = f"<html><head>{head}</head><body>{body}</body></html>"
    return tuple(csdn._structured(LexborHTMLParser(html), html))


def test_structured_sources_in_order() -> None:
    state = {"pageData": {"detailInfo": {
        "title": "Python <em>列表推导式</em>怎么用", "viewContent": "## 答案\n正文",
        "createTime": "2024-08-20 07:27:08", "viewCount": 1234}}}
    head = (
        "<title>Python 列表推导式怎么用 - CSDN文库</title>"
        + _ld(json.dumps({"@type": "QAPage", "headline": "JSON-LD 标题",
                          "datePublished": "2024-08-19T23:28:00Z"}, ensure_ascii=False))
        + '<link rel="stylesheet" href="/site.css">'
        + '<link rel="canonical" href="https://wenku.csdn.net/answer/4jwajo20pn">'
        + '<meta property="og:title" content="Python 列表推导式怎么用？">'
        + '<meta property="article:published_time" content="2024-08-20T07:29+08:00">')
    assert _structured(head, _state(state) + "<p>正文</p>") == (
        [("state", "Python 列表推导式怎么用"), ("meta", "JSON-LD 标题"),
         ("meta", "Python 列表推导式怎么用？"), ("title-tag", "Python 列表推导式怎么用")],
        [("state", "2024-08-20T07:27:08+08:00", True), ("meta", "2024-08-20T07:28:00+08:00", True),
         ("meta", "2024-08-20T07:29:00+08:00", False)],
        [("state", 1234, False)],
        "## 答案\n正文",
        "https://wenku.csdn.net/answer/4jwajo20pn",
        True,
    )


def test_structured_nothing() -> None:
    assert _structured('<meta charset="utf-8">', "<p>正文</p>") == (
        [], [], [], None, None, False)
    assert _structured("", "") == ([], [], [], None, None, False)


def test_structured_state_by_its_path_before_anywhere_else() -> None:
    state = {"detailInfo": {"title": "别的问题"},
             "pageData": {"detailInfo": {"title": "本页问题", "publishTime": 1724110028,
                                         "pv": "1.2万"}}}
    assert _structured("", _state(state)) == (
        [("state", "本页问题")], [("state", "2024-08-20T07:27:08+08:00", True)],
        [("state", 12000, True)], None, None, True)


def test_structured_state_found_anywhere() -> None:
    state = {"data": [{"detailInfo": {"title": "某个问题", "viewContent": "  \n "}}]}
    assert _structured("", _state(state)) == (
        [("state", "某个问题")], [], [], None, None, True)


def test_structured_state_without_details() -> None:
    # detailInfo that is no object; viewContent that is no text; a state named otherwise
    assert _structured("", _state({"pageData": {"detailInfo": ["x"]}})) == (
        [], [], [], None, None, False)
    assert _structured("", _state({"pageData": {"detailInfo": {"viewContent": 5}}})) == (
        [], [], [], None, None, True)
    other = _state({"pageData": {"detailInfo": {"title": "t"}}}).replace("INITIAL", "OTHER")
    assert _structured("", other) == ([], [], [], None, None, False)


def test_structured_json_ld_headline_or_name_and_dates() -> None:
    items = [
        {"headline": "标题一", "name": "名字一", "datePublished": "2024-08-20 07:27:08",
         "dateCreated": "2024-01-01 00:00:00"},
        {"name": "名字二", "dateCreated": "2024-08-21 08:00"},
        {"name": "", "datePublished": "不是时间"},
    ]
    assert _structured(_ld(json.dumps(items, ensure_ascii=False))) == (
        [("meta", "标题一"), ("meta", "名字二")],
        [("meta", "2024-08-20T07:27:08+08:00", True), ("meta", "2024-08-21T08:00:00+08:00", False)],
        [], None, None, False)


def test_structured_meta_tags() -> None:
    head = (
        '<meta name="viewport" content="width=device-width">'
        '<meta property="og:title" content="">'
        '<meta property="og:title" content="OG 标题">'
        '<meta property="og:type" content="article">'
        '<meta property="article:published_time" content="2024-08-20T07:27:01+08:00">'
        '<meta itemprop="datePublished" content="2024-08-20 07:27:02">'
        '<meta property="og:release_date" content="2024-08-20 07:27:03">'
        '<meta name="publishdate" content="2024-08-20 07:27:04">'
        '<meta name="publishdate" content="明天">'
        "<style>p {}</style>"
        '<meta content="2024-08-20 07:27:05">'
        '<meta name="description" content="2024-08-20 07:27:06">')
    assert _structured(head) == (
        [("meta", "OG 标题")],
        [("meta", f"2024-08-20T07:27:0{n}+08:00", True) for n in range(1, 5)],
        [], None, None, False)


def test_structured_title_tag() -> None:
    assert _structured("<title>\n  Python 列表 _ CSDN 文库 </title><title>第二个</title>") == (
        [("title-tag", "Python 列表")], [], [], None, None, False)
    assert _structured("<title> - CSDN文库</title>") == ([], [], [], None, None, False)
    # the title before the tags it is read with
    assert _structured('<title>标题</title><meta property="og:title" content="OG">') == (
        [("meta", "OG"), ("title-tag", "标题")], [], [], None, None, False)


@pytest.mark.parametrize(("head", "body", "canonical"), [
    # the first canonical link with an address, in any case
    ('<link rel="canonical" href=""><link rel="Canonical" href="https://wenku.csdn.net/answer/b">',
     "", "https://wenku.csdn.net/answer/b"),
    ('<link rel="stylesheet" href="/a.css"><link rel="icon" href="/i.png">', "", None),
    # only in the body
    ("<title>t</title>", '<link rel="canonical" href="https://wenku.csdn.net/answer/c">',
     "https://wenku.csdn.net/answer/c"),
    ("<title>t</title>", '<link rel="canonical" href="">', None),
])
def test_structured_canonical(head: str, body: str, canonical: str | None) -> None:
    assert _structured(head, body)[4] == canonical


def test_structured_canonical_before_the_meta_tags() -> None:
    head = ('<link rel="canonical" href="https://wenku.csdn.net/answer/d">'
            '<meta property="og:title" content="OG 标题">')
    assert _structured(head) == (
        [("meta", "OG 标题")], [], [], None, "https://wenku.csdn.net/answer/d", False)


# -- choosing among sources ----------------------------------------------------------------


@pytest.mark.parametrize(("title", "key"), [
    ("Python 列表 推导式…", "python列表推导式"),
    ("Python 列表...", "python列表"),
    ("ABC Def", "abcdef"),
    ("…", ""),
])
def test_title_key(title: str, key: str) -> None:
    assert csdn._title_key(title) == key


@pytest.mark.parametrize(("shown", "other", "agrees"), [
    ("Python 列表推导式", "python  列表推导式", True),
    ("Python 列表…", "Python 列表推导式怎么用", True),  # the shown copy cut
    ("Python 列表推导式怎么用", "Python 列表...", True),  # the other cut
    ("Python 列表推导式", "Java 泛型", False),
    ("", "Python", False),
    ("Python", "", False),
    ("…", "Python", False),
])
def test_agrees(shown: str, other: str, agrees: bool) -> None:
    assert csdn._agrees(shown, other) is agrees


def test_agreeing() -> None:
    structured = [("state", "Python 列表推导式怎么用"), ("title-tag", "别的问题"),
                  ("meta", "Python 列表…")]
    assert csdn._agreeing("Python 列表推导式", structured) == [
        ("state", "Python 列表推导式怎么用"), ("meta", "Python 列表…")]
    assert csdn._agreeing("Java", structured) == []


@pytest.mark.parametrize(("html", "text"), [
    ("<h1>  Python \n 列表 </h1>", "Python 列表"),
    ("<h1>相关问题</h1>", ""),  # a label is no title
    ("<h1>" + "字" * 500 + "</h1>", "字" * 500),
    ("<h1>" + "字" * 501 + "</h1>", ""),
])
def test_title_text(html: str, text: str) -> None:
    node = LexborHTMLParser(html).css_first("h1")
    assert node is not None
    assert csdn._title_text(node) == text


@pytest.mark.parametrize(("chosen", "others", "best"), [
    (("heading", "Python 列表推导式"), [], ("heading", "Python 列表推导式")),
    # a longer agreeing title from the state or the metadata
    (("heading", "Python 列表推导式"), [("state", "Python 列表推导式怎么用")],
     ("state", "Python 列表推导式怎么用")),
    (("heading", "Python 列表推导式"), [("meta", "Python 列表推导式怎么用")],
     ("meta", "Python 列表推导式怎么用")),
    # <title> may add words of its own: taken only over a cut title
    (("heading", "Python 列表推导式"), [("title-tag", "Python 列表推导式怎么用 - 编程问答")],
     ("heading", "Python 列表推导式")),
    (("heading", "Python 列表推导…"), [("title-tag", "Python 列表推导式怎么用 - 编程问答")],
     ("title-tag", "Python 列表推导式怎么用 - 编程问答")),
    # not agreeing, not longer
    (("heading", "Python 列表推导式"), [("title-tag", "一个完全不同而且更长的标题啊啊")],
     ("heading", "Python 列表推导式")),
    (("heading", "Python 列表推导式"), [("state", "Java 泛型")], ("heading", "Python 列表推导式")),
    (("heading", "Python 列表推导式"), [("state", "python 列表推导式")],
     ("heading", "Python 列表推导式")),
    # each step from the best so far
    (("heading", "Python…"), [("title-tag", "Python 列表…"), ("state", "Python 列表推导式怎么用")],
     ("state", "Python 列表推导式怎么用")),
])
def test_fuller(chosen: tuple[str, str], others: list[tuple[str, str]],
                best: tuple[str, str]) -> None:
    assert csdn._fuller(chosen, others) == best


@pytest.mark.parametrize(("found", "picked"), [
    ([], None),
    ([("state", "2024-08-20T07:27:08+08:00", True), ("labels", "2024-08-20T07:27:09+08:00", True)],
     ("state", "2024-08-20T07:27:08+08:00")),
    # seconds of the same minute from a later source
    ([("meta", "2024-08-20T07:27:00+08:00", False), ("labels", "2024-08-20T07:27:08+08:00", True)],
     ("labels", "2024-08-20T07:27:08+08:00")),
    ([("meta", "2024-08-20T07:27:00+08:00", False), ("labels", "2024-08-20T07:28:08+08:00", True)],
     ("meta", "2024-08-20T07:27:00+08:00")),
    ([("meta", "2024-08-20T07:27:00+08:00", False), ("title", "2024-08-20T07:27:00+08:00", False)],
     ("meta", "2024-08-20T07:27:00+08:00")),
])
def test_pick_time(found: list[tuple[str, str, bool]], picked: tuple[str, str] | None) -> None:
    assert csdn._pick_time(found) == picked


@pytest.mark.parametrize(("found", "picked"), [
    ([], None),
    ([("state", 76, False), ("labels", 80, False)], ("state", 76, False)),
    # an exact count near a rounded one
    ([("state", 12000, True), ("labels", 12345, False)], ("labels", 12345, False)),
    ([("state", 12000, True), ("labels", 10000, True)], ("state", 12000, True)),
    ([("state", 12000, True), ("labels", 6000, False)], ("labels", 6000, False)),
    ([("state", 12001, True), ("labels", 6000, False)], ("labels", 6000, False)),
    ([("state", 12000, True), ("labels", 5999, False)], ("state", 12000, True)),
    ([("state", 12000, True), ("labels", 5000, False)], ("state", 12000, True)),
    ([("state", 12000, True), ("labels", 100, False)], ("state", 12000, True)),
    ([("state", 12000, True), ("labels", 24000, False)], ("labels", 24000, False)),
    ([("state", 12000, True), ("labels", 24001, False)], ("state", 12000, True)),
    ([("state", 12000, True), ("labels", 30000, False)], ("state", 12000, True)),
])
def test_pick_views(found: list[tuple[str, int, bool]],
                    picked: tuple[str, int, bool] | None) -> None:
    assert csdn._pick_views(found) == picked


@pytest.mark.parametrize(("shown", "markdown", "covers"), [
    ("正文内容链接", "正文内容[链接](https://example.com/x)", True),  # link targets unseen
    ("标题正文", "# 标题\n\n**正文**", True),
    ("", "正文", False),
    ("0123456789", "0123456789", True),
    ("23456789", "0123456789", True),  # 80% of it, same ending
    ("3456789", "0123456789", False),
    ("789", "0123456789", False),
    ("0123456780", "0123456789", False),
    # the last 24 characters compared
    ("乙" + "一二三四五六七八九十" * 2 + "abcd", "甲" + "一二三四五六七八九十" * 2 + "abcd", True),
])
def test_covers(shown: str, markdown: str, covers: bool) -> None:
    assert csdn._covers(shown, markdown) is covers
