"""Shared fixtures: real SQLite files in tmp_path, the reference page from tests/fixtures."""

from __future__ import annotations

import json

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
