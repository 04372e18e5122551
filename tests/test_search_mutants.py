"""Tests that kill surviving mutants of the search code #15 changed (a232661: fts_query,
_word_tokens, to_fts5, search_questions; a quoted phrase ends by the bare word's rule
since the follow-up) and pin what mutmut cannot mutate, the SQL
constant QUESTION_SEARCH_SQL: ties, the order past ``ranked_matches`` (by views) and paging.

Literal queries with the FTS5 expressions written by hand; small real archives in
tmp_path with the expected order of their questions written by hand.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from archive import Archive, open_archive
from archive.search import QuestionHit, fts_query, search_questions
from parsers import Answer, AnswerPage, RelatedQuestion

WORD = "zebra"


def _question(qid: str, site: str, views: int | None, *, title: str = f"{WORD} crossing",
              question_text: str | None = f"Why does the {WORD} cross?",
              related: list[RelatedQuestion] | None = None,
              answers: list[Answer] | None = None) -> AnswerPage:
    return AnswerPage(
        site=site, url=f"https://{site}/questions/{qid}", id=qid, title=title,
        asked_at="2024-03-01T10:00:00+00:00", view_count=views, answer_text=None,
        answer_markdown=None, question_text=question_text,
        question_markdown=question_text,  # what the archive stores and indexes (schema 16)
        answers=answers or [],
        answer_count=len(answers or []), related_questions=related or [],
        profile="stackexchange", parser_version=1)


def _stub(qid: str, site: str) -> RelatedQuestion:
    return RelatedQuestion(1, qid, f"https://{site}/questions/{qid}", f"{WORD} stripes", "")


# -- fts_query: the tokens a bare word is matched by ---------------------------------------


@pytest.mark.parametrize(("query", "expression"), [
    # The last pair of the last run decides. ・ (U+30FB) is inside the kana range but no
    # token character: before the last pair it does not stop the bigram rule...
    ("・模型", '"・模 模型"'),
    ("゛模型", '"゛模 模型"'),
    # ...inside the last pair it does: the word stays a prefix, its last character kept.
    ("模・型", '"模・ ・型 型"*'),
    ("模型・", '"模型 型・ ・"*'),
    # Several runs: only the last one's end counts.
    ("BERT模型", '"bert 模型"'),
    ("模型BERT", '"模型 型 bert"'),
    ("模型2", '"模型 型 2"'),
    ("模型bert训练", '"模型 型 bert 训练"'),
    ("预训练模型bert模", '"预训 训练 练模 模型 型 bert 模"*'),
    # Punctuation outside the CJK ranges is no part of a run.
    ("。模型", '"模型"'),
    ("模型。", '"模型"'),
    ("模。", '"模"*'),
    # Kana and Hangul are runs as Han is.
    ("テキスト", '"テキ キス スト"'),
    ("한국어", '"한국 국어"'),
    ("한", '"한"*'),
    # An explicit * keeps the shorter form a prefix.
    ("预训练模型*", '"预训 训练 练模 模型"*'),
    ("模*", '"模"*'),
    ("**模型**", '"模型"*'),
    # A mark inside the CJK ranges is a run of its own here, but no token to FTS5: the
    # phrase is empty there and matches nothing (test_words_with_a_mark_...).
    ("・", '"・"*'),
    # Nothing searchable: skipped.
    ("*", '""'),
    ("。", '""'),
])
def test_a_bare_word_ends_in_its_last_bigram_or_is_a_prefix(query: str,
                                                            expression: str) -> None:
    assert fts_query(query, strict=True) == expression


@pytest.mark.parametrize(("query", "expression"), [
    # A quoted phrase ends as a bare word does: in its last bigram, or as a prefix when
    # its last pair is not two token characters.
    ('"・模型"', '"・模 模型"'),
    ('"模・型"', '"模・ ・型 型"*'),
    ('"模型BERT"', '"模型 型 bert"'),
    ('"预训练模型 bert模"', '"预训 训练 练模 模型 型 bert 模"*'),
    ('"bert 模型"', '"bert 模型"'),
    # An explicit * on a word in a phrase is punctuation there, as FTS5 has it.
    ('"模型* 训练"', '"模型 型 训练"'),
    ('"。"', '""'),
])
def test_a_quoted_phrase_ends_as_a_bare_word(query: str, expression: str) -> None:
    assert fts_query(query, strict=True) == expression


def test_the_lenient_fallback_matches_bare_words_as_words() -> None:
    # An unclosed quote: the plain words, each matched as a bare word (last bigram, or a
    # prefix for one character), not as the phrase "训练 模" ('"训练 练 模"*').
    assert fts_query('模型 "训练 模') == '"模型" "训练" "模"*'
    assert fts_query('(模型 OR') == '"模型"'


def _ids_by_expression(db: Archive, expression: str) -> set[str]:
    return {row[0] for row in db.execute(
        "SELECT q.id FROM questions_fts JOIN questions q ON q.rowid = questions_fts.rowid "
        "WHERE questions_fts MATCH ?", [expression]).fetchall()}


def test_words_with_a_mark_in_their_run_find_what_they_should(tmp_path: Path) -> None:
    """The expressions above, against an index: a mark before the last pair changes
    nothing; a mark inside it leaves the word a prefix of what follows."""
    db = open_archive(tmp_path / "archive.db")
    texts = {"m1": "・模型号", "m2": "模型", "m3": "模・型号", "m4": "模 型", "m5": "型模",
             "m6": "模・型"}
    with db.atomic():
        for qid, text in texts.items():
            db.store_answer_page(_question(qid, "a.test", 1, title=text, question_text=None))
    assert _ids_by_expression(db, fts_query("・模型")) == {"m1"}
    assert _ids_by_expression(db, fts_query("模・型")) == {"m3", "m6"}
    assert _ids_by_expression(db, fts_query("模型")) == {"m1", "m2"}
    assert _ids_by_expression(db, fts_query("・")) == set()
    assert _ids_by_expression(db, fts_query("模型 ・")) == {"m1", "m2"}
    # Quoted, the same: a mark inside the last pair keeps the phrase a prefix.
    assert _ids_by_expression(db, fts_query('"模型"')) == {"m1", "m2"}
    assert _ids_by_expression(db, fts_query('"模・型"')) == {"m3", "m6"}


# -- search_questions: ties, and the order past ranked_matches ----------------------------

# Every fetched question has the same title and text, and every stub the same title, so
# bm25 ties among them: the ranked order is the by-views order, and both are written
# here by hand: fetched first, then views (most first, none last), then site, then id.
EXPECTED = [
    ("a.test", "q3", 300, True),
    ("a.test", "q5", 100, True),   # views tie: site, then id
    ("a.test", "q7", 100, True),
    ("b.test", "q1", 100, True),
    ("b.test", "q9", 0, True),     # 0 views: before none
    ("a.test", "q6", None, True),  # no view count: after every count, by site and id
    ("b.test", "q2", None, True),
    ("a.test", "s2", None, False),  # stubs: every one after every fetched question
    ("a.test", "s3", None, False),
    ("b.test", "s1", None, False),
]


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    db = open_archive(tmp_path / "archive.db")
    pages = [
        # Stored out of order: the order searched is the rule's, not the rowids'.
        _question("q2", "b.test", None, related=[_stub("s1", "b.test")]),
        _question("q7", "a.test", 100, related=[_stub("s3", "a.test")]),
        _question("q1", "b.test", 100),
        _question("q6", "a.test", None),
        _question("q5", "a.test", 100, related=[_stub("s2", "a.test")]),
        _question("q9", "b.test", 0),
        _question("q3", "a.test", 300),
        # Not matching: the most viewed question and a stub are left out.
        _question("q4", "a.test", 9000, title="horse", question_text="Hooves.",
                  related=[RelatedQuestion(2, "s4", "https://a.test/questions/s4",
                                           "pony", "")]),
    ]
    with db.atomic():
        for page in pages:
            db.store_answer_page(page)
    return db


def _keys(hits: list[QuestionHit]) -> list[tuple[str, str, int | None, bool]]:
    return [(hit.site, hit.id, hit.view_count, hit.is_fetched) for hit in hits]


def test_ties_are_broken_by_site_then_id_ranked_and_by_views(archive: Archive) -> None:
    ranked = search_questions(archive, WORD, limit=100)  # 10 matches: ranked
    assert _keys(ranked.hits) == EXPECTED and ranked.matches == 10
    fetched = {hit.relevance for hit in ranked.hits if hit.is_fetched}
    stubs = {hit.relevance for hit in ranked.hits if not hit.is_fetched}
    # The bare stub titles score best (bm25's length normalisation), yet come last.
    assert stubs == {100} and len(fetched) == 1 and 0 < fetched.pop() < 100

    at_the_limit = search_questions(archive, WORD, limit=100, ranked_matches=10)
    assert at_the_limit.hits == ranked.hits

    by_views = search_questions(archive, WORD, limit=100, ranked_matches=9)
    assert _keys(by_views.hits) == EXPECTED and by_views.matches == 10
    assert {hit.relevance for hit in by_views.hits} == {None}


def test_by_views_rows_carry_every_field(archive: Archive) -> None:
    with archive.atomic():
        archive.store_answer_page(_question(
            "q8", "c.test", 5000, question_text=None,
            answers=[Answer(1, "a1", "x", f"Stripes. A {WORD} answer."),
                     Answer(2, "a2", "y", "Accepted: *camouflage*.", accepted=True)]))
        archive.store_answer_page(_question(
            "q0", "c.test", 4000, question_text=None,
            answers=[Answer(1, "a1", "x", "First: camouflage."),
                     Answer(2, "a2", "y", f"Second: a {WORD} answer.")]))
    first, second, *_, last = search_questions(archive, WORD, limit=100,
                                               ranked_matches=1).hits
    # No question body: the accepted answer starts the snippet, else the first one; from
    # its Markdown (the text is not stored), without the markup.
    assert first == QuestionHit(
        id="q8", site="c.test", title=f"{WORD} crossing", asked_at="2024-03-01T10:00:00+00:00",
        view_count=5000, is_fetched=True, answer_start="Accepted: camouflage.",
        relevance=None)
    assert (second.id, second.answer_start) == ("q0", "First: camouflage.")
    assert last == QuestionHit(
        id="s1", site="b.test", title=f"{WORD} stripes", asked_at=None, view_count=None,
        is_fetched=False, answer_start=None, relevance=None)


@pytest.mark.parametrize("ranked_matches", [10, 9, 0])
def test_every_page_is_a_slice_of_the_whole_order(archive: Archive,
                                                  ranked_matches: int) -> None:
    """Pages of every size at every offset, across the fetched/stub boundary (between
    rows 7 and 8) and past the end: each page is its slice of the order, and every page
    states the whole count."""
    for limit in range(1, 12):
        for offset in range(12):
            page = search_questions(archive, WORD, limit=limit, offset=offset,
                                    ranked_matches=ranked_matches)
            assert _keys(page.hits) == EXPECTED[offset:offset + limit], (limit, offset)
            assert page.matches == 10, (limit, offset)
    nothing = search_questions(archive, WORD, limit=0, offset=3, ranked_matches=ranked_matches)
    assert (nothing.hits, nothing.matches) == ([], 10)


def test_past_ranked_matches_a_stub_with_views_comes_first_among_stubs(
        archive: Archive) -> None:
    """Today's writer gives a stub no view count, but the rule is the same for stubs:
    the most viewed first, none last, then site and id."""
    archive.execute("UPDATE questions SET view_count = 3 WHERE id = 's1'")
    archive.execute("UPDATE questions SET view_count = 7 WHERE id = 's3'")
    order = [(site, qid) for site, qid, *_ in EXPECTED[:7]] + [
        ("a.test", "s3"), ("b.test", "s1"), ("a.test", "s2")]
    for limit in range(1, 5):
        for offset in range(5, 11):  # pages ending among the stubs
            page = search_questions(archive, WORD, limit=limit, offset=offset,
                                    ranked_matches=0)
            assert [(hit.site, hit.id) for hit in page.hits] == order[offset:offset + limit]


def test_past_ranked_matches_only_matching_questions_are_read_by_views(
        archive: Archive) -> None:
    # q4 (9,000 views) and the stub s4 do not match; nor does anything match this.
    assert [hit.id for hit in search_questions(archive, "horse OR pony", ranked_matches=0)
            .hits] == ["q4", "s4"]
    empty = search_questions(archive, "giraffe", ranked_matches=-1)
    assert (empty.hits, empty.matches) == ([], 0)


def test_relevance_is_the_score_as_a_rounded_percent_of_the_best(tmp_path: Path) -> None:
    """bm25 read from the index on its own: each hit's relevance is 100 x its score over
    the best one, rounded to the nearest whole percent."""
    db = open_archive(tmp_path / "archive.db")
    with db.atomic():
        for number in range(1, 9):
            db.store_answer_page(_question(f"r{number}", "a.test", number, title="zebra",
                                           question_text="zebra " + "grass " * number * 3))
        db.store_answer_page(_question("n1", "a.test", 1, title="lion", question_text="x"))
    scores = dict(db.execute(
        "SELECT q.id, bm25(questions_fts, 5.0, 1.0) FROM questions_fts "
        "JOIN questions q ON q.rowid = questions_fts.rowid "
        "WHERE questions_fts MATCH 'zebra'").fetchall())
    best = min(scores.values())
    expected = {qid: math.floor(100 * score / best + 0.5) for qid, score in scores.items()}
    hits = search_questions(db, "zebra", limit=100).hits
    assert {hit.id: hit.relevance for hit in hits} == expected
    # The order is by relevance, the shortest text first; some percent was rounded up.
    assert [hit.id for hit in hits] == [f"r{number}" for number in range(1, 9)]
    assert any(100 * score / best % 1 >= 0.5 for score in scores.values())
