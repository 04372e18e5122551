"""Datasette as a person sees it: scannable table rows, the question page's lists and links,
charts that mean something, and an index page that starts from the questions."""

from __future__ import annotations

import html as html_module
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from datasette.app import Datasette
from test_publish import (
    CSDN,
    REFERENCE_ID,
    build_archive,
    build_history_archive,
    question_path,
)

from archive import open_archive
from archive.search import search_questions
from parsers import AnswerPage
from publish import load_metadata, make_datasette

CHARTS = load_metadata()["plugins"]["datasette-dashboards"]["archive"]["charts"]


@pytest.fixture
async def ds(tmp_path: Path) -> AsyncIterator[Datasette]:
    datasette = make_datasette(build_archive(tmp_path / "archive.db"))
    await datasette.invoke_startup()
    yield datasette
    for database in datasette.databases.values():
        database.close()


async def _html(ds: Datasette, path: str) -> str:
    response = await ds.client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.text


async def test_questions_table_is_most_viewed_first_with_short_cells(ds: Datasette) -> None:
    html = await _html(ds, "/archive/questions")
    # The key is (site, id): Datasette's link column leads each row to its question page.
    links = re.findall(r'<td class="col-Link[^"]*"[^>]*><a href="(/archive/questions/[^"]+)"',
                       html)
    # build_archive's view counts: 1500, the reference page's 1.2万 rounded, 10, 3, none.
    rows = (await ds.client.get(
        "/archive/questions.json?_shape=array&_sort_desc=view_count&_col=id")).json()
    assert links == [question_path(row["id"], row["site"]) for row in rows]
    assert links[0] != links[-1]
    # The answers, as questions showed them before schema 14: the view.
    html = await _html(ds, "/archive/questions_with_answer")
    cells = re.findall(r'<td class="col-answer_markdown[^"]*"[^>]*>(.*?)</td>', html, re.S)
    assert cells, "the table shows answer_markdown"
    for cell in cells:
        text = html_module.unescape(re.sub(r"<[^>]+>", "", cell).strip())
        assert len(text) <= 161, text  # a preview: 160 characters and an ellipsis
        assert "<p>" not in cell and "<pre>" not in cell
    assert any(cell.rstrip().endswith("…</span>") for cell in cells)
    # The JSON API keeps the whole text.
    rows = (await ds.client.get(
        "/archive/questions_with_answer.json?id=l0ngansw3r&_shape=array")).json()
    assert len(rows[0]["answer_markdown"]) > 300


async def test_question_page_keeps_lists_and_links_its_canned_queries(ds: Datasette) -> None:
    html = await _html(ds, question_path(REFERENCE_ID))
    assert ".qa-answer ul, .qa-body ul { list-style: disc" in html
    assert ".qa-answer blockquote, .qa-body blockquote" in html
    for query in ("question_history", "question_related"):
        link = f"/archive/{query}?site={CSDN}&amp;id={REFERENCE_ID}"
        assert f'href="{link}"' in html
        # The link opens the query with rows, not an empty form.
        rows = (await ds.client.get(
            f"/archive/{query}.json?_shape=array&site={CSDN}&id={REFERENCE_ID}"))
        assert rows.status_code == 200 and rows.json(), query


async def test_index_page_sql_box_starts_from_the_questions(ds: Datasette) -> None:
    html = await _html(ds, "/archive")
    box = re.search(r'<textarea id="sql-editor" name="sql">(.*?)</textarea>', html, re.S)
    assert box is not None and box.group(1) == "select * from questions"
    names = re.findall(r'<h3><a href="/archive/([a-z_]+)"', html)
    assert names[0] == "questions" and "answer_versions" in names  # reordered, none lost


def test_view_growth_waits_for_a_second_run(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    sql = CHARTS["view-growth"]["query"]
    two_runs = open_archive(build_history_archive(tmp_path / "history.db", monkeypatch))
    assert two_runs.execute(sql).fetchall(), "two runs: there is growth to draw"
    # The same archive after its first run only.
    two_runs.execute("DELETE FROM view_counts WHERE run_id = (SELECT max(id) FROM crawl_runs)")
    assert two_runs.execute(sql).fetchall() == []
    assert "two crawl runs" in CHARTS["view-growth"]["title"]


def test_pages_per_run_colours_failure_red_and_new_not() -> None:
    color = CHARTS["pages-per-run"]["display"]["encoding"]["color"]
    colours = dict(zip(color["scale"]["domain"], color["scale"]["range"], strict=True))
    assert set(colours) == {"new", "updated", "unchanged", "gone", "failed"}
    assert colours["failed"] == "#d62728"  # red
    assert colours["new"] == "#2ca02c"  # green
    assert len(set(colours.values())) == 5


# ---------------------------------------------------------------------------
# Search: the table keeps Datasette's contract; /archive/-/search ranks for people


def _search_rows(html: str) -> list[str]:
    """The ids of the questions a search page lists (all CSDN's here), in order."""
    prefix = question_path("")
    return [link.removeprefix(prefix) for link in re.findall(
        r'<td><a href="(/archive/questions/[^"]+)">', html)]


async def test_search_page_ranks_counts_and_links_the_table(ds: Datasette,
                                                            tmp_path: Path) -> None:
    html = await _html(ds, "/archive/-/search?q=模型")
    hits = search_questions(open_archive(tmp_path / "archive.db", readonly=True), "模型",
                            limit=50).hits
    expected = [hit.id for hit in hits]
    assert _search_rows(html) == expected and len(expected) == 5
    assert {hit.site for hit in hits} == {CSDN} and f'<td class="qa-site">{CSDN}</td>' in html
    assert "5 matching questions; page 1 of 1." in html
    assert "(not fetched: seen as a related question)" in html
    assert 'href="/archive/questions?_search=%E6%A8%A1%E5%9E%8B"' in html
    # Operators reach the page's search too.
    assert set(_search_rows(await _html(ds, "/archive/-/search?q=BERT OR 深度"))) == {
        "b3rtf1netu", "l0ngansw3r"}
    # Nothing asked: the form alone. Nothing found: said so.
    assert "matching question" not in await _html(ds, "/archive/-/search")
    assert "No question matches." in await _html(ds, "/archive/-/search?q=kubernetes")


async def test_search_page_names_bad_syntax(ds: Datasette) -> None:
    html = await _html(ds, "/archive/-/search?q=模型 OR")
    assert "Search syntax: OR needs words after it." in html
    assert _search_rows(html) == []


async def test_search_pages_through_every_match(tmp_path: Path) -> None:
    path = tmp_path / "common.db"
    db = open_archive(path)
    with db.atomic():
        for number in range(120):
            db.store_answer_page(AnswerPage(
                site=CSDN, url=f"https://wenku.csdn.net/answer/common{number:04d}",
                id=f"common{number:04d}",
                title=f"问题 {number}", asked_at=None, view_count=number,
                answer_text="这是一个模型。", answer_markdown="这是一个模型。",
                profile="csdn-answer", parser_version=1))
    db.close()
    datasette = make_datasette(path)
    seen: list[str] = []
    for page in (1, 2, 3):
        html = await _html(datasette, f"/archive/-/search?q=模型&page={page}")
        assert f"120 matching questions; page {page} of 3." in html
        seen += _search_rows(html)
        assert ("next →" in html) == (page < 3) and ("← previous" in html) == (page > 1)
    # A word in every question: relevance 100 everywhere, so the most viewed lead.
    assert seen == [f"common{number:04d}" for number in range(119, -1, -1)]
    past = await _html(datasette, "/archive/-/search?q=模型&page=9")
    assert "page 9 is past the last (3)" in past


async def test_table_search_keeps_filters_and_never_fails_on_syntax(ds: Datasette) -> None:
    html = await _html(ds, "/archive/questions?_search=模型&is_fetched=1")
    rows = (await ds.client.get(
        "/archive/questions.json?_search=模型&is_fetched=1&_shape=array")).json()
    assert rows and all(row["is_fetched"] == 1 for row in rows)
    assert 'Rank them by relevance' in html
    # A stray quote in the table's box searches the plain words, never an SQL error.
    loose = await ds.client.get('/archive/questions.json?_search="模型&_shape=array')
    assert loose.status_code == 200 and {row["id"] for row in loose.json()} >= {
        row["id"] for row in rows}


@pytest.mark.parametrize("page", ["9" * 30, "9" * 5000, "-1", "²", "0"])
async def test_search_page_takes_any_page_number(ds: Datasette, page: str) -> None:
    response = await ds.client.get(f"/archive/-/search?q=模型&page={page}")
    assert response.status_code == 200
    assert "5 matching questions" in response.text
