"""Real Q&A pages (tests/fixtures/qapage/, SOURCES.md says where each came from) parse to
the values read off each page by hand (``NAME.expected.json``).

Every field of every expected.json is checked against ``parse_page``'s record, one test
per page and field: text fields by their ``*_starts_with`` prefix (whitespace squeezed),
``question_text_excludes`` absent from the question's text and Markdown, ``answers``
answer by answer, everything else equal.

``PENDING`` lists what the profiles cannot read yet, each with the reason; those tests
are strict xfails, so the adapter that reads them must also strike them off.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from parsers import parse_page

FIXTURES = Path(__file__).parent / "fixtures" / "qapage"
PAGES = sorted(path.name.removesuffix(".expected.json")
               for path in FIXTURES.glob("*.expected.json"))

PENDING: dict[tuple[str, str], str] = {}


def _squeezed(text: str | None) -> str:
    return " ".join((text or "").split())


@functools.cache
def _page(name: str) -> tuple[dict[str, Any], bytes]:
    expected = json.loads((FIXTURES / f"{name}.expected.json").read_text("utf-8"))
    return expected, (FIXTURES / f"{name}.html").read_bytes()


def _parsed(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The page parsed in each test, not once: mutmut (TESTING.md) runs for a mutant only
    the tests that called the mutated code, and a cached parse is called in the first."""
    expected, body = _page(name)
    return expected, parse_page(body, expected["url"]).to_record()


def _cases() -> list[Any]:
    cases = []
    for name in PAGES:
        expected = json.loads((FIXTURES / f"{name}.expected.json").read_text("utf-8"))
        for field in expected:
            reason = PENDING.get((name, field))
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            cases.append(pytest.param(name, field, marks=marks, id=f"{name}-{field}"))
    return cases


def test_every_page_is_here() -> None:
    assert len(PAGES) >= 4
    for name in PAGES:
        assert (FIXTURES / f"{name}.html").exists(), name
        assert f"## {name}.html" in (FIXTURES / "SOURCES.md").read_text("utf-8"), name


@pytest.mark.parametrize(("name", "field"), _cases())
def test_field(name: str, field: str) -> None:
    expected, record = _parsed(name)
    value = expected[field]
    if field == "question_text_starts_with":
        assert _squeezed(record["question_text"]).startswith(_squeezed(value))
    elif field == "question_text_excludes":
        for notice in value:
            assert _squeezed(notice) not in _squeezed(record["question_text"]), notice
            assert _squeezed(notice) not in _squeezed(record["question_markdown"]), notice
    elif field == "answers":
        answers = record["answers"]
        assert len(answers) == len(value)
        for want, got in zip(value, answers, strict=True):
            for key, wanted in want.items():
                if key == "text_starts_with":
                    assert _squeezed(got["text"]).startswith(_squeezed(wanted)), want["id"]
                else:
                    assert got[key] == wanted, (want["id"], key)
    else:
        assert record[field] == value


@pytest.mark.parametrize("name", PAGES)
def test_the_records_answer_is_the_accepted_else_the_first(name: str) -> None:
    _, record = _parsed(name)
    answers = record["answers"]
    chosen = next((answer for answer in answers if answer["accepted"]),
                  answers[0] if answers else None)
    assert record["answer_text"] == (chosen["text"] if chosen else "")
    assert record["answer_markdown"] == (chosen["markdown"] if chosen else "")
