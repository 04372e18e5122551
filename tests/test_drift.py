"""The drift alarm: each crawl records which fields its pages yielded, and a run whose share
of a field falls far below the archive's history is flagged — in the summary, in
crawl_runs, in Datasette's extraction_health query, and with --fail-on-drift in the exit
status. Real crawls of the sample site, its layout switched between two runs of one crawl.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from crawl_helpers import fresh_archive, run

from archive import (
    ExtractionHealth,
    FetchedPage,
    FrontierURL,
    RunCounts,
    describe_drift,
    find_drift,
    open_archive,
)
from archive.health import DRIFT_HISTORY_RUNS, DRIFT_MIN_PAGES, fields_found
from crawler.writers import URLResult, store_batch
from parsers import AnswerPage, RecommendedResource, RelatedQuestion
from publish import make_datasette
from qarchive.cli import cli
from qarchive.commands.crawl import crawl_command
from qarchive.options import EXIT_DRIFT
from sample_sites.testing import running_sample_site

PAGES = 150
FIELDS = ("title", "asked_at", "view_count", "answer_text", "answer_markdown",
          "related_questions", "recommended_resources")


def _health(db: Any, run_id: int) -> dict[str, Any]:
    text = db.execute("SELECT field_health FROM crawl_runs WHERE id = ?", [run_id]).fetchone()[0]
    return json.loads(text)


def _drift(db: Any, run_id: int) -> str | None:
    return db.execute("SELECT drift FROM crawl_runs WHERE id = ?", [run_id]).fetchone()[0]


# --- real crawls ---------------------------------------------------------------------------

def test_normal_crawls_record_their_health_and_stay_quiet(tmp_path: Path) -> None:
    with running_sample_site(pages=PAGES) as site:
        db = fresh_archive(tmp_path / "archive.db")
        first = run(db, [site.root_url])
        site.set_epoch(1)
        second = run(db, [site.root_url], refresh_after=0)
        site.set_epoch(2)
        third = run(db, [site.root_url], refresh_after=0, writer_process=False)
    for report in (first, second, third):
        assert report.drift is None and "drift" not in report.summary()
        assert _drift(db, report.run_id) is None
    health = _health(db, first.run_id)
    assert list(health)[:len(FIELDS)] == list(FIELDS)  # then what field_sources adds
    # Every page of the first run was parsed; title, time, views and answer on each.
    for name in ("title", "asked_at", "view_count", "answer_text", "answer_markdown"):
        assert health[name]["found"] == health[name]["pages"] == PAGES, name
        assert sum(health[name]["sources"].values()) == PAGES, name
    assert 0 < health["related_questions"]["found"] < PAGES  # leaves list none, or some
    # A refresh parses only what changed: the 304s and 404s are not pages read.
    later = _health(db, second.run_id)
    assert later["title"]["pages"] == second.statuses[200] == second.health.pages
    assert 0 < second.statuses[200] < second.counts.fetched
    # Each stored question says where its fields came from.
    rows = db.execute("SELECT s.sources FROM questions q JOIN field_source_sets s "
                      "ON s.id = q.field_sources_id WHERE q.is_fetched = 1").fetchall()
    assert len(rows) >= PAGES
    for (text,) in rows:
        assert {"title", "view_count", "answer_markdown"} <= set(json.loads(text))
    db.close()


def _crawl(args: list[str]) -> Any:
    return CliRunner().invoke(crawl_command, [*args, "--delay", "0", "--per-host", "4"])


async def _canned(path: Path, name: str) -> list[dict[str, Any]]:
    datasette = make_datasette(path)
    await datasette.invoke_startup()
    try:
        response = await datasette.client.get(f"/archive/{name}.json?_shape=array")
        assert response.status_code == 200, response.text
        rows: list[dict[str, Any]] = response.json()
        return rows
    finally:
        for database in datasette.databases.values():
            database.close()


def test_a_layout_switch_mid_crawl_rings_the_alarm(tmp_path: Path) -> None:
    """A crawl cut by --max-pages; the site switches to a layout without the view count
    (the sample site's "redesign") before the run that finishes it."""
    db_path = tmp_path / "archive.db"
    with running_sample_site(pages=PAGES, layout_switch=(1, {"redesign": 1.0})) as site:
        first = _crawl([site.root_url, "--db", str(db_path), "--max-pages", "60"])
        assert first.exit_code == 0, first.output
        assert "drift" not in first.output
        site.set_epoch(1)
        # Resumed: the pages the first run left, now served in the new layout.
        second = _crawl(["--db", str(db_path), "--fail-on-drift"])
        assert second.exit_code == EXIT_DRIFT == 65, second.output
        summary = second.output.strip().splitlines()
        assert summary[-1].startswith("drift: ")
        assert "view_count found on 0% of pages (history: 100%)" in summary[-1]
        assert "the site's layout may have changed" in summary[-1]
        # Without --fail-on-drift the alarm is a warning: the exit status is the run's.
        third = _crawl([site.root_url, "--db", str(db_path), "--refresh-after", "0"])
        assert third.exit_code == 0, third.output
        assert "view_count found on 0% of pages" in third.output
    db = open_archive(db_path)
    runs = db.execute("SELECT id, drift FROM crawl_runs ORDER BY id").fetchall()
    assert runs[0][1] is None
    assert runs[1][1] is not None and "view_count found on 0% of pages" in runs[1][1]
    assert runs[2][1] is not None  # the history's median is still the old layout's
    assert _health(db, runs[1][0])["view_count"]["found"] == 0
    assert _health(db, runs[1][0])["view_count"]["pages"] >= DRIFT_MIN_PAGES
    db.close()
    rows = asyncio.run(_canned(db_path, "extraction_health"))
    views = {row["run"]: row for row in rows if row["field"] == "view_count"}
    assert views[1]["percent_found"] == 100.0 and views[1]["drift"] is None
    assert views[2]["percent_found"] == 0.0 and "view_count" in views[2]["drift"]
    assert [row["run"] for row in rows] == sorted((row["run"] for row in rows), reverse=True)


# --- the rule --------------------------------------------------------------------------------

def _page(**changes: Any) -> AnswerPage:
    values: dict[str, Any] = {
        "url": "https://wenku.csdn.net/answer/abcdefghij", "id": "abcdefghij", "title": "问题",
        "asked_at": "2023-07-01T09:00:00+08:00", "view_count": 10, "answer_text": "答案",
        "answer_markdown": "答案"}
    return AnswerPage(site="wenku.csdn.net", **{**values, **changes})


def _run(pages: int, **found: int) -> ExtractionHealth:
    """A run of ``pages`` pages: the named fields found on that many, the rest on all."""
    health = ExtractionHealth(pages=pages)
    for name in FIELDS:
        health.found[name] = found.get(name, pages)
    return health


def test_fields_found_name_their_source_or_unknown() -> None:
    page = _page(view_count=None, field_sources={"title": "heading", "asked_at": "label"})
    assert fields_found(page) == {"title": "heading", "asked_at": "label",
                                  "answer_text": "unknown", "answer_markdown": "unknown"}
    health = ExtractionHealth()
    health.add(page)
    health.add(_page(field_sources={"title": "state", "view_count": "state"}))
    health.add(None)  # a page that did not parse: counted, nothing found
    data = health.to_json()
    assert data["title"] == {"found": 2, "pages": 3, "sources": {"heading": 1, "state": 1}}
    assert data["view_count"] == {"found": 1, "pages": 3, "sources": {"state": 1}}
    assert data["related_questions"] == {"found": 0, "pages": 3, "sources": {}}
    again = ExtractionHealth.loads(health.dumps())
    assert again is not None and again.to_json() == data
    assert ExtractionHealth.loads("not json") is None and ExtractionHealth.loads(None) is None


@pytest.mark.parametrize(("run_pages", "found", "history", "drifted"), [
    (100, 10, [(100, 98)], "view_count found on 10% of pages (history: 98%)"),  # the issue's
    (100, 0, [(100, 100), (100, 100)], "view_count found on 0% of pages (history: 100%)"),
    (100, 60, [(100, 98)], None),  # lower, not below half
    (100, 10, [(100, 30)], None),  # below half, but only 20 points down
    (DRIFT_MIN_PAGES - 1, 0, [(100, 100)], None),  # too few pages to say
    (100, 0, [(DRIFT_MIN_PAGES - 1, 19)], None),  # no history of enough pages
    (100, 0, [], None),  # the first run
    # The median: one odd run in the history does not move it.
    (100, 90, [(100, 100), (100, 0), (100, 100)], None),
    (100, 0, [(100, 100), (100, 0), (100, 100)],
     "view_count found on 0% of pages (history: 100%)"),
    # Only the newest DRIFT_HISTORY_RUNS count: a field gone for good becomes the norm.
    (100, 0, [(100, 0)] * (DRIFT_HISTORY_RUNS // 2 + 1) + [(100, 100)] * 20, None),
])
def test_drift_is_a_share_far_below_the_history(
    run_pages: int, found: int, history: list[tuple[int, int]], drifted: str | None,
) -> None:
    runs = [_run(pages, view_count=views) for pages, views in history]
    assert describe_drift(find_drift(_run(run_pages, view_count=found), runs)) == drifted


def test_a_field_the_history_has_and_the_run_lacks_is_drift() -> None:
    history = _run(100)
    history.found["code_blocks"] = 100  # a field only field_sources names
    drifts = find_drift(_run(50), [history])
    assert [(drift.field, drift.share, drift.history) for drift in drifts] == [
        ("code_blocks", 0.0, 1.0)]


def test_the_history_is_the_newest_finished_crawl_runs_of_enough_pages(
    tmp_path: Path,
) -> None:
    db = open_archive(tmp_path / "archive.db")

    def finished(pages: int, *, status: str = "finished", command: str = "crawl") -> int:
        run_id = db.start_run(command=command, options={})
        db.finish_run(run_id, status=status, counts=RunCounts(), health=_run(pages))
        return run_id

    finished(30)
    finished(5)  # too few pages
    finished(40, status="failed")
    finished(50, command="import")
    finished(60, status="interrupted")
    current = finished(70)
    history = db.health_history(before_run=current)
    assert [health.pages for health in history] == [60, 30]
    assert [health.pages for health in db.health_history(before_run=current, runs=1)] == [60]
    empty = db.start_run(command="crawl", options={})
    db.finish_run(empty, status="finished", counts=RunCounts(), health=ExtractionHealth())
    assert db.execute("SELECT field_health FROM crawl_runs WHERE id = ?",
                      [empty]).fetchone()[0] is None  # read no page: nothing to record
    db.close()


def test_runs_shows_the_drift(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    db = open_archive(path)
    run_id = db.start_run(command="crawl", options={})
    db.finish_run(run_id, status="finished", counts=RunCounts(fetched=3), health=_run(30),
                  drift="view_count found on 0% of pages (history: 100%)")
    db.close()
    table = CliRunner().invoke(cli, ["runs", "--db", str(path)])
    assert table.output.splitlines()[-1] == (
        f"run {run_id} drift: view_count found on 0% of pages (history: 100%)")
    as_json = json.loads(CliRunner().invoke(cli, ["runs", "--db", str(path), "--json"]).output)
    assert as_json[0]["drift"] == "view_count found on 0% of pages (history: 100%)"




def test_a_related_question_without_its_link_is_kept_but_not_linked(tmp_path: Path) -> None:
    """The real layout shows some related questions without a link: the page is stored,
    its linked related questions get rows; the link-less one has none (no question to
    point at). A record the archive cannot hold at all (a resource with no URL) costs
    that page's URL, with the reason; the batch and the crawl go on."""
    db = open_archive(tmp_path / "archive.db")
    run_id = db.start_run(command="crawl", options={})
    table = db.frontier_table(run_id=run_id)
    linked = RelatedQuestion(2, "uvwxyzabcd", "https://wenku.csdn.net/answer/uvwxyzabcd",
                             "另一个", "摘要二")
    with_unlinked = _page(id="klmnopqrst", url="https://wenku.csdn.net/answer/klmnopqrst",
                          related_questions=[RelatedQuestion(1, None, None, "标题", "摘要"),  # type: ignore
                                             linked])
    bad = _page(id="efghijklmn", url="https://wenku.csdn.net/answer/efghijklmn",
                recommended_resources=[RecommendedResource(
                    "related", 1, "", "资源", "描述", "pdf", "doc")])
    pages = (with_unlinked, bad)
    entries = [FrontierURL(url=page.url, host="wenku.csdn.net", depth=0) for page in pages]
    with db.atomic():
        table.write_seeds(entries)
    results = [
        URLResult(entry=entry, state="done", status=200, page=page,
                  fetch=FetchedPage(url=page.url, status=200, body=b"<html></html>",
                                    fetched_at="2024-01-01T00:00:00+00:00"))
        for entry, page in zip(entries, pages, strict=True)]
    with db.atomic():
        outcomes = store_batch(db, table, results, run_id=run_id, poisoned_retry_after=60)
    assert outcomes == {"new": 1, "unstored": 1}
    assert db.execute("SELECT from_id, to_id, position FROM related_questions").fetchall() == [
        (with_unlinked.id, linked.id, 2)]
    rows = dict(db.execute("SELECT url, last_error FROM frontier").fetchall())
    assert rows == {with_unlinked.url: None, bad.url: "IncompleteRecord: recommended resource "
                                                      "related 1 has no URL"}
    db.close()
