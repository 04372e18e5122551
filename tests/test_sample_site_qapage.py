"""The QAPage sample site over real HTTP: its schema.org data (read with extruct, the
field's library, not the project's parser) and its visible markup say what the truth
says; answers paging, /a/ permalinks, slugs, closed and duplicate notices, robots.txt,
sitemaps, a crawl from the root, faults, and the site changing between runs."""

from __future__ import annotations

import gzip
import re
from collections import deque
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import extruct
import httpx
import pytest
from click.testing import CliRunner
from defusedxml import ElementTree
from protego import Protego
from selectolax.lexbor import LexborHTMLParser as HTMLParser

import sample_sites
from qarchive.commands.demo import demo_command
from qarchive.commands.sample_site import SITES, sample_site_command
from sample_sites import FAULTS, QAPageSite, RunningSampleSite, running_sample_site
from sample_sites.faults import RETRY_AFTER_SECONDS
from sample_sites.qapage.content import Question

PAGES = 120
SEED = 5
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def site() -> Iterator[RunningSampleSite]:
    """A QAPage site with every fault on, shared by the module (tests use their own URLs)."""
    with running_sample_site(site="qapage", pages=PAGES, seed=SEED, faults=FAULTS) as running:
        yield running


def _questions(site: RunningSampleSite) -> list[Question]:
    return [site.site.question(index) for index in site.site.answer_indexes(site.epoch)]


# -- reading a page without the project's parser ------------------------------------------


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _squash(text: str) -> str:
    return " ".join(text.split())


def _schema_org(html: str, url: str) -> dict[str, Any]:
    """The page's QAPage data as extruct reads it, JSON-LD or microdata, in one shape."""
    data = extruct.extract(html, base_url=url, syntaxes=["json-ld", "microdata"],
                           uniform=True)
    pages = [item for item in data["json-ld"] + data["microdata"]
             if item.get("@type") == "QAPage"]
    assert len(pages) == 1, data
    syntax = "json-ld" if data["json-ld"] else "microdata"
    question = pages[0]["mainEntity"]

    def person(item: Any) -> str:
        return item["name"]

    def answer(item: dict[str, Any], accepted: bool) -> dict[str, Any]:
        return {"id": item["url"].rsplit("/", 1)[1], "url": item["url"],
                "text": item["text"], "votes": int(item["upvoteCount"]),
                "created_at": datetime.fromisoformat(item["dateCreated"]),
                "author": person(item["author"]), "accepted": accepted}

    answers = [answer(a, True) for a in _as_list(question.get("acceptedAnswer"))]
    answers += [answer(a, False) for a in _as_list(question.get("suggestedAnswer"))]
    return {
        "syntax": syntax,
        "title": question["name"],
        "text": question["text"],
        "asked_at": datetime.fromisoformat(question["dateCreated"]),
        "votes": int(question["upvoteCount"]),
        "answer_count": int(question["answerCount"]),
        "author": person(question["author"]),
        "answers": answers,
    }


def _visible(html: str, url: str) -> dict[str, Any]:
    """What the page shows, read with CSS selectors."""
    tree = HTMLParser(html)
    viewed = tree.css_first('[title^="Viewed "]')
    assert viewed is not None
    exact = re.fullmatch(r"Viewed ([\d,]+) times", viewed.attributes["title"] or "")
    assert exact is not None
    question = tree.css_first("#question")
    body = question.css_first(".js-post-body")
    notice = body.css_first("aside.s-notice")
    dup = notice.css_first("a.js-dup-link") if notice is not None else None

    def links(module: str) -> list[str]:
        return [urljoin(url, a.attributes["href"] or "")
                for a in tree.css(f".sidebar-{module} a.question-hyperlink")]

    return {
        "title": tree.css_first("h1").text(strip=True),
        "view_count": int(exact.group(1).replace(",", "")),
        "views_shown": viewed.text(strip=True),
        "question_id": question.attributes["data-questionid"],
        "votes": int(question.css_first(".js-vote-count").attributes["data-value"] or ""),
        "tags": [a.text() for a in question.css("a.post-tag")],
        "tag_hrefs": [a.attributes["href"] for a in question.css("a.post-tag")],
        "notice": notice.text() if notice is not None else None,
        "duplicate_of": urljoin(url, dup.attributes["href"] or "") if dup is not None else None,
        "answers": [
            {
                "id": a.attributes["data-answerid"],
                "votes": int(a.css_first(".js-vote-count").attributes["data-value"] or ""),
                "accepted": a.css_first(".js-accepted-answer-indicator") is not None,
                "author": a.css_first(".user-details").text(strip=True),
                "created_at": datetime.fromisoformat(
                    a.css_first(".user-action-time time").attributes["datetime"] or ""),
            }
            for a in tree.css("div.answer[data-answerid]")
        ],
        "linked": links("linked"),
        "related": links("related"),
        "next": [link.attributes["href"] for link in tree.css('link[rel="next"]')],
        "prev": [link.attributes["href"] for link in tree.css('link[rel="prev"]')],
        "canonical": tree.css_first('link[rel="canonical"]').attributes["href"],
    }


# -- the truth, read two ways -------------------------------------------------------------


def test_the_site_has_every_kind_of_question(site: RunningSampleSite) -> None:
    questions = _questions(site)
    statuses = {q.status for q in questions}
    assert statuses == {"open", "closed", "duplicate"}
    assert {q.markup for q in questions} == {"json-ld", "microdata"}
    assert any(not q.answers for q in questions)
    assert any(q.answers and not any(a.accepted for a in q.answers) for q in questions)
    assert any(any(a.accepted for a in q.answers) for q in questions)
    assert any(q.answer_pages >= 3 for q in questions)
    assert any(q.views >= 1000 for q in questions) and any(q.views < 1000 for q in questions)
    assert any(q.asked_at.utcoffset() for q in questions)  # +08:00 beside UTC
    assert any(re.search(r"[\u4e00-\u9fff]", q.title) for q in questions)
    assert any(not re.search(r"[\u4e00-\u9fff]", q.title) for q in questions)


def test_schema_org_data_and_markup_say_what_the_truth_says(
    site: RunningSampleSite, client: httpx.Client
) -> None:
    checked = 0
    for url in sorted(set(site.answer_urls()) - site.faulted_urls()):
        for page_url in site.answer_page_urls(url):
            response = client.get(page_url)
            assert response.status_code == 200, page_url
            expected = site.expected_record(page_url)
            found = _schema_org(response.text, page_url)
            shown = _visible(response.text, page_url)
            assert found["syntax"] == expected["markup"]
            assert found["title"] == shown["title"] == expected["title"]
            assert found["asked_at"] == datetime.fromisoformat(expected["asked_at"])
            assert found["votes"] == shown["votes"] == expected["question_votes"]
            assert found["answer_count"] == expected["answer_count"]
            assert found["author"] == expected["question_author"]
            assert shown["question_id"] == expected["id"]
            assert shown["view_count"] == expected["view_count"]
            assert shown["tags"] == expected["tags"]
            assert shown["tag_hrefs"] == [f"/questions/tagged/{quote(t, safe='')}"
                                          for t in expected["tags"]]
            assert shown["related"] == [q["url"] for q in expected["related_questions"]]
            assert shown["linked"] == [q["url"] for q in expected["linked_questions"]]
            assert shown["canonical"] == expected["url"] == page_url
            if found["syntax"] == "json-ld":
                # JSON-LD holds the body alone; microdata reads the notice inside it too.
                assert found["text"] == expected["question_text"]
            for phrase in expected["question_phrases"]:
                assert phrase in _squash(found["text"])
            # The answers this page shows, in page order: accepted first, then by votes.
            answers = expected["answers"]
            assert [a["id"] for a in found["answers"]] == [a["id"] for a in answers]
            assert [a["id"] for a in shown["answers"]] == [a["id"] for a in answers]
            for got, seen, want in zip(found["answers"], shown["answers"], answers, strict=True):
                assert got["url"] == want["url"]
                assert got["votes"] == seen["votes"] == want["votes"]
                assert got["accepted"] == seen["accepted"] == want["accepted"]
                assert got["author"] == seen["author"] == want["author"]
                assert got["created_at"] == seen["created_at"] == datetime.fromisoformat(
                    want["created_at"])
                if found["syntax"] == "json-ld":
                    assert got["text"] == want["text"]
                for phrase in want["phrases"]:
                    assert phrase in _squash(got["text"])
            checked += 1
    assert checked > PAGES * 0.8


def test_views_are_exact_in_the_title_and_rounded_on_screen(
    site: RunningSampleSite, client: httpx.Client
) -> None:
    faulted = site.faulted_urls()
    big = next(q for q in _questions(site) if q.views >= 10_000 and q.url not in faulted)
    shown = _visible(client.get(big.url).text, big.url)
    assert shown["view_count"] == big.views
    rounded = re.fullmatch(r"Viewed\s*(\d+(?:\.\d)?)([km]) times", shown["views_shown"])
    assert rounded is not None, shown["views_shown"]
    unit = 1000 if rounded.group(2) == "k" else 1_000_000
    step = unit if rounded.group(2) == "k" else 100_000
    low = round(float(rounded.group(1)) * unit)
    assert low <= big.views < low + step


def test_closed_and_duplicate_notices_sit_inside_the_question_body(
    site: RunningSampleSite, client: httpx.Client
) -> None:
    faulted = site.faulted_urls()
    for question in _questions(site):
        if question.url in faulted:
            continue
        html = client.get(question.url).text
        shown = _visible(html, question.url)
        expected = site.expected_record(question.url)
        if question.status == "open":
            assert shown["notice"] is None and expected["duplicate_of"] is None
        elif question.status == "closed":
            assert "Closed." in shown["notice"] and question.close_reason in shown["notice"]
            assert shown["duplicate_of"] is None
        else:
            assert "already has answers here" in shown["notice"]
            assert shown["duplicate_of"] == expected["duplicate_of"]
            assert question.duplicate_of is not None
            assert question.duplicate_of.title in shown["notice"]
            found = _schema_org(html, question.url)
            assert ("already has answers here" in found["text"]) == (
                found["syntax"] == "microdata")


# -- paging, permalinks, slugs ------------------------------------------------------------


def test_answers_are_paged_with_rel_next_and_prev(
    site: RunningSampleSite, client: httpx.Client
) -> None:
    faulted = site.faulted_urls()
    question = next(q for q in _questions(site) if q.answer_pages >= 3 and q.url not in faulted)
    urls = site.answer_page_urls(question.url)
    assert urls == [question.url] + [f"{question.url}?page={n}"
                                     for n in range(2, question.answer_pages + 1)]
    ids: list[str] = []
    for number, url in enumerate(urls, start=1):
        response = client.get(url)
        assert response.status_code == 200
        shown = _visible(response.text, url)
        assert shown["next"] == ([urls[number]] if number < len(urls) else [])
        assert shown["prev"] == ([urls[number - 2]] if number > 1 else [])
        tree = HTMLParser(response.text)
        assert [a.attributes["href"] for a in tree.css('.pager-answers a[rel="next"]')] == (
            shown["next"])
        found = _schema_org(response.text, url)
        assert found["answer_count"] == len(question.answers)
        ids += [a["id"] for a in shown["answers"]]
        assert all(not a["accepted"] for a in shown["answers"]) or number == 1
    whole = site.expected_question(question.url)
    assert ids == [a["id"] for a in whole["answers"]] and len(set(ids)) == len(ids)
    assert len(ids) == whole["answer_count"]
    for query in (f"?page={len(urls) + 1}", "?page=0", "?page=two"):
        assert client.get(question.url + query).status_code == 404


def test_answer_permalinks_redirect_to_their_question_page(
    site: RunningSampleSite, client: httpx.Client
) -> None:
    faulted = site.faulted_urls()
    question = next(q for q in _questions(site) if q.answer_pages >= 2 and q.url not in faulted)
    for answer in (question.answers[0], question.answers[-1]):
        response = client.get(site.url(f"/a/{answer.id}"))
        assert response.status_code == 301
        part = question.part_of(answer.id)
        page = f"?page={part}" if part > 1 else ""
        assert response.headers["location"] == (
            f"/questions/{question.id}/{question.slug}{page}#{answer.id}")
        landed = client.get(site.url(f"/a/{answer.id}"), follow_redirects=True)
        assert landed.status_code == 200
        assert f'data-answerid="{answer.id}"' in landed.text
    assert client.get(site.url("/a/59999999")).status_code == 404
    assert client.get(site.url(f"/a/{int(question.answers[0].id) + 99}")).status_code == 404


def test_short_and_misspelt_question_urls_redirect_to_the_canonical_one(
    site: RunningSampleSite, client: httpx.Client
) -> None:
    question = site.site.question(0)
    path = f"/questions/{question.id}/{question.slug}"
    for wrong in (f"/q/{question.id}", f"/questions/{question.id}",
                  f"/questions/{question.id}/", f"/questions/{question.id}/old-title"):
        response = client.get(site.url(wrong))
        assert response.status_code == 301 and response.headers["location"] == path, wrong
    response = client.get(site.url(f"/questions/{question.id}/old-title?page=2"))
    assert response.headers["location"] == path + "?page=2"
    assert client.get(site.url("/questions/1/nothing")).status_code == 404


def test_every_answer_link_in_a_body_leads_to_an_answer(
    site: RunningSampleSite, client: httpx.Client
) -> None:
    links = {
        match for q in _questions(site)
        for post in (q.post, *(a.post for a in q.answers))
        for match in re.findall(r'href="(/a/\d+)"', post.html)
    }
    assert links
    for link in sorted(links)[:10]:
        response = client.get(site.url(link))
        assert response.status_code == 301
        answer_id = link.rsplit("/", 1)[1]
        assert response.headers["location"].endswith(f"#{answer_id}")


# -- finding the questions ----------------------------------------------------------------


def test_robots_txt(site: RunningSampleSite, client: httpx.Client) -> None:
    text = client.get(site.url("/robots.txt")).text
    robots = Protego.parse(text)
    question = site.site.question(0)
    assert robots.can_fetch(question.url, "qarchive")
    assert robots.can_fetch(question.url + "?page=2", "qarchive")
    assert not robots.can_fetch(question.url + "?answertab=scoredesc", "qarchive")
    assert not robots.can_fetch(site.url(question.author.path), "qarchive")
    assert not robots.can_fetch(site.url("/search?q=bert"), "qarchive")
    assert not robots.can_fetch(site.url("/questions/ask"), "qarchive")
    assert not robots.can_fetch(site.url("/_admin/state"), "qarchive")
    assert not robots.can_fetch(question.url, "GreedyBot")
    assert list(robots.sitemaps) == [site.url("/sitemap.xml")]
    assert robots.crawl_delay("qarchive") is None
    with running_sample_site(site="qapage", pages=5, crawl_delay=0.5) as slow:
        assert Protego.parse(httpx.get(slow.url("/robots.txt")).text).crawl_delay(
            "qarchive") == 0.5


def test_sitemaps_list_every_live_question(site: RunningSampleSite, client: httpx.Client) -> None:
    index = ElementTree.fromstring(client.get(site.url("/sitemap.xml")).content)
    listed = []
    for loc in index.iter(f"{SITEMAP_NS}loc"):
        urlset = ElementTree.fromstring(gzip.decompress(client.get(loc.text).content))
        listed += [u.text for u in urlset.iter(f"{SITEMAP_NS}loc")]
    assert listed == site.answer_urls()


def test_a_crawl_from_the_root_finds_every_question(
    site: RunningSampleSite, client: httpx.Client
) -> None:
    """A breadth-first walk of the links robots.txt allows, from ``/``, without sitemaps."""
    robots = Protego.parse(client.get(site.url("/robots.txt")).text)
    host = urlsplit(site.base_url).netloc
    faulted = site.faulted_urls()
    seen, queue, questions = {site.url("/")}, deque([site.url("/")]), set()
    pattern = re.compile(r"/questions/\d+/[^/?#]+")

    def follow(target: str) -> None:
        target = target.split("#", 1)[0]
        if (urlsplit(target).netloc == host and target not in seen
                and robots.can_fetch(target, "qarchive")):
            seen.add(target)
            queue.append(target)

    while queue:
        url = queue.popleft()
        if url in faulted:
            questions.add(url)  # the page is there; what it does is the faults' tests' matter
            continue
        response = client.get(url)
        if response.status_code == 301:  # /a/<id>, /q/<id>, a question without its slug
            follow(urljoin(url, response.headers["location"]))
            continue
        assert response.status_code == 200, url
        if pattern.fullmatch(urlsplit(url).path) and not urlsplit(url).query:
            questions.add(url)
        for a in HTMLParser(response.text).css("a[href]"):
            follow(urljoin(url, a.attributes["href"] or ""))
    assert questions == set(site.answer_urls())


def test_listing_and_tag_pages(site: RunningSampleSite, client: httpx.Client) -> None:
    first = client.get(site.url("/questions"))
    tree = HTMLParser(first.text)
    assert len(tree.css(".s-post-summary")) == 50
    assert tree.css_first('link[rel="next"]').attributes["href"] == site.url("/questions?page=2")
    assert client.get(site.url("/questions?page=99")).status_code == 404
    tags = site.site.tags()
    tag = next(t for t in tags if not t.isascii())  # a Chinese tag, percent-encoded
    page = client.get(site.url(f"/questions/tagged/{quote(tag)}"))
    shown = [urljoin(site.base_url, a.attributes["href"] or "")
             for a in HTMLParser(page.text).css("h3 a")]
    assert shown == [site.site.url_of(i) for i in tags[tag][:50]]
    assert client.get(site.url("/questions/tagged/no-such-tag")).status_code == 404
    assert client.get(site.url(site.site.question(0).author.path)).status_code == 200


# -- faults -------------------------------------------------------------------------------


def test_faults_hit_question_pages(site: RunningSampleSite, client: httpx.Client) -> None:
    (limited,) = site.affected_urls("429")[:1]
    refused = client.get(limited)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    (failing,) = site.affected_urls("503")[:1]
    assert client.get(failing).status_code == 503
    (moved,) = site.affected_urls("redirect")[:1]
    hops = client.get(moved, follow_redirects=True)
    assert hops.status_code == 200 and str(hops.url) == moved + "?via=redirect"
    assert [r.status_code for r in hops.history] == [301, 302, 307]
    (looping,) = site.affected_urls("redirect-loop")[:1]
    first = client.get(looping)
    assert first.headers["location"] == "/loop" + urlsplit(looping).path
    (cut,) = site.affected_urls("truncated-html")[:1]
    body = client.get(cut).text
    assert "<h1" in body and 'id="mainbar"' not in body and "application/ld+json" not in body
    # Microdata keeps the title (the h1 comes first); no question body, no answers.
    (partial,) = extruct.extract(body, syntaxes=["microdata"], uniform=True)["microdata"] or [
        {"mainEntity": {}}]
    assert set(partial["mainEntity"]) <= {"@type", "name"}
    (soft,) = site.affected_urls("soft-404")[:1]
    page = client.get(soft)
    assert page.status_code == 200 and "QAPage" not in page.text and "Page not found" in page.text
    (encoded,) = site.affected_urls("gbk")[:1]
    gbk = client.get(encoded)
    assert gbk.headers["content-type"] == "text/html; charset=gbk"
    found = _schema_org(gbk.content.decode("gbk"), encoded)
    assert found["title"] == site.expected_record(encoded)["title"]


# -- the site changes between runs --------------------------------------------------------


def test_validators_and_changes_between_epochs(client: httpx.Client) -> None:
    with running_sample_site(site="qapage", pages=200, seed=SEED) as running:
        urls = running.answer_urls()
        before = {url: client.get(url) for url in urls}
        assert all(r.headers["etag"] == client.get(url).headers["etag"]
                   for url, r in list(before.items())[:20])
        one = before[urls[0]]
        assert client.get(urls[0], headers={"if-none-match": one.headers["etag"]}
                          ).status_code == 304
        assert client.get(urls[0], headers={"if-modified-since": one.headers["last-modified"]}
                          ).status_code == 304

        changes = running.site.changes(1)
        assert changes.created and changes.removed and changes.edited
        assert changes.views_changed and changes.answered and changes.voted
        running.set_epoch(1)
        for url in changes.removed:
            assert client.get(url).status_code in (404, 410)
        for url in changes.created:
            assert client.get(url).status_code == 200
        assert set(changes.created) <= set(running.answer_urls())
        changed = set().union(changes.edited, changes.views_changed, changes.answered,
                              changes.voted, changes.removed)
        for url in urls:
            if url in changed:
                continue
            still = client.get(url, headers={"if-none-match": before[url].headers["etag"]})
            # Unchanged, unless its Related sidebar lost a removed or gained a new question.
            if still.status_code == 200:
                index = running.site.index_of(url)
                assert (running.site.related_targets(index, 1)
                        != running.site.related_targets(index, 0)), url
            else:
                assert still.status_code == 304
        for url in changes.views_changed:
            after = client.get(url)
            assert after.headers["etag"] != before[url].headers["etag"]
            assert _visible(after.text, url)["view_count"] == running.expected_record(url)[
                "view_count"] > _visible(before[url].text, url)["view_count"]
        for url in changes.answered:
            old, new = running.expected_question(url, epoch=0), running.expected_question(url)
            assert new["answer_count"] == old["answer_count"] + 1
            assert _schema_org(client.get(url).text, url)["answer_count"] == new["answer_count"]
        for url in changes.edited:
            record = running.expected_question(url)
            texts = [record["question_text"], *(a["text"] for a in record["answers"])]
            assert any("Edit 1 (第1次修改)" in text for text in texts), url
            pages = [client.get(page).text for page in running.answer_page_urls(url)]
            assert any("edited" in page for page in pages)


def test_same_seed_same_site_other_seed_other_site() -> None:
    base = "http://127.0.0.1:8765"
    one, two = QAPageSite(pages=50, seed=3, base_url=base), QAPageSite(pages=50, seed=3,
                                                                       base_url=base)
    other = QAPageSite(pages=50, seed=4, base_url=base)
    assert [one.expected_question(i) for i in range(50)] == [
        two.expected_question(i) for i in range(50)]
    assert one.expected_question(7) != other.expected_question(7)


# -- command line -------------------------------------------------------------------------


def test_command_line_names_the_sites() -> None:
    assert sample_sites.SITES == SITES  # the CLI's copy, kept so --help loads no site
    runner = CliRunner()
    result = runner.invoke(sample_site_command, ["--help"])
    assert result.exit_code == 0 and "--site [csdn|qapage]" in result.output
    result = runner.invoke(sample_site_command, ["--site", "qapage", "--layouts", "evidence=1"])
    assert result.exit_code == 2 and "csdn site's" in result.output
    result = runner.invoke(sample_site_command, ["--site", "zhihu"])
    assert result.exit_code == 2
    result = runner.invoke(demo_command, ["--site", "qapage", "--layouts", "evidence=1",
                                          "--no-serve"])
    assert result.exit_code == 2 and "csdn site's" in result.output


def test_state_names_the_site(site: RunningSampleSite, client: httpx.Client) -> None:
    state = client.get(site.url("/_admin/state")).json()
    assert state["site"] == "qapage" and state["pages"] == len(site.answer_urls())
    with pytest.raises(ValueError, match="csdn site's"):
        site.layout(site.root_url)
