"""A crawl of a site serving both layouts the CSDN profile reads archives every page
exactly as the sample site's independent truth says, and records where fields came from."""

from __future__ import annotations

import json
from pathlib import Path

from crawl_helpers import fresh_archive, run

from parsers.sites.csdn import answer_id_from_url
from sample_sites.testing import running_sample_site

PAGES = 80


def test_a_mixed_site_is_archived_whole_and_exact(tmp_path: Path) -> None:
    with running_sample_site(pages=PAGES, layouts={"evidence": 0.5}) as site:
        db = fresh_archive(tmp_path / "archive.db")
        report = run(db, [site.root_url])
        layouts = {url: site.layout(url) for url in site.answer_urls()}
        expected = {answer_id_from_url(url): site.expected_record(url) for url in layouts}
    assert report.counts["fetched"] == PAGES and report.counts["parse_errors"] == 0
    assert set(layouts.values()) == {"reconstruction", "evidence"}
    rows = {row[0]: row[1:] for row in db.execute(
        "SELECT q.id, q.title, q.asked_at, q.view_count, q.view_count_approximate, s.sources "
        "FROM questions q LEFT JOIN field_source_sets s ON s.id = q.field_sources_id "
        "WHERE q.is_fetched = 1")}
    assert set(rows) == set(expected)
    for question_id, record in expected.items():
        title, asked_at, views, approximate, sources = rows[question_id]
        assert (title, asked_at, views, bool(approximate)) == (
            record["title"], record["asked_at"], record["view_count"],
            record["view_count_approximate"]), question_id
        found = json.loads(sources)
        assert {"title", "view_count", "answer_markdown"} <= set(found), question_id
    # Evidence pages carry the page's own state, which holds the whole answer as Markdown:
    # the answer comes from it (the visible copy may be cut); the reconstruction has none.
    answer_sources = {layout: {json.loads(rows[answer_id_from_url(url)][4])["answer_markdown"]
                               for url, other in layouts.items() if other == layout}
                      for layout in ("evidence", "reconstruction")}
    assert answer_sources["evidence"] == {"state"}
    assert "state" not in answer_sources["reconstruction"]
