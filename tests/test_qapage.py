"""The generic QAPage profile and the Stack Exchange adapter: which profile a page gets,
question URLs in canonical form, fields from small pages written here, hostile input.

Real pages are tests/test_qapage_real_pages.py's; the schema.org reader against
extruct is tests/test_qapage_schema_org.py's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parsers import ParseError, UnknownProfile, choose_profile, parse_page
from parsers.profile import has_qa_markup
from parsers.sites.qapage import MAX_LINKS, MAX_TAGS

FIXTURES = Path(__file__).parent / "fixtures" / "qapage"
PT_PAGE = (FIXTURES / "ptstackoverflow-2997-email-html-django.html").read_bytes()
GENERIC = choose_profile("", name="qapage")
SE = choose_profile("", name="stackexchange")


def qa_page(*, answers: str = "", extra: str = "", question_id: str = "7") -> str:
    """A small page in QAPage microdata, as the sample site or a forum might write it."""
    return f"""<html><head><title>Q</title></head><body>
<div itemscope itemtype="https://schema.org/QAPage">
<div id="question" itemprop="mainEntity" itemscope itemtype="https://schema.org/Question">
  <h1 itemprop="name">How to frobnicate?</h1>
  <time itemprop="dateCreated" datetime="2024-05-01T10:00:00+02:00">May 1</time>
  <meta itemprop="upvoteCount" content="3"><meta itemprop="answerCount" content="9">
  <div itemprop="text"><p>I need <code>frob()</code>.</p></div>
  <span itemprop="author" itemscope itemtype="https://schema.org/Person">
    <span itemprop="name">Ann</span></span>
  <a rel="tag" href="/tags/frob">frob</a> <a rel="tag" href="/tags/c">c</a>
  {answers}
</div></div>
<div class="related"><a href="/questions/8/other?x=1#y">Other question</a>
  <a href="/questions/{question_id}/self">self</a><a href="https://elsewhere.test/questions/9">far</a>
  <a href="/questions/ask">ask</a></div>
{extra}</body></html>"""


def answer(number: int, *, accepted: bool = False, position: int | None = None) -> str:
    kind = "acceptedAnswer" if accepted else "suggestedAnswer"
    place = f'<meta itemprop="position" content="{position}">' if position else ""
    return (f'<div itemprop="{kind}" itemscope itemtype="https://schema.org/Answer" '
            f'data-answerid="{100 + number}">{place}'
            f'<meta itemprop="upvoteCount" content="{number}">'
            f'<div itemprop="text"><p>Answer <b>{number}</b></p></div>'
            f'<time itemprop="dateCreated" datetime="2024-05-0{number}T00:00:00Z"></time></div>')


# -- choosing a profile -----------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "https://stackoverflow.com/questions/1/slug", "https://pt.stackoverflow.com/questions/2997",
    "https://ru.stackoverflow.com/q/5", "https://superuser.com/questions/5/x/6",
    "https://unix.stackexchange.com/questions/5", "https://meta.unix.stackexchange.com/q/5",
    "https://mathoverflow.net/questions/5", "https://meta.stackoverflow.com/questions/5",
    "https://askubuntu.com/a/42", "https://serverfault.com/questions/5", "https://stackapps.com/q/5",
])
def test_stack_exchange_hosts_get_their_adapter(url: str) -> None:
    assert choose_profile(url) is SE
    assert choose_profile(url, body=b"<html></html>") is SE


def test_unknown_hosts_are_chosen_by_their_body() -> None:
    url = "http://127.0.0.1:8765/questions/7/how-to-frobnicate"
    with pytest.raises(UnknownProfile):
        choose_profile(url)  # SE's path shape alone claims nothing
    with pytest.raises(UnknownProfile):
        choose_profile(url, body=b"<html><body>no markup</body></html>")
    assert choose_profile(url, body=qa_page().encode()) is GENERIC
    assert choose_profile(url, body=qa_page()) is GENERIC
    assert choose_profile("https://stackexchange.com.evil.test/questions/1", body=qa_page()) \
        is GENERIC
    # CSDN's own shape still picks CSDN on any host, body or not.
    assert choose_profile("http://127.0.0.1:8765/answer/2kxyq3m7vd", body=qa_page()).name \
        == "csdn-answer"
    assert parse_page(qa_page(), url).profile == "qapage"


@pytest.mark.parametrize(("body", "found"), [
    (b'<html itemscope itemtype="http://schema.org/QAPage">', True),
    (b'<div itemtype="https://schema.org/Question">', True),
    (b'<script type="application/ld+json">{"@type": "QAPage"}</script>', True),
    (b"{'@type':['Question']}", True),
    (b'<div itemtype="https://schema.org/Questionnaire">', False),
    (b"QAPage is a word", False),
])
def test_qa_markup_is_recognised(body: bytes, found: bool) -> None:
    assert has_qa_markup(body) is found
    assert has_qa_markup(body.decode()) is found


# -- canonical question URLs --------------------------------------------------------------


@pytest.mark.parametrize(("url", "canonical"), [
    ("https://h.test/questions/12/a-slug?noredirect=1#answer-3",
     "https://h.test/questions/12/a-slug"),
    ("https://h.test/questions/12", "https://h.test/questions/12"),
    ("https://h.test/questions/12/slug/34#34", "https://h.test/questions/12/slug"),
    ("https://h.test/questions/12/slug?page=2&tab=votes", "https://h.test/questions/12/slug?page=2"),
    ("https://h.test/questions/12/slug?page=1", "https://h.test/questions/12/slug"),
    ("https://h.test/questions/12/slug?page=١٢", "https://h.test/questions/12/slug"),
    ("https://h.test/q/12/999", "https://h.test/q/12"),
    ("https://forum.test/t/some-topic/123/4?u=x", "https://forum.test/t/some-topic/123"),
    ("https://flarum.test/d/55-a-title/3", "https://flarum.test/d/55-a-title"),
    ("https://www.zhihu.com/question/1234/answer/5678", "https://www.zhihu.com/question/1234"),
    ("http://127.0.0.1:8765/questions/5/x/", "http://127.0.0.1:8765/questions/5/x"),
    ("https://h.test/questions/ask", None), ("https://h.test/questions/tagged/c", None),
    ("https://h.test/users/12", None), ("https://h.test/a/12", None), ("not a url", None),
    ("http://[::1/questions/1", None),
    ("https://h.test/questions/12?" + "&".join(f"k{n}=1" for n in range(100)) + "&page=3",
     "https://h.test/questions/12"),
])
def test_generic_canonical_question_urls(url: str, canonical: str | None) -> None:
    assert GENERIC.canonical_page_url(url) == canonical


@pytest.mark.parametrize(("url", "canonical"), [
    ("https://stackoverflow.com/questions/3402735/what-is?noredirect=1",
     "https://stackoverflow.com/questions/3402735/what-is"),
    ("https://stackoverflow.com/questions/3402735/what-is/3403112#3403112",
     "https://stackoverflow.com/questions/3402735/what-is"),
    ("https://stackoverflow.com/a/3403112/225667?r=1", "https://stackoverflow.com/a/3403112"),
    ("https://stackoverflow.com/a/3403112", "https://stackoverflow.com/a/3403112"),
    ("https://stackoverflow.com/users/1/x", None),
])
def test_stack_exchange_canonical_urls(url: str, canonical: str | None) -> None:
    assert SE.canonical_page_url(url) == canonical


def test_an_answer_permalink_is_followed_and_its_page_parses() -> None:
    # /a/<id> is a question page the crawler follows; after the redirect, or without one
    # (an imported file), the page says which question it shows.
    assert choose_profile("https://pt.stackoverflow.com/a/3001") is SE
    page = parse_page(PT_PAGE, "https://pt.stackoverflow.com/a/3001")
    assert (page.id, page.url) == ("2997", "https://pt.stackoverflow.com/questions/2997/"
                                           "qual-a-melhor-maneira-de-enviar-email-com-html-em-django")


# -- the generic profile's fields -----------------------------------------------------------


def test_generic_fields_from_microdata() -> None:
    url = "http://127.0.0.1:8765/questions/7/how-to-frobnicate?noredirect=1"
    page = parse_page(qa_page(answers=answer(1) + answer(2, accepted=True)), url)
    assert (page.site, page.id, page.url) == (
        "127.0.0.1", "7", "http://127.0.0.1:8765/questions/7/how-to-frobnicate")
    assert page.title == "How to frobnicate?"
    assert page.asked_at == "2024-05-01T10:00:00+02:00"
    assert (page.question_votes, page.question_author, page.answer_count) == (3, "Ann", 9)
    assert page.question_text == "I need frob()."
    assert page.question_markdown == "I need `frob()`."
    assert page.tags == ["frob", "c"]
    assert [(a.position, a.id, a.votes, a.accepted, a.created_at) for a in page.answers] == [
        (1, "101", 1, False, "2024-05-01T00:00:00+00:00"),
        (2, "102", 2, True, "2024-05-02T00:00:00+00:00")]
    assert (page.answer_text, page.answer_markdown) == ("Answer 2", "Answer **2**")
    assert [(q.id, q.url, q.title) for q in page.related_questions] == [
        ("8", "http://127.0.0.1:8765/questions/8/other", "Other question")]
    assert page.links_to_follow() == ["http://127.0.0.1:8765/questions/8/other"]
    assert page.status == "open" and page.duplicate_of is None


def test_without_an_accepted_answer_the_first_is_the_records_answer() -> None:
    page = parse_page(qa_page(answers=answer(1) + answer(2)), "https://h.test/questions/7")
    assert page.answer_text == "Answer 1"
    assert parse_page(qa_page(), "https://h.test/questions/7").answer_text == ""


def test_paged_answers_keep_the_positions_the_page_gives() -> None:
    url = "https://h.test/questions/7/x?page=2"
    extra = ('<a href="/questions/7/x?page=3">3</a><a href="/questions/7/x?page=2">2</a>'
             '<a href="/questions/8/x?page=2">other</a>')
    numbered = parse_page(qa_page(answers=answer(1, position=31) + answer(2, position=32),
                                  extra=extra), url)
    assert numbered.url == url
    assert [a.position for a in numbered.answers] == [31, 32]
    assert numbered.sidebar_links == ["https://h.test/questions/7/x?page=3"]
    assert (numbered.answers_page, numbered.answers_before) == (2, 0)  # already question-wide
    local = parse_page(qa_page(answers=answer(1) + answer(2)), url)
    assert [a.position for a in local.answers] == [1, 2]
    # The last page (no link to a next one) holds the last of the 9 answers.
    assert (local.answers_page, local.answers_before) == (2, 7)
    # A page with a next page follows pages as full as itself.
    middle = parse_page(qa_page(answers=answer(1) + answer(2), extra=extra), url)
    assert (middle.answers_page, middle.answers_before) == (2, 2)
    first = parse_page(qa_page(answers=answer(1) + answer(2), extra=extra),
                       "https://h.test/questions/7/x")
    assert (first.answers_page, first.answers_before) == (1, 0)


def test_json_ld_bodies_render_as_markdown() -> None:
    data = {"@context": "https://schema.org", "@type": "QAPage", "mainEntity": {
        "@type": "Question", "name": "Topic", "text": "<p>Use <code>x</code></p>",
        "dateCreated": "2024-01-01T00:00:00Z", "answerCount": 1,
        "suggestedAnswer": [{"@type": "Answer", "text": "Plain & simple",
                             "url": "https://forum.test/t/topic/55/2"}]}}
    html = (f'<html><head><script type="application/ld+json">{json.dumps(data)}</script>'
            '<meta property="article:tag" content="howto"></head>'
            '<body><h1>Topic</h1></body></html>')
    page = parse_page(html, "https://forum.test/t/topic/55")
    assert (page.id, page.title, page.tags) == ("55", "Topic", ["howto"])
    assert page.asked_at == "2024-01-01T00:00:00+00:00"
    assert (page.question_text, page.question_markdown) == ("Use x", "Use `x`")
    assert [(a.id, a.text) for a in page.answers] == [("2", "Plain & simple")]


def test_a_duplicate_notice_gives_status_and_target_and_leaves_the_body() -> None:
    notice = ('<aside class="s-notice" role="status"><b>This question already has answers here'
              '</b>: <a href="/questions/3/original">Original</a></aside>')
    html = qa_page().replace('<div itemprop="text">', f'<div itemprop="text">{notice}')
    page = parse_page(html, "https://h.test/questions/7")
    assert (page.status, page.duplicate_of) == ("duplicate", "https://h.test/questions/3/original")
    assert page.question_text == "I need frob()."
    closed = qa_page().replace('<div itemprop="text">', '<div itemprop="text"><aside>Closed. '
                               'This question needs details.</aside>')
    page = parse_page(closed, "https://h.test/questions/7")
    assert (page.status, page.duplicate_of, page.question_text) == ("closed", None,
                                                                    "I need frob().")


@pytest.mark.parametrize(("html", "reason"), [
    ("<html><body></body></html>", "empty page"),
    ("<html><body><h1>Hello</h1></body></html>", "not a question page: no schema.org Question"),
])
def test_pages_that_are_no_question_pages(html: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        GENERIC.parse(html, "https://h.test/questions/7")


def test_a_url_without_a_question_id_takes_the_pages_canonical_link() -> None:
    html = qa_page().replace("<title>Q</title>",
                             '<link rel="canonical" href="https://h.test/questions/7/x">')
    assert GENERIC.parse(html, "").id == "7"
    with pytest.raises(ParseError, match="no question id"):
        GENERIC.parse(qa_page(), "https://h.test/somewhere")


# -- hostile pages ------------------------------------------------------------------------


def test_20000_related_links_and_tags_are_capped() -> None:
    links = "".join(f'<a href="/questions/{n}/x">Q{n}</a>' for n in range(10, 20_010))
    tags = "".join(f'<a rel="tag" href="/t/{n}">t{n}</a>' for n in range(20_000))
    html = qa_page(extra=f'<div class="related">{links}</div>').replace(
        '<a rel="tag" href="/tags/frob">frob</a>', tags)
    page = parse_page(html, "https://h.test/questions/7")
    assert len(page.related_questions) == MAX_LINKS
    assert len(page.tags) == MAX_TAGS


def test_a_huge_view_title_is_no_count() -> None:
    html = PT_PAGE.replace(b'title="Visto 1.630 vezes"', b'title="Visto ' + b"9" * 70 + b'"')
    assert parse_page(html, "https://pt.stackoverflow.com/questions/2997").view_count is None


def test_deep_nesting_in_an_answer_keeps_its_text() -> None:
    deep = "<div>" * 100_000 + "deep answer" + "</div>" * 100_000
    html = qa_page(answers=answer(1).replace("<p>Answer <b>1</b></p>", deep))
    page = parse_page(html, "https://h.test/questions/7")
    assert page.answers[0].text == "deep answer"
