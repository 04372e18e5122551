"""Tests that kill surviving mutants of the site profiles in parsers/sites/ (see
TESTING.md, "Second round: parsers"): pure parsing of literal pages, literal values."""

from __future__ import annotations

import json

from test_parsers_mutants import SE_URL, se_old_page

from parsers import parse_page

# -- Stack Exchange -------------------------------------------------------------------------


def _se_json_ld_only(question: dict[str, object]) -> str:
    """A Stack Exchange page whose question is only in JSON-LD: no question element, no
    answer blocks, no tag list, no view line."""
    data = {"@context": "https://schema.org", "@type": "QAPage",
            "mainEntity": {"@type": "Question", **question}}
    return (f'<html><head><title>t</title><script type="application/ld+json">'
            f"{json.dumps(data)}</script></head>"
            '<body><div id="content"><p>Nothing else.</p></div></body></html>')


def test_stack_exchange_page_with_json_ld_only() -> None:
    html = _se_json_ld_only({
        "name": "LD title", "text": "<p>LD body</p>", "keywords": "c, py",
        "answerCount": 1,
        "interactionStatistic": {"@type": "InteractionCounter",
                                 "interactionType": "https://schema.org/WatchAction",
                                 "userInteractionCount": 77},
        "suggestedAnswer": [{"@type": "Answer", "text": "<p>See <a href='/q/3'>x</a></p>",
                             "url": "/a/31", "upvoteCount": 4}]})
    page = parse_page(html, SE_URL)
    assert (page.title, page.question_text, page.tags, page.view_count, page.asked_at) == (
        "LD title", "LD body", ["c", "py"], 77, None)
    assert page.field_sources["tags"] == "meta"
    assert page.field_sources["view_count"] == "meta"
    assert [(a.id, a.text, a.markdown, a.votes) for a in page.answers] == [
        ("31", "See x", "See [x](https://stackoverflow.com/q/3)", 4)]


def test_stack_exchange_qinfo_rows_read_are_eight() -> None:
    rows = "<tr><td>asked</td><td>1 year ago</td></tr>" * 8
    html = se_old_page().replace('<table id="qinfo"><tr><td>asked</td><td>1 year ago</td></tr>',
                                 f'<table id="qinfo">{rows}')
    # the ninth row (viewed 4,229) is not read: the first title on the page is
    assert parse_page(html, SE_URL).view_count == 55


def test_stack_exchange_a_notice_inside_another_is_read_with_it() -> None:
    """The inner notice is not read on its own (its link would be the duplicate target)."""
    notice = ("<aside class='s-notice'>Duplicate of <a href='/questions/5/a'>A</a> "
              "<div class='post-notice'>duplicate: <a href='/questions/6/b'>B</a></div>"
              "</aside>")
    page = parse_page(se_old_page(notices=notice), SE_URL)
    assert (page.status, page.duplicate_of) == (
        "duplicate", "https://stackoverflow.com/questions/5/a")


# -- Discourse ------------------------------------------------------------------------------


def _attr(**topics: object) -> str:
    """A ``data-preloaded`` attribute whose topics are given as JSON strings."""
    from test_parsers_mutants import _preloaded

    return _preloaded(**topics)


def test_discourse_preloaded_topic_bounds() -> None:
    from parsers.sites.discourse import MAX_PRELOADED_CHARS, preloaded_topic

    # the attribute at the page's very start
    assert preloaded_topic(_attr(topic_5={"id": 5})[5:], "5") == {"id": 5}
    # the topic is looked for in the first attribute only, by key or as its first topic
    two = _attr(topic_9={"id": 9}) + _attr(topic_5={"id": 5})
    assert preloaded_topic(two, "5") == {"id": 9}
    assert preloaded_topic(_attr(site={"x": 1}) + _attr(topic_5={"id": 5}), None) is None
    # text before the attribute that looks like its key is not read
    before = '<p>&quot;topic_5&quot;:&quot;{\\&quot;id\\&quot;: 1}&quot;</p>'
    assert preloaded_topic(before + _attr(topic_5={"id": 5}), "5") == {"id": 5}
    # the key's first occurrence; a key that is no number is not a topic
    twice = ('<div data-preloaded="{&quot;topic_5&quot;:&quot;{\\&quot;id\\&quot;: 1}&quot;, '
             '&quot;topic_5&quot;:&quot;{\\&quot;id\\&quot;: 2}&quot;}">')
    assert preloaded_topic(twice, "5") == {"id": 1}
    assert preloaded_topic(_attr(topic_None={"id": 0}, topic_5={"id": 5}), None) == {"id": 5}
    # only spaces, tabs and line ends are skipped before the topic's string
    for lead, found in ((" \t\n\r", {"id": 5}), ("\x0c", None), ("X", None)):
        page = f'<div data-preloaded="{{&quot;topic_5&quot;:{lead}&quot;{{}}&quot;}}">'
        page = page.replace("{}", '{\\&quot;id\\&quot;: 5}')
        assert preloaded_topic(page, "5") == found, repr(lead)
    # the attribute's end is looked for within MAX_PRELOADED_CHARS + 1 characters
    head = '<div data-preloaded="'
    value = '{&quot;topic_5&quot;:&quot;{\\&quot;id\\&quot;: 5}&quot;'
    fits = head + value + " " * (MAX_PRELOADED_CHARS - len(value) - 1) + '}">'
    assert fits.index('"', len(head)) - len(head) == MAX_PRELOADED_CHARS
    assert preloaded_topic(fits, "5") == {"id": 5}
    assert preloaded_topic(fits.replace('}"', ' }"'), "5") is None


def test_discourse_like_and_name_values() -> None:
    from parsers.sites.discourse import _likes, _text_value

    assert _likes({"actions_summary": [{"id": 3, "count": 9}, {"id": 2, "count": 4}]}) == 4
    assert _likes({"actions_summary": []}) == 0
    assert _likes({"actions_summary": [{"id": 3, "count": 9}] * 32
                   + [{"id": 2, "count": 4}]}) == 0
    assert _text_value(" " + "a" * 200 + " ") == "a" * 200
    assert _text_value("a" * 201) is None
    assert _text_value("  ") is None


def _discourse(**changes: object) -> str:
    from test_qapage_forums import discourse_page

    return discourse_page(**changes)  # type: ignore[arg-type]


def _post(number: int, **changes: object) -> str:
    from test_qapage_forums import crawler_post

    return crawler_post(number, **changes)  # type: ignore[arg-type]


TOPIC_URL = "https://forum.example.org/t/frobnicating/55"


def test_discourse_post_values() -> None:
    from test_qapage_forums import preload, topic_data

    # the author's alternateName, or a bare text; dateCreated; a body as text; the likes
    # counter with its type as an item, after an odd statistic
    second = (_post(2, likes=None)
              .replace("<span itemprop='name'>ann</span>",
                       "<span itemprop='alternateName'>alt</span>")
              .replace("datePublished", "dateCreated")
              .replace("itemprop='articleBody'", "itemprop='text'")
              .replace("</div></div>", "</div><meta itemprop='interactionStatistic' content='x'>"
                       "<div itemprop='interactionStatistic' itemscope itemtype="
                       "'http://schema.org/InteractionCounter'><div itemprop='interactionType' "
                       "itemscope itemtype='http://schema.org/LikeAction'></div>"
                       "<meta itemprop='userInteractionCount' content='6'></div></div>", 1))
    third = _post(3).replace(
        '<span class="creator" itemprop="author" itemscope itemtype="http://schema.org/Person">'
        '<a itemprop="url" href="/u/ann"><span itemprop=\'name\'>ann</span></a></span>',
        '<span itemprop="author">bob</span>')
    first = _post(1).replace("itemprop='articleBody'", "itemprop='text'")
    page = parse_page(_discourse(posts=first + second + third,
                                 preloaded=preload(topic_data(tags=[]))), TOPIC_URL)
    assert page.question_text == "Post 1"
    assert [(a.text, a.author, a.created_at, a.votes) for a in page.answers] == [
        ("Post 2", "alt", "2024-01-02T10:00:00+00:00", 6),
        ("Post 3", "bob", "2024-01-03T10:00:00+00:00", 0)]
    assert page.tags == [] and "tags" not in page.field_sources


def test_discourse_post_numbers() -> None:
    def unnumbered(number: int) -> str:
        return _post(number).replace(f"<span itemprop='position'>#{number}</span>", "")

    # no numbers: the first post asks; numbers from the element's id="post_N"
    page = parse_page(_discourse(posts="".join(unnumbered(n) for n in (1, 2, 3))), TOPIC_URL)
    assert page.question_text == "Post 1"
    assert [(a.text, a.id) for a in page.answers] == [("Post 2", None), ("Post 3", None)]
    with_ids = "".join(
        unnumbered(n).replace("class='topic-body", f"id='post_{n}' class='topic-body")
        for n in (2, 1, 3))
    page = parse_page(_discourse(posts=with_ids), TOPIC_URL)
    assert page.question_text == "Post 1"
    assert [(a.text, a.id) for a in page.answers] == [("Post 2", "902"), ("Post 3", "903")]
    # a position's number is read in its first 32 characters
    far = _post(2).replace("#2<", "#" + " " * 31 + "2<")
    page = parse_page(_discourse(posts=_post(1) + far), TOPIC_URL)
    assert [a.id for a in page.answers] == [None]


def test_discourse_replies_nested_as_comments_and_posts_without_a_body() -> None:
    nested = _post(1).replace(
        "</div></div>", "</div>" + _post(2).replace("itemscope", "itemprop='comment' itemscope", 1)
        + "</div>", 1)
    bodiless = _post(3).replace("itemprop='articleBody'", "")
    page = parse_page(_discourse(posts=nested + bodiless), TOPIC_URL)
    assert [a.text for a in page.answers] == ["Post 2"]


def test_discourse_topic_by_the_pages_id_and_its_title() -> None:
    import html as html_module
    import json as json_module

    from test_qapage_forums import topic_data

    outer = json_module.dumps({"topic_9": json_module.dumps({"id": 9, "views": 1}),
                               "topic_55": json_module.dumps(topic_data(title="From preload"))})
    preloaded = f'<div data-preloaded="{html_module.escape(outer)}">'
    page = parse_page(_discourse(preloaded=preloaded), TOPIC_URL)
    assert (page.view_count, page.tags, page.field_sources["tags"]) == (1234, ["frob"], "state")
    bare = _discourse(preloaded=preloaded).replace("<title>Frobnicating? - Forum</title>", "")
    bare = bare.replace('<meta property="og:title" content="Frobnicating?">', "").replace(
        '<div id="topic-title"><h1><a href="/t/frobnicating/55">Frobnicating?</a></h1></div>', "")
    assert parse_page(bare, TOPIC_URL).title == "From preload"


def test_discourse_pages_without_posts() -> None:
    from parsers import ParseError

    json_ld = json.dumps({"@context": "http://schema.org", "@type": "QAPage", "mainEntity": {
        "@type": "Question", "name": "Asked?", "text": "Body"}})
    page = parse_page(_discourse(posts="", head=f'<script type="application/ld+json">{json_ld}'
                                                "</script>"), TOPIC_URL)
    assert (page.title, page.question_text, page.answers) == ("Asked?", "Body", [])
    for posts in ("", "<div class='topic-body'><p>no post</p></div>"):
        try:
            parse_page(_discourse(posts=posts), TOPIC_URL)
        except ParseError as error:
            assert "not a question page" in str(error)
        else:
            raise AssertionError("parsed")
    # a crawler-post without microdata: a question page, without a question's parts
    page = parse_page(_discourse(posts="<div class='crawler-post'><p>x</p></div>"), TOPIC_URL)
    assert (page.title, page.answers, page.question_text) == ("Frobnicating?", [], None)


def test_discourse_region_is_the_first_noscript() -> None:
    page = _discourse().replace("<section id='main'></section>",
                                '<noscript data-path="/x"><p>other</p></noscript>')
    assert parse_page(page, TOPIC_URL).question_text == "Post 1"



# -- Zhihu ----------------------------------------------------------------------------------

ZHIHU_URL = "https://www.zhihu.com/question/5"


def _zhihu(**changes: str) -> str:
    from test_qapage_forums import zhihu_page

    return zhihu_page(**changes)


def test_zhihu_own_question_by_its_token_or_url() -> None:
    # the related question has a text, so would be schema.org's main question (qa_question)
    related = ('<div itemscope itemtype="http://schema.org/Question" data-urltoken="6">'
               '<meta itemprop="name" content="别的问题"><meta itemprop="visitsCount" content="9">'
               '<div itemprop="text">别的</div><link itemprop="url" href="/question/6"></div>')
    page = parse_page(_zhihu(sidebar=related), ZHIHU_URL)
    assert (page.title, page.view_count) == ("标题？", 321)
    html = _zhihu(sidebar=related).replace('data-urltoken="5">', 'data-urltoken="x">'
                                          '<link itemprop="url" href="/question/5">')
    page = parse_page(html, ZHIHU_URL)
    assert (page.title, page.view_count) == ("标题？", 321)


def test_zhihu_schema_org_name_answer_count_and_tag_source() -> None:
    html = _zhihu().replace('<meta itemprop="visitsCount" content="321">',
                            '<meta itemprop="visitsCount" content="321">'
                            '<meta itemprop="name" content="Schema 名">'
                            '<meta itemprop="answerCount" content="7">')
    page = parse_page(html, ZHIHU_URL)
    assert (page.title, page.answer_count) == ("Schema 名", 7)
    assert (page.field_sources["title"], page.field_sources["tags"]) == ("meta", "class")


def test_zhihu_title_tag_length_and_visits_metas_read() -> None:
    def untitled(title: str) -> str:
        return _zhihu().replace("<title>标题？ - 知乎</title>", f"<title>{title}</title>").replace(
            '<div id="zh-question-title"><h2 class="zm-item-title">\n标题？\n</h2></div>', "")

    assert parse_page(untitled("知" * 2_000 + " - 知乎"), ZHIHU_URL).title == "知" * 2_000
    bad = '<meta itemprop="visitsCount" content="x">' * 4
    html = _zhihu().replace('<meta itemprop="visitsCount" content="321">',
                            bad + '<meta itemprop="visitsCount" content="321">')
    assert parse_page(html, ZHIHU_URL).view_count is None


def test_zhihu_counts_read_in_64_characters() -> None:
    from parsers.sites.zhihu import _exact_count, _shown_count

    assert _exact_count(" " * 63 + "7") == 7
    assert _exact_count(" " * 64 + "7") is None
    assert _shown_count(" " * 62 + "3万") == (30_000, True)
    assert _shown_count(" " * 63 + "3万") == (3, False)  # 万 past the 64th character


def test_zhihu_page_without_a_title_heading_or_microdata() -> None:
    from parsers import ParseError

    html = _zhihu().replace("<title>标题？ - 知乎</title>", "").replace(
        '<div id="zh-question-title"><h2 class="zm-item-title">\n标题？\n</h2></div>', "")
    try:
        parse_page(html, ZHIHU_URL)
    except ParseError as error:
        assert "no title" in str(error)
    else:
        raise AssertionError("parsed")
    # no Question item: the page's element says it is a question page
    page = parse_page(_zhihu().replace('itemtype="http://schema.org/Question"', ""), ZHIHU_URL)
    assert page.title == "标题？"


def test_zhihu_unreadable_visible_figure_is_no_view_count() -> None:
    from parsers.sites.zhihu import china_time

    sidebar = '<div class="zg-gray-normal">被浏览 <strong>很多</strong> 次</div>'
    html = _zhihu(sidebar=sidebar).replace('<meta itemprop="visitsCount" content="321">', "")
    page = parse_page(html, ZHIHU_URL)
    assert page.view_count is None and "view_count" not in page.field_sources
    assert china_time("1" * 11) == "2322-02-06T03:45:11+08:00"
    assert china_time("1" * 12) is None


def test_zhihu_view_labels_without_figures() -> None:
    board = '<div class="NumberBoard-item">被浏览 <strong>1k</strong></div>'
    gray = '<div class="zg-gray-normal">被浏览 次</div>'
    page = parse_page(_zhihu(sidebar=board + gray), ZHIHU_URL)
    assert page.view_count == 321
    html = _zhihu(sidebar=gray).replace('<meta itemprop="visitsCount" content="321">', "")
    assert parse_page(html, ZHIHU_URL).view_count is None


def test_zhihu_answer_count_attribute_first_and_no_tags() -> None:
    html = _zhihu().replace('data-num="12"', 'data-num="7"')
    assert parse_page(html, ZHIHU_URL).answer_count == 7
    html = _zhihu().replace('class="zm-item-tag"', 'class="other"')
    page = parse_page(html, ZHIHU_URL)
    assert page.tags == [] and "tags" not in page.field_sources


def test_discourse_likes_in_the_first_8_statistics() -> None:
    from test_qapage_forums import preload, topic_data

    odd = ("<div itemprop='interactionStatistic' itemscope itemtype="
           "'http://schema.org/InteractionCounter'><meta itemprop='interactionType' "
           "content='http://schema.org/ShareAction'></div>") * 8
    second = _post(2).replace("<div itemprop=\"interactionStatistic\"",
                              odd + "<div itemprop=\"interactionStatistic\"")
    page = parse_page(_discourse(posts=_post(1) + second + _post(3),
                                 preloaded=preload(topic_data())), TOPIC_URL)
    assert [a.votes for a in page.answers] == [2, 0]  # the preload's 2, not the 9th's 0


# -- Third pass (issue 16): the survivors the second round left --------------------------------


def test_stack_exchange_a_notice_inside_the_old_duplicate_quote_is_read_with_it() -> None:
    """The old layout's quote is read after the other notices: a notice inside it (two
    levels down) is not read, and removed, on its own first."""
    quote = ("<blockquote><p><strong>Possible Duplicate:</strong><br>"
             "<span><span class='post-notice'><a href='/questions/6/b'>B</a></span></span> "
             "<a href='/questions/5/a'>A</a></p></blockquote>")
    page = parse_page(se_old_page(body_quote=quote), SE_URL)
    assert (page.status, page.duplicate_of, page.question_text) == (
        "duplicate", "https://stackoverflow.com/questions/6/b", "Body text.")


def test_discourse_posts_past_the_cap_are_not_read() -> None:
    """2,002 posts of one item each (under the schema.org reader's caps): the first
    MAX_POSTS (2,001) are read, in page order."""
    from parsers.sites.discourse import MAX_POSTS

    assert MAX_POSTS == 2_001
    posts = "".join("<div class='crawler-post' itemscope itemtype='http://schema.org/"
                    f"DiscussionForumPosting'><div itemprop='articleBody'><p>P{number}</p>"
                    "</div></div>" for number in range(1, 2_003))
    page = parse_page(_discourse(posts=posts, preloaded=""), TOPIC_URL)
    assert page.question_text == "P1"
    assert len(page.answers) == 2_000
    assert [a.text for a in page.answers[:2] + page.answers[-1:]] == ["P2", "P3", "P2001"]


def test_discourse_page_saved_without_its_topic_url() -> None:
    """Parsed under a URL without a topic id and with no canonical link: the JSON-LD
    question's url names the topic."""
    json_ld = json.dumps({"@context": "http://schema.org", "@type": "QAPage", "mainEntity": {
        "@type": "Question", "name": "Frobnicating?", "url": "/t/frobnicating/55"}})
    html = _discourse(head=f'<script type="application/ld+json">{json_ld}</script>')
    page = parse_page(html, "https://forum.example.org/saved/frobnicating.html")
    assert (page.url, page.id, page.question_text) == (TOPIC_URL, "55", "Post 1")
    assert [a.id for a in page.answers] == ["902", "903"]


# Zhihu's 2015 page, cut by _page_region: the head, "<body>", the question page up to the
# footer, the action bars' balanced contents emptied. The marker quoted in the question's
# text, and the footer's and body's markup in scripts (before the page, after the footer),
# are text: they move nothing.
_ZHIHU_HEAD = ('<!DOCTYPE html>\n<html><head><title>标题？ - 知乎</title>'
               "<script>var footer = '<div id=\"zh-footer\">';</script></head>\n")
_ZHIHU_QUESTION = (
    '<div class="zg-wrap zu-main question-page" itemscope itemtype="http://schema.org/Question" '
    'id="zh-single-question-page" data-urltoken="5"><div id="zh-question-detail">'
    '<div class="zm-editable-content">用 &lt;div id="zh-single-question-page"&gt; 找问题</div>'
    "</div>")
_ZHIHU_FOOTER = ('<div id="zh-footer" class="zh-footer">footer</div>\n'
                 "<script>var shell = '<body><div id=\"zh-footer\"></div>';</script>"
                 "</body></html>")


def test_zhihu_region_is_the_question_page_with_its_action_bars_emptied() -> None:
    from parsers.sites.zhihu import PROFILE as ZHIHU

    panels = ('<div class="zm-meta-panel"><a href="#" class="meta-item">'
              '<i class="z-icon-comment"></i>28 条评论</a></div>'
              '<div class="zm-meta-panel"></div>'
              '<div class="zm-meta-panel">发布于 <b>2015</div>'  # unbalanced: left
              '<div class="zm-meta-panel"><div class="x">a</span></div></div>'  # a <div: left
              '<div class="zm-meta-panel"><span>分享</span><span>举报</span></div>')
    page = (_ZHIHU_HEAD + '<body class="zhi"><div class="zu-top">顶栏</div>\n'
            + _ZHIHU_QUESTION + panels + "</div>\n" + _ZHIHU_FOOTER)
    assert ZHIHU._page_region(page) == (
        _ZHIHU_HEAD + "<body>" + _ZHIHU_QUESTION
        + '<div class="zm-meta-panel"></div><div class="zm-meta-panel"></div>'
          '<div class="zm-meta-panel">发布于 <b>2015</div>'
          '<div class="zm-meta-panel"><div class="x">a</span></div></div>'
          '<div class="zm-meta-panel"></div></div>\n')
    # no footer: to the page's end; a panel left open at the end is kept as it is
    open_end = _ZHIHU_HEAD + "<body>" + _ZHIHU_QUESTION + (
        '<div class="zm-meta-panel"><span>x</span></div><div class="zm-meta-panel"><span>')
    assert ZHIHU._page_region(open_end) == (
        _ZHIHU_HEAD + "<body>" + _ZHIHU_QUESTION
        + '<div class="zm-meta-panel"></div><div class="zm-meta-panel"><span>')
    # a page that starts at its <body> (a saved fragment)
    fragment = "<body>" + _ZHIHU_QUESTION + "</div>" + _ZHIHU_FOOTER
    assert ZHIHU._page_region(fragment) == "<body>" + _ZHIHU_QUESTION + "</div>"
    # other layouts are read whole, whatever their first characters
    for other in ('<html><head></head><body><div class="QuestionPage"><div>x</div></div>'
                  "</body></html>", '<body><div class="QuestionPage">x</div></body>'):
        assert ZHIHU._page_region(other) == other
    # 1,000 panels are emptied, not the 1,001st
    many = (_ZHIHU_HEAD + "<body>" + _ZHIHU_QUESTION
            + '<div class="zm-meta-panel"><i>x</i></div>' * 1_001 + "</div>")
    assert ZHIHU._page_region(many) == (
        _ZHIHU_HEAD + "<body>" + _ZHIHU_QUESTION + '<div class="zm-meta-panel"></div>' * 1_000
        + '<div class="zm-meta-panel"><i>x</i></div></div>')


def test_zhihu_unbalanced_action_bar_keeps_what_follows_where_it_was() -> None:
    """A ``<b>`` left open in an action bar is open in what follows, as in the whole page
    (the marker in single quotes: the page is read whole)."""
    from test_qapage_forums import zhihu_answer

    odd = zhihu_answer("11").replace("<span>x</span></div>", "<b>发布于 2015</div>")
    html = _zhihu(answers=odd + zhihu_answer("12"))
    whole = html.replace('id="zh-single-question-page"', "id='zh-single-question-page'")
    for page in (parse_page(html, ZHIHU_URL), parse_page(whole, ZHIHU_URL)):
        assert [(a.id, a.markdown) for a in page.answers] == [("11", "答案"), ("12", "**答案**")]


def test_zhihu_own_question_among_json_ld_questions() -> None:
    """Questions only in JSON-LD (no element, no token): the page's own by its url, not
    the related one schema.org's reader would choose (it has more answers)."""
    questions = [
        {"@type": "Question", "name": "别的问题", "url": "https://www.zhihu.com/question/6",
         "text": "别的", "suggestedAnswer": [{"@type": "Answer", "text": "别的答案"}]},
        {"@type": "Question", "name": "新问题？", "url": "https://www.zhihu.com/question/7",
         "text": "问题描述"}]
    html = ('<html><head><title>新问题？ - 知乎</title><script type="application/ld+json">'
            f'{json.dumps({"@context": "https://schema.org", "@graph": questions})}</script>'
            '</head><body><div class="QuestionPage"><h1 class="QuestionHeader-title">新问题？'
            "</h1></div></body></html>")
    page = parse_page(html, "https://www.zhihu.com/question/7")
    assert (page.title, page.question_text, page.answers) == ("新问题？", "问题描述", [])


def test_zhihu_title_tag_outside_the_head() -> None:
    """An ``<img>`` in the head ends it: the ``<title>`` after it is in the body, where
    only Zhihu's own fallback looks: " - 知乎" goes, the title's own "-" at either end stays."""
    from parsers import ParseError

    def titled(title: str) -> str:
        return _zhihu().replace("<title>标题？ - 知乎</title>",
                                f'<img src="/pixel.gif"><title>{title}</title>').replace(
            '<div id="zh-question-title"><h2 class="zm-item-title">\n标题？\n</h2></div>', "")

    page = parse_page(titled("-1 的平方根和 C 语言的 i-- - 知乎"), ZHIHU_URL)
    assert (page.title, page.field_sources["title"]) == ("-1 的平方根和 C 语言的 i--", "title-tag")
    try:
        parse_page(titled("知" * 2_001 + " - 知乎"), ZHIHU_URL)
    except ParseError as error:
        assert "no title" in str(error)
    else:
        raise AssertionError("parsed")


def test_zhihu_view_meta_of_another_question_is_not_read() -> None:
    related = ('<div itemscope itemtype="http://schema.org/Question" data-urltoken="6">'
               '<meta itemprop="visitsCount" content="9"></div>')
    html = _zhihu(sidebar='<div class="zg-gray-normal">被浏览 <strong>1024</strong> 次</div>')
    html = html.replace('<meta itemprop="visitsCount" content="321">', "").replace(
        '</div><div id="zh-footer"', "</div>" + related + '<div id="zh-footer"')
    page = parse_page(html, ZHIHU_URL)
    assert (page.view_count, page.field_sources["view_count"]) == (1024, "label")


def test_zhihu_newer_layout_by_schema_org() -> None:
    """A page without the 2015 layout's parts: schema.org gives the keywords, the views
    and the answers (links resolved against the page)."""
    html = (
        "<html><head><title>新问题？ - 知乎</title></head><body>"
        '<div class="QuestionPage" itemscope itemtype="http://schema.org/Question">'
        '<meta itemprop="name" content="新问题？">'
        '<meta itemprop="url" content="https://www.zhihu.com/question/7">'
        '<meta itemprop="keywords" content="心理学,恋爱">'
        '<div itemprop="interactionStatistic" itemscope '
        'itemtype="http://schema.org/InteractionCounter"><meta itemprop="interactionType" '
        'content="http://schema.org/WatchAction"><meta itemprop="userInteractionCount" '
        'content="4321"></div>'
        '<h1 class="QuestionHeader-title">新问题？</h1>'
        '<div class="QuestionHeader-detail"><span class="RichText">问题描述</span></div>'
        '<div class="List-item"><div class="ContentItem AnswerItem" itemprop="suggestedAnswer" '
        'itemscope itemtype="http://schema.org/Answer">'
        '<meta itemprop="url" content="https://www.zhihu.com/question/7/answer/70">'
        '<meta itemprop="upvoteCount" content="15">'
        '<span class="RichText" itemprop="text">见 <a href="/question/8">另一个问题</a></span>'
        "</div></div></div></body></html>")
    page = parse_page(html, "https://www.zhihu.com/question/7")
    assert (page.title, page.question_text, page.tags, page.view_count) == (
        "新问题？", "问题描述", ["心理学", "恋爱"], 4321)
    assert (page.field_sources["tags"], page.field_sources["view_count"]) == ("meta", "meta")
    assert [(a.id, a.text, a.markdown, a.votes) for a in page.answers] == [
        ("70", "见 另一个问题", "见 [另一个问题](https://www.zhihu.com/question/8)", 15)]


def test_zhihu_author_links_read_are_four() -> None:
    from test_qapage_forums import zhihu_answer

    avatars = '<a href="/people/ann"><img src="/a.png"></a>' * 4
    answer = zhihu_answer("11", author=f'{avatars}作者 <a href="/people/ann">Ann</a>，bio')
    page = parse_page(_zhihu(answers=answer), ZHIHU_URL)
    assert page.answers[0].author == "作者 Ann"  # the heading's text: the fifth link is not read
