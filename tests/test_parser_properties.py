"""Property-based: whatever bytes arrive, the parser answers with a record or a ParseError.

A crawler stores pages it has not seen; a parser that raises IndexError on a
truncated download would stop a reparse of the whole archive. Each property
feeds the real parser random input or a damaged copy of the reference page.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import AnswerPage, ParseError, canonical_url, decode_html, parse_page
from parsers.values import parse_timestamp, parse_view_count

REFERENCE_PATH = Path(__file__).parent / "fixtures" / "answer-2kxyq3m7vd.html"
REFERENCE_HTML = REFERENCE_PATH.read_text(encoding="utf-8")
REFERENCE_BYTES = REFERENCE_PATH.read_bytes()
PAGE_URL = "https://wenku.csdn.net/answer/2kxyq3m7vd"

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
CHARSETS = st.sampled_from([None, "utf-8", "gbk", "iso-8859-1", "utf-16", "bogus", ""])


def parses_or_refuses(body: bytes | str, *, charset: str | None = None,
                      url: str = PAGE_URL) -> AnswerPage | None:
    """The contract: a record with a title and id, or ParseError. Anything else fails the test."""
    try:
        page = parse_page(body, url, charset=charset)
    except ParseError as error:
        assert error.reason.strip()
        return None
    assert isinstance(page, AnswerPage)
    assert page.title.strip()
    assert page.id
    assert page.asked_at is not None
    assert page.answer_text or page.answer_markdown
    assert [r.position for r in page.related_questions] == list(
        range(1, len(page.related_questions) + 1)
    )
    for section in ("related", "latest"):
        positions = [r.position for r in page.recommended_resources if r.section == section]
        assert positions == list(range(1, len(positions) + 1))
    return page


# -- random input ---------------------------------------------------------------


@SETTINGS
@given(body=st.binary(max_size=2000), charset=CHARSETS)
def test_random_bytes_never_crash(body: bytes, charset: str | None) -> None:
    parses_or_refuses(body, charset=charset)
    assert isinstance(decode_html(body, charset=charset), str)
    canonical_url(body, charset=charset)


@SETTINGS
@given(body=st.text(max_size=2000))
def test_random_text_never_crashes(body: str) -> None:
    parses_or_refuses(body)


HTML_PIECES = st.sampled_from([
    "<h1>", "</h1>", "标题", "时间:", "时间：", " 2023-06-23 11:03:20", " 2023-02-30 11:03",
    "浏览:", "浏览：", " 76", " 1.2万", " 10万+", " 1.5", "<p>", "</p>", "答案", "<div>",
    "</div>", "<ul>", "<li>", "</ul>", "<pre><code class='language-python'>", "</code></pre>",
    "<table><tr><td>", "</td></tr></table>", "相关问题", "相关推荐", "最新推荐", "热门问答",
    "<a href='/answer/8d3jq0w5pe'>", "<a href='//x/answer/17117f7e419c4910a2c10a9762c4edc3'>",
    "<a href='javascript:alert(1)'>", "<a href=''>", "</a>", "<img src='/PDF.png'>",
    "<script>", "</script>", "<!--", "-->", "<template>", "页面不存在", "请登录", "\x00", "&amp;",
    "<ol start='x'>", "<ol start='999999999999'>", "<br>", "<blockquote>",
])


@SETTINGS
@given(pieces=st.lists(HTML_PIECES, max_size=60))
def test_random_label_soup_never_crashes(pieces: list[str]) -> None:
    """HTML built from the page's own labels and tags in random order."""
    parses_or_refuses("<html><body>" + "".join(pieces) + "</body></html>")


# -- a damaged reference page -------------------------------------------------------


@SETTINGS
@given(cut=st.integers(min_value=0, max_value=len(REFERENCE_BYTES)))
def test_reference_truncated_anywhere(cut: int) -> None:
    """A download cut at any byte (even inside a UTF-8 sequence) parses or is refused."""
    parses_or_refuses(REFERENCE_BYTES[:cut])


@SETTINGS
@given(data=st.data())
def test_reference_with_random_slices_deleted(data: st.DataObject) -> None:
    body = REFERENCE_HTML
    for _ in range(data.draw(st.integers(min_value=1, max_value=5))):
        if not body:
            break
        start = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
        length = data.draw(st.integers(min_value=1, max_value=2000))
        body = body[:start] + body[start + length :]
    parses_or_refuses(body)


@SETTINGS
@given(data=st.data())
def test_reference_with_random_tags_removed(data: st.DataObject) -> None:
    """Opening or closing tags dropped at random: unbalanced markup, shifted structure."""
    tags = [m.span() for m in re.finditer(r"<[^>]+>", REFERENCE_HTML)]
    chosen = sorted(set(data.draw(st.lists(st.sampled_from(tags), min_size=1, max_size=40))))
    body, offset = REFERENCE_HTML, 0
    for start, end in chosen:
        body = body[: start - offset] + body[end - offset :]
        offset += end - start
    parses_or_refuses(body)


@SETTINGS
@given(
    flips=st.lists(
        st.tuples(st.integers(min_value=0, max_value=len(REFERENCE_BYTES) - 1),
                  st.integers(min_value=1, max_value=255)),
        min_size=1, max_size=30,
    ),
    charset=CHARSETS,
)
def test_reference_with_bytes_flipped(flips: list[tuple[int, int]], charset: str | None) -> None:
    body = bytearray(REFERENCE_BYTES)
    for index, mask in flips:
        body[index] ^= mask
    parses_or_refuses(bytes(body), charset=charset)


@SETTINGS
@given(
    position=st.integers(min_value=0, max_value=len(REFERENCE_HTML)),
    insert=st.text(max_size=50) | HTML_PIECES,
)
def test_reference_with_text_inserted(position: int, insert: str) -> None:
    parses_or_refuses(REFERENCE_HTML[:position] + insert + REFERENCE_HTML[position:])


@SETTINGS
@given(url=st.text(max_size=80) | st.from_regex(r"\Ahttps?://[a-z0-9.:]{1,20}/answer/[a-z0-9]{10}\Z"))
def test_any_url_parses_or_refuses(url: str) -> None:
    """Odd URLs (no scheme, spaces, unknown shapes) end in a record or a ParseError."""
    page = parses_or_refuses(REFERENCE_BYTES, url=url)
    if page is not None and url:
        assert page.url == url


# -- values -------------------------------------------------------------------------


@SETTINGS
@given(text=st.text(max_size=30))
def test_view_count_never_raises(text: str) -> None:
    result = parse_view_count(text)
    assert result is None or (result[0] >= 0 and isinstance(result[1], bool))


@SETTINGS
@given(number=st.integers(min_value=0, max_value=10**12))
def test_plain_and_grouped_counts_round_trip(number: int) -> None:
    assert parse_view_count(str(number)) == (number, False)
    assert parse_view_count(f"{number:,}") == (number, False)


@SETTINGS
@given(tenths=st.integers(min_value=0, max_value=10**6), unit=st.sampled_from(["万", "w", "W"]))
def test_wan_counts_are_exact(tenths: int, unit: str) -> None:
    shown = f"{tenths // 10}.{tenths % 10}{unit}"
    assert parse_view_count(shown) == (tenths * 1000, True)


@SETTINGS
@given(text=st.text(max_size=40))
def test_timestamp_never_raises(text: str) -> None:
    result = parse_timestamp(text)
    assert result is None or result.endswith("+08:00")


@SETTINGS
@given(moment=st.datetimes(min_value=datetime(1000, 1, 1)), seconds=st.booleans())
def test_every_real_time_round_trips(moment: datetime, seconds: bool) -> None:
    shown = moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    expected = moment.replace(microsecond=0, second=moment.second if seconds else 0)
    assert parse_timestamp(shown) == expected.strftime("%Y-%m-%dT%H:%M:%S+08:00")


# -- hostile input: deep nesting, odd attributes, floods of links, unicode digits ----

# Digits str.isdigit() accepts but int() refuses or reads otherwise: superscripts,
# Arabic-Indic, fullwidth, circled; and numbers past int()'s 4,300-digit limit.
ODD_NUMBERS = st.sampled_from(["²", "³", "¹²", "١٢", "１２", "①", "٣.٥万", "９" * 3, "7" * 4_400,
                               "1." + "5" * 4_400 + "万", "-1", "0x10", "1e9", "∞", ""])
HOSTILE_PIECES = st.one_of(
    HTML_PIECES,
    ODD_NUMBERS.map(lambda number: f"<ol start='{number}'><li>项</li>"),
    ODD_NUMBERS.map(lambda number: f"浏览: {number}"),
    ODD_NUMBERS.map(lambda number: f"时间: {number}-06-23 11:03"),
    st.tuples(st.sampled_from(["div", "span", "b", "ul><li", "blockquote", "table><tr><td", "p"]),
              st.integers(min_value=1, max_value=3_000)).map(
        lambda kind: f"<{kind[0]}>" * kind[1]),
    st.integers(min_value=1, max_value=3_000).map(
        lambda count: "".join(f"<a href='/answer/{n:010d}'>q{n}</a>" for n in range(count))),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(HOSTILE_PIECES, max_size=12))
def test_hostile_soup_never_crashes(pieces: list[str]) -> None:
    """Deep nesting, odd attribute numbers and floods of links, mixed with the page's labels."""
    parses_or_refuses("<html><body>" + "".join(pieces) + "</body></html>")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer=st.lists(HOSTILE_PIECES, min_size=1, max_size=8),
       views=ODD_NUMBERS | st.text(alphabet="0123456789,.万wk+²١１ ", max_size=12))
def test_reference_with_hostile_answer_and_views(answer: list[str], views: str) -> None:
    """The reference page, its answer replaced by hostile markup and its view count by odd text."""
    start = REFERENCE_HTML.index("<p>模型预训练")
    end = REFERENCE_HTML.index("</p>", start) + len("</p>")
    body = REFERENCE_HTML[:start] + "".join(answer) + REFERENCE_HTML[end:]
    parses_or_refuses(body.replace("</span> 76</span>", f"</span> {views}</span>"))


@SETTINGS
@given(text=ODD_NUMBERS | st.text(alphabet="0123456789,.万wWkK千亿+²³١٢１２ \u3000", max_size=60))
def test_view_count_of_odd_digits_never_raises(text: str) -> None:
    result = parse_view_count(text)
    assert result is None or (result[0] >= 0 and isinstance(result[1], bool))
    if result is not None:
        assert text.strip()[0] in "0123456789"
