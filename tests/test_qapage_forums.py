"""The Discourse and Zhihu adapters: which pages they claim, their URLs, fields from small
pages written here, and hostile input (huge counts, broken preloaded JSON, deep nesting,
thousands of posts).

Their real pages (an Ionic Forum topic, a 2015 Zhihu question) are checked field by field
in tests/test_qapage_real_pages.py.
"""

from __future__ import annotations

import html as html_module
import json
from pathlib import Path
from typing import Any

import pytest

from parsers import UnknownProfile, choose_profile, parse_page
from parsers.schema_org import MAX_ANSWERS
from parsers.sites.discourse import preloaded_topic

FIXTURES = Path(__file__).parent / "fixtures" / "qapage"
IONIC = FIXTURES / "ionicforum-177814-capacitor-apk-without-android-studio.html"
IONIC_URL = ("https://forum.ionicframework.com/t/how-to-build-an-android-apk-file-without-using"
             "-android-studio-in-a-capacitor-project/177814")
ZHIHU = FIXTURES / "zhihu-24825703-say-thanks-intimate.html"
DISCOURSE = choose_profile("", name="discourse")
ZHIHU_PROFILE = choose_profile("", name="zhihu")
GENERIC = choose_profile("", name="qapage")
TOPIC_URL = "https://forum.example.org/t/frobnicating/55"


# -- a Discourse topic page, as Discourse 2.8 serves it -----------------------------------


def crawler_post(number: int, *, author: str = "ann", likes: int | None = 0,
                 body: str = "", item_type: str = "DiscussionForumPosting") -> str:
    like = ("" if likes is None else
            '<div itemprop="interactionStatistic" itemscope '
            'itemtype="http://schema.org/InteractionCounter">'
            '<meta itemprop="interactionType" content="http://schema.org/LikeAction"/>'
            f'<meta itemprop="userInteractionCount" content="{likes}" /></div>')
    return (f"<div itemscope itemtype='http://schema.org/{item_type}' "
            "class='topic-body crawler-post'><div class='crawler-post-meta'>"
            '<span class="creator" itemprop="author" itemscope '
            f'itemtype="http://schema.org/Person"><a itemprop="url" href="/u/{author}">'
            f"<span itemprop='name'>{author}</span></a></span>"
            f"<span class='crawler-post-infos'><time itemprop='datePublished' "
            f"datetime='2024-01-0{min(number, 9)}T10:00:00Z' class='post-time'>Jan</time>"
            f"<span itemprop='position'>#{number}</span></span></div>"
            f"<div class='post' itemprop='articleBody'>{body or f'<p>Post {number}</p>'}</div>"
            f"{like}</div>")


def preload(topic: Any, *, topic_key: str = "topic_55") -> str:
    """``data-preloaded`` as Discourse writes it: JSON whose values are JSON strings,
    HTML-escaped."""
    value = topic if isinstance(topic, str) else json.dumps(topic)
    outer = json.dumps({"site": json.dumps({"x": 1}), topic_key: value})
    return f'<div class="hidden" id="data-preloaded" data-preloaded="{html_module.escape(outer)}">'


def topic_data(**extra: Any) -> dict[str, Any]:
    posts = [{"id": 900 + number, "post_number": number, "accepted_answer": number == 3,
              "actions_summary": [{"id": 2, "count": number}]} for number in (1, 2, 3)]
    return {"id": 55, "views": 1234, "posts_count": 3, "tags": ["frob"], "closed": False,
            "archived": False, "post_stream": {"posts": posts}, **extra}


def discourse_page(*, posts: str | None = None, preloaded: str | None = None,
                   head: str = "", generator: bool = True, noscript: bool = True) -> str:
    posts = posts if posts is not None else "".join(crawler_post(n) for n in (1, 2, 3))
    preloaded = preloaded if preloaded is not None else preload(topic_data())
    meta = ('<meta name="generator" content="Discourse 3.1.0 - https://github.com/discourse">'
            if generator else "")
    view = (f'<div id="main-outlet"><div id="topic-title"><h1><a href="/t/frobnicating/55">'
            f"Frobnicating?</a></h1></div>{posts}</div>")
    if noscript:
        view = f'<noscript data-path="/t/frobnicating/55">{view}</noscript>'
    return (f"<html><head>{meta}<title>Frobnicating? - Forum</title>"
            '<meta property="og:title" content="Frobnicating?">'
            f"{head}</head><body>{view}<section id='main'></section>{preloaded}</body></html>")


# -- choosing the profile -----------------------------------------------------------------


def test_discourse_pages_are_claimed_by_their_markup_on_any_host() -> None:
    page = discourse_page()
    assert choose_profile(TOPIC_URL, body=page) is DISCOURSE
    assert choose_profile(TOPIC_URL, body=page.encode()) is DISCOURSE
    setup = discourse_page(generator=False, head='<meta id="data-discourse-setup" data-cdn="x">')
    assert choose_profile(TOPIC_URL, body=setup) is DISCOURSE
    # Without the markup a forum page is the generic profile's (if it has QAPage markup).
    with pytest.raises(UnknownProfile):
        choose_profile(TOPIC_URL, body=discourse_page(generator=False))
    # Known hosts need no body; a URL alone on an unknown host still names no profile.
    assert choose_profile(IONIC_URL) is DISCOURSE
    with pytest.raises(UnknownProfile):
        choose_profile(TOPIC_URL)


def test_a_signature_far_down_a_page_is_not_looked_for() -> None:
    late = "<html><body>" + "x" * 300_000 + '<meta name="generator" content="Discourse 3">'
    with pytest.raises(UnknownProfile):
        choose_profile(TOPIC_URL, body=late)


@pytest.mark.parametrize("url", ["https://www.zhihu.com/question/1",
                                 "https://zhihu.com/question/1/answer/2"])
def test_zhihu_hosts_get_their_adapter(url: str) -> None:
    assert choose_profile(url) is ZHIHU_PROFILE


@pytest.mark.parametrize(("url", "canonical"), [
    ("https://forum.test/t/slug/55", "https://forum.test/t/slug/55"),
    ("https://forum.test/t/slug/55/7?u=ann#post_7", "https://forum.test/t/slug/55"),
    ("https://forum.test/t/slug/55/?page=2", "https://forum.test/t/slug/55?page=2"),
    ("https://forum.test/t/slug/55?page=1", "https://forum.test/t/slug/55"),
    ("https://forum.test/latest", None),
])
def test_discourse_canonical_urls(url: str, canonical: str | None) -> None:
    assert DISCOURSE.canonical_page_url(url) == canonical


@pytest.mark.parametrize(("url", "canonical"), [
    ("http://www.zhihu.com/question/24825703", "https://www.zhihu.com/question/24825703"),
    ("https://zhihu.com/question/24825703/answer/39753456?utm=x#c",
     "https://www.zhihu.com/question/24825703"),
    ("http://127.0.0.1:8765/question/5", "http://127.0.0.1:8765/question/5"),
    ("https://www.zhihu.com/people/someone", None),
])
def test_zhihu_canonical_urls(url: str, canonical: str | None) -> None:
    assert ZHIHU_PROFILE.canonical_page_url(url) == canonical


# -- Discourse fields ---------------------------------------------------------------------


def test_a_topic_gives_its_posts_as_answers_with_the_preloaded_figures() -> None:
    page = parse_page(discourse_page(), TOPIC_URL)
    assert page.profile == "discourse"
    assert (page.title, page.view_count, page.answer_count, page.tags) == (
        "Frobnicating?", 1234, 2, ["frob"])
    assert (page.question_text, page.question_author, page.question_votes) == ("Post 1", "ann", 0)
    assert page.asked_at == "2024-01-01T10:00:00+00:00"
    assert [(a.position, a.id, a.votes, a.accepted, a.text) for a in page.answers] == [
        (1, "902", 0, False, "Post 2"), (2, "903", 0, True, "Post 3")]
    assert page.answer_text == "Post 3"  # the accepted one
    assert page.field_sources["view_count"] == "state"


def test_likes_come_from_the_preload_when_the_crawler_view_has_none() -> None:
    posts = "".join(crawler_post(n, likes=None) for n in (1, 2, 3))
    page = parse_page(discourse_page(posts=posts), TOPIC_URL)
    assert [a.votes for a in page.answers] == [2, 3]


def test_article_tags_come_first_and_a_closed_topic_is_closed() -> None:
    page = parse_page(discourse_page(
        head='<meta property="article:tag" content="alpha"><meta property="article:tag" '
             'content="beta">', preloaded=preload(topic_data(closed=True))), TOPIC_URL)
    assert (page.tags, page.status) == (["alpha", "beta"], "closed")
    archived = parse_page(discourse_page(preloaded=preload(topic_data(archived=True))),
                          TOPIC_URL)
    assert archived.status == "closed"


def test_newer_tags_are_objects() -> None:
    data = topic_data(tags=[{"id": 1, "name": "frob", "slug": "frob"}, 7, {"name": None}])
    assert parse_page(discourse_page(preloaded=preload(data)), TOPIC_URL).tags == ["frob"]


def test_a_second_page_of_replies_is_all_answers() -> None:
    posts = "".join(crawler_post(n) for n in (21, 22, 24))
    page = parse_page(discourse_page(posts=posts, preloaded=""), TOPIC_URL + "?page=2")
    assert page.url == TOPIC_URL + "?page=2"
    assert [a.position for a in page.answers] == [1, 2, 3]
    assert [a.id for a in page.answers] == [None, None, None]  # no preload: no post ids
    assert page.question_text is None and page.answer_count is None


def test_a_crawler_view_served_bare_and_quotes_in_a_post_are_kept() -> None:
    quote = ('<aside class="quote"><div class="title">bob:</div><blockquote>closed duplicate'
             '</blockquote></aside><p>Agreed.</p>')
    posts = crawler_post(1, body=quote) + crawler_post(2)
    page = parse_page(discourse_page(posts=posts, noscript=False), TOPIC_URL)
    assert page.status == "open"  # a quote saying "closed" is no notice
    assert "closed duplicate" in (page.question_text or "")
    assert [a.text for a in page.answers] == ["Post 2"]


def test_the_json_ld_question_gives_what_the_crawler_view_lacks() -> None:
    json_ld = json.dumps({"@context": "http://schema.org", "@type": "QAPage", "mainEntity": {
        "@type": "Question", "name": "Frobnicating?", "text": "How to frob&hellip;",
        "upvoteCount": 4, "answerCount": 0, "dateCreated": "2024-01-01T10:00:00.750Z",
        "author": {"@type": "Person", "name": "Ann A."},
        "acceptedAnswer": {"@type": "Answer", "text": "x", "url": TOPIC_URL + "/2"}}})
    page = parse_page(discourse_page(
        posts=crawler_post(2), preloaded="",
        head=f'<script type="application/ld+json">{json_ld}</script>'), TOPIC_URL)
    assert (page.question_author, page.question_votes) == ("Ann A.", 4)
    assert page.asked_at == "2024-01-01T10:00:00+00:00"
    assert page.question_text == "How to frob…"
    assert page.answer_count is None  # JSON-LD's answerCount counts accepted answers
    assert [(a.text, a.accepted) for a in page.answers] == [("Post 2", True)]


# -- Discourse: hostile input -------------------------------------------------------------


def test_the_real_pages_garbled_entity_is_tolerated() -> None:
    page = IONIC.read_text("utf-8")
    assert "\\&amp;quoquot;" not in page and "\\&quoquot;" in page
    topic = preloaded_topic(page, "177814")
    assert topic is not None and topic["views"] == 43837
    assert preloaded_topic(page, None) == topic  # the first topic key, when the id is unknown


@pytest.mark.parametrize("broken", [
    '<div id="data-preloaded" data-preloaded="{&quot;topic_55&quot;:&quot;{\\&quot;views',
    '<div id="data-preloaded" data-preloaded="{&quot;topic_55&quot;:&quot;{\\&ampx;views"}">',
    '<div id="data-preloaded" data-preloaded="{&quot;topic_55&quot;:17}">',
    '<div id="data-preloaded" data-preloaded="{&quot;topic_55&quot;:&quot;[1, 2]&quot;}">',
    '<div id="data-preloaded" data-preloaded="{&quot;topic_55&quot;:&quot;\\&quot;">',
    '<div id="data-preloaded" data-preloaded="{&quot;other&quot;:1}">',
    '<div id="data-preloaded" data-preloaded="',
    preload("{" * 200_000 + "}" * 200_000),
    preload("[" * 200_000 + "]" * 200_000),
    preload(topic_data(post_stream={"posts": [{"post_number": "2", "id": []}, 5, None]})),
    preload(topic_data(post_stream=[1, 2], views="many", posts_count=-4, tags="frob")),
], ids=["truncated", "bad-escape", "not-a-string", "not-an-object", "bad-string", "no-topic",
        "unterminated", "deep-objects", "deep-arrays", "odd-posts", "odd-types"])
def test_a_broken_preload_leaves_the_crawler_view(broken: str) -> None:
    page = parse_page(discourse_page(preloaded=broken), TOPIC_URL)
    assert [a.text for a in page.answers] == ["Post 2", "Post 3"]
    assert page.question_text == "Post 1"
    assert all(isinstance(a.id, str | None) for a in page.answers)
    assert page.view_count in (None, 1234) and page.answer_count in (None, 2)


@pytest.mark.parametrize("count", [10**18, 10**40, 2**63, True, 3.5])
def test_huge_or_odd_post_counts_are_no_counts(count: Any) -> None:
    data = topic_data(posts_count=count, views=count)
    page = parse_page(discourse_page(preloaded=preload(data)), TOPIC_URL)
    assert page.answer_count is None and page.view_count is None


def test_thousands_of_posts_are_capped() -> None:
    posts = "".join(crawler_post(n) for n in range(1, MAX_ANSWERS + 500))
    page = parse_page(discourse_page(posts=posts), TOPIC_URL)
    # The schema.org reader's own caps (items, properties) may stop first.
    assert 1_000 < len(page.answers) <= MAX_ANSWERS
    assert page.question_text == "Post 1"


def test_deep_nesting_in_a_post_keeps_its_text() -> None:
    deep = "<div>" * 50_000 + "deep reply" + "</div>" * 50_000
    posts = crawler_post(1) + crawler_post(2, body=deep)
    page = parse_page(discourse_page(posts=posts), TOPIC_URL)
    assert page.answers[0].text == "deep reply"


# -- Zhihu ------------------------------------------------------------------------------


def zhihu_answer(token: str, *, votes: str = "3", created: str = "1423908780",
                 author: str = '<a href="/people/ann">Ann</a>，<strong>bio</strong>',
                 body: str = "答案") -> str:
    return (f'<div tabindex="-1" class="zm-item-answer" itemscope '
            f'itemtype="http://schema.org/Answer" data-aid="1" data-atoken="{token}" '
            f'data-created="{created}"><div class="zm-votebar"><button class="up">'
            f'<span class="count">{votes}</span></button></div>'
            f'<h3 class="zm-item-answer-author-wrap">{author}</h3>'
            f'<div class="zm-item-rich-text"><div class="zm-editable-content">{body}</div></div>'
            '<div class="zm-item-meta answer-actions"><div class="zm-meta-panel">'
            '<a class="answer-date-link" href="#">发布于 2015</a><span>x</span></div></div>'
            "</div>")


def zhihu_page(*, answers: str = "", sidebar: str = "", before: str = "",
               question_id: str = "5") -> str:
    return (f"<html><head><title>标题？ - 知乎</title></head><body>{before}"
            '<div class="zg-wrap zu-main question-page" itemscope '
            'itemtype="http://schema.org/Question" id="zh-single-question-page" '
            f'data-urltoken="{question_id}"><meta itemprop="visitsCount" content="321">'
            '<div class="zm-tag-editor-labels"><a class="zm-item-tag" href="/topic/1">\n话题\n'
            '</a></div><div id="zh-question-title"><h2 class="zm-item-title">\n标题？\n</h2></div>'
            '<div id="zh-question-detail"><div class="zm-editable-content">问题</div></div>'
            f'<h3 data-num="12" id="zh-question-answer-num">12 个回答</h3>{answers}'
            f'<div class="zu-main-sidebar">{sidebar}</div></div>'
            '<div id="zh-footer" class="zh-footer">footer</div></body></html>')


def test_a_zhihu_page_gives_its_rendered_answers() -> None:
    answers = (zhihu_answer("11") + zhihu_answer("12", votes="0", author="匿名用户")
               + zhihu_answer("11"))  # the same answer twice: once
    page = parse_page(zhihu_page(answers=answers), "http://www.zhihu.com/question/5")
    assert (page.url, page.id, page.title, page.view_count, page.answer_count, page.tags) == (
        "https://www.zhihu.com/question/5", "5", "标题？", 321, 12, ["话题"])
    assert page.question_text == "问题"
    assert [(a.id, a.votes, a.author, a.created_at, a.text, a.accepted) for a in page.answers] == [
        ("11", 3, "Ann", "2015-02-14T18:13:00+08:00", "答案", False),
        ("12", 0, "匿名用户", "2015-02-14T18:13:00+08:00", "答案", False)]


def test_the_pages_own_question_wins_over_related_questions() -> None:
    # A related question as a top-level Question item of its own, with a name and a URL.
    related = ('<div itemscope itemtype="http://schema.org/Question">'
               '<meta itemprop="name" content="别的问题"><meta itemprop="visitsCount" content="9">'
               '<link itemprop="url" href="/question/6"><a href="/question/6">别的问题</a></div>')
    page = parse_page(zhihu_page(before=related, sidebar=(
        '<div class="zg-gray-normal">被浏览 <strong>999</strong> 次</div>')),
        "https://www.zhihu.com/question/5")
    assert (page.title, page.view_count) == ("标题？", 321)


def test_a_related_questions_views_inside_the_question_are_not_the_pages() -> None:
    """The related question's item sits inside the page's question (its sidebar): its
    visitsCount is its own, and the page without one has none."""
    related = ('<div itemscope itemtype="http://schema.org/Question">'
               '<meta itemprop="name" content="别的问题"><meta itemprop="visitsCount" content="9">'
               '<a href="/question/6">别的问题</a></div>')
    html = zhihu_page(sidebar=related)
    assert parse_page(html, "https://www.zhihu.com/question/5").view_count == 321
    page = parse_page(html.replace('<meta itemprop="visitsCount" content="321">', ""),
                      "https://www.zhihu.com/question/5")
    assert page.view_count is None


def test_the_pages_views_after_four_related_questions_views_are_found() -> None:
    """The related questions' metas are passed over before the first few are taken."""
    related = ('<div itemscope itemtype="http://schema.org/Question">'
               '<meta itemprop="visitsCount" content="9"><a href="/question/6">别的问题</a></div>')
    own = '<meta itemprop="visitsCount" content="321">'
    html = zhihu_page(sidebar=related * 4).replace(own, "").replace(
        '</div></div><div id="zh-footer"', f'</div>{own}</div><div id="zh-footer"')
    assert parse_page(html, "https://www.zhihu.com/question/5").view_count == 321


def test_the_title_fallback_skips_an_inline_svgs_title() -> None:
    """With no schema.org name, heading or og:title, the <title> read is the page's, not an
    icon's tooltip before it (the <img> ends the head: what follows is in the body)."""
    html = (zhihu_page()
            .replace("<head><title>", '<head><img src="/logo.png"><svg><title>关闭</title>'
                                      "</svg><title>")
            .replace('<div id="zh-question-title"><h2 class="zm-item-title">\n标题？\n</h2></div>',
                     ""))
    page = parse_page(html, "https://www.zhihu.com/question/5")
    assert (page.title, page.field_sources["title"]) == ("标题？", "title-tag")


@pytest.mark.parametrize(("sidebar", "views"), [
    ('<div class="NumberBoard-item"><div class="NumberBoard-itemName">被浏览</div>'
     '<strong class="NumberBoard-itemValue" title="377,468">37.7万</strong></div>',
     (377468, False)),
    ('<div class="zg-gray-normal">被浏览 <strong>37.7万</strong> 次</div>', (377000, True)),
    ('<div class="zg-gray-normal">被浏览 <strong>1024</strong> 次</div>', (1024, False)),
])
def test_zhihu_view_counts(sidebar: str, views: tuple[int, bool]) -> None:
    html = zhihu_page(sidebar=sidebar)
    if "NumberBoard" not in sidebar:
        html = html.replace('<meta itemprop="visitsCount" content="321">', "")
    page = parse_page(html, "https://www.zhihu.com/question/5")
    assert (page.view_count, page.view_count_approximate) == views


def test_an_unbalanced_action_bar_is_left_whole() -> None:
    odd = zhihu_answer("11").replace('<span>x</span></div>', '<span>x</div>')
    page = parse_page(zhihu_page(answers=odd + zhihu_answer("12")),
                      "https://www.zhihu.com/question/5")
    assert [a.id for a in page.answers] == ["11", "12"]


@pytest.mark.parametrize(("attribute", "value", "field", "expected"), [
    ("data-created", "9" * 40, "created_at", None),
    ("data-created", "-5", "created_at", None),
    ("data-created", "１４２３９０８７８０", "created_at", None),
    ("votes", "９７", "votes", None),
    ("votes", "9" * 40, "votes", None),
])
def test_odd_zhihu_values_are_none(attribute: str, value: str, field: str,
                                   expected: object) -> None:
    answer = zhihu_answer("11", **{"created" if attribute == "data-created" else "votes": value})
    page = parse_page(zhihu_page(answers=answer), "https://www.zhihu.com/question/5")
    assert getattr(page.answers[0], field) == expected


def test_thousands_of_zhihu_answers_are_capped_and_bad_tokens_skipped() -> None:
    answers = zhihu_answer("x1") + "".join(zhihu_answer(str(n)) for n in range(MAX_ANSWERS + 50))
    page = parse_page(zhihu_page(answers=answers), "https://www.zhihu.com/question/5")
    assert len(page.answers) == MAX_ANSWERS
    assert page.answers[0].id == "0"


def test_deep_nesting_in_a_zhihu_answer_keeps_its_text() -> None:
    deep = "<div>" * 50_000 + "深" + "</div>" * 50_000
    page = parse_page(zhihu_page(answers=zhihu_answer("11", body=deep)),
                      "https://www.zhihu.com/question/5")
    assert page.answers[0].text == "深"


def test_the_real_zhihu_pages_related_questions() -> None:
    page = parse_page(ZHIHU.read_bytes(), "https://www.zhihu.com/question/24825703")
    assert [(q.id, q.url) for q in page.related_questions][:2] == [
        ("20787160", "https://www.zhihu.com/question/20787160"),
        ("20417462", "https://www.zhihu.com/question/20417462")]
    assert len(page.related_questions) == 5


@pytest.mark.parametrize("title", ["plain", "it's <b> & \"quoted\"", "caf\u00e9 \u2013 \U0001f600",
                                   "&quot; written out", "a\\b"])
@pytest.mark.parametrize("garble", [False, True])
def test_the_preload_reads_the_same_whatever_its_references(title: str, garble: bool) -> None:
    """The one-replace fast path and the full unescape give the same topic."""
    data = topic_data(title=title)
    page = preload(data).split('data-preloaded="', 1)[1]
    if garble:  # a stored page's garbled ``&quot;`` (``\\&quoquot;``)
        page = page.replace("\\&quot;views", "\\&quoquot;views", 1)
        assert "&quoquot;" in page
    for escaped in (page, page.replace("&#x27;", "&#39;"),
                    page.replace("&quot;title", "&#34;title")):
        topic = preloaded_topic(f'<div data-preloaded="{escaped}', "55")
        assert topic is not None and topic["title"] == title and topic["views"] == 1234
