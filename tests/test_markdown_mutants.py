"""Tests that kill surviving mutants of the parser code changed since the first mutation
round (issue #16): the Markdown walk (its text-only mode), decoding with the body kept,
the record model's answers, profile choice by host and body, the text helpers (see
TESTING.md). Literal pages; every expected value is written by hand."""

from __future__ import annotations

import re

import pytest
from selectolax.lexbor import LexborHTMLParser

from parsers import Answer, AnswerPage, RelatedQuestion, UnknownProfile, choose_profile
from parsers import profile as profile_module
from parsers.decoding import decode_html, decode_html_source
from parsers.markdown import render_answer
from parsers.profile import has_qa_markup, parse_page
from parsers.text import delete_chars

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
        # too deep to walk: read flat, with its line breaks
        ("<div>" * DEEP + "<p>a<br>b</p>" + "</div>" * DEEP, "a\nb"),
        ("<p>" + "<span>" * DEEP + "c<br>d" + "</span>" * DEEP + "</p>", "c\nd"),
    ],
)
def test_the_text_alone_is_the_text_with_no_markdown(html: str, text: str) -> None:
    # markdown=False (csdn.py and markdown_source.py read the text alone): the same text
    # as a full rendering, and no Markdown at all, whatever the blocks (a code block, a
    # rule, a quote, a heading, a block too deep to walk once gave Markdown here).
    assert render(html, markdown=False) == (text, "")
    assert render(html)[0] == text


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        # a run with nothing to escape is its text, tidied
        ("<p>  plain   words\n here </p>", "plain words\nhere"),  # a line break kept
        ("<p>a <b> </b> b</p>", "a b"),
        ("<p>x <a href='/t'><b>y</b> z</a></p>", "x [**y** z](https://wenku.csdn.net/t)"),
        ("<p><a href='javascript:x()'>y_z</a></p>", "y\\_z"),
        ("<p><strike>gone</strike> <s>too</s></p>", "~~gone~~ ~~too~~"),
        ("<p><img src='/i.png' alt='a*b'></p>", "![a\\*b](https://wenku.csdn.net/i.png)"),
        ("<p><img alt='none'></p>", ""),
        ("<p>c: <code>a`b</code></p>", "c: ``a`b``"),
        ("<ol start='9'><li>one<br>two</li><li>three<ul><li>x<br>y</li></ul></li></ol>",
         "9. one\n   two\n10. three\n    - x\n      y"),
        ("<ul><li>code<pre><code>a\nb</code></pre></li></ul>", "- code\n  ```\n  a\n  b\n  ```"),
        ("<table><tr><td>a|b<br>c</td></tr><tr><td>1</td><td>2</td></tr></table>",
         "| a\\|b c |  |\n| --- | --- |\n| 1 | 2 |"),
        ("<h1>a<br>b</h1><h6>six</h6>", "# a b\n\n###### six"),
        ("<blockquote><p>a</p><ul><li>b</li></ul></blockquote>", "> a\n>\n> - b"),
        ("<pre class='lang-c++'>int x;</pre>", "```c++\nint x;\n```"),
        ("<p>t</p><hr><p>u</p>", "t\n\n---\n\nu"),
        ("<div>" * DEEP + "<p>a *b*</p>" + "</div>" * DEEP, "a \\*b\\*"),
        ("<p>" + "<span>" * DEEP + "<b>c_d</b>" + "</span>" * DEEP + "</p>", "c\\_d"),
        ("<p>" + "<span>" * DEEP + "e<br>*f*" + "</span>" * DEEP + "</p>", "e\n\\*f\\*"),
    ],
)
def test_markdown_written_by_hand(html: str, markdown: str) -> None:
    assert render(html)[1] == markdown


# -- decoding, with the body kept when it is the text's UTF-8 ------------------------------

@pytest.mark.parametrize(
    ("body", "charset", "text", "kept"),
    [
        ("<p>é</p>", None, "<p>é</p>", False),  # already text
        (b"\xef\xbb\xbf<p>\xc3\xa9</p>", None, "<p>é</p>", False),  # a BOM is not the text
        (b"\xff\xfe<\x00p\x00>\x00", None, "<p>", False),
        (b"<p>\xc3\xa9</p>", "utf-8", "<p>é</p>", True),
        (b"<p>\xc3\xa9</p>", None, "<p>é</p>", True),  # undeclared, valid UTF-8
        (b"<p>\xc3\xa9</p>", "iso-8859-1", "<p>é</p>", True),  # mislabelled UTF-8
        (b"<p>caf\xe9</p>", "iso-8859-1", "<p>café</p>", False),  # real Latin-1
        ("<p>中文</p>".encode("gbk"), "gbk", "<p>中文</p>", False),
        (b'<meta charset="gbk"><p>\xd6\xd0</p>', None, '<meta charset="gbk"><p>中</p>', False),
        (b'<meta charset="utf-8"><p>\xe4\xb8\xad</p>', None, '<meta charset="utf-8"><p>中</p>',
         True),
        (b"<p>\xff</p>", None, "<p>\ufffd</p>", False),  # not UTF-8: replaced
        (b"<p>\xff</p>", "utf-8", "<p>\ufffd</p>", False),
        (b"<p>\xe4\xb8\xad</p>", "no-such-charset", "<p>中</p>", True),
    ],
)
def test_decode_html_source_keeps_the_body_only_when_it_is_the_texts_utf8(
    body: bytes | str, charset: str | None, text: str, kept: bool,
) -> None:
    decoded, source = decode_html_source(body, charset=charset)
    assert decoded == text
    assert source == (body if kept else None)
    assert decode_html(body, charset=charset) == text


# -- the record model -------------------------------------------------------------------------

def _page(**fields: object) -> AnswerPage:
    base: dict[str, object] = {
        "url": "https://example.org/q/1", "id": "1", "title": "t", "asked_at": None,
        "view_count": None, "answer_text": "", "answer_markdown": "",
    }
    base.update(fields)
    return AnswerPage(**base)  # type: ignore[arg-type]


def _related(position: int, url: str | None) -> RelatedQuestion:
    return RelatedQuestion(position=position, id=None, url=url, title=f"q{position}",
                           answer_text="")


def test_a_page_with_one_answer_text_has_that_answer_keyed_by_the_page() -> None:
    page = _page(id="2kxyq", answer_text="the text", answer_markdown="the *text*")
    assert page.page_answers() == [
        Answer(position=1, id="2kxyq", text="the text", markdown="the *text*")]
    assert page.to_record()["answers"] == [{
        "position": 1, "id": "2kxyq", "text": "the text", "markdown": "the *text*",
        "votes": None, "accepted": False, "author": None, "created_at": None,
    }]
    # answers given: they, and not the page's text; no answer at all: none
    given = [Answer(position=1, id="7", text="a", markdown="a", votes=3, accepted=True)]
    page = _page(answer_text="the text", answers=given)
    assert page.page_answers() == given
    assert page.page_answers() is not page.answers  # a copy: the record stays frozen
    assert page.to_record()["answers"][0]["votes"] == 3
    assert _page().page_answers() == []
    assert _page().to_record()["answers"] == []


def test_links_to_follow_are_related_then_linked_then_sidebar_once_each() -> None:
    page = _page(
        related_questions=[_related(1, "https://e.org/q/2"), _related(2, None)],
        linked_questions=[_related(1, "https://e.org/q/3"), _related(2, "https://e.org/q/2")],
        sidebar_links=["https://e.org/q/4", "https://e.org/q/3"],
    )
    assert page.links_to_follow() == ["https://e.org/q/2", "https://e.org/q/3",
                                      "https://e.org/q/4"]


# -- choosing a profile ------------------------------------------------------------------------

QA_MICRODATA = '<div itemscope itemtype="https://schema.org/QAPage">'


@pytest.mark.parametrize(
    ("body", "marked"),
    [
        (QA_MICRODATA, True),
        ('<div itemtype="http://schema.org/Question">', True),
        ('<div itemtype="http://schema.org/Questions">', False),
        ('<div itemtype="http://schema.org/Answer">', False),
        ('{"@type": "QAPage"}', True),
        ("{'@type' : [ 'Question', 'Thing']}", True),
        ('{"@type":"Article"}', False),
        ("<p>schema.org QAPage</p>", False),
    ],
)
def test_has_qa_markup_in_bytes_and_in_text(body: str, marked: bool) -> None:
    assert has_qa_markup(body) is marked
    assert has_qa_markup(body.encode()) is marked


def _qa_page(extra: str = "") -> str:
    return (f"<html><head><title>How?</title>{extra}</head><body>{QA_MICRODATA}"
            '<h1 itemprop="name">How to x?</h1>'
            '<div itemprop="mainEntity" itemscope itemtype="https://schema.org/Question">'
            '<div itemprop="text"><p>Question body</p></div></div></div></body></html>')


DISCOURSE_META = '<meta name="generator" content="Discourse 3.2.0 - https://github.com">'


def _signature_ending_at(end: int) -> str:
    """A page whose Discourse signature (up to "Discourse") ends at character ``end``,
    then QAPage markup."""
    signature = '<meta name="generator" content="Discourse'
    return " " * (end - len(signature)) + signature + ' 3.2.0">' + _qa_page()


@pytest.mark.parametrize(
    ("url", "body", "profile"),
    [
        # a host of the profile, one of "*.stackexchange.com", the bare suffix
        ("https://stackoverflow.com/questions/1/x", None, "stackexchange"),
        ("https://math.stackexchange.com/questions/1/x", None, "stackexchange"),
        ("https://meta.math.stackexchange.com/questions/1", None, "stackexchange"),
        ("https://a.stackexchange.com/questions/1", None, "stackexchange"),
        ("https://STACKOVERFLOW.com/questions/1/x", None, "stackexchange"),
        ("https://www.zhihu.com/question/1", None, "zhihu"),
        ("https://meta.discourse.org/t/a-topic/12", None, "discourse"),
        # CSDN's path alone is enough on any host
        ("http://127.0.0.1:8000/answer/2kxyq", None, "csdn-answer"),
        # another host: by the body's signature (text or bytes), else its QAPage markup
        ("https://forum.example.org/t/a-topic/12", DISCOURSE_META, "discourse"),
        ("https://forum.example.org/t/a-topic/12", DISCOURSE_META.encode(), "discourse"),
        ("https://forum.example.org/t/a-topic/12", _qa_page(), "qapage"),
        ("https://qa.example.org/questions/12", _qa_page().encode(), "qapage"),
        ("https://stackexchange.com/questions/1/x", _qa_page(), "qapage"),
        ("https://x.stackexchange.com.example.org/questions/1", _qa_page(), "qapage"),
        ("https://fakestackexchange.com/questions/1", _qa_page(), "qapage"),
        ("https://.stackexchange.com/questions/1", _qa_page(), "qapage"),  # no subdomain
        # the signature is looked for in the first 262,144 characters (bytes): its match
        # ends there at the latest
        ("https://forum.example.org/t/a-topic/12", _signature_ending_at(262_144), "discourse"),
        ("https://forum.example.org/t/a-topic/12", _signature_ending_at(262_144).encode(),
         "discourse"),
        ("https://forum.example.org/t/a-topic/12", _signature_ending_at(262_145), "qapage"),
        ("https://forum.example.org/t/a-topic/12", _signature_ending_at(262_145).encode(),
         "qapage"),
        # a page no profile's path shape fits: its markup alone
        ("https://www.zhihu.com/nothing", _qa_page(), "qapage"),
    ],
)
def test_choose_profile_by_host_path_and_body(
    url: str, body: bytes | str | None, profile: str,
) -> None:
    assert choose_profile(url, body=body).name == profile


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("https://qa.example.org/questions/12", None),  # no body to look at
        ("https://qa.example.org/questions/12", "<p>no markup</p>"),
        ("https://qa.example.org/questions/12", b"<p>no markup</p>"),
        ("https://forum.example.org/t/a-topic/12", "<p>no markup</p>"),
        ("https://www.zhihu.com/nothing", "<p>no markup</p>"),  # no profile's path
    ],
)
def test_no_profile_claims_a_page_without_its_markup(url: str, body: str | None) -> None:
    with pytest.raises(UnknownProfile, match="no site profile knows pages like") as raised:
        choose_profile(url, body=body)
    assert raised.value.url == url


def test_a_profile_that_does_not_say_path_alone_is_chosen_by_path_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A profile from before ``path_alone`` (an entry point's) keeps being chosen by its
    # path shape on any host; one that says False is not.
    class Older:
        name = "older"
        hosts: tuple[str, ...] = ("older.example.org",)
        page_path = re.compile(r"^/older/[0-9]+$")

    class Newer(Older):
        name = "newer"
        page_path = re.compile(r"^/newer/[0-9]+$")
        path_alone = False

    profiles = profile_module._profiles()
    monkeypatch.setitem(profiles, "older", Older())
    monkeypatch.setitem(profiles, "newer", Newer())
    assert choose_profile("https://mirror.example.org/older/1").name == "older"
    assert choose_profile("https://older.example.org/newer/1").name == "newer"
    with pytest.raises(UnknownProfile):
        choose_profile("https://mirror.example.org/newer/1")


def test_signatures_are_tried_by_profile_name(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two profiles whose signatures a page carries: the first by name wins, whatever
    # order they were found in; a profile without a signature is passed over.
    class Forum:
        hosts: tuple[str, ...] = ()
        page_path = re.compile(r"^/never$")
        path_alone = False

        def __init__(self, name: str, signature: re.Pattern[bytes] | None) -> None:
            self.name = name
            self.body_signature = signature

    profiles = profile_module._profiles()
    monkeypatch.setitem(profiles, "zz-forum", Forum("zz-forum", re.compile(rb"forumware")))
    monkeypatch.setitem(profiles, "aa-forum", Forum("aa-forum", re.compile(rb"forumware")))
    monkeypatch.setitem(profiles, "ab-bare", Forum("ab-bare", None))
    url = "https://forum.example.org/t/a-topic/12"
    assert choose_profile(url, body="<p>forumware</p>").name == "aa-forum"
    assert choose_profile(url, body=b"<p>forumware</p>").name == "aa-forum"
    # a case-insensitive byte signature stays case-insensitive over text
    monkeypatch.setitem(profiles, "aa-forum", Forum("aa-forum", re.compile(rb"Ware\b", re.I)))
    assert choose_profile(url, body="<p>FORUMWARE!</p>").name == "aa-forum"
    assert choose_profile(url, body="<p>FORUMWARE2 forumware2</p>").name == "zz-forum"


def test_parse_page_chooses_by_the_body_it_parses() -> None:
    page = parse_page(_qa_page().encode(), "https://qa.example.org/questions/12")
    assert (page.profile, page.title, page.question_text) == (
        "qapage", "How to x?", "Question body")
    with pytest.raises(UnknownProfile):
        parse_page(b"<p>no markup</p>", "https://qa.example.org/questions/12")


# -- text helpers -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "chars", "left"),
    [
        ("a-b_c--d", "-_", "abcd"),
        ("abc", "-_", "abc"),
        ("中-文\u200b", "\u200b-", "中文"),
        ("", "-", ""),
        ("--", "-", ""),
    ],
)
def test_delete_chars(text: str, chars: str, left: str) -> None:
    assert delete_chars(text, chars) == left
