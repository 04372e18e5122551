"""Datasette in-process over a real archive: tables, metadata, search, canned queries,
the question page, charts, and hostile text shown without running."""

from __future__ import annotations

import contextlib
import importlib.util
import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from datasette.app import Datasette
from datasette.utils import path_from_row_pks
from tests_support import FIXTURES

from archive import ExtractionHealth, FetchedPage, RunCounts, open_archive
from archive.schema_files import schema_dir
from crawler.importer import import_files
from parsers import AnswerPage, RecommendedResource, RelatedQuestion
from publish import load_metadata, make_datasette
from qarchive.commands.serve import serve_command

REFERENCE_ID = "2kxyq3m7vd"
XSS_ID = "x55a77ack0"
CSDN = "wenku.csdn.net"


def question_path(id_: str, site: str = CSDN) -> str:
    """The question page of (site, id): Datasette's row URL of the compound key."""
    return "/archive/questions/" + path_from_row_pks({"site": site, "id": id_},
                                                     ["site", "id"], False)
# What hostile pages put in every text field. None of it may run in a browser.
PAYLOADS = (
    "<script>window.__xss=1;alert(1)</script>",
    "<img src=x onerror=window.__xss=2>",
    '"><svg onload=window.__xss=3>',
)
XSS_MARKDOWN = (
    "Intro <script>window.__xss=1;alert(1)</script>\n\n"
    "<img src=x onerror=window.__xss=2>\n\n"
    "[click me](javascript:window.__xss=4) and [ok](https://example.com/)\n\n"
    '"><svg onload=window.__xss=3>\n\n'
    "```python\nprint('code block')\n```\n"
)


def _page(id_: str, title: str, answer: str, **fields: object) -> AnswerPage:
    values: dict[str, object] = {
        "url": f"https://wenku.csdn.net/answer/{id_}", "id": id_, "title": title,
        "asked_at": "2023-07-01T09:00:00+08:00", "view_count": 10, "answer_text": answer,
        "answer_markdown": answer, "profile": "csdn-answer", "parser_version": 1,
    }
    values.update(fields)
    return AnswerPage(site=CSDN, **values)  # type: ignore[arg-type]


def build_archive(path: Path) -> Path:
    """The reference page (imported) plus pages written with the real writer, one hostile."""
    db = open_archive(path)
    import_files(db, [FIXTURES / "answer-2kxyq3m7vd.html"])
    pages = [
        _page("b3rtf1netu", "BERT预训练模型的微调", "**BERT** 预训练模型的微调分三步。",
              asked_at="2023-08-02T23:30:00+08:00", view_count=1500,
              related_questions=[RelatedQuestion(
                  1, REFERENCE_ID, f"https://wenku.csdn.net/answer/{REFERENCE_ID}",
                  "模型训练和模型预训练的区别", "...")]),
        _page("l0ngansw3r", "深度学习入门", "深度学习是机器学习的分支。" * 30 + "最后提到模型。",
              asked_at="2023-08-15T10:00:00+08:00", view_count=3),
        _page(XSS_ID, "XSS " + " ".join(PAYLOADS), "XSS " + " ".join(PAYLOADS),
              answer_markdown=XSS_MARKDOWN, view_count=None, asked_at=None,
              related_questions=[RelatedQuestion(
                  1, "x55re1ated", "https://wenku.csdn.net/answer/x55re1ated",
                  PAYLOADS[0], PAYLOADS[1])],
              recommended_resources=[
                  RecommendedResource("related", 1, "javascript:window.__xss=5",
                                      PAYLOADS[1], PAYLOADS[2], "pdf", "doc"),
                  RecommendedResource("latest", 1, "https://wenku.csdn.net/doc/x55",
                                      PAYLOADS[2], PAYLOADS[0], "zip<b>", "download"),
              ]),
    ]
    for page in pages:
        with db.atomic():
            db.store_answer_page(page)
    db.conn.close()
    return path


@pytest.fixture
def archive_path(tmp_path: Path) -> Path:
    return build_archive(tmp_path / "archive.db")


@contextlib.asynccontextmanager
async def serving(path: Path) -> AsyncIterator[Datasette]:
    """qarchive's Datasette over the archive at ``path``, started, closed after."""
    datasette = make_datasette(path)
    await datasette.invoke_startup()
    yield datasette
    for database in datasette.databases.values():
        database.close()


@pytest.fixture
async def ds(archive_path: Path) -> AsyncIterator[Datasette]:
    async with serving(archive_path) as datasette:
        yield datasette


async def _get(ds: Datasette, path: str, **kwargs: object) -> httpx.Response:
    response = await ds.client.get(path, **kwargs)
    assert response.status_code == 200, (path, response.status_code, response.text[:500])
    return response


async def _ids(ds: Datasette, path: str, key: str = "question_id") -> list[str]:
    rows = (await _get(ds, path, follow_redirects=True)).json()
    return [row[key] for row in rows]


# ---------------------------------------------------------------------------
# Tables and metadata


async def test_tables_and_descriptions(ds: Datasette, archive_path: Path) -> None:
    tables = (await _get(ds, "/archive.json")).json()["tables"]
    visible = {table["name"] for table in tables if not table["hidden"]}
    assert {"questions", "related_questions", "resources", "crawl_runs", "pages",
            "frontier"} <= visible
    # The links' storage (rowids, 0015) is hidden; its view shows them.
    assert "question_resource_links" not in visible
    views = {view["name"] for view in (await _get(ds, "/archive.json")).json()["views"]}
    assert {"question_resources", "questions_with_answer"} <= views
    assert "questions_fts" not in visible
    html = (await _get(ds, "/archive/questions")).text
    assert "One row per question page" in html


def test_metadata_describes_every_table_and_column(archive_path: Path) -> None:
    metadata = load_metadata()
    assert metadata["title"] and metadata["description_html"] and metadata["source"]
    tables = metadata["databases"]["archive"]["tables"]
    connection = sqlite3.connect(archive_path)
    names = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
        "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%'")]
    for name in names:
        assert tables[name]["description"], name
        columns = [row[1] for row in connection.execute(f"PRAGMA table_info([{name}])")]
        assert set(columns) == set(tables[name]["columns"]), name
    connection.close()


async def test_labels_show_titles_for_foreign_keys(ds: Datasette) -> None:
    """A question's key is (site, id), which Datasette's labels do not follow: the plugin
    shows each question cell of the archive's tables as its title, linked to its page."""
    html = (await _get(ds, f"/archive/related_questions?from_id={REFERENCE_ID}")).text
    assert (f'<a href="{question_path(REFERENCE_ID)}">模型训练和模型预训练的区别</a>'
            f"&nbsp;<em>{REFERENCE_ID}</em>") in html
    assert f'<a href="{question_path("8d3jq0w5pe")}">大模型和预训练语言模型区别</a>' in html
    html = (await _get(ds, f"/archive/question_resources?question_id={REFERENCE_ID}")).text
    assert "Pytorch加载部分预训练模型的参数实例" in html
    assert f'<a href="{question_path(REFERENCE_ID)}">模型训练和模型预训练的区别</a>' in html


def _query_plan(archive_path: Path, sql: str) -> str:
    with contextlib.closing(sqlite3.connect(archive_path)) as conn:
        return "; ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql))


def test_month_facet_is_answered_from_an_index(archive_path: Path) -> None:
    """The facet groups every question on each table page: from idx_questions_month
    (migration 0007), never the rows (BENCHMARKS.md, Datasette latency)."""
    spec = importlib.util.spec_from_file_location(
        "qarchive_plugin_under_test", schema_dir() / "plugins" / "qarchive_plugin.py")
    assert spec is not None and spec.loader is not None
    plugin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plugin)
    # As Datasette's table view hands it to the facet: the columns, no order, no limit.
    facet = plugin.month_facet_sql("asked_at", "select id, url, title, asked_at, view_count "
                                   "from questions", limit=25)
    assert _query_plan(archive_path, facet) == (
        "SCAN questions USING COVERING INDEX idx_questions_month")


@pytest.mark.parametrize(("kind", "name", "index"), [
    ("query", "most_viewed_questions", "SEARCH questions USING INDEX idx_questions_view_count"),
    ("query", "questions_per_month", "SCAN questions USING COVERING INDEX idx_questions_month"),
    ("chart", "questions-per-month", "SCAN questions USING COVERING INDEX idx_questions_month"),
    ("chart", "view-distribution", "SCAN questions USING COVERING INDEX idx_questions_month"),
])
def test_summaries_use_their_indexes_without_analyze_statistics(
        archive_path: Path, kind: str, name: str, index: str) -> None:
    """An archive has no ANALYZE statistics; without them SQLite took the two-valued
    is_fetched index for selective and read every fetched row (224 ms on 100k questions
    for most_viewed_questions, 0.1 ms by its index)."""
    metadata = load_metadata()
    with contextlib.closing(sqlite3.connect(archive_path)) as conn:
        assert conn.execute("SELECT count(*) FROM sqlite_master "
                            "WHERE name = 'sqlite_stat1'").fetchone()[0] == 0
    if kind == "query":
        sql = metadata["databases"]["archive"]["queries"][name]["sql"]
    else:
        sql = metadata["plugins"]["datasette-dashboards"]["archive"]["charts"][name]["query"]
    plan = _query_plan(archive_path, sql)
    assert plan.startswith(index), plan
    assert "idx_questions_is_fetched" not in plan, plan


def test_most_recommended_resources_reads_the_partial_index_first(archive_path: Path) -> None:
    """idx_resources_recommended_by holds only resources recommended more than once
    (0015); those recommended once are read only to fill the list up to 100."""
    sql = load_metadata()["databases"]["archive"]["queries"]["most_recommended_resources"]["sql"]
    plan = _query_plan(archive_path, sql)
    assert ("MATERIALIZE often; SEARCH resources USING INDEX idx_resources_recommended_by "
            "(recommended_by>?)") in plan, plan
    with contextlib.closing(sqlite3.connect(archive_path)) as conn:
        simple = conn.execute("SELECT title, kind, file_type, recommended_by, url "
                              "FROM resources WHERE recommended_by > 0 "
                              "ORDER BY recommended_by DESC, title LIMIT 100").fetchall()
        # Here every resource is recommended once: all from the second part
        # (CANNED_RESULTS has one from each).
        assert conn.execute(sql).fetchall() == simple != []


async def test_month_facet(ds: Datasette) -> None:
    data = (await _get(ds, "/archive/questions.json")).json()
    months = {r["value"]: r["count"] for r in data["facet_results"]["asked_at"]["results"]}
    assert months == {"2023-08": 2, "2023-06": 1}
    # 23:30 in China is still August 2nd there: the facet uses the page's own date.
    assert data["facet_results"]["asked_at"]["type"] == "month"
    picked = (await _get(ds, "/archive/questions.json?asked_at__startswith=2023-08"
                             "&_shape=array")).json()
    assert {row["id"] for row in picked} == {"b3rtf1netu", "l0ngansw3r"}
    assert not data["suggested_facets"]


async def test_served_read_only(ds: Datasette) -> None:
    response = await ds.client.get(
        "/archive.json?sql=" + httpx.QueryParams({"x": "delete from questions"})["x"])
    assert response.status_code == 400
    count = (await _get(ds, "/archive.json?sql=select+count(*)+as+n+from+questions"
                            "&_shape=array")).json()
    assert count[0]["n"] > 0
    assert ds.setting("sql_time_limit_ms") and ds.setting("suggest_facets") is False


# ---------------------------------------------------------------------------
# Search


@pytest.mark.parametrize(("words", "expected"), [
    # Questions with an answer first: two titles hold 模型 (title weighted 5x), then the
    # long answer mentioning it once; the two seen only as related links come last.
    ("模型", [{REFERENCE_ID, "b3rtf1netu"}, {"l0ngansw3r"}, {"5tn1yh6c2a", "8d3jq0w5pe"}]),
    # The phrase, not its parts: the reference page has 预训练 and 模型 apart only.
    ("预训练模型", [{"b3rtf1netu"}, {"5tn1yh6c2a"}]),
    ("BERT", [{"b3rtf1netu"}]),
])
async def test_search_questions(ds: Datasette, words: str, expected: list[set[str]]) -> None:
    """Right rows, best first: ``expected`` lists groups of ids in rank order."""
    q = httpx.QueryParams({"q": words})
    canned = await _ids(ds, f"/archive/search_questions.json?{q}&_shape=array")
    position = 0
    for group in expected:
        assert set(canned[position:position + len(group)]) == group, canned
        position += len(group)
    assert len(canned) == position

    # The table's search keeps Datasette's table contract: the table's own rows and
    # columns, in the table's order, for the JSON API and the HTML page alike.
    box = httpx.QueryParams({"_search": words, "_shape": "array"})
    response = await ds.client.get(f"/archive/questions.json?{box}")
    assert response.status_code == 200
    rows = response.json()
    assert {row["id"] for row in rows} == set().union(*expected)
    assert set(rows[0]) >= {"id", "title", "view_count", "question_markdown"}
    html = (await _get(ds, f"/archive/questions?{httpx.QueryParams({'_search': words})}")).text
    assert f'value="{words}"' in html  # the box shows the words, not an FTS expression
    ranked = f'href="/archive/-/search?{httpx.QueryParams({"q": words})}"'
    assert ranked in html  # one link to the ranked view


BERT_RESOURCE = "https://download.csdn.net/download/weixin_38595689/11962533"


async def test_search_resources(ds: Datasette) -> None:
    found = await _ids(ds, "/archive/resources.json?_search=BERT&_shape=array", key="url")
    assert found == [BERT_RESOURCE]
    found = await _ids(ds, "/archive/search_resources.json?q=预训练模型&_shape=array", key="url")
    assert BERT_RESOURCE in found
    assert "https://wenku.csdn.net/doc/6ttswjbtjk" not in found


async def test_resources_are_searched_by_title_only(ds: Datasette) -> None:
    """Schema 17: a word of a resource's title finds it, in the canned query and the
    table's search; a word only its description holds finds nothing there, and the
    description filter (a scan) still finds it."""
    # 字向量 is in the BERT resource's title (and its description); embdding and 依赖
    # only in its description.
    for words, expected in (("字向量", [BERT_RESOURCE]), ("embdding", []), ("依赖", [])):
        query = httpx.QueryParams({"q": words, "_shape": "array"})
        assert await _ids(ds, f"/archive/search_resources.json?{query}", key="url") == expected
        box = httpx.QueryParams({"_search": words, "_shape": "array"})
        assert await _ids(ds, f"/archive/resources.json?{box}", key="url") == expected
    for words in ("embdding", "依赖"):
        scan = httpx.QueryParams({"description__contains": words, "_shape": "array"})
        assert await _ids(ds, f"/archive/resources.json?{scan}", key="url") == [BERT_RESOURCE]
    # The table's search page says so, and links the words as a description filter.
    page = (await _get(ds, "/archive/resources?_search=依赖")).text
    assert "Resources are searched by title." in page
    link = "/archive/resources?description__contains=%E4%BE%9D%E8%B5%96"
    assert f'href="{link}"' in page
    assert BERT_RESOURCE in (await _get(ds, link)).text
    assert "searched by title" not in (await _get(ds, "/archive/resources")).text


async def test_every_canned_query_runs(ds: Datasette) -> None:
    queries = load_metadata()["databases"]["archive"]["queries"]
    params = {"q": "模型", "id": REFERENCE_ID, "site": CSDN, "tag": "python"}
    for name, query in queries.items():
        used = {key: value for key, value in params.items() if f":{key}" in query["sql"]}
        data = (await _get(ds, f"/archive/{name}.json?_shape=objects&"
                               + str(httpx.QueryParams(used)))).json()
        assert data["ok"], name
    related = (await _get(ds, f"/archive/question_related.json?id={REFERENCE_ID}"
                              f"&site={CSDN}&_shape=array")).json()
    assert [(r["direction"], r["question_id"]) for r in related] == [
        ("links to", "8d3jq0w5pe"), ("links to", "5tn1yh6c2a"), ("linked from", "b3rtf1netu")]
    assert "frontier" in queries["failures"]["sql"]


async def test_failures_without_a_frontier(archive_path: Path) -> None:
    metadata = load_metadata(frontier=False)
    assert "frontier" not in metadata["databases"]["archive"]["queries"]["failures"]["sql"]
    connection = sqlite3.connect(archive_path)
    connection.execute("INSERT INTO pages (url, status, fetched_at) VALUES "
                       "('https://wenku.csdn.net/answer/gone000000', 404, '2024-01-01')")
    connection.commit()
    connection.close()
    datasette = make_datasette(archive_path, metadata=metadata)
    rows = (await _get(datasette, "/archive/failures.json?_shape=array")).json()
    assert [(r["failure"], r["reason"]) for r in rows] == [("fetch", "HTTP 404")]


# ---------------------------------------------------------------------------
# The question page


async def test_question_page_reads_like_the_source(ds: Datasette) -> None:
    html = (await _get(ds, question_path(REFERENCE_ID))).text
    assert "<title>模型训练和模型预训练的区别</title>" in html
    assert ">模型训练和模型预训练的区别</h1>" in html
    assert "2023-06-23 11:03:20" in html and "浏览: 76" in html
    assert "<p>模型预训练和模型训练的区别在于" in html  # the answer, rendered
    assert f'<a href="{question_path("8d3jq0w5pe")}">大模型和预训练语言模型区别</a>' in html
    assert f'<a href="{question_path("b3rtf1netu")}">BERT预训练模型的微调</a>' in html
    related, latest = html.index("<h2>相关推荐</h2>"), html.index("<h2>最新推荐</h2>")
    assert related < html.index("Pytorch加载部分预训练模型的参数实例") < latest
    assert latest < html.index("zigbee-cluster-library-specification")
    assert '<span class="qa-type" title="download">zip</span>' in html

    rendered = (await _get(ds, question_path("b3rtf1netu"))).text
    assert "<strong>BERT</strong>" in rendered
    # A CSDN page is one answer under the title, as on the site: no answer count, no votes.
    assert rendered.count('<section class="qa-answer"') == 1
    assert "qa-answers-heading" not in rendered and "qa-body" not in rendered.split(
        "</style>")[-1]


async def test_an_id_alone_finds_its_question(ds: Datasette) -> None:
    """The question URL before questions were keyed per site (/archive/questions/<id>)
    leads to the question's page; an unknown id is a 404."""
    response = await ds.client.get(f"/archive/questions/{REFERENCE_ID}")
    assert response.status_code == 302
    assert response.headers["location"] == question_path(REFERENCE_ID)
    response = await ds.client.get(f"/archive/questions/{REFERENCE_ID}.json")
    assert response.headers["location"] == question_path(REFERENCE_ID) + ".json"
    assert (await ds.client.get("/archive/questions/n0such1d00")).status_code == 404


async def test_hostile_text_is_shown_not_run(ds: Datasette) -> None:
    pages = [
        question_path(XSS_ID),
        "/archive/questions",
        f"/archive/questions?id={XSS_ID}",
        "/archive/resources",
        "/archive/related_questions",
        "/archive/search_questions?q=XSS",
        "/archive/most_viewed_questions",
        "/archive/unfetched_questions",
        "/archive/answers",
        "/archive/top_voted_answers",
        "/archive/unanswered_questions",
    ]
    for path in pages:
        html = (await _get(ds, path)).text
        for payload in PAYLOADS:
            assert payload not in html, (path, payload)
        assert not re.search(r"<(img|svg)[^>]*\son\w+=", html, re.I), path
        assert not re.search(r"(href|src)=[\"']?\s*javascript:", html, re.I), path
        assert "window.__xss" not in re.sub(r"&\w+;|&#\d+;", "", "".join(
            re.findall(r"<script[^>]*>(.*?)</script>", html, re.S))), path
    page = (await _get(ds, question_path(XSS_ID))).text
    assert "&lt;script&gt;window.__xss=1;alert(1)&lt;/script&gt;" in page  # shown as text
    assert '<a href="https://example.com/" rel="noopener noreferrer nofollow ugc">ok</a>' in page
    assert "print(&#39;code block&#39;)" in page or "print('code block')" in page


# ---------------------------------------------------------------------------
# Charts


async def test_dashboard_uses_local_assets(ds: Datasette) -> None:
    html = (await _get(ds, "/-/dashboards/archive")).text
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
    assert any(src.endswith("/vega-lite.min.js") for src in scripts)
    for src in scripts:
        assert src.startswith("/"), src  # served by this Datasette, no CDN
        assert (await ds.client.get(src)).status_code == 200, src
    charts = load_metadata()["plugins"]["datasette-dashboards"]["archive"]["charts"]
    for name, chart in charts.items():
        sql = httpx.QueryParams({"sql": chart["query"], "_shape": "array"})
        rows = (await _get(ds, f"/archive.json?{sql}")).json()
        # This archive has one run: view growth is drawn from the second on
        # (tests/test_publish_ui.py); it is an import, which records no extraction
        # health (a crawl's: tests/test_drift.py). Every other chart has rows.
        assert bool(rows) == (name not in ("view-growth", "field-health")), name


# ---------------------------------------------------------------------------
# Canned queries and charts against known rows: two crawl runs written by the
# archive's own functions (start_run, record_fetched_page, record_unchanged_page,
# finish_run) at known times, so every result below is worked out by hand.

RUN_1, RUN_2 = "2026-11-01T00:", "2026-11-08T00:"
FAST, SLOW, GONE, SAME, LATE = "gr0wfast01", "gr0wslow02", "g0ne000003", "unchang004", "n3wrun2005"
DROP = "dr0pped006"  # its count went down (a rounded 300, then the exact 290)
STUB = "s1ub000001"
BROKEN_URL = "https://wenku.csdn.net/answer/br0ken0000"
ERROR_URL = "https://wenku.csdn.net/answer/err5000000"
TITLES = {FAST: "增长最快的问题", SLOW: "增长较慢的问题", GONE: "后来删除的问题",
          SAME: "没有变化的问题", LATE: "第二次才有的问题", DROP: "浏览数变少的问题"}


def _url(id_: str) -> str:
    return f"https://wenku.csdn.net/answer/{id_}"


def _resource(n: int, section: str, position: int) -> RecommendedResource:
    # Resources 2 and 3 tie on recommended_by: by title 资源三 comes first (三 U+4E09,
    # 二 U+4E8C), by URL or by row order 资源二 does.
    kinds = {1: ("doc", "pdf"), 2: ("column", "unknown"), 3: ("download", "zip"),
             4: ("doc", "pdf")}
    kind, file_type = kinds[n]
    return RecommendedResource(section, position, f"https://wenku.csdn.net/{kind}/r{n}",
                               f"资源{'一二三四'[n - 1]}", f"描述{n}", file_type, kind)


def _fetched(db: object, id_: str, at: str, run_id: int, health: ExtractionHealth,
             **fields: object) -> None:
    page = _page(id_, TITLES[id_], fields.pop("answer", f"{TITLES[id_]}的答案"), **fields)
    fetch = FetchedPage(url=page.url, status=200, fetched_at=at, body=b"<html></html>")
    db.record_fetched_page(fetch, page=page, parser_version=1, run_id=run_id)
    health.add(page)


def build_history_archive(path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    clock = iter([RUN_1 + "00:00+00:00", RUN_1 + "10:00+00:00",
                  RUN_2 + "00:00+00:00", RUN_2 + "10:00+00:00"])
    monkeypatch.setattr("archive.archive.utc_now", lambda: next(clock))
    db = open_archive(path)

    # Each run's extraction health, as the crawl counts it: every page parsed (a parse
    # error too, with nothing found); not the 404, the 304 or the 500.
    health_1, health_2 = ExtractionHealth(), ExtractionHealth()
    first = db.start_run(command="crawl", options={})
    _fetched(db, FAST, RUN_1 + "01:00+00:00", first, health_1, view_count=100,
             asked_at="2023-05-10T10:00:00+08:00",
             recommended_resources=[_resource(1, "related", 1), _resource(2, "related", 2)])
    _fetched(db, SLOW, RUN_1 + "02:00+00:00", first, health_1, view_count=50,
             answer="第一版答案", asked_at="2023-05-20T10:00:00+08:00",
             recommended_resources=[_resource(1, "related", 1), _resource(4, "latest", 1)],
             related_questions=[RelatedQuestion(1, STUB, _url(STUB), "只见过的问题", "摘要")])
    _fetched(db, GONE, RUN_1 + "03:00+00:00", first, health_1, view_count=20,
             asked_at="2023-06-01T10:00:00+08:00")
    _fetched(db, SAME, RUN_1 + "04:00+00:00", first, health_1, view_count=5,
             asked_at="2023-06-02T10:00:00+08:00")
    db.record_fetched_page(FetchedPage(url=BROKEN_URL, status=200, body=b"<html>",
                                        fetched_at=RUN_1 + "05:00+00:00"),
                        parse_error="no answer text (truncated page?)", run_id=first)
    health_1.add(None)
    _fetched(db, DROP, RUN_1 + "06:00+00:00", first, health_1, view_count=300,
             view_count_approximate=True, asked_at="2023-06-20T10:00:00+08:00")
    db.finish_run(first, status="finished", counts=RunCounts(fetched=6, new=5, failed=1),
                  health=health_1)

    second = db.start_run(command="crawl", options={})
    # Its parser says where two fields came from; the others' sources are "unknown".
    _fetched(db, FAST, RUN_2 + "01:00+00:00", second, health_2, view_count=700,
             asked_at="2023-05-10T10:00:00+08:00",
             field_sources={"title": "heading", "view_count": "state"},
             recommended_resources=[_resource(1, "related", 1), _resource(2, "related", 2)])
    # Edited, and no longer recommends resource 4.
    _fetched(db, SLOW, RUN_2 + "02:00+00:00", second, health_2, view_count=80,
             answer="第二版答案", asked_at="2023-05-20T10:00:00+08:00",
             recommended_resources=[_resource(1, "related", 1)],
             related_questions=[RelatedQuestion(1, STUB, _url(STUB), "只见过的问题", "摘要")])
    db.record_fetched_page(FetchedPage(url=_url(GONE), status=404, body=b"gone",
                                        fetched_at=RUN_2 + "03:00+00:00"), run_id=second)
    db.record_unchanged_page(_url(SAME), fetched_at=RUN_2 + "04:00+00:00", run_id=second)
    _fetched(db, LATE, RUN_2 + "05:00+00:00", second, health_2, view_count=9,
             asked_at="2023-06-15T10:00:00+08:00",
             recommended_resources=[_resource(3, "latest", 1)])
    db.record_fetched_page(FetchedPage(url=ERROR_URL, status=500, body=None,
                                        fetched_at=RUN_2 + "06:00+00:00"), run_id=second)
    _fetched(db, DROP, RUN_2 + "07:00+00:00", second, health_2, view_count=290,
             asked_at="2023-06-20T10:00:00+08:00")
    db.finish_run(second, status="finished", counts=RunCounts(
        fetched=6, new=1, updated=3, unchanged=1, gone=1, failed=1), health=health_2)
    db.close()
    return path


@pytest.fixture
async def history_ds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Datasette]:
    datasette = make_datasette(build_history_archive(tmp_path / "history.db", monkeypatch))
    await datasette.invoke_startup()
    yield datasette
    for database in datasette.databases.values():
        database.close()


def _r(n: int, recommended_by: int) -> tuple:
    resource = _resource(n, "related", 1)
    return (resource.title, resource.kind, resource.file_type, recommended_by, resource.url)


# name -> (parameters, columns, rows in order); "unordered": the SQL has no ORDER BY.
CANNED_RESULTS: dict[str, tuple[dict[str, str], tuple[str, ...], list[tuple]]] = {
    "most_recommended_resources": ({}, ("title", "kind", "file_type", "recommended_by", "url"), [
        # 资源四 lost its only recommender in run 2: recommended_by 0, not listed.
        # Ties by title: 三 (U+4E09) sorts before 二 (U+4E8C).
        _r(1, 2), _r(3, 1), _r(2, 1)]),
    "view_count_growth": ({}, ("site", "question_id", "title", "observations", "first_observed",
                               "last_observed", "first_views", "latest_views", "growth"), [
        (CSDN, FAST, TITLES[FAST], 2, RUN_1 + "01:00+00:00", RUN_2 + "01:00+00:00", 100, 700,
         600),
        (CSDN, SLOW, TITLES[SLOW], 2, RUN_1 + "02:00+00:00", RUN_2 + "02:00+00:00", 50, 80, 30),
        # No growth: by views. Gone keeps its last count; unchanged was observed twice.
        (CSDN, GONE, TITLES[GONE], 1, RUN_1 + "03:00+00:00", RUN_1 + "03:00+00:00", 20, 20, 0),
        (CSDN, LATE, TITLES[LATE], 1, RUN_2 + "05:00+00:00", RUN_2 + "05:00+00:00", 9, 9, 0),
        (CSDN, SAME, TITLES[SAME], 2, RUN_1 + "04:00+00:00", RUN_2 + "04:00+00:00", 5, 5, 0),
        # Growth from the first count, not from the lowest.
        (CSDN, DROP, TITLES[DROP], 2, RUN_1 + "06:00+00:00", RUN_2 + "07:00+00:00", 300, 290,
         -10),
    ]),
    "question_history": ({"site": CSDN, "id": SLOW},
                         ("at", "what", "value", "answer_start", "run_id"), [
        (RUN_1 + "02:00+00:00", "answer version 1", None, "第一版答案", 1),
        (RUN_1 + "02:00+00:00", "views", 50, None, 1),
        (RUN_2 + "02:00+00:00", "answer version 2", None, "第二版答案", 2),
        (RUN_2 + "02:00+00:00", "views", 80, None, 2),
    ]),
    "gone_questions": ({}, ("site", "question_id", "title", "gone_at", "view_count", "url"), [
        (CSDN, GONE, TITLES[GONE], RUN_2 + "03:00+00:00", 20, _url(GONE))]),
    "crawl_run_history": ({}, ("id", "command", "status", "started_at", "finished_at",
                               "fetched", "new", "updated", "unchanged", "gone", "failed",
                               "blocked", "retried", "pages_stored", "drift"), [
        # Run 2 re-stored, marked gone or re-checked every page but the broken one.
        (2, "crawl", "finished", RUN_2 + "00:00+00:00", RUN_2 + "10:00+00:00",
         6, 1, 3, 1, 1, 1, 0, 0, 7, None),
        (1, "crawl", "finished", RUN_1 + "00:00+00:00", RUN_1 + "10:00+00:00",
         6, 5, 0, 0, 0, 1, 0, 0, 1, None),
    ]),
    # Run 1 parsed six pages (the broken one found nothing), run 2 four (not the 404, the
    # 304 or the 500). Too few pages for the drift alarm (tests/test_drift.py rings it).
    "extraction_health": ({}, ("run", "started_at", "status", "field", "found", "pages",
                               "percent_found", "sources", "drift"), [
        *((2, RUN_2 + "00:00+00:00", "finished", field, 4, 4, 100.0, sources, None)
          for field, sources in (("title", '{"unknown":3,"heading":1}'),
                                 ("asked_at", '{"unknown":4}'),
                                 ("view_count", '{"unknown":3,"state":1}'),
                                 ("answer_text", '{"unknown":4}'),
                                 ("answer_markdown", '{"unknown":4}'))),
        (2, RUN_2 + "00:00+00:00", "finished", "related_questions", 1, 4, 25.0,
         '{"unknown":1}', None),
        (2, RUN_2 + "00:00+00:00", "finished", "recommended_resources", 3, 4, 75.0,
         '{"unknown":3}', None),
        *((1, RUN_1 + "00:00+00:00", "finished", field, 5, 6, 83.3, '{"unknown":5}', None)
          for field in ("title", "asked_at", "view_count", "answer_text", "answer_markdown")),
        (1, RUN_1 + "00:00+00:00", "finished", "related_questions", 1, 6, 16.7,
         '{"unknown":1}', None),
        (1, RUN_1 + "00:00+00:00", "finished", "recommended_resources", 2, 6, 33.3,
         '{"unknown":2}', None),
    ]),
    "most_viewed_questions": ({}, ("site", "question_id", "title", "asked_at", "view_count",
                                   "view_count_approximate"), [
        (CSDN, FAST, TITLES[FAST], "2023-05-10T10:00:00+08:00", 700, 0),
        (CSDN, DROP, TITLES[DROP], "2023-06-20T10:00:00+08:00", 290, 0),
        (CSDN, SLOW, TITLES[SLOW], "2023-05-20T10:00:00+08:00", 80, 0),
        (CSDN, GONE, TITLES[GONE], "2023-06-01T10:00:00+08:00", 20, 0),
        (CSDN, LATE, TITLES[LATE], "2023-06-15T10:00:00+08:00", 9, 0),
        (CSDN, SAME, TITLES[SAME], "2023-06-02T10:00:00+08:00", 5, 0),
    ]),
    "questions_per_month": ({}, ("month", "questions", "views"), [
        ("2023-06", 4, 20 + 5 + 9 + 290), ("2023-05", 2, 700 + 80)]),
    "unfetched_questions": ({}, ("site", "question_id", "title", "linked_from", "url"), [
        (CSDN, STUB, "只见过的问题", 1, _url(STUB))]),
    "question_related": ({"site": CSDN, "id": SLOW}, (
        "direction", "kind", "position", "site", "question_id", "title", "is_fetched"), [
        ("links to", "related", 1, CSDN, STUB, "只见过的问题", 0)]),
    # A CSDN archive: answers without votes or an accepted mark, no tags, no duplicates
    # (tests/test_publish_sites.py has a Q&A site's). Every fetched question is answered.
    "top_voted_answers": ({}, ("votes", "accepted", "site", "question_id", "title",
                               "answer_id", "author", "created_at", "answer_start"), []),
    "unanswered_questions": ({}, ("site", "question_id", "title", "asked_at", "view_count",
                                  "question_votes", "answer_count", "status", "url"), []),
    "questions_by_tag": ({"tag": "python"}, (
        "site", "question_id", "title", "asked_at", "view_count", "question_votes",
        "answer_count", "status", "tags"), []),
    "accepted_answer_rate": ({}, ("site", "fetched", "answered", "with_accepted_answer",
                                  "accepted_percent", "accepted_percent_of_answered"), [
        (CSDN, 6, 6, 0, 0.0, 0.0)]),
    "duplicate_questions": ({}, ("site", "question_id", "title", "asked_at", "view_count",
                                 "target_url", "target_question_id", "target_title"), []),
    "failures": ({}, ("failure", "url", "status", "at", "reason", "run_id"), [
        ("fetch", ERROR_URL, 500, RUN_2 + "06:00+00:00", "HTTP 500", 2),
        ("fetch", _url(GONE), 404, RUN_2 + "03:00+00:00", "HTTP 404", 2),
        ("parse", BROKEN_URL, 200, RUN_1 + "05:00+00:00", "no answer text (truncated page?)", 1),
    ]),
}
UNORDERED = {"failures"}  # a UNION ALL without ORDER BY
# Ranked by bm25: tests/test_publish.py::test_search_questions and test_search_resources.
SEARCH_QUERIES = {"search_questions", "search_resources"}


def _rows(data: list[dict], columns: tuple[str, ...]) -> list[tuple]:
    assert all(tuple(row) == columns for row in data), data[:1]
    return [tuple(row.values()) for row in data]


async def test_every_canned_query_gives_the_known_rows(history_ds: Datasette) -> None:
    queries = load_metadata()["databases"]["archive"]["queries"]
    assert set(CANNED_RESULTS) == set(queries) - SEARCH_QUERIES
    for name, (params, columns, expected) in CANNED_RESULTS.items():
        query = httpx.QueryParams({**params, "_shape": "array"})
        rows = _rows((await _get(history_ds, f"/archive/{name}.json?{query}")).json(), columns)
        if name in UNORDERED:
            rows, expected = sorted(rows, key=repr), sorted(expected, key=repr)
        assert rows == expected, name


CHART_RESULTS: dict[str, tuple[tuple[str, ...], list[tuple]]] = {
    "questions-count": (("n",), [(7,)]),  # six fetched and the stub
    "fetched-count": (("n",), [(6,)]),
    "resources-count": (("n",), [(4,)]),
    "questions-per-month": (("month", "questions"), [("2023-05", 2), ("2023-06", 4)]),
    "view-distribution": (("views", "lowest", "questions"), [
        ("0–9", 5, 2), ("10–99", 20, 2), ("100–999", 290, 2)]),
    "pages-per-run": (("run", "command", "new", "updated", "unchanged", "gone", "failed"), [
        (1, "crawl", 5, 0, 0, 0, 1), (2, "crawl", 1, 3, 1, 1, 1)]),
    "view-growth": (("observed_at", "view_count", "question"), [
        (RUN_1 + "01:00+00:00", 100, TITLES[FAST]),
        (RUN_1 + "02:00+00:00", 50, TITLES[SLOW]),
        (RUN_1 + "03:00+00:00", 20, TITLES[GONE]),
        (RUN_1 + "04:00+00:00", 5, TITLES[SAME]),
        (RUN_1 + "06:00+00:00", 300, TITLES[DROP]),
        (RUN_2 + "01:00+00:00", 700, TITLES[FAST]),
        (RUN_2 + "02:00+00:00", 80, TITLES[SLOW]),
        (RUN_2 + "04:00+00:00", 5, TITLES[SAME]),  # the 304 re-check counts too
        (RUN_2 + "05:00+00:00", 9, TITLES[LATE]),
        (RUN_2 + "07:00+00:00", 290, TITLES[DROP]),
    ]),
    "field-health": (("run", "field", "percent_found"), [
        *((1, field, 83.3) for field in ("title", "asked_at", "view_count", "answer_text",
                                         "answer_markdown")),
        (1, "related_questions", 16.7), (1, "recommended_resources", 33.3),
        *((2, field, 100.0) for field in ("title", "asked_at", "view_count", "answer_text",
                                          "answer_markdown")),
        (2, "related_questions", 25.0), (2, "recommended_resources", 75.0),
    ]),
}


async def test_every_chart_draws_the_known_values(history_ds: Datasette) -> None:
    charts = load_metadata()["plugins"]["datasette-dashboards"]["archive"]["charts"]
    assert set(CHART_RESULTS) == set(charts)
    for name, (columns, expected) in CHART_RESULTS.items():
        sql = httpx.QueryParams({"sql": charts[name]["query"], "_shape": "array"})
        rows = _rows((await _get(history_ds, f"/archive.json?{sql}")).json(), columns)
        assert rows == expected, name


# ---------------------------------------------------------------------------
# qarchive serve


def test_serve_refuses_a_missing_or_foreign_file(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(serve_command, ["--db", str(tmp_path / "nope.db")])
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error:") and "no such archive" in result.output
    assert len(result.output.strip().splitlines()) == 1
    other = tmp_path / "other.db"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE t (x)")
    connection.close()
    result = runner.invoke(serve_command, ["--db", str(other)])
    assert result.exit_code == 1 and "not a qarchive archive" in result.output
    text = tmp_path / "notes.txt"
    text.write_text("hello " * 200)
    result = runner.invoke(serve_command, ["--db", str(text)])
    assert result.exit_code == 1 and "not a qarchive archive" in result.output


def test_serve_help_states_defaults() -> None:
    result = CliRunner().invoke(serve_command, ["--help"])
    assert "Example:" in result.output
    for default in ("default archive.db", "default 127.0.0.1", "default 8001"):
        assert default in result.output
