"""Many sites, many answers in a real archive file: questions keyed by (site, id), every
answer a row with its history, tags, linked questions, and search over bodies and answers."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import sqlite_utils

from archive import open_archive
from archive.search import search_questions
from parsers import Answer, AnswerPage, RelatedQuestion

pytestmark = pytest.mark.filterwarnings("error")

SO = "stackoverflow.com"
T1, T2, T3 = "2026-11-01T00:00:00+00:00", "2026-11-02T00:00:00+00:00", "2026-11-03T00:00:00+00:00"


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    database = open_archive(tmp_path / "archive.db")
    yield database
    database.close()


def _answer(position: int, id_: str, text: str, votes: int, *, accepted: bool = False
            ) -> Answer:
    return Answer(position=position, id=id_, text=text, markdown=f"*{text}*", votes=votes,
                  accepted=accepted, author=f"user {id_}",
                  created_at=f"2010-08-0{position}T10:00:00+00:00")


def _question(site: str = SO, id_: str = "3402735", **changes: object) -> AnswerPage:
    values: dict[str, object] = dict(
        url=f"https://{site}/questions/{id_}/read-a-file", id=id_, site=site,
        title="How to read a file into a String?", asked_at="2010-08-04T03:56:43+00:00",
        view_count=4229, answer_text="", answer_markdown="",
        question_text="I want the whole file as one String.",
        question_markdown="I want the whole file as one `String`.", question_votes=12,
        question_author="asker", tags=["java", "file-io"], answer_count=2,
        answers=[_answer(1, "901", "Use Files.readString zebrafish", 30, accepted=True),
                 _answer(2, "902", "Use a Scanner", 4)],
        linked_questions=[RelatedQuestion(1, "326390", f"https://{site}/questions/326390/x",
                                          "How do I create a Java string from a file?", "")],
        profile="stackexchange", parser_version=1)
    values.update(changes)
    return AnswerPage(**values)  # type: ignore[arg-type]


def _answers(db: sqlite_utils.Database, site: str = SO, id_: str = "3402735") -> list[tuple]:
    return db.execute(
        "SELECT id, position, markdown, votes, accepted, author FROM answers "
        "WHERE site = ? AND question_id = ? ORDER BY position", [site, id_]).fetchall()


def test_a_question_with_answers_tags_and_links_is_stored_normalised(
        db: sqlite_utils.Database) -> None:
    with db.atomic():
        assert db.store_answer_page(_question(), observed_at=T1) == "new"
    row = db["questions"].get((SO, "3402735"))
    assert (row["question_votes"], row["question_author"], row["status"], row["answer_count"],
            row["tags"]) == (12, "asker", "open", 2, '["java", "file-io"]')
    # Each answer as its Markdown alone (schema 16: no plain-text copy).
    assert _answers(db) == [("901", 1, "*Use Files.readString zebrafish*", 30, 1, "user 901"),
                            ("902", 2, "*Use a Scanner*", 4, 0, "user 902")]
    assert "text" not in db["answers"].columns_dict
    assert "question_text" not in db["questions"].columns_dict
    assert row["question_markdown"] == "I want the whole file as one `String`."
    assert db.execute("SELECT tag, position FROM question_tags ORDER BY position").fetchall() == [
        ("java", 1), ("file-io", 2)]
    assert db.execute("SELECT site, name FROM tags ORDER BY name").fetchall() == [
        (SO, "file-io"), (SO, "java")]
    # The linked question: a link with its kind, and a stub row to complete later.
    assert db.execute("SELECT to_id, kind, position FROM related_questions").fetchall() == [
        ("326390", "linked", 1)]
    assert db["questions"].get((SO, "326390"))["is_fetched"] == 0
    assert db.execute("SELECT answer_id, version FROM answer_versions ORDER BY answer_id"
                      ).fetchall() == [("901", 1), ("902", 1)]
    with db.atomic():
        assert db.store_answer_page(_question(), observed_at=T2) == "unchanged"


def test_answers_keep_their_history_and_a_page_that_shows_all_removes_the_rest(
        db: sqlite_utils.Database) -> None:
    with db.atomic():
        db.store_answer_page(_question(), observed_at=T1)
    edited = _question(answers=[
        _answer(1, "903", "A new top answer", 50),
        dataclasses.replace(_answer(2, "901", "Use Files.readString (Java 11+)", 31),
                            accepted=True),
    ], answer_count=2, tags=["java"])
    with db.atomic():
        assert db.store_answer_page(edited, observed_at=T2) == "updated"
    assert [row[0] for row in _answers(db)] == ["903", "901"]
    versions = db.execute(
        "SELECT answer_id, version, answer_markdown, superseded_at FROM answer_history "
        "ORDER BY answer_id, version").fetchall()
    assert versions == [
        ("901", 1, "*Use Files.readString zebrafish*", T2),
        ("901", 2, "*Use Files.readString (Java 11+)*", None),
        ("902", 1, "*Use a Scanner*", T2),  # gone from the page: superseded, kept
        ("903", 1, "*A new top answer*", None),
    ]
    assert "answer_text" not in db["answer_versions"].columns_dict
    assert db.execute("SELECT tag FROM question_tags").fetchall() == [("java",)]


def test_a_page_of_paged_answers_adds_to_the_answers_and_removes_none(
        db: sqlite_utils.Database) -> None:
    with db.atomic():
        db.store_answer_page(_question(answer_count=4), observed_at=T1)
        page_2 = _question(url=f"https://{SO}/questions/3402735/read-a-file?page=2",
                           answer_count=4, answers=[_answer(3, "904", "Page two's answer", 1),
                                                    _answer(4, "905", "And another", 0)])
        assert db.store_answer_page(page_2, observed_at=T1) == "updated"
    assert [row[0] for row in _answers(db)] == ["901", "902", "904", "905"]


@pytest.mark.parametrize("first_page_first", [True, False])
def test_later_pages_of_answers_number_on_and_leave_the_question_its_first_page(
        db: sqlite_utils.Database, first_page_first: bool) -> None:
    """A ?page=N page numbers its answers from 1 and says how many come before: the
    archive numbers them across the pages; the question's URL and chosen answer stay
    its first page's, whichever page is stored first."""
    first = _question(answer_count=4, answer_text="Use Files.readString zebrafish")
    page_2 = _question(url=f"https://{SO}/questions/3402735/read-a-file?page=2",
                       answer_count=4, answers_page=2, answers_before=2,
                       answer_text="Page two's answer",
                       answers=[_answer(1, "904", "Page two's answer", 1),
                                _answer(2, "905", "And another", 0)])
    with db.atomic():
        for page in (first, page_2) if first_page_first else (page_2, first):
            db.store_answer_page(page, observed_at=T1)
    assert [row[:2] for row in _answers(db)] == [("901", 1), ("902", 2), ("904", 3),
                                                 ("905", 4)]
    assert db.execute("SELECT url, answer_markdown FROM questions_with_answer "
                      "WHERE id = '3402735'").fetchall() == [
        (first.url, "*Use Files.readString zebrafish*")]
    with db.atomic():  # each page again, as it was: nothing to store
        assert db.store_answer_page(page_2, observed_at=T2) == "unchanged"
        assert db.store_answer_page(first, observed_at=T2) == "unchanged"


def test_two_sites_may_use_one_id(db: sqlite_utils.Database) -> None:
    with db.atomic():
        db.store_answer_page(_question(), observed_at=T1)
        db.store_answer_page(_question(site="superuser.com", title="Another site's question",
                                       answers=[_answer(1, "901", "Superuser's answer", 2)],
                                       answer_count=1), observed_at=T1)
    assert db.execute("SELECT site, title FROM questions WHERE id = '3402735' ORDER BY site"
                      ).fetchall() == [("stackoverflow.com", "How to read a file into a String?"),
                                       ("superuser.com", "Another site's question")]
    assert _answers(db, "superuser.com") == [
        ("901", 1, "*Superuser's answer*", 2, 0, "user 901")]
    assert len(_answers(db)) == 2


def test_search_finds_a_question_by_its_body_and_by_any_answer(
        db: sqlite_utils.Database) -> None:
    with db.atomic():
        db.store_answer_page(_question(), observed_at=T1)
    for word in ("zebrafish", "Scanner", "whole file"):
        hits = search_questions(db, word).hits
        assert [(hit.site, hit.id) for hit in hits] == [(SO, "3402735")], word
        assert hits[0].answer_start == "I want the whole file as one String."
    assert search_questions(db, "nowhere-to-be-found").hits == []


def test_a_closed_duplicate_keeps_its_status_and_target(db: sqlite_utils.Database) -> None:
    target = f"https://{SO}/questions/326390/x"
    with db.atomic():
        db.store_answer_page(_question(status="duplicate", duplicate_of=target),
                             observed_at=T1)
    row = db["questions"].get((SO, "3402735"))
    assert (row["status"], row["duplicate_of"]) == ("duplicate", target)
    with db.atomic():
        assert db.store_answer_page(_question(status="open"), observed_at=T3) == "updated"
    assert db["questions"].get((SO, "3402735"))["status"] == "open"
