"""The sample site's layouts: reconstruction, evidence and redesign.

Mixes are honoured and deterministic, a switch at an epoch changes the pages'
layout, evidence pages hold the structures the evidence about the real pages
describes, the embedded state JSON holds the complete answer, and the redesign
shows no views anywhere. Pages are read with selectolax only: the truth
(``expected_record``) must stand without the project's parser.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from click.testing import CliRunner
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode
from tests_support import views_value

from qarchive.commands.sample_site import sample_site_command
from sample_sites import (
    FAULTS,
    LAYOUTS,
    RunningSampleSite,
    SampleSite,
    SampleSiteFactory,
    parse_layout_switch,
    parse_mix,
    render_answer_page,
    render_page,
    running_sample_site,
)

PAGES = 300
SEED = 5
MIX = {"reconstruction": 0.4, "evidence": 0.4, "redesign": 0.2}
_STATE = re.compile(r"window\.__INITIAL_STATE__\s*=\s*")


@pytest.fixture(scope="module")
def mixed() -> SampleSite:
    return SampleSite(pages=PAGES, seed=SEED, layouts=MIX)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSampleSite]:
    with running_sample_site(pages=PAGES, seed=SEED, layouts=MIX, faults=FAULTS) as site:
        yield site


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as c:
        yield c


def _pages(site: SampleSite, layout: str, epoch: int = 0) -> list[int]:
    return [i for i in site.answer_indexes(epoch) if site.layout(i, epoch) == layout]


# -- reading pages with selectolax alone ---------------------------------------------------


def _state(html: str) -> dict[str, Any]:
    tree = HTMLParser(html)
    scripts = [s.text() for s in tree.css("script") if "__INITIAL_STATE__" in s.text()]
    assert len(scripts) == 1
    match = _STATE.search(scripts[0])
    assert match is not None
    state, _ = json.JSONDecoder().raw_decode(scripts[0], match.end())
    assert isinstance(state, dict)
    return state


_TIME = re.compile(
    r"^(发布时间|提问时间|时间)(?:[:：]\s*|\s)(\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?)$")
_VIEWS_AFTER = re.compile(r"^(浏览量|浏览|阅读量|阅读)(?:[:：]\s*|\s*)(\S+)$")
_VIEWS_BEFORE = re.compile(r"^(\d[\d.,]*(?:万\+|万|w)?)(浏览量|浏览|阅读量|阅读)$")


def _text(node: LexborNode | None) -> str:
    assert node is not None
    return " ".join(node.text(deep=True).split())


def _related(url: str, root: LexborNode | None) -> list[dict[str, Any]]:
    if root is None:
        return []
    related = []
    for position, block in enumerate(root.css(".related-question"), start=1):
        link = block.css_first("a.question-tit")
        target = urljoin(url, link.attributes["href"] or "") if link is not None else None
        related.append({
            "position": position,
            "id": target.rsplit("/", 1)[1] if target else None,
            "url": target,
            "title": _text(block.css_first(".question-tit")),
            "answer_text": _text(block.css_first(".question-answer")),
        })
    return related


def _recommended(url: str, tree: HTMLParser) -> list[dict[str, Any]]:
    box = tree.css_first("#recommend")
    assert box is not None
    found: dict[str, list[dict[str, Any]]] = {"related": [], "latest": []}
    for item in box.css("div.recommend-item-box"):
        link = item.css_first("a.tit")
        assert link is not None and link.css_first("div.left") is not None
        desc = item.css_first(".desc")
        assert desc is not None and link.css_first(".desc") is None  # outside the link
        target = urljoin(url, link.attributes["href"] or "")
        assert item.attributes["data-url"] == target
        date = _text(item.css_first(".date"))
        assert re.fullmatch(r"\d\d-\d\d", date) and datetime.strptime(date, "%m-%d")
        tag = link.css_first("div.tag")
        section = "latest" if tag is not None and _text(tag) == "最新发布" else "related"
        icon = item.css_first("img").attributes["src"] or ""
        found[section].append({
            "section": section,
            "position": len(found[section]) + 1,
            "url": target,
            "title": _text(link.css_first("div.left")),
            "description": _text(desc),
            "file_type": icon.rsplit("/", 1)[1].removesuffix(".png").lower(),
            "kind": urlsplit(target).path.split("/")[1],
        })
    return found["related"] + found["latest"]


def _read_evidence(html: str, url: str) -> dict[str, Any]:
    """An evidence page, read by the selectors the evidence names."""
    tree = HTMLParser(html)
    assert tree.css_first("h1") is None
    detail = tree.css_first("#app > #chatgpt-article-detail")
    assert detail is not None
    assert tree.css_first("#chatgpt-article-detail > .layout-center") is not None
    assert tree.css_first("#chatgpt-article-detail > .layout-right") is not None
    title = tree.css_first("#chatgpt-article-detail div.title.forbid")
    assert title is not None
    data = title.next
    while data is not None and data.tag != "div":
        data = data.next
    assert data is not None and "data" in (data.attributes.get("class") or "").split()
    time_match = _TIME.match(_text(data.css_first(".time")))
    views_text = _text(data.css_first(".read-count"))
    assert time_match, _text(data)
    views_match = _VIEWS_AFTER.match(views_text) or _VIEWS_BEFORE.match(views_text)
    assert views_match, views_text
    shown = views_match.group(2) if views_match.re is _VIEWS_AFTER else views_match.group(1)
    time_text = time_match.group(2)
    moment = datetime.strptime(
        time_text, "%Y-%m-%d %H:%M:%S" if time_text.count(":") == 2 else "%Y-%m-%d %H:%M")
    view_count, approximate = views_value(shown)
    head_title = _text(tree.css_first("title"))
    assert head_title.endswith(" - CSDN文库")
    og = tree.css_first('meta[property="og:title"]')
    assert og is not None and og.attributes["content"] == _text(title)
    assert tree.css_first('meta[property="og:description"]') is not None
    return {
        "title": _text(title),
        "head_title": head_title.removesuffix(" - CSDN文库"),
        "asked_at": moment.isoformat() + "+08:00",
        "view_count": view_count,
        "view_count_approximate": approximate,
        "related_questions": _related(url, tree.css_first(".related-box")),
        "recommended_resources": _recommended(url, tree),
        "sidebar_links": [
            urljoin(url, a.attributes["href"] or "") for a in tree.css(".layout-right .hot-box a")
        ],
    }


_ANSWER_BOXES = (
    "#chatgpt-article-detail > div.layout-center > div.main > div.article-box > "
    "div.cont.first-show.forbid",
    "div#copyRef.content-view",
    "div.markdown_views",
    "div.htmledit_views",
)


def _answer_box(tree: HTMLParser) -> LexborNode:
    for selector in _ANSWER_BOXES:
        if (box := tree.css_first(selector)) is not None:
            return box
    raise AssertionError("no answer box")


# -- mixes and switches --------------------------------------------------------------------


def test_default_is_reconstruction_only() -> None:
    site = SampleSite(pages=PAGES, seed=SEED)
    assert site.layout_plan.is_default
    assert {site.layout(i, e) for i in range(PAGES) for e in (0, 5)} == {"reconstruction"}
    record = site.expected_record(0)
    assert record["layout"] == "reconstruction" and record["missing_fields"] == []
    assert record["answer_complete_in_dom"] is True
    assert render_page(site.content(0)) == render_answer_page(site.content(0))


@pytest.mark.parametrize("mix", [
    {"evidence": 0.5},
    {"reconstruction": 0.5, "evidence": 0.5},
    MIX,
    {"evidence": 0.98, "redesign": 0.02},
    {"redesign": 1.0},
])
def test_the_share_is_honoured(mix: dict[str, float]) -> None:
    site = SampleSite(pages=1000, seed=SEED, layouts=mix)
    wanted = {name: mix.get(name, 0.0) for name in LAYOUTS}
    wanted["reconstruction"] = 1.0 - sum(v for k, v in wanted.items() if k != "reconstruction")
    counts = Counter(site.layout(i) for i in range(1000))
    for name, share in wanted.items():
        assert abs(counts[name] / 1000 - share) <= 0.01, (name, counts)
    # Evenly spread: any 100 consecutive pages (the order a crawl from page 0 meets
    # them in) hold close to the share too.
    for start in range(0, 900, 50):
        window = Counter(site.layout(i) for i in range(start, start + 100))
        for name, share in wanted.items():
            assert abs(window[name] / 100 - share) <= 0.04, (start, name, window)
    # ... and so do the pages created at later epochs.
    late = Counter(site.layout(i) for i in range(1000, 1400))
    for name, share in wanted.items():
        assert abs(late[name] / 400 - share) <= 0.02


def test_pages_are_deterministic(mixed: SampleSite) -> None:
    again = SampleSite(pages=PAGES, seed=SEED, layouts=dict(MIX))
    other = SampleSite(pages=PAGES, seed=SEED + 1, layouts=MIX)
    for index in range(0, PAGES, 3):
        assert mixed.layout(index) == again.layout(index)
        assert render_page(mixed.content(index)) == render_page(again.content(index))
        assert mixed.expected_record(index) == again.expected_record(index)
    assert [other.layout(i) for i in range(40)] != [mixed.layout(i) for i in range(40)]
    # The content is the site's, whatever the layout: a page keeps its title, answer
    # and links; only pages first served as evidence may take a 12-character id.
    plain = SampleSite(pages=PAGES, seed=SEED)
    for index in range(PAGES):
        mine, theirs = mixed.expected_record(index), plain.expected_record(index)
        if len(mine["id"]) == 12:
            assert mixed.layout(index) == "evidence"
            continue
        assert mine["id"] == theirs["id"]
        for name in ("title", "answer_phrases", "code_blocks"):
            assert mine[name] == theirs[name], (index, name)
        # Links lead to the same pages, some of which have a 12-character id here.
        assert [mixed.index_of(u.split("?")[0]) for u in mine["sidebar_links"]] == [
            plain.index_of(u.split("?")[0]) for u in theirs["sidebar_links"]]
        if mine["layout"] != "redesign":
            for name in ("asked_at", "view_count", "view_count_approximate"):
                assert mine[name] == theirs[name], (index, name)


def test_layouts_switch_at_the_epoch(sample_site_factory: SampleSiteFactory,
                                     client: httpx.Client) -> None:
    site = sample_site_factory(pages=120, seed=SEED, layouts={"evidence": 1.0},
                               layout_switch=(2, {"redesign": 1.0}))
    model = site.site
    for epoch, layout in ((0, "evidence"), (1, "evidence"), (2, "redesign"), (4, "redesign")):
        assert {model.layout(i, epoch) for i in model.answer_indexes(epoch)} == {layout}
    url = site.root_url
    before = client.get(url)
    assert "chatgpt-article-detail" in before.text
    assert site.expected_record(url)["view_count"] is not None
    site.set_epoch(1)
    assert client.get(url, headers={"if-none-match": before.headers["etag"]}).status_code in (
        200, 304)
    state = client.get(site.url("/_admin/state")).json()
    assert state["layouts"] == {"evidence": 1.0}
    assert state["layout_switch"] == [2, {"redesign": 1.0}]
    assert state["layout_mix"]["evidence"] == 1.0
    assert client.post(site.url("/_admin/epoch/2")).json()["layout_mix"]["redesign"] == 1.0
    after = client.get(url, headers={"if-none-match": before.headers["etag"],
                                     "if-modified-since": before.headers["last-modified"]})
    assert after.status_code == 200 and "qa-question" in after.text
    assert "chatgpt-article-detail" not in after.text
    assert parsedate_to_datetime(after.headers["last-modified"]) > parsedate_to_datetime(
        before.headers["last-modified"])
    assert site.layout(url) == "redesign" and site.layout(url, epoch=0) == "evidence"
    record = site.expected_record(url)
    assert record["layout"] == "redesign" and record["view_count"] is None
    relaid = model.changes(2).relaid
    survivors = [model.url_of(i) for i in model.answer_indexes(1)
                 if model.status(i, 2) == 200]
    assert set(relaid) == set(survivors)
    assert model.changes(1).relaid == ()


def test_mix_then_switch_keeps_unswitched_shares(mixed: SampleSite) -> None:
    site = SampleSite(pages=PAGES, seed=SEED, layouts={"evidence": 0.98},
                      layout_switch=(1, {"evidence": 0.08, "redesign": 0.9}))
    before = Counter(site.layout(i, 0) for i in range(PAGES))
    after = Counter(site.layout(i, 1) for i in range(PAGES))
    assert before["evidence"] / PAGES >= 0.97 and after["redesign"] / PAGES >= 0.88


def test_options_are_parsed_and_checked() -> None:
    assert parse_mix("evidence=0.5") == {"evidence": 0.5}
    assert parse_mix("evidence") == {"evidence": 1.0}
    assert parse_mix("reconstruction=0.25, evidence=0.75") == {"reconstruction": 0.25,
                                                              "evidence": 0.75}
    assert parse_layout_switch("3:redesign=1") == (3, {"redesign": 1.0})
    for bad in ("teapot=1", "evidence=0.7,redesign=0.5", "evidence=x", "",
                "reconstruction=0.3,evidence=0.3", "evidence=1.5"):
        with pytest.raises(ValueError):
            parse_mix(bad)
    for bad in ("redesign=1", "x:redesign=1", "-1:redesign=1"):
        with pytest.raises(ValueError):
            parse_layout_switch(bad)
    with pytest.raises(ValueError, match="unknown layout"):
        SampleSite(pages=10, layouts={"modern": 1.0})
    runner = CliRunner()
    result = runner.invoke(sample_site_command, ["--help"])
    assert "--layouts" in result.output and "--layout-switch" in result.output
    result = runner.invoke(sample_site_command, ["--layouts", "teapot=1"])
    assert result.exit_code == 2 and "unknown layout" in result.output
    result = runner.invoke(sample_site_command, ["--layout-switch", "soon"])
    assert result.exit_code == 2 and "EPOCH:MIX" in result.output


# -- the evidence layout ---------------------------------------------------------------------


def test_evidence_pages_show_what_the_truth_says(
    served: RunningSampleSite, client: httpx.Client
) -> None:
    faulted = {url for fault in FAULTS for url in served.affected_urls(fault)}
    checked = 0
    for index in _pages(served.site, "evidence"):
        url = served.site.url_of(index)
        if url in faulted:
            continue
        response = client.get(url)
        assert response.status_code == 200
        shown = _read_evidence(response.text, url)
        expected = served.expected_record(url)
        assert shown.pop("head_title") == expected["title"]
        for name, value in shown.items():
            assert value == expected[name], (url, name)
        assert expected["layout"] == "evidence" and expected["missing_fields"] == []
        checked += 1
    assert checked > PAGES * 0.3


def test_evidence_pages_vary_like_the_evidence(mixed: SampleSite) -> None:
    indexes = _pages(mixed, "evidence")
    html = {i: render_page(mixed.content(i)) for i in indexes}
    trees = {i: HTMLParser(page) for i, page in html.items()}
    datas = [_text(t.css_first("div.data")) for t in trees.values()]
    for label in ("时间", "发布时间", "提问时间", "浏览", "浏览量", "阅读量", "阅读"):
        assert any(re.search(rf"(^|\s|\d){label}([:：\s\d]|$)", d) for d in datas), label
    assert any("：" in d for d in datas) and any(": " in d for d in datas)
    assert any(re.search(r"阅读量?\d", d) for d in datas)  # no colon: "阅读量1.3w"
    assert any(re.search(r"\d(阅读|浏览)", d) for d in datas)  # value before the label
    boxes = Counter(
        next(sel for sel in _ANSWER_BOXES if t.css_first(sel) is not None) for t in trees.values()
    )
    assert len(boxes) == len(_ANSWER_BOXES), boxes
    ids = {len(mixed.page_id(i)) for i in indexes}
    assert ids == {10, 12, 32}
    records = [mixed.expected_record(i) for i in indexes]
    unlinked = [q for r in records for q in r["related_questions"] if q["url"] is None]
    assert unlinked and all(q["id"] is None and q["title"] for q in unlinked)
    assert any(q["url"] for r in records for q in r["related_questions"])
    collapsed = [t for t in trees.values() if t.css_first("div.open") is not None]
    assert collapsed and len(collapsed) < len(trees)
    for tree in collapsed:
        assert _text(_answer_box(tree).css_first("div.open")) == "展开全文"
    assert all(t.css_first(".csdn-side-toolbar") is not None for t in trees.values())
    assert any(t.css_first("div.tag") is not None for t in trees.values())
    assert any("__INITIAL_STATE__ = {" in page for page in html.values())
    assert any("__INITIAL_STATE__={" in page for page in html.values())
    assert any("\\u" in page for page in html.values())  # ASCII-escaped JSON on some


def test_state_json_holds_the_complete_markdown(mixed: SampleSite) -> None:
    cut = 0
    for index in _pages(mixed, "evidence") + _pages(mixed, "redesign"):
        content = mixed.content(index)
        page = render_page(content)
        detail = _state(page)["pageData"]["detailInfo"]
        record = mixed.expected_record(index)
        assert detail["title"] == record["title"]
        markdown = detail["viewContent"]
        assert markdown == content.answer.markdown
        for phrase in record["answer_phrases"]:
            assert phrase in markdown, (index, phrase)
        for block in record["code_blocks"]:
            assert f"```{block['language']}\n{block['code']}\n```" in markdown
        tree = HTMLParser(page)
        shown = _text(tree.css_first(".qa-answer-body") if record["layout"] == "redesign"
                      else _answer_box(tree))
        missing = [p for p in record["answer_phrases"] if " ".join(p.split()) not in shown]
        assert detail["isShowAll"] is record["answer_complete_in_dom"]
        if record["answer_complete_in_dom"]:
            assert not missing, index
        else:
            cut += 1
            codes_hidden = [b for b in record["code_blocks"] if b["code"] not in
                            (tree.css_first(".qa-answer-body") or _answer_box(tree)).text()]
            assert missing or codes_hidden or len(content.answer.html_blocks) > 1
    assert cut > 10


def test_edits_reach_the_state(mixed: SampleSite) -> None:
    edited = [i for i in _pages(mixed, "evidence", 3) if mixed.version(i, 3)]
    assert edited
    for index in edited:
        markdown = _state(render_page(mixed.content(index, 3)))["pageData"]["detailInfo"][
            "viewContent"]
        assert "补充说明(第1次修改)" in markdown
        assert mixed.expected_record(index, epoch=3)["answer_phrases"][-1] in markdown


def test_truncated_html_on_an_evidence_page_has_no_answer(client: httpx.Client) -> None:
    with running_sample_site(pages=PAGES, seed=SEED, layouts={"evidence": 1.0},
                             faults=["truncated-html"]) as site:
        for url in site.affected_urls("truncated-html"):
            tree = HTMLParser(client.get(url).text)
            assert tree.css_first("div.title.forbid") is not None
            assert tree.css_first("div.article-box, div.first-show") is None
            assert not [s for s in tree.css("script") if "__INITIAL_STATE__" in s.text()]


# -- the redesign ------------------------------------------------------------------------


def test_redesign_shows_no_views_anywhere(mixed: SampleSite) -> None:
    indexes = _pages(mixed, "redesign")
    assert indexes
    for index in indexes:
        page = render_page(mixed.content(index))
        record = mixed.expected_record(index)
        assert record["view_count"] is None and record["view_count_approximate"] is False
        assert record["asked_at"] is None
        assert record["missing_fields"] == ["asked_at", "view_count"]
        # No label with a figure anywhere, script text included; no label at all
        # outside the texts people wrote (answer, related questions, resources).
        assert not re.search(r"(浏览|阅读)量?[:：]?\s*\d|时间[:：]?\s*\d{4}", page), index
        for name in ("views", "viewCount", "read-count", "readCount"):
            assert name not in page, (index, name)
        chrome = HTMLParser(page)
        for node in chrome.css(".qa-answer-body, .related-box, #recommend, script, meta"):
            node.decompose()
        for label in ("浏览", "阅读", "时间"):
            assert label not in chrome.html, (index, label)
        detail = _state(page)["pageData"]["detailInfo"]
        assert not [key for key in detail if "view" in key.lower() and key != "viewContent"]
        tree = HTMLParser(page)
        assert tree.css_first("div.data") is None and tree.css_first("h1") is None
        assert tree.css_first("#chatgpt-article-detail") is None
        # What a correct parser still finds: the title, the answer, the links.
        assert _text(tree.css_first("title")) == f"{record['title']} - CSDN文库"
        assert tree.css_first('meta[property="og:title"]').attributes["content"] == record[
            "title"]
        assert _related(mixed.url_of(index), tree.css_first(".related-box")) == record[
            "related_questions"]
        assert _recommended(mixed.url_of(index), tree) == record["recommended_resources"]


def test_a_crawl_of_a_mixed_site_reaches_every_page(client: httpx.Client) -> None:
    """The link graph holds in every layout: related links lead from page 0 to all."""
    with running_sample_site(pages=150, seed=SEED, layouts=MIX) as site:
        start = site.root_url
        seen, queue = {start}, [start]
        while queue:
            url = queue.pop()
            tree = HTMLParser(client.get(url).text)
            links = tree.css(".related-questions a, .related-box a.question-tit")
            for link in links:
                target = urljoin(url, link.attributes["href"] or "")
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
        assert seen == set(site.answer_urls())


def test_evidence_pages_parse_with_the_project_parser(mixed: SampleSite) -> None:
    from parsers import parse_page

    for index in _pages(mixed, "evidence") + _pages(mixed, "redesign"):
        url = mixed.url_of(index)
        page = parse_page(render_page(mixed.content(index)).encode(), url).to_record()
        expected = mixed.expected_record(index)
        for name in ("id", "title", "asked_at", "view_count", "view_count_approximate",
                     "recommended_resources"):
            assert page[name] == expected[name], (url, name)
        # The page may link one sidebar page twice (relative and protocol-relative); the
        # parser lists each page once, first place kept.
        assert page["sidebar_links"] == list(dict.fromkeys(expected["sidebar_links"])), url
        assert [(q["title"], q["url"]) for q in page["related_questions"]] == [
            (q["title"], q["url"]) for q in expected["related_questions"]]
        for phrase in expected["answer_phrases"]:
            assert phrase in page["answer_text"], (url, phrase)
