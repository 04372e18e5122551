"""Real Q&A pages (tests/fixtures/qapage/, SOURCES.md says where each came from) parse to
the values read off each page by hand (``NAME.expected.json``).

Every field of every expected.json is checked against ``parse_page``'s record: text
fields by their ``*_starts_with`` prefix (whitespace squeezed), ``question_text_excludes``
absent from the question's text, everything else equal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from parsers import parse_page

FIXTURES = Path(__file__).parent / "fixtures" / "qapage"
PAGES = sorted(path.name.removesuffix(".expected.json")
               for path in FIXTURES.glob("*.expected.json"))


def _squeezed(text: str | None) -> str:
    return " ".join((text or "").split())


def _record(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    expected = json.loads((FIXTURES / f"{name}.expected.json").read_text("utf-8"))
    body = (FIXTURES / f"{name}.html").read_bytes()
    return expected, parse_page(body, expected["url"]).to_record()


def test_every_page_has_its_expected_values() -> None:
    assert len(PAGES) >= 3
    for name in PAGES:
        assert (FIXTURES / f"{name}.html").exists(), name


@pytest.mark.parametrize("name", PAGES)
def test_question_fields(name: str) -> None:
    expected, record = _record(name)
    for field, value in expected.items():
        if field == "answers":
            continue
        if field == "question_text_starts_with":
            assert _squeezed(record["question_text"]).startswith(_squeezed(value)), field
        elif field == "question_text_excludes":
            for notice in value:
                assert _squeezed(notice) not in _squeezed(record["question_text"]), notice
                assert _squeezed(notice) not in _squeezed(record["question_markdown"]), notice
        else:
            assert record[field] == value, field


@pytest.mark.parametrize("name", PAGES)
def test_answers(name: str) -> None:
    expected, record = _record(name)
    answers = record["answers"]
    assert len(answers) == len(expected["answers"])
    for want, got in zip(expected["answers"], answers, strict=True):
        for field, value in want.items():
            if field == "text_starts_with":
                assert _squeezed(got["text"]).startswith(_squeezed(value)), (want["id"], field)
            else:
                assert got[field] == value, (want["id"], field)
    # The record's one answer (what storage and search read): the accepted, else the first.
    chosen = next((answer for answer in answers if answer["accepted"]),
                  answers[0] if answers else None)
    assert record["answer_text"] == (chosen["text"] if chosen else "")
    assert record["answer_markdown"] == (chosen["markdown"] if chosen else "")
