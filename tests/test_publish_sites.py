"""Datasette over an archive of several sites (#17): a CSDN page imported, and Q&A pages with
several answers, tags and a duplicate written by the archive's own writer, read through
Datasette's in-process client. The question page (body, answers in reading order, the
duplicate's target), hostile Markdown, the site and tag facets, the new canned queries,
search over bodies and answers, and one id on two sites as two questions."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from datasette.app import Datasette
from test_publish import CSDN, REFERENCE_ID, _get, question_path, serving
from tests_support import FIXTURES

from archive import open_archive
from archive.search import answer_start
from crawler.importer import import_files
from parsers import Answer, AnswerPage, RelatedQuestion
from publish import load_metadata

SO, SU = "stackoverflow.com", "superuser.com"
SORTING, DUPLICATE, UNANSWERED, SHARED = "11227809", "4242", "5555", "4242"

# What hostile pages put in a question body and an answer. None of it may run.
HOSTILE = (
    "Intro <script>window.__xss=1</script>\n\n"
    "<img src=x onerror=window.__xss=2>\n\n"
    "[click](javascript:window.__xss=3) and [ok](https://example.com/)\n"
)


def _url(site: str, id_: str) -> str:
    return f"https://{site}/questions/{id_}/q"


def _answer(position: int, id_: str, text: str, votes: int | None, *, accepted: bool = False,
            markdown: str | None = None) -> Answer:
    return Answer(position=position, id=id_, text=text, markdown=markdown or text, votes=votes,
                  accepted=accepted, author=f"author {id_}",
                  created_at=f"2012-06-2{position}T10:00:00+00:00")


def _question(site: str, id_: str, title: str, *, answers: list[Answer], tags: list[str],
              view_count: int, body: str = "A question body.", **fields: object) -> AnswerPage:
    first = next((answer for answer in answers if answer.accepted), answers[0] if answers
                 else None)
    values: dict[str, object] = dict(
        url=_url(site, id_), id=id_, site=site, title=title,
        asked_at="2012-06-27T13:51:36+00:00", view_count=view_count,
        answer_text=first.text if first else "", answer_markdown=first.markdown if first else "",
        question_text=body, question_markdown=body, question_votes=27,
        question_author="asker", tags=tags, answer_count=len(answers), answers=answers,
        profile="stackexchange", parser_version=1)
    values.update(fields)
    return AnswerPage(**values)  # type: ignore[arg-type]


PAGES = [
    # Three answers in page order; read accepted first (903), then by votes (902, 901).
    _question(SO, SORTING, "Why is processing a sorted array faster?", view_count=1_900_000,
              tags=["java", "performance"], body="Branch **prediction** puzzle.",
              answers=[_answer(1, "901", "A quokka explains it.", 5),
                       _answer(2, "902", "Branch prediction.", 30),
                       _answer(3, "903", "Look at the assembly.", 12, accepted=True)]),
    # Closed as a duplicate of the first, which its Linked list names; a hostile answer.
    _question(SO, DUPLICATE, "Sorted arrays are fast, why?", view_count=300,
              tags=["java"], body=HOSTILE, status="duplicate",
              duplicate_of=_url(SO, SORTING),
              answers=[_answer(1, "911", "Hostile answer", 2, markdown=HOSTILE)],
              linked_questions=[RelatedQuestion(1, SORTING, _url(SO, SORTING),
                                                "Why is processing a sorted array faster?",
                                                "")]),
    # Fetched, no answers: its body holds a word nothing else has.
    _question(SO, UNANSWERED, "Nobody answered this", view_count=40, tags=["cobol"],
              body="Why does my zebrafish program hang?", answers=[], answer_count=0),
    # Another site, the same id as the duplicate.
    _question(SU, SHARED, "How do I map a network drive?", view_count=800, tags=["windows"],
              answers=[_answer(1, "921", "Use net use.", 7, accepted=True)]),
]


def build_sites_archive(path: Path) -> Path:
    db = open_archive(path)
    import_files(db, [FIXTURES / "answer-2kxyq3m7vd.html"])
    for page in PAGES:
        with db.atomic():
            db.store_answer_page(page)
    db.close()
    return path


@pytest.fixture
def archive_path(tmp_path: Path) -> Path:
    return build_sites_archive(tmp_path / "sites.db")


@pytest.fixture
async def ds(archive_path: Path) -> AsyncIterator[Datasette]:
    async with serving(archive_path) as datasette:
        yield datasette


async def _rows(ds: Datasette, query: str, **params: str) -> list[dict]:
    args = httpx.QueryParams({**params, "_shape": "array"})
    return (await _get(ds, f"/archive/{query}.json?{args}")).json()


# ---------------------------------------------------------------------------
# The question page


async def test_answers_read_accepted_first_then_by_votes(ds: Datasette) -> None:
    html = (await _get(ds, question_path(SORTING, SO))).text
    assert re.findall(r'data-answer-id="(\d+)"', html) == ["903", "902", "901"]
    assert html.count("✓ accepted") == 1
    accepted = html[html.index('data-answer-id="903"'):html.index('data-answer-id="902"')]
    assert "✓ accepted" in accepted and "votes: 12" in accepted
    assert "author 903" in accepted and "2012-06-23 10:00:00" in accepted
    assert '<h2 class="qa-answers-heading">3 answers</h2>' in html
    # The question before its answers: its body, votes, author, tags, site.
    body = html.index('<section class="qa-body">')
    assert body < html.index('data-answer-id="903"')
    assert "<strong>prediction</strong>" in html[body:]
    assert "votes: 27" in html and "asked by asker" in html
    assert re.findall(r'<ul class="qa-tags">(.*?)</ul>', html, re.S)[0].count("<li>") == 2
    assert 'href="/archive/questions_by_tag?tag=java"' in html
    assert f'<span class="qa-site">{SO}</span>' in html


async def test_a_csdn_question_still_reads_like_its_page(ds: Datasette) -> None:
    html = (await _get(ds, question_path(REFERENCE_ID))).text
    assert html.count('<section class="qa-answer"') == 1
    assert "<p>模型预训练和模型训练的区别在于" in html
    for absent in ('<h2 class="qa-answers-heading">', '<section class="qa-body">',
                   '<p class="qa-meta qa-answer-meta">', '<p class="qa-status"',
                   '<ul class="qa-tags">'):
        assert absent not in html, absent
    assert "浏览: 76" in html and "<h2>相关问题</h2>" in html


async def test_a_duplicate_links_to_its_target(ds: Datasette) -> None:
    html = (await _get(ds, question_path(DUPLICATE, SO))).text
    notice = re.search(r'<p class="qa-status" data-status="duplicate">(.*?)</p>', html, re.S)
    assert notice is not None
    assert (f'<a href="{question_path(SORTING, SO)}">Why is processing a sorted array '
            "faster?</a>") in notice.group(1)
    assert f'href="{_url(SO, SORTING)}"' in notice.group(1)  # and on the site


async def test_hostile_markdown_in_a_body_and_an_answer_is_neutralised(ds: Datasette) -> None:
    html = (await _get(ds, question_path(DUPLICATE, SO))).text
    article = html[html.index("<article"):html.index("</article>")]
    assert article.count("&lt;script&gt;window.__xss=1&lt;/script&gt;") == 2  # body, answer
    assert "<script" not in article
    assert not re.search(r"<(img|svg)[^>]*\son\w+=", article, re.I)
    assert not re.search(r"(href|src)=[\"']?\s*javascript:", article, re.I)
    assert article.count('<a href="https://example.com/" rel="noopener noreferrer nofollow '
                         'ugc">ok</a>') == 2
    for path in ("/archive/answers", "/archive/top_voted_answers", "/archive/questions",
                 "/archive/duplicate_questions", "/archive/-/search?q=hostile"):
        page = (await _get(ds, path)).text
        assert "<script>window.__xss" not in page, path
        assert not re.search(r"<(img|svg)[^>]*\son\w+=", page, re.I), path
        assert not re.search(r"(href|src)=[\"']?\s*javascript:", page, re.I), path


async def test_one_id_on_two_sites_is_two_questions(ds: Datasette) -> None:
    so = (await _get(ds, question_path(SHARED, SO))).text
    su = (await _get(ds, question_path(SHARED, SU))).text
    assert "<title>Sorted arrays are fast, why?</title>" in so
    assert "<title>How do I map a network drive?</title>" in su
    assert "Use net use." in su and "Use net use." not in so
    assert question_path(SHARED, SO) != question_path(SHARED, SU)
    # The id alone is ambiguous: it leads to the table of the questions with that id.
    response = await ds.client.get(f"/archive/questions/{SHARED}")
    assert response.status_code == 302
    listed = (await _get(ds, response.headers["location"].replace("?", ".json?_shape=array&")))
    assert sorted((row["site"], row["title"]) for row in listed.json()) == [
        (SO, "Sorted arrays are fast, why?"), (SU, "How do I map a network drive?")]
    # One site's id alone still leads to its page.
    response = await ds.client.get(f"/archive/questions/{SORTING}")
    assert response.headers["location"] == question_path(SORTING, SO)


# ---------------------------------------------------------------------------
# Facets


async def test_site_and_tag_facets_count_the_questions(ds: Datasette) -> None:
    data = (await _get(ds, "/archive/questions.json")).json()
    sites = {r["value"]: r["count"] for r in data["facet_results"]["site"]["results"]}
    # CSDN: the imported page and the two questions it lists as related.
    assert sites == {CSDN: 3, SO: 3, SU: 1}
    tags = {r["value"]: r["count"] for r in data["facet_results"]["tags"]["results"]}
    assert tags == {"java": 2, "performance": 1, "cobol": 1, "windows": 1}
    # The same counts as Datasette's own array facet over the JSON column.
    array = (await _get(ds, "/archive/questions.json?_facet_array=tags")).json()
    assert {r["value"]: r["count"] for r in array["facet_results"]["tags"]["results"]} == tags
    # Selecting a tag filters as the array facet does, and the counts follow the filter.
    java = next(r for r in data["facet_results"]["tags"]["results"] if r["value"] == "java")
    assert "tags__arraycontains=java" in java["toggle_url"]
    picked = (await _get(ds, "/archive/questions.json?tags__arraycontains=java")).json()
    assert {tuple(row[:2]) for row in picked["rows"]} == {(SO, SORTING), (SO, DUPLICATE)}
    assert {r["value"]: r["count"] for r in picked["facet_results"]["tags"]["results"]} == {
        "java": 2, "performance": 1}
    assert {r["value"]: r["count"] for r in picked["facet_results"]["site"]["results"]} == {
        SO: 2}


# ---------------------------------------------------------------------------
# Canned queries


async def test_top_voted_answers(ds: Datasette) -> None:
    rows = await _rows(ds, "top_voted_answers")
    assert [(r["votes"], r["accepted"], r["site"], r["question_id"], r["answer_id"])
            for r in rows] == [
        (30, 0, SO, SORTING, "902"), (12, 1, SO, SORTING, "903"), (7, 1, SU, SHARED, "921"),
        (5, 0, SO, SORTING, "901"), (2, 0, SO, DUPLICATE, "911")]
    assert rows[0]["title"] == "Why is processing a sorted array faster?"
    # The answer's start without its Markdown markup (qarchive_answer_start): the hostile
    # answer's links are their words, no target.
    assert rows[-1]["answer_start"].endswith("click and ok")
    assert "javascript" not in rows[-1]["answer_start"]
    html = (await _get(ds, "/archive/top_voted_answers")).text
    assert f'<a href="{question_path(SHARED, SU)}">{SHARED}</a>' in html  # its own site's


async def test_unanswered_questions(ds: Datasette) -> None:
    rows = await _rows(ds, "unanswered_questions")
    assert [(r["site"], r["question_id"], r["answer_count"]) for r in rows] == [
        (SO, UNANSWERED, 0)]


async def test_questions_by_tag(ds: Datasette) -> None:
    rows = await _rows(ds, "questions_by_tag", tag="java")
    assert [(r["site"], r["question_id"]) for r in rows] == [(SO, SORTING), (SO, DUPLICATE)]
    assert await _rows(ds, "questions_by_tag", tag="nothing") == []


async def test_accepted_answer_rate_per_site(ds: Datasette) -> None:
    rows = await _rows(ds, "accepted_answer_rate")
    assert [tuple(r.values()) for r in rows] == [
        # site, fetched, answered, with an accepted answer, % of fetched, % of answered
        (SO, 3, 2, 1, 33.3, 50.0), (SU, 1, 1, 1, 100.0, 100.0), (CSDN, 1, 1, 0, 0.0, 0.0)]


async def test_duplicate_questions_with_their_targets(ds: Datasette) -> None:
    rows = await _rows(ds, "duplicate_questions")
    assert [(r["site"], r["question_id"], r["target_url"], r["target_question_id"],
             r["target_title"]) for r in rows] == [
        (SO, DUPLICATE, _url(SO, SORTING), SORTING, "Why is processing a sorted array faster?")]
    html = (await _get(ds, "/archive/duplicate_questions")).text
    assert f'<a href="{question_path(SORTING, SO)}">{SORTING}</a>' in html


async def test_question_history_and_related_take_the_site(ds: Datasette) -> None:
    history = await _rows(ds, "question_history", site=SO, id=SORTING)
    assert sorted(r["what"] for r in history) == [
        "answer 901 version 1", "answer 902 version 1", "answer 903 version 1"]
    related = await _rows(ds, "question_related", site=SO, id=SORTING)
    assert [(r["direction"], r["kind"], r["site"], r["question_id"]) for r in related] == [
        ("linked from", "linked", SO, DUPLICATE)]
    assert await _rows(ds, "question_related", site=SU, id=SORTING) == []


# ---------------------------------------------------------------------------
# Search


# The snippet: the body's Markdown (schema 16 stores Markdown only) without its markup,
# on the search page and in the canned query alike (qarchive_answer_start).
@pytest.mark.parametrize(("word", "site", "id_", "snippet"), [
    ("quokka", SO, SORTING, "Branch prediction puzzle."),  # only in an answer
    ("zebrafish", SO, UNANSWERED, "Why does my zebrafish program hang?"),  # only in a body
])
async def test_search_finds_bodies_and_answers(ds: Datasette, word: str, site: str, id_: str,
                                               snippet: str) -> None:
    html = (await _get(ds, f"/archive/-/search?q={word}")).text
    assert re.findall(r'<td><a href="([^"]+)">', html) == [question_path(id_, site)]
    assert f'<td class="qa-site">{site}</td>' in html
    assert f'<span class="qa-start">{snippet}…</span>' in html
    canned = await _rows(ds, "search_questions", q=word)
    assert [(r["site"], r["question_id"], r["answer_start"]) for r in canned] == [
        (site, id_, snippet)]
    table = (await _get(ds, f"/archive/questions.json?_search={word}&_shape=array")).json()
    assert [(r["site"], r["id"]) for r in table] == [(site, id_)]


# ---------------------------------------------------------------------------
# Query plans: the new queries read indexes (an archive has no ANALYZE statistics)


def _plan(path: Path, sql: str, params: dict[str, str] | list[str]) -> str:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        # The plugin's SQL function a canned query reads the answer's start with.
        conn.create_function("qarchive_answer_start", 1, answer_start, deterministic=True)
        return "; ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))


QUERIES = load_metadata()["databases"]["archive"]["queries"]


@pytest.mark.parametrize(("name", "params", "index"), [
    ("top_voted_answers", {}, "SEARCH a USING INDEX idx_answers_votes"),
    ("questions_by_tag", {"tag": "java"},
     "SEARCH t USING INDEX idx_question_tags_tag (site=? AND tag=?)"),
    ("accepted_answer_rate", {}, "idx_answers_accepted (site=? AND accepted=?)"),
    ("unanswered_questions", {},
     "SCAN q USING COVERING INDEX sqlite_autoindex_questions_1"),
    ("duplicate_questions", {}, "SEARCH q USING INDEX idx_questions_status (status=?)"),
    # Partial indexes (0020): the queries name the condition each holds rows for.
    ("gone_questions", {}, "SEARCH q USING INDEX idx_questions_gone_at (gone_at>?)"),
    ("view_count_growth", {}, "SCAN q USING INDEX idx_questions_view_growth"),
])
def test_new_queries_use_their_indexes(archive_path: Path, name: str, params: dict[str, str],
                                       index: str) -> None:
    plan = _plan(archive_path, QUERIES[name]["sql"], params)
    assert index in plan, plan
    assert "SCAN answers " not in plan and "SCAN a " not in plan, plan


def test_the_question_pages_answers_come_by_the_questions_key(archive_path: Path) -> None:
    """Not through idx_answers_accepted (site, accepted), which reads the site's every
    answer to save sorting a handful."""
    from importlib import util

    from archive.schema_files import schema_dir

    spec = util.spec_from_file_location("qarchive_plugin_plans",
                                        schema_dir() / "plugins" / "qarchive_plugin.py")
    assert spec is not None and spec.loader is not None
    plugin = util.module_from_spec(spec)
    spec.loader.exec_module(plugin)
    plan = _plan(archive_path, plugin._ANSWERS_SQL, [SO, SORTING])
    assert plan.startswith("SEARCH answers USING INDEX sqlite_autoindex_answers_1 "
                           "(site=? AND question_id=?)"), plan


def test_the_question_pages_resources_and_the_links_view_go_by_keys(
        archive_path: Path) -> None:
    """Links are keyed by rowids (0015): the question page and the view
    question_resources, read by a question or by a resource's URL, search by keys."""
    from importlib import util

    from archive.schema_files import schema_dir

    spec = util.spec_from_file_location("qarchive_plugin_plans",
                                        schema_dir() / "plugins" / "qarchive_plugin.py")
    assert spec is not None and spec.loader is not None
    plugin = util.module_from_spec(spec)
    spec.loader.exec_module(plugin)
    by_question = ("SEARCH q USING COVERING INDEX sqlite_autoindex_questions_1 "
                   "(site=? AND id=?); SEARCH l USING PRIMARY KEY (question_rowid=?); "
                   "SEARCH r USING INTEGER PRIMARY KEY (rowid=?)")
    assert _plan(archive_path, plugin._RESOURCES_SQL, [SO, SORTING]).startswith(by_question)
    assert _plan(archive_path, "SELECT * FROM question_resources WHERE site = ? "
                 "AND question_id = ?", [SO, SORTING]) == by_question
    assert _plan(archive_path, "SELECT * FROM question_resources WHERE resource_url = ?",
                 ["https://example.com"]) == (
        "SEARCH r USING COVERING INDEX sqlite_autoindex_resources_1 (url=?); "
        "SEARCH l USING COVERING INDEX idx_question_resource_links_resource "
        "(resource_rowid=?); SEARCH q USING INTEGER PRIMARY KEY (rowid=?)")
