"""Searching in Datasette is for finding questions (#15): a table's ?_search= page computes
no facets and no second count of the match unless asked, yet says how many match; the
canned search ranks by bm25, or by views once the words are in too many questions."""

from __future__ import annotations

import html as html_module
import re
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from click.testing import CliRunner
from datasette.app import Datasette
from test_publish import CSDN, REFERENCE_ID, build_archive, serving
from tests_support import module_from_file

from archive import open_archive
from archive.schema_files import schema_dir
from archive.search import RANKED_MATCHES, search_questions
from publish import load_metadata, make_datasette
from qarchive.commands.search import search_command

# build_archive: 模型 is in three fetched questions and two only seen as related links.
MODEL_MATCHES = {REFERENCE_ID, "b3rtf1netu", "l0ngansw3r", "5tn1yh6c2a", "8d3jq0w5pe"}
FETCHED_MATCHES = {REFERENCE_ID, "b3rtf1netu", "l0ngansw3r"}
QUESTION_FACETS = {"asked_at", "is_fetched", "site"}


@pytest.fixture
async def ds(tmp_path: Path) -> AsyncIterator[Datasette]:
    async with serving(build_archive(tmp_path / "archive.db")) as datasette:
        yield datasette


async def _json(ds: Datasette, path: str) -> dict:
    response = await ds.client.get(path)
    assert response.status_code == 200, (path, response.text[:300])
    return dict(response.json())


async def _html(ds: Datasette, path: str) -> str:
    response = await ds.client.get(path)
    assert response.status_code == 200, (path, response.text[:300])
    return response.text


def _facets_shown(html: str) -> set[str]:
    return set(re.findall(r'class="facet-info facet-archive-questions-([a-z_]+)"', html))


def _heading(html: str) -> str:
    """The table's heading (Datasette's <h3> over the rows), as read."""
    found = re.findall(r"<h3>(.*?)</h3>", html, re.S)
    assert found, "no heading"
    return " ".join(html_module.unescape(found[0]).split())


def _matches_line(html: str) -> str:
    found = re.findall(r'<p class="qa-matches">(.*?)</p>', html, re.S)
    assert len(found) == 1, found
    return re.sub(r"<[^>]+>", "", found[0]).strip()


def _plugin() -> ModuleType:
    """The plugin module, loaded from its file (as Datasette loads it: plugins_dir)."""
    return module_from_file("qarchive_plugin_search_tests",
                            schema_dir() / "plugins" / "qarchive_plugin.py")


def _link(html: str, text: str) -> str:
    href = re.search(rf'<a href="([^"]+)">{text}', html)
    assert href, text
    return href[1].replace("&amp;", "&")


async def test_a_search_has_no_facets_or_count_unless_asked(ds: Datasette) -> None:
    search = f"/archive/questions?{httpx.QueryParams({'_search': '模型'})}"
    html = await _html(ds, search)
    assert _facets_shown(html) == set()
    # The count from the index alone, exact for a search with no other filter, in the
    # heading where Datasette puts its own.
    assert _heading(html) == '5 questions match "模型", sorted by view_count descending'
    assert _matches_line(html) == "Show facets and the exact count"

    # The page's link asks for them: Datasette's facets and its own count come back.
    shown = await _html(ds, _link(html, "Show facets"))
    assert _facets_shown(shown) >= QUESTION_FACETS
    assert _heading(shown) == '5 rows where search matches "模型" sorted by view_count descending'
    assert _matches_line(shown).startswith("Hide facets")
    asked = await _json(ds, _link(html, "Show facets").replace("/questions?", "/questions.json?"))
    assert asked["filtered_table_rows_count"] == 5
    site = asked["facet_results"]["site"]["results"]
    assert [(value["value"], value["count"]) for value in site] == [(CSDN, 5)]
    fetched = {value["value"]: value["count"]
               for value in asked["facet_results"]["is_fetched"]["results"]}
    assert fetched == {1: 3, 0: 2}
    # Hiding them again is the plain search.
    assert _facets_shown(await _html(ds, _link(shown, "Hide facets"))) == set()


async def test_the_json_api_keeps_datasettes_count_and_facets(ds: Datasette) -> None:
    """Only the HTML page drops them: API users page by filtered_table_rows_count, and
    ask for less themselves (_nocount=1, _nofacet=1)."""
    for table, words, count in (("questions", "模型", 5), ("resources", "BERT", 1)):
        data = await _json(ds, f"/archive/{table}.json?_search={words}")
        assert data["filtered_table_rows_count"] == count and len(data["rows"]) == count
        assert data["facet_results"] != {}
        asked = await _json(ds, f"/archive/{table}.json?_search={words}&_nocount=1&_nofacet=1")
        assert asked["filtered_table_rows_count"] is None and asked["facet_results"] == {}
        assert asked["rows"] == data["rows"]
    data = await _json(ds, "/archive/questions.json?_search=模型&is_fetched=1")
    assert data["filtered_table_rows_count"] == 3
    assert {row[1] for row in data["rows"]} == FETCHED_MATCHES
    csv = await ds.client.get("/archive/questions.csv?_search=模型")
    assert csv.status_code == 200 and len(csv.text.strip().splitlines()) == 1 + 5


@pytest.mark.parametrize(("path", "rewritten"), [
    ("/archive/questions", True),
    ("/archive/resources", True),
    ("/archive/questions.json", False),
    ("/archive/questions.csv", False),
    ("/archive/resources.json", False),
    ("/archive/questions.jsono", False),
    ("/archive/answers", False),  # no search index
    ("/other/questions", False),  # not the archive
])
async def test_only_the_html_page_of_a_searched_table_is_rewritten(
        ds: Datasette, path: str, rewritten: bool) -> None:
    plugin = _plugin()
    query = urllib.parse.urlencode({"_search": "模型"}).encode("ascii")
    scope = {"type": "http", "path": path, "query_string": query}
    after = plugin._search_for_finding(ds, plugin._config(ds), scope)
    if rewritten:
        assert urllib.parse.parse_qs(after["query_string"].decode()) == {
            "_search": ["模型"], "_nofacet": ["1"], "_nocount": ["1"]}
    else:
        assert after is scope


async def test_an_explicit_facet_gets_the_facets_and_the_exact_count(ds: Datasette) -> None:
    data = await _json(ds, "/archive/questions.json?_search=模型&_facet=status")
    assert data["filtered_table_rows_count"] == 5
    assert {"status", *QUESTION_FACETS} <= set(data["facet_results"])
    assert data["facet_results"]["status"]["results"][0]["count"] == 5
    # A table page without a search keeps its facets and count, as before.
    table = await _json(ds, "/archive/questions.json")
    assert set(table["facet_results"]) >= QUESTION_FACETS
    assert table["filtered_table_rows_count"] == 7


async def test_a_filtered_search_says_the_count_is_the_words(ds: Datasette) -> None:
    html = await _html(ds, "/archive/questions?_search=模型&is_fetched=1")
    rows = (await _json(ds, "/archive/questions.json?_search=模型&is_fetched=1"))["rows"]
    assert {row[1] for row in rows} == FETCHED_MATCHES
    assert _facets_shown(html) == set()
    # The count is the words' alone: the rows shown are those of them the filters keep.
    assert _heading(html) == ('5 questions match "模型"; of them, those where is_fetched = 1 '
                              "sorted by view_count descending")
    two = await _html(ds, "/archive/questions?_search=模型&is_fetched=1&_sort=id&site=" + CSDN)
    assert _heading(two) == ('5 questions match "模型"; of them, those where is_fetched = 1 '
                             f'and site = "{CSDN}" sorted by id')
    # Asked, the exact count of the filtered rows.
    shown = await _json(ds, "/archive/questions.json?_search=模型&is_fetched=1&_showfacets=1")
    assert shown["filtered_table_rows_count"] == 3


async def test_resources_search_the_same_way(ds: Datasette) -> None:
    html = await _html(ds, "/archive/resources?_search=BERT")
    assert _heading(html) == '1 resource matches "BERT"'
    assert _matches_line(html) == "Show facets and the exact count"
    assert 'class="facet-info' not in html
    asked = await _json(ds, "/archive/resources.json?_search=BERT&_showfacets=1")
    assert {"kind", "file_type"} <= set(asked["facet_results"])


def _canned_search(ranked_matches: int) -> dict:
    """The shipped metadata, its canned search_questions ranking up to ``ranked_matches``."""
    metadata = load_metadata(frontier=False)
    query = metadata["databases"]["archive"]["queries"]["search_questions"]
    limit = str(RANKED_MATCHES)
    assert query["sql"].count(f"<= {limit}") == 1 and query["sql"].count(f"> {limit}") == 2
    query["sql"] = query["sql"].replace(f" {limit}", f" {ranked_matches}")
    return metadata


@pytest.mark.parametrize("ranked_matches", [RANKED_MATCHES, 5, 4])
async def test_canned_search_ranks_or_orders_by_views(tmp_path: Path,
                                                      ranked_matches: int) -> None:
    """Up to the limit (5 matches of 模型 here) ranked by bm25 as before; past it, with an
    answer first, then the most viewed, no relevance; the same as the search page's SQL."""
    archive_path = build_archive(tmp_path / "archive.db")
    datasette = make_datasette(archive_path, metadata=_canned_search(ranked_matches))
    rows = (await datasette.client.get(
        "/archive/search_questions.json?q=模型&_shape=array")).json()
    expected = search_questions(open_archive(archive_path, readonly=True), "模型", limit=1000,
                                ranked_matches=ranked_matches)
    assert [row["question_id"] for row in rows] == [hit.id for hit in expected.hits]
    assert [row["relevance"] for row in rows] == [hit.relevance for hit in expected.hits]
    assert {row["matches"] for row in rows} == {5}
    if ranked_matches >= 5:
        # Ranked: the two titles holding 模型 (title weighted 5x), then the long answer.
        assert {row["question_id"] for row in rows[:2]} == {REFERENCE_ID, "b3rtf1netu"}
        relevance = [row["relevance"] for row in rows]
        assert all(isinstance(value, int) for value in relevance) and max(relevance) == 100
    else:
        assert [row["question_id"] for row in rows] == [
            "b3rtf1netu", REFERENCE_ID, "l0ngansw3r", "5tn1yh6c2a", "8d3jq0w5pe"]
        assert {row["relevance"] for row in rows} == {None}
    assert {row["question_id"] for row in rows[3:]} == {"5tn1yh6c2a", "8d3jq0w5pe"}


def _words(text: str) -> str:
    """Text as read: tags dropped, entities and whitespace folded, lower case."""
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", text)).split()).casefold()


async def test_every_text_gives_the_ranking_cap_as_a_fixed_number(ds: Datasette) -> None:
    """RANKED_MATCHES is a number of matches, not a share of the archive: every text that
    explains it says what happens past it and why, true on an archive of any size."""
    root = Path(__file__).parent.parent
    texts = {
        "search page": await _html(ds, "/archive/-/search?q=模型"),
        "canned query": await _html(ds, "/archive/search_questions"),
        "qarchive search --help": CliRunner().invoke(search_command, ["--help"]).output,
        "README.md": (root / "README.md").read_text(encoding="utf-8"),
        "schema/README.md": (root / "schema" / "README.md").read_text(encoding="utf-8"),
    }
    for name, text in texts.items():
        words = _words(text)
        for said in (f"past {RANKED_MATCHES:,} matches", "ordered by views without relevance",
                     "to keep every search fast"):
            assert said in words, (name, said)
        for proportion in ("too common", "over half", "tell them apart", "tell questions apart"):
            assert proportion not in words, (name, proportion)


async def test_the_search_heading_escapes_the_words(ds: Datasette) -> None:
    """The words are the user's, echoed into the heading and the title: escaped there."""
    words = '<script>alert(1)</script> "&amp;'
    html = await _html(ds, f"/archive/questions?{httpx.QueryParams({'_search': words})}")
    assert _heading(html) == f'0 questions match "{words}", sorted by view_count descending'
    assert "<script>alert(1)" not in html
    raw = re.findall(r"<h3>(.*?)</h3>", html, re.S)[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &#34;&amp;amp;&#34;" in raw
    title = re.findall(r"<title>(.*?)</title>", html, re.S)[0]
    assert "&lt;script&gt;" in title and "<script>" not in title


@pytest.mark.parametrize(("description", "matches", "heading"), [
    ('where search matches "模型"', 1, '1 question matches "模型"'),
    ('where search matches "模型" sorted by id', 12345,
     '12,345 questions match "模型", sorted by id'),
    ('where search matches "模型" and a = 1', 0,
     '0 questions match "模型"; of them, those where a = 1'),
    ('where search matches "模型", a = 1 and b = 2 sorted by id', 7,
     '7 questions match "模型"; of them, those where a = 1 and b = 2 sorted by id'),
    # A ?_through= before the search: Datasette's description kept whole.
    ('where t has x and search matches "模型"', 7,
     '7 questions match "模型"; of them, those where t has x and search matches "模型"'),
    ("", 2, '2 questions match "模型"'),
])
def test_the_search_heading_reads_datasettes_description(description: str, matches: int,
                                                          heading: str) -> None:
    assert _plugin()._search_heading(description, words="模型", matches=matches,
                                     noun="question") == heading
