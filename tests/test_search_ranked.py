"""The archive's search as users meet it: operators and single characters that match, a
meaningful order with a total to page through, and `qarchive search` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import Archive, apply_migrations, open_archive
from archive.search import SearchSyntaxError, fts_query, search_questions
from parsers import AnswerPage, RelatedQuestion
from qarchive.cli import cli


def _page(id_: str, title: str, answer: str, views: int | None = 10,
          **fields: object) -> AnswerPage:
    return AnswerPage(
        site="wenku.csdn.net", url=f"https://wenku.csdn.net/answer/{id_}", id=id_, title=title,
        asked_at="2023-07-01T09:00:00+08:00", view_count=views, answer_text=answer,
        answer_markdown=answer, profile="csdn-answer", parser_version=1,
        **fields,  # type: ignore[arg-type]
    )


PAGES = [
    _page("k8s0000001", "Kubernetes 部署", "用 kubernetes 部署服务。", views=50),
    _page("dock000002", "Docker 镜像", "docker build 生成镜像。", views=70),
    _page("swarm00003", "Docker swarm 集群", "docker swarm 与 kubernetes 对比。", views=5),
    _page("model00004", "大模型", "训练一个模型。", views=900,
          related_questions=[RelatedQuestion(1, "stub000005", "https://wenku.csdn.net/"
                                             "answer/stub000005", "模型", "")]),
    _page("bert000006", "BERT模型微调", "先加载 BERT模型。", views=None),
    _page("pip0000007", "pip install 报错", "pip install 失败时换源。", views=30),
    _page("conda00008", "conda 与 pip", "conda install 与 pip 不同。", views=20),
]


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    db = open_archive(tmp_path / "archive.db")
    for page in PAGES:
        with db.atomic():
            db.store_answer_page(page)
    return db


def _ids(db: Archive, query: str, **options: int) -> list[str]:
    return [hit.id for hit in search_questions(db, query, **options).hits]


@pytest.mark.parametrize(("query", "expected"), [
    ("kubernetes OR docker", {"k8s0000001", "dock000002", "swarm00003"}),
    ("docker NOT swarm", {"dock000002"}),
    ("docker AND kubernetes", {"swarm00003"}),
    ('"pip install"', {"pip0000007"}),  # conda00008 has both words, apart
    ("pip NOT (报错 OR 不同)", set()),
    ("kube*", {"k8s0000001", "swarm00003"}),
    # Chinese words take the operators too.
    ("镜像 OR 集群", {"dock000002", "swarm00003"}),
    # A single character: inside a run, and where a run ends (no bigram starts there).
    ("模", {"model00004", "stub000005", "bert000006"}),
    ("型", {"model00004", "stub000005", "bert000006"}),
    # A Chinese character ending a word after Latin letters.
    ("BERT模", {"bert000006"}),
])
def test_operators_and_single_characters_match(archive: Archive, query: str,
                                               expected: set[str]) -> None:
    assert set(_ids(archive, query, limit=100)) == expected


def test_order_is_fetched_first_then_relevance_then_views(archive: Archive) -> None:
    results = search_questions(archive, "模型", limit=100)
    # All three hold 模型 in their title; the stub (a related link: a title, no page)
    # scores best by bm25 but comes last; between the fetched ones, relevance, then views.
    assert [hit.id for hit in results.hits][-1] == "stub000005"
    assert not results.hits[-1].is_fetched and all(hit.is_fetched for hit in results.hits[:-1])
    assert max(hit.relevance for hit in results.hits) == 100
    assert all(0 < hit.relevance <= 100 for hit in results.hits)
    fetched = results.hits[:-1]
    assert fetched == sorted(fetched, key=lambda hit: (-hit.relevance, -(hit.view_count or 0)))


def test_a_common_word_still_ranks_and_counts(tmp_path: Path) -> None:
    """A word in every question: bm25 ~ 0 for all, yet relevance reads 100, not 0.0, and
    the tie goes to views; the total says how many match, and pages go through them all."""
    db = open_archive(tmp_path / "archive.db")
    with db.atomic():
        for number in range(45):
            db.store_answer_page(_page(f"common{number:04d}", f"问题 {number}",
                                       "这是一个模型。", views=number))
    first = search_questions(db, "模型", limit=20)
    assert first.matches == 45
    assert [hit.relevance for hit in first.hits] == [100] * 20
    assert [hit.view_count for hit in first.hits] == list(range(44, 24, -1))
    pages = [search_questions(db, "模型", limit=20, offset=offset).hits
             for offset in (0, 20, 40, 60)]
    assert [len(page) for page in pages] == [20, 20, 5, 0]
    assert len({hit.id for page in pages for hit in page}) == 45
    assert search_questions(db, "模型", limit=20, offset=60).matches == 45


def test_past_the_ranking_limit_the_most_viewed_come_first(archive: Archive) -> None:
    """Over ``ranked_matches`` matches nothing is scored: fetched questions first, then
    by views (none last), with no relevance; pages still go through every match."""
    both = "kubernetes OR docker"
    results = search_questions(archive, both, limit=100, ranked_matches=2)
    assert [hit.id for hit in results.hits] == ["dock000002", "k8s0000001", "swarm00003"]
    assert [hit.relevance for hit in results.hits] == [None] * 3 and results.matches == 3
    pages = [search_questions(archive, both, limit=1, offset=offset, ranked_matches=2)
             for offset in range(4)]
    assert [hit.id for page in pages for hit in page.hits] == _ids(
        archive, both, limit=100, ranked_matches=2)
    assert [page.matches for page in pages] == [3] * 4  # past the last page too
    # The stub last, after the fetched question without a view count.
    assert _ids(archive, "模型", limit=100, ranked_matches=2) == [
        "model00004", "bert000006", "stub000005"]
    # At the limit, ranked as before.
    ranked = search_questions(archive, both, limit=100, ranked_matches=3)
    assert all(isinstance(hit.relevance, int) for hit in ranked.hits)


def test_search_command_shows_no_relevance_past_the_limit(archive: Archive) -> None:
    # The table alone: no archive of 10,000 matching questions for the command.
    from qarchive.commands.search import _table

    lines = _table(search_questions(archive, "docker", ranked_matches=1), first=1).splitlines()
    assert [line.split()[:3] for line in lines[1:-1]] == [["1", "70", "dock000002"],
                                                         ["2", "5", "swarm00003"]]


def test_bad_syntax_raises_with_the_reason(archive: Archive) -> None:
    with pytest.raises(SearchSyntaxError, match="OR needs words after it"):
        search_questions(archive, "docker OR")


def test_search_command_table_json_and_errors(archive: Archive, tmp_path: Path) -> None:
    path = str(tmp_path / "archive.db")
    runner = CliRunner()
    table = runner.invoke(cli, ["search", "kubernetes OR docker", "--db", path])
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0].split() == ["rank", "relevance", "views", "id", "title"]
    assert lines[-1] == "1–3 of 3 matching questions"
    assert [line.split()[3] for line in lines[1:-1]] == _ids(archive, "kubernetes OR docker")

    data = json.loads(runner.invoke(cli, ["search", "模型", "--db", path, "--json",
                                          "--limit", "1", "--page", "2"]).output)
    assert data["matches"] == 3 and len(data["hits"]) == 1
    assert data["hits"][0]["id"] == _ids(archive, "模型")[1]

    bad = runner.invoke(cli, ["search", '"pip install', "--db", path])
    assert bad.exit_code == 2
    assert bad.output.strip().splitlines()[-1] == (
        'Error: Invalid value for QUERY: a quoted phrase is not closed: add the closing "')
    none = runner.invoke(cli, ["search", "nothing-like-this", "--db", path])
    assert none.exit_code == 0 and none.output.strip() == "no question matches 'nothing-like-this'"
    missing = runner.invoke(cli, ["search", "x", "--db", str(tmp_path / "nope.db")])
    assert missing.exit_code != 0 and "no such archive" in missing.output


def test_migration_9_indexes_run_ends_in_an_older_archive(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "archive.db", migrate=False)
    apply_migrations(db, target=8)
    with db.atomic():
        # A question as version 8 stored it (today's writer needs today's schema)...
        db.execute("INSERT INTO questions (id, url, title, answer_text, is_fetched) VALUES "
                   "('model00004', 'https://wenku.csdn.net/answer/model00004', '大模型', "
                   "'训练一个模型。', 1)")
        # ...and what version 8's segmentation wrote: bigrams only, no run-end character.
        db.execute("DELETE FROM questions_fts")
        db.execute("INSERT INTO questions_fts (rowid, title, answer) SELECT rowid, '大模 模型', "
                   "'训练 练一 一个 个模 模型' FROM questions")
    # One character finds nothing in that index (read with version 8's own query).
    assert db.execute("SELECT count(*) FROM questions_fts WHERE questions_fts MATCH ?",
                      [fts_query("型")]).fetchone()[0] == 0
    apply_migrations(db)
    assert _ids(db, "型") == ["model00004"]
