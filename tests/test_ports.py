"""A port already in use: `serve`, `demo` and `sample-site` say so in one line, name the
option that picks another, and do no work first."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests_support import FIXTURES

from archive import open_archive
from crawler.importer import import_files
from qarchive.cli import cli


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        yield other.getsockname()[1]


def _one_line_error(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    return lines[0]


def test_serve_on_a_taken_port(tmp_path: Path, taken_port: int) -> None:
    db = open_archive(tmp_path / "archive.db")
    import_files(db, [FIXTURES / "answer-2kxyq3m7vd.html"])
    db.close()
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "archive.db"),
                                      "--port", str(taken_port)])
    assert result.exit_code == 1
    assert _one_line_error(result.output) == (
        f"Error: cannot listen on 127.0.0.1:{taken_port} for Datasette (Address already in "
        f"use); another program is using it: pick a free port with --port (for example "
        f"--port {taken_port + 1})")


def test_demo_on_a_taken_port_fails_before_crawling(tmp_path: Path, taken_port: int) -> None:
    result = CliRunner().invoke(cli, ["demo", "--db", str(tmp_path / "demo.db"),
                                      "--pages", "3", "--port", str(taken_port)])
    assert result.exit_code == 1
    assert "pick a free port with --port" in _one_line_error(result.output)
    assert not (tmp_path / "demo.db").exists()  # nothing crawled, nothing made


def test_sample_site_on_a_taken_port(taken_port: int) -> None:
    result = CliRunner().invoke(cli, ["sample-site", "--port", str(taken_port)])
    assert result.exit_code == 1
    assert "pick another --port" in _one_line_error(result.output)
