"""The csdn-answer profile on the reference page, its variants, and pages that are not answers.

Real parser, real HTML: variants are built from the reference page by text
surgery (renamed classes, dropped attributes, re-encoded bytes) so each test
says which one thing changed.
"""

from __future__ import annotations

import codecs
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from parsers import (
    AnswerPage,
    ParseError,
    UnknownProfile,
    canonical_url,
    choose_profile,
    decode_html,
    parse_page,
)
from parsers.decoding import decode_html_source
from parsers.sites.csdn import answer_id_from_url
from qarchive.cli import cli

FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE_PATH = FIXTURES / "answer-2kxyq3m7vd.html"
REFERENCE_HTML = REFERENCE_PATH.read_text(encoding="utf-8")
REFERENCE_BYTES = REFERENCE_PATH.read_bytes()
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
PAGE_URL = "https://wenku.csdn.net/answer/2kxyq3m7vd"
# The reference page's 热门问答 box, read off the HTML by hand (expected.json has no field for it).
REFERENCE_SIDEBAR_LINKS = [
    "https://wenku.csdn.net/answer/3x8kq1v0zb",
    "https://wenku.csdn.net/answer/7mplw2c9ta",
    "https://wenku.csdn.net/answer/0q9rn4e6hs",
]
REPO = Path(__file__).parent.parent


def record_of(page: AnswerPage) -> dict:
    """The record restricted to expected.json's fields."""
    record = page.to_record()
    return {name: record[name] for name in EXPECTED}


def answer_page(
    *,
    meta: str = "<span>时间: 2023-06-23 11:03:20</span> <span>浏览: 76</span>",
    answer: str = "<p>这是答案。</p>",
    after: str = "",
    head: str = "",
) -> str:
    """A minimal answer page in the reference layout, with one part swapped."""
    return f"""<!DOCTYPE html><html><head>{head}</head><body>
<div class="answer-wrap"><div class="answer-header"><h1 class="answer-title">一个问题</h1>
<div class="answer-meta">{meta}</div></div>
<div class="answer-body"><div class="markdown-body answer-content">{answer}</div></div></div>
{after}
</body></html>"""


def rename_classes(html: str, prefix: str = "x-") -> str:
    """A redesign: every class name on the page changes."""
    return re.sub(
        r'class=(["\'])(.*?)\1',
        lambda m: f'class="{" ".join(prefix + name for name in m.group(2).split())}"',
        html,
    )


def drop_tab_attributes(html: str) -> str:
    """Tabs and panels without role/aria-label/data-tab: only their order ties them."""
    return re.sub(r'\s(?:role|aria-label|data-tab)="[^"]*"', "", html)


# -- the reference page -------------------------------------------------------


# Parsed in each test, not once a module: mutmut (TESTING.md) runs for a mutant only the
# tests that called the mutated code, and a shared parse is called in the first test only.
@pytest.fixture
def reference() -> AnswerPage:
    return parse_page(REFERENCE_BYTES, PAGE_URL)


@pytest.mark.parametrize("field", list(EXPECTED))
def test_reference_page_reproduces_expected_field(reference: AnswerPage, field: str) -> None:
    """Each field of expected.json, compared on its own so a failure names the field."""
    assert reference.to_record()[field] == EXPECTED[field]


def test_reference_page_extras(reference: AnswerPage) -> None:
    """The fields beyond expected.json: markdown, sidebar links, provenance."""
    assert reference.answer_markdown == EXPECTED["answer_text"]
    assert reference.view_count_approximate is False
    assert reference.sidebar_links == REFERENCE_SIDEBAR_LINKS
    assert reference.profile == "csdn-answer"
    assert reference.parser_version >= 1


def test_reference_page_str_and_bytes_agree(reference: AnswerPage) -> None:
    assert parse_page(REFERENCE_HTML, PAGE_URL) == reference


def test_links_to_follow_are_related_then_sidebar(reference: AnswerPage) -> None:
    assert reference.links_to_follow() == [
        "https://wenku.csdn.net/answer/8d3jq0w5pe",
        "https://wenku.csdn.net/answer/5tn1yh6c2a",
        "https://wenku.csdn.net/answer/3x8kq1v0zb",
        "https://wenku.csdn.net/answer/7mplw2c9ta",
        "https://wenku.csdn.net/answer/0q9rn4e6hs",
    ]


def test_canonical_url_of_reference_page() -> None:
    assert canonical_url(REFERENCE_BYTES) == PAGE_URL


def test_empty_url_falls_back_to_canonical_link() -> None:
    page = choose_profile("", name="csdn-answer").parse(REFERENCE_BYTES, "")
    assert page.url == PAGE_URL
    assert page.id == "2kxyq3m7vd"


# -- qarchive parse -----------------------------------------------------------


def test_cli_parse_prints_expected_record_using_canonical_link() -> None:
    """Without --url the page's <link rel=canonical> names it."""
    result = CliRunner().invoke(cli, ["parse", str(REFERENCE_PATH)])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert {name: record[name] for name in EXPECTED} == EXPECTED


def test_cli_parse_with_url_uses_that_url(tmp_path: Path) -> None:
    url = "http://127.0.0.1:8765/answer/2kxyq3m7vd"
    result = CliRunner().invoke(cli, ["parse", str(REFERENCE_PATH), "--url", url])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["url"] == url
    assert record["title"] == EXPECTED["title"]


def test_cli_parse_in_a_real_process() -> None:
    """The installed entry point's function, run as a user runs it: JSON on stdout, exit 0."""
    completed = subprocess.run(
        [sys.executable, "-c", "from qarchive.cli import cli; cli()", "parse", str(REFERENCE_PATH)],
        cwd=REPO, capture_output=True, check=False, timeout=60,
    )
    assert completed.returncode == 0, completed.stderr.decode()
    record = json.loads(completed.stdout.decode("utf-8"))
    assert {name: record[name] for name in EXPECTED} == EXPECTED


def _write(tmp_path: Path, name: str, body: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(body.encode("utf-8") if isinstance(body, str) else body)
    return path


_ANSWER_OPENED = REFERENCE_HTML.index('answer-content">') + len('answer-content">')


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda tmp: [str(tmp / "missing.html")], "cannot read"),
        (lambda tmp: [str(_write(tmp, "blank.html", ""))], "no --url"),
        (
            lambda tmp: [str(_write(tmp, "404.html", SOFT_404)), "--url", PAGE_URL],
            "soft 404",
        ),
        (
            lambda tmp: [str(_write(tmp, "blog.html", REFERENCE_HTML)),
                         "--url", "https://blog.csdn.net/someone/article/details/123"],
            "no site profile",
        ),
        (
            # Cut inside <head>: the body is missing altogether.
            lambda tmp: [str(_write(tmp, "cut.html", REFERENCE_HTML[:300])), "--url", PAGE_URL],
            "cut.html: empty page",
        ),
        (
            # Cut right after the answer's opening tag: title and labels, no answer.
            lambda tmp: [str(_write(tmp, "cut.html", REFERENCE_HTML[:_ANSWER_OPENED])),
                         "--url", PAGE_URL],
            "cut.html: no answer text (truncated page?)",
        ),
    ],
    ids=["missing-file", "no-canonical", "soft-404", "other-site", "truncated",
         "truncated-in-answer"],
)
def test_cli_parse_errors_are_one_line_without_traceback(
    tmp_path: Path, make_args, message: str
) -> None:
    """Expected failures: a one-line ``Error:`` message, exit code 1, no traceback."""
    result = CliRunner().invoke(cli, ["parse", *make_args(tmp_path)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    assert message and message in lines[0]
    assert "Traceback" not in result.output


def test_cli_parse_of_a_directory_is_a_usage_error(tmp_path: Path) -> None:
    """click rejects a directory before reading: one Error line, exit 2, no traceback."""
    result = CliRunner().invoke(cli, ["parse", str(tmp_path)])
    assert result.exit_code == 2
    assert [line for line in result.output.splitlines() if line.startswith("Error:")] == [
        f"Error: Invalid value for 'FILE': File '{tmp_path}' is a directory."
    ]
    assert "Traceback" not in result.output


# -- bytes decoding -----------------------------------------------------------

CHINESE = "模型训练和模型预训练的区别"


def _html(head: str = "", text: str = CHINESE) -> str:
    return f"<html><head>{head}</head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize(
    ("body", "charset"),
    [
        (codecs.BOM_UTF8 + _html().encode("utf-8"), None),
        # A BOM wins over a wrong header and a wrong meta (WHATWG encoding sniffing).
        (codecs.BOM_UTF8 + _html('<meta charset="gbk">').encode("utf-8"), "gbk"),
        (codecs.BOM_UTF16_LE + _html().encode("utf-16-le"), None),
        (codecs.BOM_UTF16_BE + _html().encode("utf-16-be"), "utf-8"),
        (_html().encode("gbk"), "gbk"),
        (_html().encode("gb18030"), "GB2312"),
        (_html('<meta charset="gbk">').encode("gbk"), None),
        (_html("<meta charset='GBK'>").encode("gbk"), None),
        (_html("<meta charset=gb2312>").encode("gbk"), None),
        (
            _html('<meta http-equiv="Content-Type" content="text/html; charset=gbk">')
            .encode("gbk"),
            None,
        ),
        (_html("<meta http-equiv=Content-Type content='text/html;charset=GBK'>").encode("gbk"),
         None),
        # The header wins over meta.
        (_html('<meta charset="utf-8">').encode("gbk"), "gbk"),
        (_html('<meta charset="gbk">').encode("utf-8"), "utf-8"),
        # A Latin-1 header on a UTF-8 body is a known server mislabel.
        (_html().encode("utf-8"), "iso-8859-1"),
        (_html().encode("utf-8"), "ISO-8859-1"),
        (_html().encode("utf-8"), "latin-1"),
        (_html().encode("utf-8"), "windows-1252"),
        # A header naming no known charset is ignored.
        (_html('<meta charset="gbk">').encode("gbk"), "no-such-charset"),
        (_html().encode("utf-8"), None),
        (_html("<meta charset=utf-8>").encode("utf-8"), None),
    ],
)
def test_decoding_finds_the_right_charset(body: bytes, charset: str | None) -> None:
    text = decode_html(body, charset=charset)
    assert CHINESE in text
    assert "\ufeff" not in text
    assert "\ufffd" not in text


def test_decoding_falls_back_to_utf8_with_replacement() -> None:
    """A stray invalid byte costs one character, not the page."""
    body = _html().encode("utf-8").replace(b"<p>", b"<p>\xff")
    text = decode_html(body)
    assert "\ufffd" + CHINESE in text


def test_wrong_header_charset_falls_through_to_meta() -> None:
    """Declared UTF-8 but really GBK (the meta says so): the meta's charset decodes it."""
    body = _html('<meta charset="gbk">').encode("gbk")
    assert CHINESE in decode_html(body, charset="utf-8")


def test_str_input_is_returned_unchanged() -> None:
    assert decode_html("<p>\ufeff文</p>", charset="gbk") == "<p>\ufeff文</p>"


@pytest.mark.parametrize(
    ("body", "charset", "is_its_utf8"),
    [
        (_html().encode("utf-8"), None, True),
        (_html("<meta charset=utf-8>").encode("utf-8"), None, True),
        (_html().encode("utf-8"), "iso-8859-1", True),  # the mislabel read as UTF-8
        (_html().encode("utf-8"), "utf8", True),
        (codecs.BOM_UTF8 + _html().encode("utf-8"), None, False),  # the text has no BOM
        (_html().encode("utf-8").replace(b"<p>", b"<p>\xff"), None, False),  # replaced
        (_html('<meta charset="gbk">').encode("gbk"), None, False),
        (_html().encode("gbk"), "gbk", False),
        (_html(), None, False),  # already text
    ],
)
def test_decoding_hands_back_the_body_only_when_it_is_the_texts_utf8(
        body: bytes | str, charset: str | None, is_its_utf8: bool) -> None:
    """lexbor is given the body as it came when the text is exactly its UTF-8."""
    text, utf8 = decode_html_source(body, charset=charset)
    assert text == decode_html(body, charset=charset)
    assert (utf8 is body) is is_its_utf8
    if utf8 is not None:
        assert text.encode("utf-8") == utf8


def _reference_as_gbk_source() -> str:
    # GBK has no ©; everything else on the page encodes.
    return REFERENCE_HTML.replace("©", "(c)")


@pytest.mark.parametrize(
    ("meta", "charset"),
    [
        ('<meta http-equiv="Content-Type" content="text/html; charset=gbk">', None),
        ('<meta charset="gbk">', None),
        ('<meta charset="utf-8">', "gbk"),  # the header beats a wrong meta
    ],
)
def test_gbk_encoded_page_parses_like_the_utf8_one(meta: str, charset: str | None) -> None:
    """Both encodings give expected.json's record (written by hand, not by the parser)."""
    source = _reference_as_gbk_source()
    body = source.replace('<meta charset="utf-8">', meta).encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")  # really GBK bytes, not UTF-8 that happens to parse
    from_gbk = parse_page(body, PAGE_URL, charset=charset)
    from_utf8 = parse_page(source.encode("utf-8"), PAGE_URL)
    for page in (from_gbk, from_utf8):
        assert record_of(page) == EXPECTED
        assert page.answer_markdown == EXPECTED["answer_text"]
        assert page.sidebar_links == REFERENCE_SIDEBAR_LINKS


@pytest.mark.parametrize("charset", ["iso-8859-1", "latin-1", "windows-1252", "utf-8", "UTF-8"])
def test_utf8_page_parses_whatever_latin_header_says(charset: str) -> None:
    page = parse_page(REFERENCE_BYTES, PAGE_URL, charset=charset)
    assert record_of(page) == EXPECTED


@pytest.mark.parametrize(
    "body",
    [
        codecs.BOM_UTF8 + REFERENCE_BYTES,
        codecs.BOM_UTF16_LE + REFERENCE_HTML.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + REFERENCE_HTML.encode("utf-16-be"),
    ],
    ids=["utf-8-bom", "utf-16-le-bom", "utf-16-be-bom"],
)
def test_page_with_bom_parses_to_expected(body: bytes) -> None:
    assert record_of(parse_page(body, PAGE_URL)) == EXPECTED


# -- labels and values on a page ----------------------------------------------


@pytest.mark.parametrize(
    ("meta", "asked_at", "views", "approximate"),
    [
        ("<span>时间: 2023-06-23 11:03:20</span><span>浏览: 76</span>",
         "2023-06-23T11:03:20+08:00", 76, False),
        ("<span>时间：2023-06-23 11:03:20</span><span>浏览：76</span>",
         "2023-06-23T11:03:20+08:00", 76, False),
        ("<span>时间 ： 2023-06-23 11:03</span><span>浏览 : 1,234</span>",
         "2023-06-23T11:03:00+08:00", 1234, False),
        ("<span><b>时间</b>：</span> 2023/06/23 09:05 <span>浏览：</span>1.2万",
         "2023-06-23T09:05:00+08:00", 12000, True),
        ("时间:2023-06-23 11:03:20 浏览:3.4w", "2023-06-23T11:03:20+08:00", 34000, True),
        ("时间: 2023-06-23 11:03:20 | 浏览: 10万+", "2023-06-23T11:03:20+08:00", 100000, True),
        ("<span>浏览：76</span><span>时间：2023-06-23 11:03:20</span>",
         "2023-06-23T11:03:20+08:00", 76, False),
        ("<span>时间: 2023-06-23 11:03:20</span>", "2023-06-23T11:03:20+08:00", None, False),
        # The count ends where the number does: trailing punctuation or words are not part of it.
        ("时间: 2023-06-23 11:03:20 浏览: 76, 收藏: 3", "2023-06-23T11:03:20+08:00", 76, False),
        ("时间：2023-06-23 11:03:20，浏览：1,234。", "2023-06-23T11:03:20+08:00", 1234, False),
        ("时间: 2023-06-23 11:03:20 浏览: 76 words", "2023-06-23T11:03:20+08:00", 76, False),
        ("时间: 2023-06-23 11:03:20 浏览: 1.2万次", "2023-06-23T11:03:20+08:00", 12000, True),
    ],
    ids=["ascii-colon", "full-width-colon", "spaced-colons-grouped", "split-label-wan",
         "w-suffix", "wan-plus", "views-first", "no-views", "comma-after", "ideographic-comma",
         "word-after", "wan-ci"],
)
def test_meta_labels_with_either_colon(
    meta: str, asked_at: str, views: int | None, approximate: bool
) -> None:
    page = parse_page(answer_page(meta=meta), PAGE_URL)
    assert page.asked_at == asked_at
    assert page.view_count == views
    assert page.view_count_approximate is approximate


def test_unreadable_time_is_a_parse_error_not_a_null() -> None:
    with pytest.raises(ParseError, match="unreadable time"):
        parse_page(answer_page(meta="时间: 2023-02-30 11:03:20 浏览: 76"), PAGE_URL)


# -- URLs, ids and profiles ---------------------------------------------------


@pytest.mark.parametrize(
    ("url", "answer_id"),
    [
        ("https://wenku.csdn.net/answer/2kxyq3m7vd", "2kxyq3m7vd"),
        ("https://wenku.csdn.net/answer/4jwajo20pn/", "4jwajo20pn"),
        ("https://wenku.csdn.net/answer/17117f7e419c4910a2c10a9762c4edc3",
         "17117f7e419c4910a2c10a9762c4edc3"),
        ("http://127.0.0.1:8765/answer/2kxyq3m7vd?from=hot#top", "2kxyq3m7vd"),
        # Any plain lowercase token is an id (REAL-SITE-EVIDENCE.md: 10, 12 and 32 are known).
        ("https://wenku.csdn.net/answer/z3rz3f2macyt", "z3rz3f2macyt"),
        ("https://wenku.csdn.net/answer/f0e072cd68ceb7d5ef38c67c44b419ba",
         "f0e072cd68ceb7d5ef38c67c44b419ba"),
        ("https://wenku.csdn.net/answer/2kxyq3m7v", "2kxyq3m7v"),
        ("https://wenku.csdn.net/answer/17117f7e419c4910a2c10a9762c4edcz",
         "17117f7e419c4910a2c10a9762c4edcz"),
        ("https://wenku.csdn.net/answer/2KXYQ3M7VD", None),  # ids are lower case
        ("https://wenku.csdn.net/answer/2kxyq3m7vd.html", None),  # not a plain token
        ("https://wenku.csdn.net/answer/z3rz3f2m-cyt", None),
        ("https://wenku.csdn.net/answer/", None),
        ("https://wenku.csdn.net/answer/" + "a" * 65, None),  # longer than any id
        ("https://wenku.csdn.net/answer/2kxyq3m7vd/comments", None),
        ("https://wenku.csdn.net/doc/6412b6e0be7fbd1778d484b2", None),
        ("https://blog.csdn.net/x/article/details/123", None),
    ],
)
def test_answer_id_from_url_shapes(url: str, answer_id: str | None) -> None:
    assert answer_id_from_url(url) == answer_id


@pytest.mark.parametrize(
    "url",
    [
        "https://wenku.csdn.net/answer/17117f7e419c4910a2c10a9762c4edc3",
        "http://127.0.0.1:8765/answer/17117f7e419c4910a2c10a9762c4edc3",
        "http://127.0.0.1:8765/answer/4jwajo20pn",
    ],
)
def test_page_id_comes_from_its_url_of_either_shape(url: str) -> None:
    page = parse_page(REFERENCE_BYTES, url)
    assert page.url == url
    assert page.id == url.rsplit("/", 1)[1]
    assert page.title == EXPECTED["title"]


def test_local_sample_site_gets_the_csdn_profile_by_path_shape() -> None:
    url = "http://127.0.0.1:8765/answer/2kxyq3m7vd"
    assert choose_profile(url).name == "csdn-answer"
    page = parse_page(REFERENCE_BYTES, url)
    assert page.profile == "csdn-answer"
    assert page.url == url
    # Absolute links on the page stay as written: only relative ones follow the host.
    assert record_of(page) | {"url": PAGE_URL} == EXPECTED


def test_named_profile_is_used_without_url_matching() -> None:
    page = parse_page(REFERENCE_BYTES, "http://mirror.test/answer/2kxyq3m7vd",
                      profile="csdn-answer")
    assert page.profile == "csdn-answer"
    assert page.title == EXPECTED["title"]


@pytest.mark.parametrize(
    "url",
    [
        "https://blog.csdn.net/someone/article/details/131234567",
        "https://wenku.csdn.net/doc/6412b6e0be7fbd1778d484b2",
        "https://wenku.csdn.net/",
        "not a url",
        "",
    ],
)
def test_unknown_url_shape_raises_unknown_profile(url: str) -> None:
    with pytest.raises(UnknownProfile) as caught:
        parse_page(REFERENCE_BYTES, url)
    assert isinstance(caught.value, ParseError)
    assert caught.value.reason


def test_unknown_profile_name_is_a_parse_error() -> None:
    with pytest.raises(UnknownProfile, match="csdn-answer"):
        parse_page(REFERENCE_BYTES, PAGE_URL, profile="no-such-site")


def test_forced_profile_on_a_url_without_id_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="no answer id"):
        parse_page(REFERENCE_BYTES, "https://wenku.csdn.net/doc/1", profile="csdn-answer")


RELATED_BLOCK = """<div class="related-questions"><div class="block-title">相关问题</div><ul>
<li><a href="{first}">第一个问题</a><div>第一个回答</div></li>
<li><a href="{second}">第二个问题</a><div>第二个回答</div></li>
</ul></div>"""


@pytest.mark.parametrize(
    ("page_url", "first", "second", "first_url", "second_url"),
    [
        ("https://wenku.csdn.net/answer/2kxyq3m7vd", "/answer/8d3jq0w5pe",
         "//wenku.csdn.net/answer/17117f7e419c4910a2c10a9762c4edc3",
         "https://wenku.csdn.net/answer/8d3jq0w5pe",
         "https://wenku.csdn.net/answer/17117f7e419c4910a2c10a9762c4edc3"),
        ("http://127.0.0.1:8765/answer/2kxyq3m7vd", "/answer/8d3jq0w5pe",
         "//127.0.0.1:8765/answer/5tn1yh6c2a",
         "http://127.0.0.1:8765/answer/8d3jq0w5pe", "http://127.0.0.1:8765/answer/5tn1yh6c2a"),
        ("http://127.0.0.1:8765/answer/2kxyq3m7vd", "8d3jq0w5pe", "../answer/5tn1yh6c2a",
         "http://127.0.0.1:8765/answer/8d3jq0w5pe", "http://127.0.0.1:8765/answer/5tn1yh6c2a"),
    ],
    ids=["root-and-protocol-relative", "local-site", "path-relative"],
)
def test_related_links_resolved_against_page_url(
    page_url: str, first: str, second: str, first_url: str, second_url: str
) -> None:
    page = parse_page(
        answer_page(after=RELATED_BLOCK.format(first=first, second=second)), page_url
    )
    assert [(q.position, q.url, q.id, q.title, q.answer_text) for q in page.related_questions] == [
        (1, first_url, first_url.rsplit("/", 1)[1], "第一个问题", "第一个回答"),
        (2, second_url, second_url.rsplit("/", 1)[1], "第二个问题", "第二个回答"),
    ]


def test_related_question_listed_twice_is_kept_once() -> None:
    page = parse_page(
        answer_page(after=RELATED_BLOCK.format(first="/answer/8d3jq0w5pe",
                                               second="/answer/8d3jq0w5pe")),
        PAGE_URL,
    )
    assert [q.id for q in page.related_questions] == ["8d3jq0w5pe"]


def test_recommended_relative_links_are_resolved() -> None:
    after = """<div class="recommend-box"><div class="tabs">
<span>相关推荐</span><span>最新推荐</span></div>
<div><a href="/doc/6412b6e0be7fbd1778d484b2"><img src="//img.test/PDF.png">
<div>标题</div><div>描述</div></a></div>
<div><a href="//download.csdn.net/download/a/1"><img src="/ZIP.png">
<div>下载</div></a></div></div>"""
    page = parse_page(answer_page(after=after), "http://127.0.0.1:8765/answer/2kxyq3m7vd")
    assert [(r.section, r.url, r.kind, r.file_type) for r in page.recommended_resources] == [
        ("related", "http://127.0.0.1:8765/doc/6412b6e0be7fbd1778d484b2", "doc", "pdf"),
        ("latest", "http://download.csdn.net/download/a/1", "download", "zip"),
    ]


# -- tab panels, sidebar, scripts -----------------------------------------------


def _sections(page: AnswerPage) -> list[tuple[str, int, str]]:
    return [(r.section, r.position, r.title) for r in page.recommended_resources]


EXPECTED_SECTIONS = [
    (item["section"], item["position"], item["title"]) for item in EXPECTED["recommended_resources"]
]


@pytest.mark.parametrize(
    "transform",
    [
        lambda html: html,
        drop_tab_attributes,
        rename_classes,
        lambda html: rename_classes(drop_tab_attributes(html)),
        lambda html: rename_classes(drop_tab_attributes(html), prefix="v2_"),
    ],
    ids=["reference", "no-tab-attributes", "renamed-classes", "neither", "other-prefix"],
)
def test_items_go_to_the_panel_they_sit_in(transform) -> None:
    """Both tab labels stand before both panels: the panel decides related vs latest."""
    page = parse_page(transform(REFERENCE_HTML), PAGE_URL)
    assert _sections(page) == EXPECTED_SECTIONS


def _empty_panel(html: str, section: str) -> str:
    """The reference page with one tab panel's items removed (the panel itself stays)."""
    start = html.index(f'<div class="recommend-panel" role="tabpanel" data-tab="{section}"')
    open_end = html.index(">", start) + 1
    items_end = html.index("</a></div>\n</div>", open_end) + len("</a></div>\n")
    return html[:open_end] + "\n" + html[items_end:]


@pytest.mark.parametrize("empty", ["related", "latest"])
@pytest.mark.parametrize("transform", [lambda html: html, drop_tab_attributes],
                         ids=["with-attributes", "by-order"])
def test_empty_tab_panel_leaves_the_other_section_intact(empty: str, transform) -> None:
    html = transform(_empty_panel(REFERENCE_HTML, empty))
    page = parse_page(html, PAGE_URL)
    assert _sections(page) == [entry for entry in EXPECTED_SECTIONS if entry[0] != empty]


def test_tab_panels_named_by_aria_label_in_reverse_order() -> None:
    """When panels name their tab, the name wins over the order."""
    after = """<div><div><span>相关推荐</span><span>最新推荐</span></div>
<div aria-label="最新推荐"><a href="/doc/b"><div>最新一</div></a></div>
<div aria-label="相关推荐"><a href="/doc/a"><div>相关一</div></a></div></div>"""
    page = parse_page(answer_page(after=after), PAGE_URL)
    assert sorted(_sections(page)) == [("latest", 1, "最新一"), ("related", 1, "相关一")]


def test_tab_bar_links_and_javascript_links_are_not_resources() -> None:
    after = """<div><div><a href="javascript:;">相关推荐</a><a href="#latest">最新推荐</a></div>
<div><a href="javascript:void(0)"><div>不是资源</div></a>
<a href="/doc/a"><div>相关一</div></a></div>
<div><a href="#"><div>锚点</div></a></div></div>"""
    page = parse_page(answer_page(after=after), PAGE_URL)
    assert _sections(page) == [("related", 1, "相关一")]


def test_javascript_link_in_any_case_is_not_a_resource() -> None:
    """Schemes are case-insensitive: ``JavaScript:`` is skipped and does not use a position."""
    after = """<div><div><span>相关推荐</span><span>最新推荐</span></div>
<div><a href="JavaScript:void(0)"><div>不是资源</div></a>
<a href="/doc/a"><div>相关一</div></a></div>
<div><a href="mailto:a@b.c"><div>邮件</div></a></div></div>"""
    page = parse_page(answer_page(after=after), PAGE_URL)
    assert _sections(page) == [("related", 1, "相关一")]


def test_related_heading_nested_in_a_wrapper_still_finds_its_section() -> None:
    """A redesign that wraps the label one level deeper still finds the related questions."""
    after = """<section><div class="hd"><h3>相关问题</h3></div><ul>
<li><a href="/answer/8d3jq0w5pe">Q</a><p>A</p></li></ul></section>"""
    page = parse_page(answer_page(after=after), PAGE_URL)
    assert [(r.id, r.title, r.answer_text) for r in page.related_questions] == [
        ("8d3jq0w5pe", "Q", "A")
    ]


def test_tab_labels_in_a_list_still_assign_panels_by_order() -> None:
    after = """<div><div class="head"><ul>
<li><a>相关推荐</a></li><li><a>最新推荐</a></li></ul></div>
<div><div><a href="/doc/a"><div>相关一</div></a></div>
<div><a href="/doc/b"><div>最新一</div></a></div>
</div></div>"""
    page = parse_page(answer_page(after=after), PAGE_URL)
    assert _sections(page) == [("related", 1, "相关一"), ("latest", 1, "最新一")]


def test_no_recommend_box_means_no_resources() -> None:
    page = parse_page(answer_page(), PAGE_URL)
    assert page.recommended_resources == []
    assert page.related_questions == []
    assert page.sidebar_links == []


@pytest.mark.parametrize("transform", [lambda html: html, rename_classes],
                         ids=["reference", "renamed-classes"])
def test_sidebar_hot_questions_are_never_related_questions(transform) -> None:
    page = parse_page(transform(REFERENCE_HTML), PAGE_URL)
    related_urls = {q.url for q in page.related_questions}
    assert len(page.sidebar_links) == 3
    assert related_urls.isdisjoint(page.sidebar_links)
    assert all("answer/" in url for url in page.sidebar_links)


def test_sidebar_before_related_block_stays_in_sidebar() -> None:
    """Page order does not matter: a 热门问答 box first still is not 相关问题."""
    sidebar = """<aside><div>热门问答</div><ul>
<li><a href="/answer/3x8kq1v0zb">热门一</a></li></ul></aside>"""
    html = answer_page(after=sidebar + RELATED_BLOCK.format(first="/answer/8d3jq0w5pe",
                                                            second="/answer/5tn1yh6c2a"))
    page = parse_page(html, PAGE_URL)
    assert [q.id for q in page.related_questions] == ["8d3jq0w5pe", "5tn1yh6c2a"]
    assert page.sidebar_links == ["https://wenku.csdn.net/answer/3x8kq1v0zb"]


def test_script_text_is_never_content() -> None:
    """Scripts that repeat the title, labels and a fake answer are invisible to the parser."""
    scripts = """<script>
window.__NUXT__={title:"脚本标题",t:"时间: 1999-01-01 00:00:00",v:"浏览: 5"}</script>
<script>
var i18n={a:"相关问题",b:"相关推荐",c:"最新推荐",d:"热门问答",e:"时间: ",f:"浏览: "};</script>
<template><h1>模板标题</h1></template><noscript><p>请登录</p></noscript>"""
    html = REFERENCE_HTML.replace("<body>", "<body>" + scripts, 1)
    page = parse_page(html, PAGE_URL)
    assert record_of(page) == EXPECTED
    assert "脚本" not in json.dumps(page.to_record(), ensure_ascii=False)


def test_page_whose_only_labels_are_in_scripts_is_not_an_answer() -> None:
    html = """<html><body><div id="__nuxt"></div>
<script>window.__NUXT__={title:"模型训练",time:"时间: 2023-06-23 11:03:20",view:"浏览: 76"}</script>
</body></html>"""
    with pytest.raises(ParseError):
        parse_page(html, PAGE_URL)


# -- redesign: labels first, classes second -------------------------------------


@pytest.mark.parametrize("prefix", ["x-", "new_", "a1b2-"])
def test_redesigned_page_with_every_class_renamed_gives_the_same_record(prefix: str) -> None:
    html = rename_classes(REFERENCE_HTML, prefix)
    classes = " ".join(re.findall(r'class="([^"]*)"', html)).split()
    assert classes and all(name.startswith(prefix) for name in classes)
    page = parse_page(html, PAGE_URL)
    assert record_of(page) == EXPECTED
    assert page.answer_markdown == EXPECTED["answer_text"]
    assert page.sidebar_links == REFERENCE_SIDEBAR_LINKS


def test_redesigned_page_without_classes_at_all() -> None:
    html = re.sub(r'\sclass="[^"]*"', "", drop_tab_attributes(REFERENCE_HTML))
    assert record_of(parse_page(html, PAGE_URL)) == EXPECTED


# -- pages that are not answers -----------------------------------------------

SOFT_404 = """<!DOCTYPE html><html><head><title>页面不存在-CSDN文库</title></head><body>
<div class="toolbar"><a href="https://passport.csdn.net/login">登录</a></div>
<div class="error-page"><img src="/404.png" alt="404"><h1>页面不存在</h1>
<p>您访问的页面不存在或已被删除</p><a href="https://wenku.csdn.net/">返回首页</a></div>
<div class="hot-box"><div>热门问答</div><a href="/answer/3x8kq1v0zb">热门</a></div>
</body></html>"""

SOFT_404_NO_H1 = """<html><body><div class="empty"><p>抱歉,页面不存在</p></div></body></html>"""

LOGIN_WALL = """<!DOCTYPE html><html><body>
<div class="login-mask"><h1>模型训练和模型预训练的区别</h1>
<div class="login-box"><p>请登录后查看完整答案</p><button>扫码登录</button></div></div>
</body></html>"""

BLOG_PAGE = """<!DOCTYPE html><html><head><link rel="canonical"
href="https://blog.csdn.net/someone/article/details/131234567"></head><body>
<article class="blog-content-box"><h1 class="title-article">PyTorch 预训练模型加载</h1>
<div class="article-info-box"><span class="time">于 2023-06-23 11:03:20 发布</span>
<span class="read-count">阅读量1.2w</span></div>
<div id="content_views"><p>正文……</p></div></article></body></html>"""


def _cut_after_meta(html: str) -> str:
    meta = html.index('<div class="answer-meta">')
    return html[: html.index("\n", meta) + 1]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (SOFT_404, "soft 404"),
        (SOFT_404_NO_H1, "soft 404"),
        (LOGIN_WALL, "login wall"),
        (BLOG_PAGE, "not an answer page"),
        (_cut_after_meta(REFERENCE_HTML), "no answer text"),
        (REFERENCE_HTML[: REFERENCE_HTML.index("<body>")], "empty page"),
        ("", "empty page"),
        (b"", "empty page"),
        ("<html><body>   \n </body></html>", "empty page"),
        ("just some text", "not an answer page"),
        (answer_page(meta="<span>浏览: 76</span>"), "no 时间 label"),
        (answer_page(answer=""), "no answer text"),
        (answer_page(answer="<p>  </p>"), "no answer text"),
    ],
    ids=["soft-404", "soft-404-no-h1", "login-wall", "blog-layout", "truncated-after-meta",
         "head-only", "empty-str", "empty-bytes", "whitespace-body", "plain-text", "no-time",
         "no-answer", "blank-answer"],
)
def test_non_answer_pages_raise_parse_error_with_reason(body: str | bytes, reason: str) -> None:
    """Never a half-empty record: a ParseError whose reason says what is missing."""
    with pytest.raises(ParseError) as caught:
        parse_page(body, PAGE_URL)
    assert reason in caught.value.reason
    assert caught.value.url == PAGE_URL
    assert "\n" not in caught.value.reason


def test_truncated_page_from_a_canonical_link_still_fails_cleanly() -> None:
    """A cut page parsed with no URL: the canonical link names it, the missing answer fails it."""
    with pytest.raises(ParseError, match="no answer text"):
        choose_profile("", name="csdn-answer").parse(_cut_after_meta(REFERENCE_HTML), "")


def test_page_without_url_or_canonical_link_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="no answer id"):
        choose_profile("", name="csdn-answer").parse(answer_page(), "")
