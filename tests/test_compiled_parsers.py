"""The parsers as installed are compiled (mypyc), and give exactly what their source gives.

`pip install .` compiles parsers/ to C with mypyc from its type annotations (pyproject.toml).
A compiled module checks those annotations at run time and calls its own functions
directly, so it can differ from the Python it came from: a wrong annotation becomes a
TypeError, a patched function is not called. Here a child process parses the same pages
with the Python source (the compiled modules hidden from it), and every record, or every
refusal, must be the same.
"""

from __future__ import annotations

import importlib
import json
import os
import pickle
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests_support import COMPILED_PARSERS, FIXTURES, REFERENCE_URL

import parsers
from parsers import AnswerPage, parse_page
from parsers.sites.csdn import CsdnAnswerProfile
from parsers.sites.qapage import QAPageProfile
from sample_sites.csdn.content import SampleSite
from sample_sites.csdn.layouts import LAYOUTS
from sample_sites.csdn.pages import render_page
from sample_sites.qapage.content import QAPageSite
from sample_sites.qapage.render import render_question_page

BASE = "http://127.0.0.1:8765"
SOURCE_ROOT = Path(parsers.__file__).parent.parent

# Run in the child: parsers.* from their .py files only, then the same parse_page.
PARSE_WITH_SOURCE = r"""
import importlib.abc, importlib.util, pickle, sys
from pathlib import Path

root = Path(sys.argv[1])


class PythonSourceOnly(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "parsers" and not name.startswith("parsers."):
            return None
        base = root.joinpath(*name.split("."))
        if base.is_dir():
            return importlib.util.spec_from_file_location(
                name, base / "__init__.py", submodule_search_locations=[str(base)])
        return importlib.util.spec_from_file_location(name, base.with_suffix(".py"))


sys.meta_path.insert(0, PythonSourceOnly())
from parsers import parse_page
import parsers.sites.csdn

assert parsers.sites.csdn.__file__.endswith(".py"), parsers.sites.csdn.__file__
results = []
for url, body in pickle.load(sys.stdin.buffer):
    try:
        results.append(parse_page(body, url))
    except ValueError as error:
        results.append(f"{type(error).__name__}: {error}")
pickle.dump(results, sys.stdout.buffer)
"""

# Pages no profile reads whole: refusals must match too.
HOSTILE = [
    ("https://wenku.csdn.net/answer/abcdefghij", b""),
    ("https://wenku.csdn.net/answer/abcdefghij", b"\xff\xfe\x00garbage\x00" * 50),
    ("https://wenku.csdn.net/answer/abcdefghij", b"<div>" * 20_000 + b"<h1>deep</h1>"),
    ("https://wenku.csdn.net/answer/abcdefghij",
     b"<html><body><div class=title>t</div><script>window.__INITIAL_STATE__={broken"
     b"</script></body></html>"),
    ("https://stackoverflow.com/questions/1/x",
     b'<script type="application/ld+json">{"@type":"QAPage","mainEntity":'
     b'{"@type":"Question","name":"q","acceptedAnswer":{"@id":"#nowhere"}}}</script>'),
]


def _corpus() -> list[tuple[str, bytes]]:
    pages = []
    for layout in LAYOUTS:
        site = SampleSite(pages=40, seed=11, base_url=BASE, layouts={layout: 1.0})
        pages += [(site.url_of(index), render_page(site.content(index)).encode())
                  for index in range(40)]
    qapage = QAPageSite(pages=30, seed=5, base_url=BASE)
    for index in range(30):
        question = qapage.question(index)
        pages += [(question.page_url(part),
                   render_question_page(question, part=part, base_url=BASE).encode())
                  for part in range(1, question.answer_pages + 1)]
    pages.append((REFERENCE_URL, (FIXTURES / "answer-2kxyq3m7vd.html").read_bytes()))
    for folder in ("real-layout", "qapage"):
        for html in sorted((FIXTURES / folder).glob("*.html")):
            expected = json.loads(html.with_name(html.stem + ".expected.json").read_text())
            pages.append((expected["url"], html.read_bytes()))
    return pages + HOSTILE


# Values of every JSON type (and none a reader expects at that key) for _type_confused.
_ODD_VALUES: list[Any] = [None, 0, -1, 1.5, True, False, "", "x", [], {}, ["a"], {"a": 1},
                          "2024-01-01 10:00:00", 10**20, "１２３", [1, 2], {"@id": "#a"},
                          {"@type": "Answer", "text": 5}, float("nan")]
# Where a page's JSON starts: the embedded state, a JSON-LD script.
_JSON_START = re.compile(
    r'window\.__INITIAL_STATE__\s*=\s*|<script type="application/ld\+json">\s*')


def _type_confused(html: str, rng: random.Random, share: float) -> str:
    """``html`` with ``share`` of the values in its embedded state and JSON-LD swapped for
    values of other types: a compiled module checks the types its code declares."""
    def confuse(value: Any) -> Any:
        if rng.random() < share:
            return rng.choice(_ODD_VALUES)
        if isinstance(value, dict):
            return {key: confuse(item) for key, item in value.items()}
        if isinstance(value, list):
            return [confuse(item) for item in value]
        return value

    parts, done = [], 0
    for start in _JSON_START.finditer(html):
        value, end = json.JSONDecoder().raw_decode(html, start.end())
        parts += [html[done:start.end()], json.dumps(confuse(value))]
        done = end
    return "".join(parts) + html[done:]


def _type_confused_corpus() -> list[tuple[str, bytes]]:
    rng = random.Random(1)
    pages = []
    site = SampleSite(pages=40, seed=5, base_url=BASE, layouts={"evidence": 1.0})
    for index in range(40):
        html = render_page(site.content(index))
        pages += [(site.url_of(index), _type_confused(html, rng, share).encode())
                  for share in (0.05, 0.2, 0.6)]
    qapage = QAPageSite(pages=80, seed=5, base_url=BASE)
    for index in range(80):
        question = qapage.question(index)
        html = render_question_page(question, base_url=BASE)
        if "application/ld+json" not in html:
            continue  # microdata only
        pages += [(question.page_url(1), _type_confused(html, rng, share).encode())
                  for share in (0.05, 0.2, 0.6)]
    return pages


def _parse(url: str, body: bytes) -> AnswerPage | str:
    try:
        return parse_page(body, url)
    except ValueError as error:
        return f"{type(error).__name__}: {error}"


def test_the_installed_parsers_are_compiled() -> None:
    interpreted = [name for name in COMPILED_PARSERS
                   if not str(importlib.import_module(name).__file__).endswith(".so")]
    assert not interpreted, (
        f"not compiled: {interpreted}; `pip install .` compiles them (a C compiler is needed)")
    # Records are pickled to the writer process: mypyc's frozen dataclasses cannot be
    # unpickled, so the model stays Python.
    assert str(importlib.import_module("parsers.model").__file__).endswith(".py")


def _refusals_after_comparing(corpus: list[tuple[str, bytes]]) -> int:
    """Parse ``corpus`` compiled and from source (a child process); fail on any difference,
    or on an error other than a refusal (ParseError) in either; return the refusals."""
    child = subprocess.run([sys.executable, "-c", PARSE_WITH_SOURCE, str(SOURCE_ROOT)],
                           input=pickle.dumps(corpus), capture_output=True, check=False)
    assert child.returncode == 0, child.stderr.decode(errors="replace")
    from_source = pickle.loads(child.stdout)
    assert len(from_source) == len(corpus)
    refused = 0
    for (url, body), expected in zip(corpus, from_source, strict=True):
        got = _parse(url, body)
        refused += isinstance(got, str)
        # repr too: compiled code may coerce a value (True to 1, 3 to 3.0) that == accepts.
        if got != expected or repr(got) != repr(expected):
            pytest.fail(f"{url}: compiled {got!r}\n  != source {expected!r}")
    return refused


def test_the_compiled_parsers_give_what_their_source_gives() -> None:
    corpus = _corpus()
    refused = _refusals_after_comparing(corpus)
    # The corpus reaches both outcomes: records of every profile, and refusals.
    assert len(HOSTILE) - 1 <= refused < len(corpus) // 4


def test_state_and_json_ld_of_unexpected_types_parse_alike_and_never_crash() -> None:
    """Where the embedded state or the JSON-LD holds a number for a title, a list for a
    time, an object for a type...: the same record or refusal both ways, and no TypeError
    (one was: an ``@type`` that is a number)."""
    corpus = _type_confused_corpus()
    refused = _refusals_after_comparing(corpus)
    assert 0 < refused < len(corpus) // 2


class _MySite(QAPageProfile):
    name = "mysite"
    parser_version = 7
    heading = "h2.title"


class _Mirror(CsdnAnswerProfile):
    name = "mirror"
    parser_version = 9


def test_a_python_subclass_of_a_compiled_profile_is_read_with_its_own_settings() -> None:
    """Other packages subclass the compiled profiles (ARCHITECTURE.md, Adding a site): the
    compiled methods read the subclass's name, version and selectors, not the base's."""
    html = ('<html><head><script type="application/ld+json">{"@context": "https://schema.org", '
            '"@type": "QAPage", "mainEntity": {"@type": "Question", "text": "body"}}</script>'
            '</head><body><h1>site banner</h1><h2 class="title">Real title</h2></body></html>')
    page = _MySite().parse(html, "https://my.site/questions/1/x")
    assert (page.profile, page.parser_version, page.title) == ("mysite", 7, "Real title")
    page = _Mirror().parse((FIXTURES / "answer-2kxyq3m7vd.html").read_bytes(), REFERENCE_URL)
    assert (page.profile, page.parser_version) == ("mirror", 9)


def test_a_parser_edited_after_it_was_compiled_is_refused_at_import(tmp_path: Path) -> None:
    """In a source checkout, a compiled module older than its .py, or whose .py is gone,
    stops the import with what to do: it would run yesterday's code without a word."""
    package = tmp_path / "parsers"
    package.mkdir()
    shutil.copy(Path(parsers.__file__), package / "__init__.py")
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (package / "text.py").write_text("", encoding="utf-8")
    for name in ("text", "gone"):
        compiled = package / f"{name}.cpython-311-x86_64-linux-gnu.so"
        compiled.write_bytes(b"")
        os.utime(compiled, (1_000_000, 1_000_000))  # long before text.py
    result = subprocess.run([sys.executable, "-c", "import parsers"], cwd=tmp_path,
                            capture_output=True, text=True, check=False)
    assert ("ImportError: parsers/gone.cpython-311-x86_64-linux-gnu.so, parsers/text.py "
            "changed after it was compiled: run `pip install -e .` again") in result.stderr
    # An installed package (no pyproject.toml beside it) is not checked.
    (tmp_path / "pyproject.toml").unlink()
    result = subprocess.run([sys.executable, "-c", "import parsers"], cwd=tmp_path,
                            capture_output=True, text=True, check=False)
    assert "changed after it was compiled" not in result.stderr
    assert "No module named 'parsers.decoding'" in result.stderr
