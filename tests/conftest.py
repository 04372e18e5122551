"""Shared fixtures: real SQLite files in tmp_path, the reference page from tests/fixtures."""

from __future__ import annotations

import json
import os

import pytest
from tests_support import FIXTURES

# The bundled sample site's fixtures (sample_site, sample_site_factory).
pytest_plugins = ["sample_site_plugin"]


@pytest.fixture
def reference_html() -> bytes:
    return (FIXTURES / "answer-2kxyq3m7vd.html").read_bytes()


@pytest.fixture
def expected_record() -> dict[str, object]:
    return json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))


# Test files that crawl the sample site, start processes or build huge pages: seconds a
# test under mutmut's trampolines.
_SLOW_FILES = frozenset({"test_compression.py", "test_warc.py", "test_poisoned_urls.py",
                         "test_hostile_pages.py", "test_hostile_storage.py"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under mutmut (TESTING.md), which stops at a mutant's first failing test: the tests
    written to kill mutants first, the slow files last, so a mutant a quick test kills
    costs no crawl. The order is otherwise the files' own."""
    if "MUTANT_UNDER_TEST" not in os.environ:
        return
    items.sort(key=lambda item: 0 if item.path.name.endswith("_mutants.py")
               else 2 if item.path.name in _SLOW_FILES else 1)
