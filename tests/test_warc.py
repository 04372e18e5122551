"""WARC in and out (issue #15): `qarchive export-warc` and `qarchive import FILE.warc.gz`.

One scenario shared by most tests: the sample site crawled at epoch 0 (run 1), moved to
epoch 1 and crawled again with every page refreshed (run 2: 304s, changed and new
pages) — real HTTP, real SQLite — then exported with the real command. The export is
checked by warcio's own checker (the `warcio check` command), indexed and replayed by
pywb, and imported into a fresh archive. WARCs written by other tools (warcio's
capture_http, wget) are imported too.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from crawl_helpers import DEADLINE, fresh_archive, run, wait_until
from tests_support import FIXTURES, REFERENCE_URL, fail_storing
from warcio.archiveiterator import ArchiveIterator

from archive import Archive, migrations, open_archive
from archive.bodies import CompressionPolicy
from crawler import warc_import
from crawler.importer import import_files
from crawler.warc_import import BATCH_SIZE
from qarchive.cli import cli
from sample_sites.testing import RunningSampleSite, running_sample_site

PAGES = 40
BIN = Path(sys.executable).parent
# What a question and its answers are, compared between two archives.
QUESTIONS = ("SELECT site, id, url, title, asked_at, view_count, view_count_approximate, "
             "status, tags, question_markdown, answer_markdown "
             "FROM questions_with_answer WHERE is_fetched = 1 ORDER BY site, id")
ANSWERS = ("SELECT site, question_id, id, position, markdown, votes, accepted, author, "
           "created_at FROM answers ORDER BY site, question_id, id")


@dataclass
class Exported:
    site: RunningSampleSite
    folder: Path
    db_path: Path
    warc: Path        # everything
    since: Path       # --since 2


def _export(db_path: Path, out: Path, *extra: str) -> str:
    result = CliRunner().invoke(cli, ["export-warc", "--db", str(db_path), str(out), *extra])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[RunningSampleSite, Path]]:
    """Two crawls of the sample site, the second finding every page again."""
    db_path = tmp_path_factory.mktemp("crawl") / "archive.db"
    with running_sample_site(pages=PAGES) as site:
        db = fresh_archive(db_path)
        run(db, [site.root_url])
        site.set_epoch(1)
        run(db, [site.root_url], refresh_after=0)
        db.close()
        yield site, db_path


def _export_scope(fixture_name: str, config: pytest.Config) -> str:
    """One export a module; one a test under mutmut (TESTING.md), which credits what a
    module fixture calls to the first test only and runs just that one for its mutants."""
    return "function" if "MUTANT_UNDER_TEST" in os.environ else "module"


@pytest.fixture(scope=_export_scope)
def exported(crawled: tuple[RunningSampleSite, Path],
             tmp_path_factory: pytest.TempPathFactory) -> Exported:
    site, db_path = crawled
    folder = tmp_path_factory.mktemp("warc")
    _export(db_path, folder / "all.warc.gz")
    _export(db_path, folder / "since.warc.gz", "--since", "2")
    return Exported(site=site, folder=folder, db_path=db_path,
                    warc=folder / "all.warc.gz", since=folder / "since.warc.gz")


def _records(path: Path) -> list[dict[str, Any]]:
    """Every record of a WARC: its WARC headers, HTTP status and headers, and payload."""
    records = []
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            http = record.http_headers
            records.append({
                "type": record.rec_type,
                "warc": dict(record.rec_headers.headers),
                "status": http.get_statuscode() if http is not None else None,
                "http": list(http.headers) if http is not None else None,
                "payload": record.content_stream().read(),
            })
    return records


def _sha1(body: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()


def _pages(db_path: Path) -> dict[str, dict[str, Any]]:
    """Every page with a body, its ``body`` decompressed by the archive (zlib or zstd)."""
    db = open_archive(db_path, readonly=True)
    db.conn.row_factory = sqlite3.Row
    rows = {row["url"]: {**dict(row), "body": db.stored_body(row["url"])[0]}
            for row in db.execute(
        # Empty final_url and capture columns stand for url, fetched_at and run_id (0018).
        "SELECT url, COALESCE(final_url, url) AS final_url, status, fetched_at, run_id, "
        "COALESCE(captured_at, fetched_at) AS captured_at, "
        "COALESCE(captured_run_id, run_id) AS captured_run_id, "
        "revisit_status, response_headers, http_version, reason FROM pages "
        "WHERE body IS NOT NULL").fetchall()}
    db.close()
    return rows


def _rows(db_path: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db_path)
    rows = [tuple(row) for row in conn.execute(sql)]
    conn.close()
    return rows


# --- the headers a crawl now keeps -------------------------------------------------------

def test_a_crawl_keeps_status_lines_headers_and_capture_times(exported: Exported) -> None:
    pages = _pages(exported.db_path)
    assert pages
    for row in pages.values():
        headers = json.loads(row["response_headers"])
        names = [name for name, _ in headers]
        assert (row["http_version"], row["reason"]) == ("HTTP/1.1", "OK")
        assert names[:2] == ["date", "server"] and "etag" in names  # as uvicorn sent them
        assert row["captured_run_id"] <= row["run_id"]
    revisited = [row for row in pages.values() if row["revisit_status"] is not None]
    assert revisited and {row["revisit_status"] for row in revisited} == {304}
    assert all(row["captured_run_id"] == 1 and row["run_id"] == 2 for row in revisited)
    # Pages that changed between the epochs were captured again by run 2.
    assert any(row["captured_run_id"] == 2 and row["revisit_status"] is None
               for row in pages.values())


# --- export ------------------------------------------------------------------------------

def test_the_export_passes_warcio_check(exported: Exported) -> None:
    for path in (exported.warc, exported.since):
        checked = subprocess.run([str(BIN / "warcio"), "check", "-v", str(path)],
                                 capture_output=True, text=True, timeout=DEADLINE)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "digest pass" in checked.stdout and "fail" not in checked.stdout


def test_the_export_holds_a_request_response_pair_per_page_and_revisits(
        exported: Exported) -> None:
    records = _records(exported.warc)
    assert records[0]["type"] == "warcinfo"
    assert all(record["warc"]["WARC-Type"] == record["type"] for record in records)
    pages = _pages(exported.db_path)
    responses = {r["warc"]["WARC-Target-URI"]: r for r in records if r["type"] == "response"}
    assert set(responses) == {row["final_url"] for row in pages.values()}
    for row in pages.values():
        response = responses[row["final_url"]]
        assert response["payload"] == row["body"]
        assert response["warc"]["WARC-Payload-Digest"] == _sha1(response["payload"])
        assert "WARC-Block-Digest" in response["warc"]
        assert response["warc"]["WARC-Date"] == row["captured_at"].replace("+00:00", "Z")
        # The status line and headers as fetched (Content-Length counts the stored body).
        assert response["status"] == "200"
        assert response["http"] == [tuple(pair) for pair in json.loads(row["response_headers"])]
        assert "Qarchive-Synthesized-Headers" not in response["warc"]
    requests = [r for r in records if r["type"] == "request"]
    assert {r["warc"]["WARC-Concurrent-To"] for r in requests} == {
        r["warc"]["WARC-Record-ID"] for r in responses.values()}
    revisits = [r for r in records if r["type"] == "revisit"]
    revisited = {row["final_url"]: row for row in pages.values() if row["revisit_status"]}
    assert len(revisits) == len(revisited)
    for revisit in revisits:
        url = revisit["warc"]["WARC-Target-URI"]
        original = responses[url]
        assert revisit["warc"]["WARC-Profile"] == (
            "http://netpreserve.org/warc/1.1/revisit/server-not-modified")
        assert revisit["warc"]["WARC-Refers-To"] == original["warc"]["WARC-Record-ID"]
        assert revisit["warc"]["WARC-Refers-To-Date"] == original["warc"]["WARC-Date"]
        assert revisit["warc"]["WARC-Payload-Digest"] == original["warc"]["WARC-Payload-Digest"]
        assert revisit["warc"]["WARC-Date"] == revisited[url]["fetched_at"].replace(
            "+00:00", "Z")


def test_every_record_is_one_gzip_member(exported: Exported) -> None:
    data = exported.warc.read_bytes()
    members = 0
    while data:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        inflater.decompress(data)
        assert inflater.eof
        assert inflater.unused_data == b"" or inflater.unused_data.startswith(b"\x1f\x8b")
        data = inflater.unused_data
        members += 1
    assert members == len(_records(exported.warc))


def test_since_exports_only_what_the_later_run_captured_or_revisited(
        exported: Exported) -> None:
    pages = _pages(exported.db_path)
    records = _records(exported.since)
    assert records[0]["type"] == "warcinfo"
    responses = {r["warc"]["WARC-Target-URI"] for r in records if r["type"] == "response"}
    revisits = {r["warc"]["WARC-Target-URI"] for r in records if r["type"] == "revisit"}
    assert responses == {row["final_url"] for row in pages.values()
                         if row["captured_run_id"] >= 2}
    assert revisits == {row["final_url"] for row in pages.values() if row["revisit_status"]}
    assert responses and revisits and not responses & revisits
    # Together with run 1's export, nothing is missing: every capture is somewhere.
    everything = {r["warc"]["WARC-Target-URI"] for r in _records(exported.warc)
                  if r["type"] == "response"}
    assert responses < everything


@pytest.mark.parametrize("args, message", [
    (["--db", "{folder}/missing.db", "{folder}/out.warc.gz"], "no such archive"),
    (["--db", "{db}", "{folder}/no/such/folder/out.warc.gz"], "does not exist"),
    (["--db", "{db}", "--since", "99", "{folder}/out.warc.gz"], "no run 99"),
])
def test_export_errors_are_one_line(exported: Exported, args: list[str], message: str) -> None:
    filled = [arg.format(folder=exported.folder, db=exported.db_path) for arg in args]
    result = CliRunner().invoke(cli, ["export-warc", *filled])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (exported.folder / "out.warc.gz").exists()


def test_pywb_indexes_and_replays_the_export(exported: Exported, tmp_path: Path) -> None:
    # pywb installs here from PyPI (the test extra): its wb-manager indexes the WARC into
    # a collection (CDXJ) and its wayback server replays the pages from it.
    subprocess.run([str(BIN / "wb-manager"), "init", "coll"], cwd=tmp_path, check=True,
                   capture_output=True, timeout=DEADLINE)
    subprocess.run([str(BIN / "wb-manager"), "add", "coll", str(exported.warc)], cwd=tmp_path,
                   check=True, capture_output=True, timeout=DEADLINE)
    index = (tmp_path / "collections/coll/indexes/index.cdxj").read_text().splitlines()
    pages = _pages(exported.db_path)
    revisited = sum(1 for row in pages.values() if row["revisit_status"])
    assert len(index) == len(pages) + revisited  # responses and revisits (requests aside)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([str(BIN / "wayback"), "-b", "127.0.0.1", "-p", str(port)],
                              cwd=tmp_path, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _answers(base), "pywb's wayback answers", process=server)
        row = next(row for row in pages.values() if row["revisit_status"])
        stamp = "".join(char for char in row["fetched_at"][:19] if char.isdigit())
        # id_: the page as archived, unrewritten; at the revisit's time pywb serves the
        # original capture's body through the revisit record.
        replay = httpx.get(f"{base}/coll/{stamp}id_/{row['final_url']}", timeout=DEADLINE)
        assert replay.status_code == 200
        assert replay.content == row["body"]
    finally:
        server.terminate()
        server.wait(timeout=DEADLINE)


def _answers(base: str) -> bool:
    try:
        return httpx.get(base + "/", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


# --- import ------------------------------------------------------------------------------

def _import(db_path: Path, *paths: Path) -> Any:
    return CliRunner().invoke(cli, ["import", "--db", str(db_path), *map(str, paths)])


def test_export_then_import_gives_the_same_questions_and_answers(
        exported: Exported, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.db"
    result = _import(fresh, exported.warc)
    assert result.exit_code == 0, result.output
    assert _rows(fresh, QUESTIONS) == _rows(exported.db_path, QUESTIONS)
    assert _rows(fresh, ANSWERS) == _rows(exported.db_path, ANSWERS)
    original, imported = _pages(exported.db_path), _pages(fresh)
    assert {row["final_url"] for row in original.values()} == set(imported)
    for row in original.values():
        copy = imported[row["final_url"]]
        assert copy["fetched_at"] == row["captured_at"]  # the capture time, WARC-Date
        # The sample site sends no Content-Encoding: the export's headers are as fetched.
        assert copy["response_headers"] == row["response_headers"]
        assert copy["body"] == row["body"]
    # A second import changes nothing: every capture is as old as the archive's copy.
    again = _import(fresh, exported.warc)
    assert again.exit_code == 0 and "stored 0 page(s)" in again.output
    assert _rows(fresh, QUESTIONS) == _rows(exported.db_path, QUESTIONS)


@pytest.mark.parametrize("source", ["warc", "html files"])
def test_an_import_trains_compression_dictionaries_as_a_crawl_does(
        exported: Exported, tmp_path: Path, source: str) -> None:
    """Once a site has enough pages its raw pages are stored with its own zstd dictionary,
    as the crawl's writer does: an imported archive keeps them as small as a crawled one."""
    if source == "warc":
        files = [exported.warc]
    else:  # the pages saved one a file (their canonical links name their URLs)
        files = []
        for number, row in enumerate(_pages(exported.db_path).values()):
            files.append(tmp_path / f"page-{number}.html")
            files[-1].write_bytes(row["body"])
    fresh = tmp_path / "fresh.db"
    db = open_archive(fresh)
    db.bodies.policy = CompressionPolicy.with_min_pages(20)  # the crawl's setting, lowered
    report = import_files(db, files)
    db.close()
    assert not report.skipped
    pages = report.stored
    assert pages >= 20
    assert _rows(fresh, "SELECT site, version, sample_pages > 0 FROM compression_dictionaries"
                 ) == [("wenku.csdn.net", 1, 1)]
    # Every body of the site uses it: those stored before it were moved to it.
    assert _rows(fresh, "SELECT body_codec, dictionary_id, count(*) FROM pages "
                        "GROUP BY 1, 2") == [("zstd", 1, pages)]
    original, imported = _pages(exported.db_path), _pages(fresh)
    assert sorted(row["body"] for row in imported.values()) == \
        sorted(row["body"] for row in original.values())


def test_a_page_that_cannot_be_stored_is_rolled_back_alone(
        exported: Exported, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch is stored without a savepoint a page; a page that raises rolls it back, and
    it is stored again a savepoint a page: the pages before and after the bad one in its
    batch stay, and nothing of the bad one (rows, search entries, raw page) is kept."""
    ids = [row[0] for row in _rows(exported.db_path, "SELECT id FROM questions "
                                   "WHERE is_fetched = 1 ORDER BY rowid")]
    victim = ids[len(ids) // 2]
    fail_storing(monkeypatch, victim)
    fresh = tmp_path / "fresh.db"
    db = open_archive(fresh)
    report = import_files(db, [exported.warc])
    db.close()
    assert len(ids) < BATCH_SIZE  # one batch: the victim has pages before and after it
    assert report.warc.skip_reasons == {"ValueError: cannot store this page (test)": 1}
    assert report.stored == len(ids) - 1
    fetched = {row[0] for row in _rows(fresh, "SELECT id FROM questions WHERE is_fetched = 1")}
    assert fetched == set(ids) - {victim}
    assert _rows(fresh, f"SELECT count(*) FROM pages WHERE question_id = '{victim}'") == [(0,)]
    assert _rows(fresh, "SELECT count(*) FROM answer_versions "
                        f"WHERE question_id = '{victim}'") == [(0,)]
    # The search index holds an entry for each row, none for a rolled-back one.
    assert _rows(fresh, "SELECT count(*) FROM questions_fts") == \
        _rows(fresh, "SELECT count(*) FROM questions")
    assert _rows(fresh, "SELECT count(*) FROM resources_fts") == \
        _rows(fresh, "SELECT count(*) FROM resources")


def test_an_import_interrupted_inside_a_batch_keeps_the_batches_before_it(
        exported: Exported, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C (or a kill) while a batch is being stored, optimistically without a savepoint
    a page: the batch is rolled back whole, the batches before it stay, and importing again
    completes the archive as a fresh import does."""
    monkeypatch.setattr(warc_import, "BATCH_SIZE", 10)
    real_store = Archive._store_related
    calls = 0

    def store_related(self: Archive, page: Any, *args: Any, **kwargs: Any) -> bool:
        nonlocal calls
        calls += 1
        if calls == 15:  # the second batch's fifth page
            raise KeyboardInterrupt
        return real_store(self, page, *args, **kwargs)

    fresh = tmp_path / "fresh.db"
    db = open_archive(fresh)
    with monkeypatch.context() as patch:
        patch.setattr(Archive, "_store_related", store_related)
        with pytest.raises(KeyboardInterrupt):
            import_files(db, [exported.warc])
    db.close()
    assert _rows(fresh, "PRAGMA integrity_check") == [("ok",)]
    assert _rows(fresh, "SELECT count(*) FROM pages") == [(10,)]
    assert _rows(fresh, "SELECT count(*) FROM questions WHERE is_fetched = 1") == [(10,)]
    assert _rows(fresh, "SELECT count(*) FROM answer_versions") == [(10,)]
    assert _rows(fresh, "SELECT count(*) FROM questions_fts") == \
        _rows(fresh, "SELECT count(*) FROM questions")
    assert _rows(fresh, "SELECT status FROM crawl_runs") == [("interrupted",)]
    again = _import(fresh, exported.warc)
    assert again.exit_code == 0, again.output
    assert _rows(fresh, QUESTIONS) == _rows(exported.db_path, QUESTIONS)
    assert _rows(fresh, ANSWERS) == _rows(exported.db_path, ANSWERS)
    assert _rows(fresh, "SELECT count(*) FROM questions_fts") == \
        _rows(fresh, "SELECT count(*) FROM questions")


def test_import_of_a_folder_reports_bad_and_truncated_records_and_keeps_the_rest(
        exported: Exported, tmp_path: Path) -> None:
    folder = tmp_path / "warcs"
    folder.mkdir()
    data = exported.warc.read_bytes()
    members = _member_offsets(data)
    records = _records(exported.warc)
    responses = [index for index, record in enumerate(records) if record["type"] == "response"]
    # A response's gzip member damaged in its middle; the file cut inside the last response.
    damaged, cut = responses[3], responses[-1]
    broken = bytearray(data)
    middle = (members[damaged] + members[damaged + 1]) // 2
    broken[middle:middle + 40] = b"\x00" * 40
    (folder / "a-broken.warc.gz").write_bytes(bytes(broken[:members[cut] + 300]))
    (folder / "b-good.warc.gz").write_bytes(data[:members[responses[0]]]
                                            + data[members[cut]:])
    (folder / "notes.txt").write_text("not a WARC")
    fresh = tmp_path / "fresh.db"
    result = _import(fresh, folder)
    assert result.exit_code == 1
    bad = [line for line in result.output.splitlines() if line.startswith("skipped ")]
    assert len(bad) == 2, result.output
    assert f"a-broken.warc.gz at byte {members[damaged]}: " in bad[0]
    assert f"a-broken.warc.gz at byte {members[cut]}: truncated" in bad[1]
    assert all(line.isascii() for line in bad)
    assert "Traceback" not in result.output
    stored = {url for (url,) in _rows(fresh, "SELECT url FROM pages")}
    urls = [records[index]["warc"]["WARC-Target-URI"] for index in responses]
    # Every page but the damaged one is stored (the cut one from the good file).
    assert stored == set(urls) - {urls[3]}


def _member_offsets(data: bytes) -> list[int]:
    offsets, position = [], 0
    while position < len(data):
        offsets.append(position)
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        inflater.decompress(data[position:])
        position = len(data) - len(inflater.unused_data)
    return offsets


# Recorded in a fresh interpreter: capture_http patches http.client, which requests
# (urllib3) binds when first imported, so requests must be imported after capture_http.
CAPTURE = """
import sys, urllib.request
from warcio.capture_http import capture_http
import requests

warc, robots, *urls = sys.argv[1:]
with capture_http(warc):
    for url in urls[:3]:
        assert requests.get(url, timeout=60).status_code == 200
    for url in urls[3:]:
        with urllib.request.urlopen(url, timeout=60) as response:
            assert response.status == 200 and response.read()  # recorded as read
    assert requests.get(robots, timeout=60).ok
"""


def test_a_warc_written_by_warcio_capture_http_imports(
        sample_site: RunningSampleSite, tmp_path: Path) -> None:
    urls = sample_site.answer_urls()[:5]
    warc = tmp_path / "captured.warc.gz"
    subprocess.run([sys.executable, "-c", CAPTURE, str(warc), sample_site.url("/robots.txt"),
                    *urls], check=True, timeout=DEADLINE)
    fresh = tmp_path / "fresh.db"
    result = _import(fresh, warc)
    assert result.exit_code == 0, result.output
    # Six exchanges (request and response records): five pages and robots.txt (no page).
    assert "stored 5 page(s)" in result.output
    assert "12 read, 0 no profile knows, 7 not pages" in result.output
    ids = {row[0] for row in _rows(fresh, "SELECT id FROM questions WHERE is_fetched = 1")}
    assert ids == {url.rsplit("/", 1)[1] for url in urls}
    for url in urls:
        expected = sample_site.expected_record(url.rsplit("/", 1)[1])
        stored = _rows(fresh, f"SELECT title FROM questions WHERE url = '{url}'")
        assert stored == [(expected["title"],)]


@pytest.mark.sample_site(pages=30)
def test_a_warc_written_by_wget_imports(sample_site: RunningSampleSite, tmp_path: Path) -> None:
    wget = shutil.which("wget")
    if wget is None:
        pytest.skip("wget is not installed (apt-get install wget)")
    subprocess.run(
        [wget, "--recursive", "--level=2", "--no-parent", "--delete-after", "--no-verbose",
         "--tries=1", "--timeout=10", "--warc-file=" + str(tmp_path / "wget"),
         "--no-warc-keep-log", sample_site.root_url],
        cwd=tmp_path, capture_output=True, timeout=DEADLINE, check=False)
    warc = tmp_path / "wget.warc.gz"
    assert warc.exists()
    fresh = tmp_path / "fresh.db"
    result = _import(fresh, warc)
    assert result.exit_code == 0, result.output
    fetched = _rows(fresh, "SELECT url, title FROM questions WHERE is_fetched = 1")
    assert len(fetched) >= 10, result.output
    for url, title in fetched:
        assert title == sample_site.expected_record(url.rsplit("/", 1)[1])["title"]
    # wget's requests, its warcinfo and its log record are no pages; the site's index
    # page is HTML no profile knows.
    assert "no profile knows" in result.output


@pytest.mark.sample_site(site="qapage", pages=20)
def test_qapage_site_round_trips(sample_site: RunningSampleSite, tmp_path: Path) -> None:
    db_path = tmp_path / "archive.db"
    db = fresh_archive(db_path)
    run(db, [sample_site.root_url])
    db.close()
    warc = tmp_path / "qapage.warc.gz"
    _export(db_path, warc)
    checked = subprocess.run([str(BIN / "warcio"), "check", str(warc)], capture_output=True,
                             text=True, timeout=DEADLINE)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    fresh = tmp_path / "fresh.db"
    result = _import(fresh, warc)
    assert result.exit_code == 0, result.output
    assert _rows(fresh, QUESTIONS) == _rows(db_path, QUESTIONS)
    assert len(_rows(fresh, QUESTIONS)) >= 10
    assert _rows(fresh, ANSWERS) == _rows(db_path, ANSWERS)


# --- an archive from 0.1.0 ----------------------------------------------------------------

def test_an_archive_from_0_1_0_upgrades_and_exports_with_synthesized_headers(
        tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / "archive-v1.sql").read_text(encoding="utf-8"))
    conn.close()
    warc = tmp_path / "v1.warc.gz"
    output = _export(path, warc)
    assert "with synthesized headers" in output
    db = open_archive(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == migrations()[-1][0]
    bodies = {final_url or url: db.stored_body(url)[0] for url, final_url in db.execute(
        "SELECT url, final_url FROM pages WHERE body IS NOT NULL").fetchall()}
    db.close()
    records = _records(warc)
    responses = [r for r in records if r["type"] in ("response", "resource")]
    assert {r["warc"]["WARC-Target-URI"] for r in responses} == set(bodies)
    for record in responses:
        assert record["payload"] == bodies[record["warc"]["WARC-Target-URI"]]
        if record["type"] == "response":
            assert record["warc"]["Qarchive-Synthesized-Headers"]
            assert ("Content-Length", str(len(record["payload"]))) in record["http"]
    checked = subprocess.run([str(BIN / "warcio"), "check", str(warc)], capture_output=True,
                             text=True, timeout=DEADLINE)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_gzip_is_not_needed_to_read_an_uncompressed_warc(exported: Exported,
                                                          tmp_path: Path) -> None:
    plain = tmp_path / "plain.warc"
    plain.write_bytes(gzip.decompress(exported.warc.read_bytes()))
    fresh = tmp_path / "fresh.db"
    result = _import(fresh, plain)
    assert result.exit_code == 0, result.output
    assert _rows(fresh, QUESTIONS) == _rows(exported.db_path, QUESTIONS)


def test_hostile_header_counts_are_capped(tmp_path: Path) -> None:
    from crawler.fetch import kept_headers

    headers = httpx.Headers([(f"x-{number}", "v" * 50) for number in range(10_000)])
    kept = kept_headers(headers, max_count=100, max_bytes=16 * 1024)
    assert len(kept) == 101 and kept[-1][0] == "X-Qarchive-Truncated"
    assert "9900 more" in kept[-1][1]
    big = httpx.Headers([("x-big", "v" * 20_000), ("x-small", "v")])
    kept = kept_headers(big, max_count=100, max_bytes=16 * 1024)
    assert kept == [("X-Qarchive-Truncated", kept[0][1])] and "2 more" in kept[0][1]
    # A WARC record with 5,000 headers imports with the same cap.
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    body = (FIXTURES / "answer-2kxyq3m7vd.html").read_bytes()
    warc = tmp_path / "hostile.warc.gz"
    with warc.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        headers = [("Content-Type", "text/html; charset=utf-8"),
                   *((f"X-{number}", "v") for number in range(5_000))]
        writer.write_record(writer.create_warc_record(
            REFERENCE_URL, "response", payload=io.BytesIO(body), length=len(body),
            http_headers=StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")))
    result = _import(tmp_path / "a.db", warc)
    assert result.exit_code == 0 and "stored 1 page(s)" in result.output, result.output
    (stored,) = _rows(tmp_path / "a.db", "SELECT response_headers FROM pages")[0]
    kept = json.loads(stored)
    assert len(kept) == 101 and kept[-1][0] == "X-Qarchive-Truncated"
