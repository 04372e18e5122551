"""parsers/schema_org.py: qarchive's own schema.org reader gives extruct's values.

extruct (the field's library) is the reference: on every real page of
tests/fixtures/qapage/ and on small pages written here (JSON-LD lists, ``@graph``,
``@id`` references, nested microdata, ``content``/``datetime``/``href`` values) the
Question's fields and its answers' must be the same. Then the reader's bounds on
hostile pages.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser

from bench.qapage_extruct import extruct_question, no_space
from parsers.schema_org import (
    MAX_ANSWERS,
    MAX_ITEMS,
    SchemaQuestion,
    iso_time,
    qa_question,
    read_schema_org,
    schema_count,
)

FIXTURES = Path(__file__).parent / "fixtures" / "qapage"
REAL_PAGES = sorted(path.name for path in FIXTURES.glob("*.html"))
URL = "https://qa.example.org/questions/7/a-question"


def ours(html: str | bytes, url: str = URL) -> SchemaQuestion | None:
    return qa_question(read_schema_org(LexborHTMLParser(html), url))


def comparable(question: SchemaQuestion) -> dict[str, Any]:
    """Our reader's question in bench/qapage_extruct.py's shape."""
    return {
        "name": question.name and " ".join(question.name.split()),
        "text": no_space(question.text),
        "date_created": question.date_created,
        "upvote_count": question.upvote_count,
        "answer_count": question.answer_count,
        "author": question.author,
        "answers": [{"text": no_space(answer.text), "upvote_count": answer.upvote_count,
                     "date_created": answer.date_created, "author": answer.author,
                     "url": answer.url, "accepted": answer.accepted}
                    for answer in question.answers],
    }


def in_any_order(question: dict[str, Any]) -> dict[str, Any]:
    """extruct lists accepted answers before suggested ones; ours are in page order."""
    return {**question, "answers": sorted(question["answers"], key=json.dumps)}


def assert_same_as_extruct(html: str | bytes, url: str = URL) -> SchemaQuestion:
    question = ours(html, url)
    reference = extruct_question(html, url)
    assert question is not None and reference is not None
    assert in_any_order(comparable(question)) == in_any_order(reference)
    return question


# Stack Overflow marks up a question without answers with a bare <div itemscope>: no
# QAPage, no Question for either reader (the SE adapter reads the visible page).
UNTYPED = {"stackoverflow-59855666-mel-spectrum-no-answers.html"}
# Zhihu's 2015 Question item carries only visitsCount and isTopQuestion: its title and
# body are visible elements without itemprop (the Zhihu adapter reads them).
NAMELESS = {"zhihu-24825703-say-thanks-intimate.html"}


@pytest.mark.parametrize("name", REAL_PAGES)
def test_real_pages_read_as_extruct_reads_them(name: str) -> None:
    body = (FIXTURES / name).read_bytes()
    if name in UNTYPED:
        assert ours(body) is None and extruct_question(body, URL) is None
        return
    question = assert_same_as_extruct(body, "https://stackoverflow.com/questions/1")
    # Stack Exchange writes microdata, Discourse JSON-LD; Zhihu (2015) marks up a Question
    # with no properties of its own (its answers are items inside it, not its values).
    assert question.syntax == ("json-ld" if name.startswith("ionicforum") else "microdata")
    if name in NAMELESS:
        assert question.name is None and question.text is None
    else:
        assert question.name and question.text


def test_real_page_answers_come_in_page_order() -> None:
    body = (FIXTURES / "stackoverflow-49345858-progress-circle-closed.html").read_bytes()
    question = ours(body, "https://stackoverflow.com/questions/49345858")
    assert question is not None
    assert [answer.accepted for answer in question.answers] == [True, False, False]
    assert [answer.upvote_count for answer in question.answers] == [4, 6, 0]


def _json_ld(*blocks: object) -> str:
    scripts = "".join(f'<script type="application/ld+json">{json.dumps(block)}</script>'
                      for block in blocks)
    return f"<html><head>{scripts}</head><body><h1>Page</h1></body></html>"


QUESTION = {
    "@type": "Question", "name": "How do I  frobnicate?", "text": "I tried <b>this</b>.",
    "dateCreated": "2024-05-01T10:00:00+02:00", "upvoteCount": 3, "answerCount": "2",
    "author": {"@type": "Person", "name": "Ann"},
    "acceptedAnswer": {"@type": "Answer", "text": "Do that.", "upvoteCount": "5",
                       "dateCreated": "2024-05-01T11:00:00Z", "author": "Bob",
                       "url": "https://qa.example.org/questions/7/a-question#a1"},
    "suggestedAnswer": [{"@type": "Answer", "text": "Or this.", "upvoteCount": -1,
                         "author": {"@type": "Person", "name": "Cy"}}],
}


@pytest.mark.parametrize("html", [
    _json_ld({"@context": "https://schema.org", "@type": "QAPage", "mainEntity": QUESTION}),
    _json_ld([{"@type": "WebSite", "name": "x"},
              {"@context": "https://schema.org", "@type": "QAPage", "mainEntity": QUESTION}]),
    _json_ld({"@context": "https://schema.org", "@graph": [
        {"@type": "BreadcrumbList"}, {"@type": "QAPage", "mainEntity": QUESTION}]}),
    _json_ld({"@type": "BreadcrumbList"}, {"@context": "https://schema.org", **QUESTION}),
    _json_ld({"@type": "QAPage", "mainEntity": {"@id": "#q"}}, {"@id": "#q", **QUESTION},
             "not an object", {"@type": "QAPage"}),
], ids=["object", "list", "graph", "second-script", "id-reference"])
def test_json_ld_shapes(html: str) -> None:
    question = ours(html)
    assert question is not None and question.syntax == "json-ld"
    assert question.name == "How do I  frobnicate?"
    assert question.upvote_count == 3 and question.answer_count == 2
    assert question.author == "Ann"
    assert [(answer.author, answer.upvote_count, answer.accepted)
            for answer in question.answers] == [("Bob", 5, True), ("Cy", -1, False)]
    if "@id" not in html:  # extruct leaves @id references unresolved
        assert_same_as_extruct(html)


MICRODATA = """<html itemscope itemtype="https://schema.org/QAPage"><body>
<div itemprop="mainEntity" itemscope itemtype="https://schema.org/Question">
  <h1 itemprop="name">Why <em>is</em> it so?</h1>
  <meta itemprop="upvoteCount" content="12">
  <time itemprop="dateCreated" datetime="2020-01-02T03:04:05">Jan 2</time>
  <div itemprop="text"><p>Body one.</p><p>Body two.</p></div>
  <span itemprop="author" itemscope itemtype="https://schema.org/Person">
    <a href="/users/1"><span itemprop="name">Dee</span></a></span>
  <div itemprop="answerCount">2</div>
  <div itemprop="suggestedAnswer" itemscope itemtype="https://schema.org/Answer" id="answer-11">
    <span itemprop="upvoteCount" content="-3">minus three</span>
    <div itemprop="text">First shown.</div>
    <a itemprop="url" href="/a/11">share</a>
  </div>
  <div itemprop="acceptedAnswer" itemscope itemtype="https://schema.org/Answer">
    <div itemprop="upvoteCount">4</div>
    <div itemprop="text">Accepted, shown second.<script>ignored()</script></div>
    <div itemprop="author" itemscope itemtype="https://schema.org/Person">
      <span itemprop="name">Eve</span></div>
  </div>
</div></body></html>"""


def test_microdata_nested_items_and_values() -> None:
    question = assert_same_as_extruct(MICRODATA)
    assert question.name == "Why is it so?"
    assert question.upvote_count == 12 and question.answer_count == 2
    assert question.date_created == "2020-01-02T03:04:05"
    assert question.author == "Dee"
    assert question.element is not None and question.element.tag == "div"
    first, second = question.answers
    assert (first.upvote_count, first.accepted, first.url) == (-3, False, "https://qa.example.org/a/11")
    assert (second.upvote_count, second.accepted, second.author) == (4, True, "Eve")
    assert first.scope is not None and first.scope.attributes["id"] == "answer-11"


def test_no_markup_is_no_question() -> None:
    assert ours("<html><body><h1>Just a page</h1></body></html>") is None
    assert ours(_json_ld({"@type": "QAPage"}, "[1, 2", {"@type": "Article"})) is None


@pytest.mark.parametrize(("value", "count"), [
    (6, 6), ("6", 6), (" -2 ", -2), ("+3", 3), (2.0, 2), (True, None), ("1.5", None),
    ("", None), ("７", None), ("²", None), ("9" * 19, None), (None, None),
    # JSON numbers past 18 digits: SQLite's INTEGER would refuse them, and the page with it
    (10**18 - 1, 10**18 - 1), (-(10**18) + 1, -(10**18) + 1), (10**18, None), (-(10**18), None),
    (1e30, None), (-1e30, None), (9e17, 9 * 10**17),
])
def test_schema_count(value: object, count: int | None) -> None:
    assert schema_count(value) == count


@pytest.mark.parametrize(("value", "utc", "iso"), [
    ("2014-01-30T03:17:47", True, "2014-01-30T03:17:47+00:00"),
    ("2014-01-30T03:17:47", False, "2014-01-30T03:17:47"),
    ("2014-01-30 03:17:47Z", False, "2014-01-30T03:17:47+00:00"),
    ("2024-05-01T10:00:00+02:00", True, "2024-05-01T10:00:00+02:00"),
    ("yesterday", True, None), ("2014-02-30T00:00:00", True, None), ("٢٠١٤-01-30", True, None),
    ("2" * 100, True, None), (17, True, None),
])
def test_iso_time(value: object, utc: bool, iso: str | None) -> None:
    assert iso_time(value, naive_is_utc=utc) == iso


# -- hostile pages --------------------------------------------------------------------


def test_thousands_of_answers_are_capped() -> None:
    answer = ('<div itemprop="suggestedAnswer" itemscope itemtype="https://schema.org/Answer">'
              '<div itemprop="text">a</div></div>')
    html = ('<div itemscope itemtype="https://schema.org/Question"><h1 itemprop="name">Q</h1>'
            + answer * (MAX_ANSWERS + 500) + "</div>")
    question = ours(html)
    assert question is not None and len(question.answers) == MAX_ANSWERS


def test_items_past_the_cap_are_not_read() -> None:
    html = "<span itemscope></span>" * MAX_ITEMS + (
        '<div itemscope itemtype="https://schema.org/Question"><h1 itemprop="name">Q</h1></div>')
    assert ours(html) is None


def test_deep_nesting_costs_one_climb_per_element() -> None:
    depth = 400  # under the nesting cap, which parsers run before lexbor builds the tree
    props = "".join(f'<i itemprop="p{n}">{n}</i>' for n in range(3_000))
    html = ('<div itemscope itemtype="https://schema.org/Question"><h1 itemprop="name">Q</h1>'
            + "<div>" * depth + props + "</div>" * depth + "</div>")
    data = read_schema_org(LexborHTMLParser(html), URL)
    assert data.microdata[0].first("p2999") == "2999"


def test_deep_json_is_cut_not_a_crash() -> None:
    nested = '{"@type": "Thing", "about": ' * 5_000 + "1" + "}" * 5_000
    block = json.dumps({"@type": "QAPage", "mainEntity": QUESTION})
    block = block[:-2] + f', "about": {nested}' + "}}"
    html = f'<script type="application/ld+json">{block}</script>'
    question = ours(html)  # json.loads may refuse it (RecursionError): then no question
    assert question is None or question.name == "How do I  frobnicate?"
