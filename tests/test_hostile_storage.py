"""Hostile input never stops a crawl: files that crash the parser, huge pages, archives
reached through links, made by a newer qarchive, on read-only media or a full disk.

Real SQLite files, the CLI through click's CliRunner. Read-only media and a full disk
are real mounts (a read-only bind mount, a tiny tmpfs): those tests need root and skip
without it.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner, Result
from tests_support import FIXTURES, REFERENCE_URL

from archive import Archive, open_archive
from archive.lock import ArchiveBusy, archive_lock
from crawler.importer import import_files
from crawler.settings import CrawlSettings
from parsers.sites.csdn import CsdnAnswerProfile
from publish import make_datasette
from qarchive.cli import cli

REFERENCE = FIXTURES / "answer-2kxyq3m7vd.html"
MAX_BODY_BYTES = CrawlSettings().max_body_bytes


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def _one_line_error(result: Result) -> str:
    """The command's output: one line, no traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


def _page_with_answer(path: Path, *, answer_bytes: int, page_id: str = "2kxyq3m7vd",
                      marker: str = "") -> Path:
    """The reference page with ``answer_bytes`` of Chinese paragraphs added to its answer."""
    html = REFERENCE.read_text(encoding="utf-8")
    rng = random.Random(answer_bytes)
    chars = [chr(code) for code in range(0x4E00, 0x4E00 + 3000)]
    paragraphs: list[str] = []
    size = 0
    while size < answer_bytes:
        paragraph = "<p>" + "".join(rng.choice(chars) for _ in range(300)) + "</p>\n"
        paragraphs.append(paragraph)
        size += len(paragraph.encode("utf-8"))
    start = html.index("<p>模型预训练")
    html = html[:start] + "".join(paragraphs) + html[start:]
    html = html.replace("2kxyq3m7vd", page_id) + marker
    path.write_text(html, encoding="utf-8")
    return path


def _runs(db_path: Path) -> list[dict[str, object]]:
    db = sqlite_utils.Database(db_path)
    try:
        return list(db.query("SELECT command, status, new, failed, finished_at FROM crawl_runs"))
    finally:
        db.close()


# ---------------------------------------------------------------------------
# 1. A file that crashes the parser or the store is skipped alone


def _crash_on_marker(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    real_parse = CsdnAnswerProfile.parse

    def parse(self: CsdnAnswerProfile, body: bytes | str, url: str, **kwargs: object) -> object:
        text = body if isinstance(body, str) else body.decode("utf-8", "replace")
        if "<!-- crash me -->" in text:
            raise error
        return real_parse(self, body, url, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(CsdnAnswerProfile, "parse", parse)


def test_import_skips_a_file_that_crashes_the_parser_and_stores_the_rest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    victim = tmp_path / "victim.html"
    victim.write_text(REFERENCE.read_text(encoding="utf-8").replace("2kxyq3m7vd", "v1ct1m0000")
                      + "<!-- crash me -->", encoding="utf-8")
    _crash_on_marker(monkeypatch, RecursionError("maximum recursion depth exceeded"))
    db_path = tmp_path / "archive.db"
    result = _invoke("import", str(victim), str(REFERENCE), "--db", str(db_path))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert (f"skipped {victim}: RecursionError: maximum recursion depth exceeded\n"
            in result.output)
    assert "stored 1 page(s)" in result.output
    db = sqlite_utils.Database(db_path)
    assert db["questions"].get(("wenku.csdn.net", "2kxyq3m7vd"))["is_fetched"] == 1
    assert not list(db.query("SELECT 1 FROM questions WHERE id = 'v1ct1m0000'"))
    db.close()
    [run] = _runs(db_path)
    assert (run["status"], run["new"], run["failed"]) == ("finished", 1, 1)
    assert run["finished_at"]


def test_import_skips_a_file_whose_store_crashes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    victim = tmp_path / "victim.html"
    victim.write_text(REFERENCE.read_text(encoding="utf-8").replace("2kxyq3m7vd", "v1ct1m0000"),
                      encoding="utf-8")
    real = Archive._store_related

    def store_related(self: Archive, page: object, *args: object, **kwargs: object) -> bool:
        if getattr(page, "id", None) == "v1ct1m0000":
            raise ValueError("a store bug\nover two lines")
        return real(self, page, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Archive, "_store_related", store_related)
    db_path = tmp_path / "archive.db"
    result = _invoke("import", str(REFERENCE), str(victim), "--db", str(db_path))
    assert result.exit_code == 1
    assert f"skipped {victim}: ValueError: a store bug over two lines\n" in result.output
    db = sqlite_utils.Database(db_path)
    # The crashed page was rolled back whole: no question row, no page row.
    assert not list(db.query("SELECT 1 FROM questions WHERE id = 'v1ct1m0000'"))
    assert db["pages"].count == 1
    db.close()
    [run] = _runs(db_path)
    assert (run["status"], run["new"], run["failed"]) == ("finished", 1, 1)


def test_import_interrupted_finishes_its_run_row(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    victim = tmp_path / "victim.html"
    victim.write_text(REFERENCE.read_text(encoding="utf-8") + "<!-- crash me -->",
                      encoding="utf-8")
    _crash_on_marker(monkeypatch, KeyboardInterrupt())
    db_path = tmp_path / "archive.db"
    result = _invoke("import", str(REFERENCE), str(victim), "--db", str(db_path))
    assert result.exit_code == 130
    assert "Traceback" not in result.output
    [run] = _runs(db_path)
    assert (run["status"], run["new"]) == ("interrupted", 1)
    assert run["finished_at"]


# ---------------------------------------------------------------------------
# 2. Size: refused past max_body_bytes; a page at the limit costs a bounded amount


def test_import_refuses_a_file_larger_than_max_body_bytes_reading_no_more(
        tmp_path: Path) -> None:
    huge = tmp_path / "huge.html"
    with huge.open("wb") as handle:  # 50 MB, sparse: costs no disk
        handle.truncate(50 * 1024 * 1024)
    db = open_archive(tmp_path / "archive.db")
    tracemalloc.start()
    try:
        report = import_files(db, [huge, REFERENCE])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        db.close()
    assert report.skipped == [(str(huge), f"larger than {MAX_BODY_BYTES:,} bytes (the crawl's "
                                          "max_body_bytes); not a single answer page")]
    assert report.stored == 1
    # Read at most max_body_bytes + 1, never the whole file.
    assert peak < 1.5 * MAX_BODY_BYTES, peak


def test_a_page_at_the_size_limit_costs_bounded_memory_and_archive(tmp_path: Path) -> None:
    page = _page_with_answer(tmp_path / "big.html", answer_bytes=MAX_BODY_BYTES - 100_000)
    size = page.stat().st_size
    assert size <= MAX_BODY_BYTES
    db_path = tmp_path / "archive.db"
    db = open_archive(db_path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = db_path.stat().st_size
    tracemalloc.start()
    try:
        report = import_files(db, [page])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    growth = db_path.stat().st_size - before
    stored = next(db.query("SELECT answer_markdown FROM questions_with_answer WHERE id = ?",
                           ["2kxyq3m7vd"]))
    compressed = len(db.bodies.compress(page.read_bytes(), "wenku.csdn.net")[0])
    db.close()
    assert report.stored == 1, report.skipped
    # The whole body is kept (compressed); the text a row keeps and indexes is capped.
    assert "truncated by qarchive" in stored["answer_markdown"]
    # Was 117 MB of archive (11.7x the page) and ~650 MB of memory.
    print(f"page {size:,} B, archive growth {growth:,} B, peak memory {peak:,} B")
    assert growth < 2 * compressed, (growth, compressed)
    assert peak < 15 * size, (peak, size)


# ---------------------------------------------------------------------------
# 3. The lock is the real file's, whatever name reaches it


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_the_writer_lock_holds_through_a_link(tmp_path: Path, link: str) -> None:
    db_path = tmp_path / "archive.db"
    open_archive(db_path).close()
    other = tmp_path / "elsewhere"
    other.mkdir()
    alias = other / "alias.db"
    if link == "symlink":
        alias.symlink_to(db_path)
    else:
        os.link(db_path, alias)
    with archive_lock(db_path, command="test"):
        with pytest.raises(ArchiveBusy), archive_lock(alias, command="test"):
            pass
        result = _invoke("import", str(REFERENCE), "--db", str(alias))
        assert result.exit_code == 75, result.output
        assert "is being written by another qarchive" in _one_line_error(result)
    with archive_lock(alias, command="test"):  # released: free again
        pass


def test_the_writer_lock_holds_across_processes_through_a_hard_link(tmp_path: Path) -> None:
    db_path = tmp_path / "archive.db"
    open_archive(db_path).close()
    alias = tmp_path / "alias.db"
    os.link(db_path, alias)
    with archive_lock(alias, command="test"):
        done = subprocess.run(
            [sys.executable, "-m", "qarchive.cli", "import", str(REFERENCE),
             "--db", str(db_path)], capture_output=True, text=True, check=False,
            cwd=Path(__file__).parent.parent, timeout=120)
    assert done.returncode == 75, done.stderr
    assert "Traceback" not in done.stderr


# ---------------------------------------------------------------------------
# 4. An archive made by a newer qarchive


NEWER_COMMANDS = [
    ("crawl", "http://127.0.0.1:9/answer/2kxyq3m7vd"),
    ("watch", "--every", "1h", "--max-runs", "1", "http://127.0.0.1:9/answer/2kxyq3m7vd"),
    ("import", str(REFERENCE)),
    ("reparse",),
    ("runs",),
    ("search", "模型"),
    ("serve", "--port", "0"),
]


@pytest.mark.parametrize("command", NEWER_COMMANDS, ids=[c[0] for c in NEWER_COMMANDS])
def test_an_archive_from_a_newer_qarchive_is_named_so(
        tmp_path: Path, command: tuple[str, ...]) -> None:
    db_path = tmp_path / "archive.db"
    db = open_archive(db_path)
    import_files(db, [REFERENCE])
    db.execute("PRAGMA user_version = 99")
    db.close()
    result = _invoke(*command, "--db", str(db_path))
    assert result.exit_code == 1, result.output
    if command[0] == "watch":  # watch logs each run; the error line is the run's
        assert "Traceback" not in result.output
        line = next(x for x in result.output.splitlines() if x.startswith("Error"))
    else:
        line = _one_line_error(result)
    assert line.endswith("made by a newer qarchive (schema 99, this one knows "
                         f"{_known_schema()}); upgrade qarchive"), line
    check = sqlite3.connect(db_path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == 99  # left alone
    assert check.execute("SELECT is_fetched FROM questions WHERE id = '2kxyq3m7vd'"
                         ).fetchone() == (1,)
    check.close()


def _known_schema() -> int:
    from archive import migrations

    return migrations()[-1][0]


# ---------------------------------------------------------------------------
# 5. Read-only media and a full disk (real mounts: root only)


def _mount(*args: str) -> bool:
    if os.geteuid() != 0:
        return False
    return subprocess.run(["mount", *args], capture_output=True, check=False).returncode == 0


@pytest.fixture
def read_only_archive(tmp_path: Path) -> Iterator[Path]:
    """An archive (one imported page, WAL mode, no -wal/-shm left) on a read-only mount."""
    source = tmp_path / "source"
    source.mkdir()
    db = open_archive(source / "archive.db")
    import_files(db, [REFERENCE])
    db.close()
    assert not (source / "archive.db-wal").exists()
    mounted = tmp_path / "ro"
    mounted.mkdir()
    if not _mount("--bind", "-o", "ro", str(source), str(mounted)):
        pytest.skip("needs root to make a read-only mount")
    try:
        yield mounted / "archive.db"
    finally:
        subprocess.run(["umount", "--lazy", str(mounted)], check=False)


def test_runs_and_search_read_an_archive_on_read_only_media(read_only_archive: Path) -> None:
    result = _invoke("runs", "--db", str(read_only_archive), "--json")
    assert result.exit_code == 0, result.output
    assert '"command": "import"' in result.output
    result = _invoke("search", "模型", "--db", str(read_only_archive))
    assert result.exit_code == 0, result.output
    assert "2kxyq3m7vd" in result.output


async def test_serve_serves_an_archive_on_read_only_media(read_only_archive: Path) -> None:
    datasette = make_datasette(read_only_archive)
    try:
        response = await datasette.client.get(
            "/archive.json?sql=select+id+from+questions+where+is_fetched=1&_shape=array")
        assert response.status_code == 200, response.text[:300]
        assert response.json() == [{"id": "2kxyq3m7vd"}]
    finally:
        for database in datasette.databases.values():
            database.close()


@pytest.mark.parametrize("command", [
    ("import", str(REFERENCE)),
    ("reparse",),
    ("crawl", "http://127.0.0.1:9/answer/2kxyq3m7vd"),
], ids=["import", "reparse", "crawl"])
def test_writing_to_read_only_media_is_one_line(
        read_only_archive: Path, command: tuple[str, ...]) -> None:
    result = _invoke(*command, "--db", str(read_only_archive))
    assert result.exit_code == 1, result.output
    line = _one_line_error(result)
    assert line.startswith(f"Error: cannot write {read_only_archive}: read-only ("), line


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB file system (an empty archive is ~0.6 MB: 73 tables and indexes, a page
    each, of 8 KB)."""
    mounted = tmp_path / "small"
    mounted.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mounted)):
        pytest.skip("needs root to mount a small tmpfs")
    try:
        yield mounted
    finally:
        subprocess.run(["umount", "--lazy", str(mounted)], check=False)


def test_a_full_disk_is_one_line_and_loses_nothing(full_disk: Path, tmp_path: Path) -> None:
    db_path = full_disk / "archive.db"
    first = _invoke("import", str(REFERENCE), "--db", str(db_path))
    assert first.exit_code == 0, first.output
    # Pages too big for what is left, imported until the disk is full.
    pages = [_page_with_answer(tmp_path / f"big{n}.html", answer_bytes=600_000,
                               page_id=f"b1gpage00{n}") for n in range(3)]
    for attempt in range(2):  # and again: the disk is still full on the rerun
        result = _invoke("import", *map(str, pages), "--db", str(db_path))
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        errors = [line for line in result.output.splitlines() if line.startswith("Error")]
        assert len(errors) == 1, (attempt, result.output)
        assert errors[0].startswith(f"Error: {db_path}: disk full ("), errors[0]
    db = sqlite_utils.Database(db_path)
    assert db["questions"].get(("wenku.csdn.net", "2kxyq3m7vd"))["is_fetched"] == 1
    assert db["pages"].get(REFERENCE_URL)["body"]
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()

