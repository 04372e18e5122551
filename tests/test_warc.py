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

import brotli  # fastwarc's own dependency: a brotli-encoded payload to read
import httpx
import pytest
from click.testing import CliRunner
from crawl_helpers import DEADLINE, fresh_archive, run, wait_until
from tests_support import FIXTURES, REFERENCE_URL, fail_storing
from warcio.archiveiterator import ArchiveIterator

from archive import Archive, migrations, open_archive
from archive.bodies import CompressionPolicy
from crawler import importer, warc_import
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


def _batches(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, bool]]:
    """Each batch the import stores, as it stores it: its pages, and whether the archive
    had a compression dictionary then."""
    batches: list[tuple[int, bool]] = []
    real_store = warc_import._store

    def store(db: Archive, batch: list[Any], **kwargs: Any) -> list[str]:
        trained = db.execute("SELECT count(*) FROM compression_dictionaries").fetchone()[0]
        batches.append((len(batch), trained > 0))
        return real_store(db, batch, **kwargs)

    monkeypatch.setattr(warc_import, "_store", store)
    return batches


def test_batches_are_small_until_the_site_has_its_dictionary_then_large(
        exported: Exported, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Until a page's site has its compression dictionary, a batch is BATCH_SIZE pages: the
    dictionary is trained between two batches once the site has enough pages, and the
    bodies stored before it take longer to compress. With it, TRAINED_BATCH_SIZE pages."""
    monkeypatch.setattr(warc_import, "BATCH_SIZE", 5)
    monkeypatch.setattr(warc_import, "TRAINED_BATCH_SIZE", 12)
    batches = _batches(monkeypatch)
    fresh = tmp_path / "fresh.db"
    db = open_archive(fresh)
    db.bodies.policy = CompressionPolicy.with_min_pages(10)
    report = import_files(db, [exported.warc])
    db.close()
    assert not report.skipped
    untrained = [size for size, trained in batches if not trained]
    trained = [size for size, trained in batches if trained]
    assert len(untrained) >= 2 and len(trained) >= 2, batches  # trained in between
    assert batches[:len(untrained)] == [(5, False)] * len(untrained), batches
    assert trained[:-1] == [12] * (len(trained) - 1) and 0 < trained[-1] <= 12, batches
    assert _rows(fresh, "SELECT body_codec, dictionary_id, count(*) FROM pages "
                        "GROUP BY 1, 2") == [("zstd", 1, report.stored)]


def test_an_import_stores_with_a_larger_page_cache_and_gives_it_back(
        exported: Exported, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite's page cache is IMPORT_PAGE_CACHE_KIB while the batches are stored, and what
    it was before once the import ends, also when it ends with an error."""
    seen: list[int] = []
    real_store = warc_import._store

    def store(db: Archive, batch: list[Any], **kwargs: Any) -> list[str]:
        seen.append(db.execute("PRAGMA cache_size").fetchone()[0])
        return real_store(db, batch, **kwargs)

    monkeypatch.setattr(warc_import, "_store", store)
    db = open_archive(tmp_path / "fresh.db")
    before = db.execute("PRAGMA cache_size").fetchone()[0]
    assert before != -importer.IMPORT_PAGE_CACHE_KIB
    import_files(db, [exported.warc])
    assert seen and set(seen) == {-importer.IMPORT_PAGE_CACHE_KIB}
    assert db.execute("PRAGMA cache_size").fetchone()[0] == before

    def interrupted(db: Archive, batch: list[Any], **kwargs: Any) -> list[str]:
        raise KeyboardInterrupt

    monkeypatch.setattr(warc_import, "_store", interrupted)
    with pytest.raises(KeyboardInterrupt):
        import_files(db, [exported.warc])
    assert db.execute("PRAGMA cache_size").fetchone()[0] == before
    db.close()


def test_a_batch_is_stored_once_its_bodies_reach_batch_bytes(
        exported: Exported, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """However few its pages, a batch is stored once its bodies reach BATCH_BYTES: what the
    import holds in memory stays bounded when pages are large."""
    body = max(len(row["body"]) for row in _pages(exported.db_path).values())
    monkeypatch.setattr(warc_import, "BATCH_BYTES", 2 * body + 1)  # 3 pages reach it
    batches = _batches(monkeypatch)
    fresh = tmp_path / "fresh.db"
    db = open_archive(fresh)
    report = import_files(db, [exported.warc])
    db.close()
    sizes = [size for size, _ in batches]
    assert len(sizes) > 3 and not report.skipped
    assert all(size <= 3 for size in sizes) and 3 in sizes, sizes
    assert _rows(fresh, QUESTIONS) == _rows(exported.db_path, QUESTIONS)


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


# The WARC writer of Browsertrix Crawler (tests/js; `npm ci --prefix tests/js`, .ci/run).
BROWSERTRIX_WRITER = Path(__file__).parent / "js" / "browsertrix_warc.mjs"


@pytest.mark.sample_site(pages=12)
def test_a_warc_written_as_browsertrix_crawler_writes_imports(
        sample_site: RunningSampleSite, tmp_path: Path) -> None:
    """Browsertrix's WARCs, written by warcio.js: WARC/1.1, dates to the millisecond, SHA-256
    digests, its own WARC headers (WARC-Page-ID, WARC-Resource-Type), the HTTP headers as
    the browser saw them. The pages, fetched from the sample site, import."""
    node = shutil.which("node")
    if node is None or not (BROWSERTRIX_WRITER.parent / "node_modules" / "warcio").is_dir():
        pytest.skip("node and tests/js's warcio.js are needed: npm ci --prefix tests/js")
    urls = sample_site.answer_urls()[:5]
    captures = []
    with httpx.Client(timeout=DEADLINE) as client:
        for number, url in enumerate(urls):
            response = client.get(url)
            assert response.status_code == 200
            body = tmp_path / f"body-{number}"
            body.write_bytes(response.content)
            captures.append({"url": url, "status": 200, "statusText": "OK",
                             "headers": dict(response.headers), "body": str(body),
                             "ts": 1_764_460_800_123 + number})
    (tmp_path / "captures.json").write_text(json.dumps(captures))
    warc = tmp_path / "browsertrix.warc.gz"
    subprocess.run([node, str(BROWSERTRIX_WRITER), str(tmp_path / "captures.json"), str(warc)],
                   check=True, capture_output=True, timeout=DEADLINE)
    fresh = tmp_path / "fresh.db"
    result = _import(fresh, warc)
    assert result.exit_code == 0, result.output
    assert "bad" not in result.output and "skipped" not in result.output, result.output
    assert _rows(fresh, "SELECT url, title, fetched_at FROM questions q JOIN pages p "
                        "USING (url) WHERE is_fetched = 1 ORDER BY url") == sorted(
        (url, sample_site.expected_record(url)["title"], "2025-11-30T00:00:00+00:00")
        for url in urls)
    # Its SHA-256 digests (hex, where warcio and wget write base32 SHA-1) are checked: one
    # page's byte changed (the file uncompressed) costs that page.
    tampered = gzip.decompress(warc.read_bytes()).replace(b"</html>", b"</HTML>", 1)
    (tmp_path / "again").mkdir()
    report, stored = _import_report(tmp_path / "again", tampered)
    ((_, why),) = report.skipped
    assert why.startswith("digest mismatch: block digest failed: sha256:"), why
    assert stored == sorted(urls[1:])


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


# --- reading: what fastwarc is asked to check, record by record ---------------------------

ANSWER = (FIXTURES / "answer-2kxyq3m7vd.html").read_bytes()
HTML = [("Content-Type", "text/html; charset=utf-8")]


def _page_url(number: int) -> str:
    return f"https://wenku.csdn.net/answer/pagez{number:05d}"


def _record(url: str, payload: bytes = ANSWER, headers: list[tuple[str, str]] = HTML, *,
            kind: str = "response") -> bytes:
    """One record, uncompressed, as warcio writes it (both digests, closing CRLFs)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=False)
    http = (StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
            if kind == "response" else None)
    if kind == "request":
        http = StatusAndHeaders("GET /answer HTTP/1.1", [("Host", "wenku.csdn.net")],
                                is_http_request=True)
        payload = b""
    writer.write_record(writer.create_warc_record(
        url, kind, payload=io.BytesIO(payload), length=len(payload), http_headers=http,
        warc_content_type="text/html" if kind == "resource" else None))
    return out.getvalue()


def _warc(records: list[bytes], packing: str) -> tuple[bytes, list[int]]:
    """The records as a file (``plain``, ``gzip`` a member each, ``whole`` gzipped as one)
    and where each starts in it (0 for each, gzipped whole)."""
    if packing == "whole":
        return gzip.compress(b"".join(records)), [0] * len(records)
    parts = records if packing == "plain" else [gzip.compress(record) for record in records]
    starts = [sum(len(part) for part in parts[:index]) for index in range(len(parts))]
    return b"".join(parts), starts


def _import_report(tmp_path: Path, data: bytes, **options: Any) -> tuple[Any, list[str]]:
    """Import ``data`` as a WARC file; the report and the URLs of the pages stored."""
    warc = tmp_path / ("in.warc.gz" if data[:2] == b"\x1f\x8b" else "in.warc")
    warc.write_bytes(data)
    db = open_archive(tmp_path / "fresh.db")
    report = import_files(db, [warc], **options)
    db.close()
    return report, sorted(url for (url,) in _rows(tmp_path / "fresh.db",
                                                  "SELECT url FROM pages"))


@pytest.mark.parametrize("packing", ["plain", "gzip", "whole"])
@pytest.mark.parametrize("digest", ["WARC-Block-Digest", "WARC-Payload-Digest"])
def test_a_record_whose_digest_does_not_match_is_reported_and_the_rest_imports(
        tmp_path: Path, packing: str, digest: str) -> None:
    """The middle of three pages has one byte of its body changed: it is reported, one
    line, with the digest that failed, and the reading goes on with the next record. With
    only a payload digest (the block digest's line taken out) that one catches it."""
    records = [_record(_page_url(number)) for number in range(3)]
    tampered = records[1].replace(b"</html>", b"</HTML>")
    assert tampered != records[1]
    if digest == "WARC-Payload-Digest":
        block_line = tampered.index(b"WARC-Block-Digest: ")
        tampered = tampered[:block_line] + tampered[tampered.index(b"\r\n", block_line) + 2:]
    records[1] = tampered
    data, starts = _warc(records, packing)
    report, stored = _import_report(tmp_path, data)
    assert stored == [_page_url(0), _page_url(2)]
    ((where, why),) = report.skipped
    assert where.endswith(f"in.warc{'.gz' if packing != 'plain' else ''} at byte {starts[1]}")
    kind = "block" if digest == "WARC-Block-Digest" else "payload"
    assert why.startswith(f"digest mismatch: {kind} digest failed: sha1:"), why
    assert report.warc.bad == 1 and report.warc.records == 2


def test_a_record_whose_block_matches_is_imported_though_its_payload_digest_does_not(
        tmp_path: Path) -> None:
    """A tool that digested the payload some other way (decoded, say) wrote a payload
    digest that does not match, but the block matches its own digest: the bytes are the
    ones it wrote, and the page imports. Without the block digest the same record is
    reported (the test above)."""
    records = [_record(_page_url(number)) for number in range(3)]
    start = records[1].index(b"WARC-Payload-Digest: sha1:") + len(b"WARC-Payload-Digest: sha1:")
    written = records[1][start:start + 32]
    other = bytes(reversed(written))
    assert other != written and len(other) == 32
    records[1] = records[1][:start] + other + records[1][start + 32:]
    report, stored = _import_report(tmp_path, _warc(records, "gzip")[0])
    assert stored == [_page_url(number) for number in range(3)]
    assert report.skipped == [] and report.warc.bad == 0


@pytest.mark.parametrize(("packing", "cut"), [
    ("plain", "body"), ("plain", "headers"), ("gzip", "body"), ("gzip", "headers"),
    ("whole", "body")])
def test_a_record_cut_short_is_reported_as_truncated(tmp_path: Path, packing: str,
                                                     cut: str) -> None:
    """The file ends inside its last record: inside its body (a gzip member's end
    missing), or inside its WARC headers. The records before it are stored."""
    records = [_record(_page_url(number)) for number in range(3)]
    data, starts = _warc(records, packing)
    # The last 20 bytes (a gzip member's checksums and some of its data), or all but a
    # few bytes of the last record (not even its header block).
    data = (data[:-20] if cut == "body"
            else data[:starts[2] + (40 if packing == "plain" else 25)])
    report, stored = _import_report(tmp_path, data)
    if packing == "whole":  # one gzip member: the cut one is the file's only one
        assert stored == [_page_url(0), _page_url(1)]
        ((where, why),) = report.skipped
        assert where.endswith(" at byte 0") and why.startswith("truncated"), why
        return
    assert stored == [_page_url(0), _page_url(1)]
    ((where, why),) = report.skipped
    assert where.endswith(f" at byte {starts[2]}")
    assert why.startswith("truncated"), why


@pytest.mark.parametrize("packing", ["plain", "gzip"])
def test_a_record_cut_short_inside_the_file_costs_only_itself(
        tmp_path: Path, packing: str) -> None:
    """The middle of three pages lost the end of its body inside the file (its
    Content-Length runs into the next record; a truncated file joined to another): its
    digest fails and it is reported, once, and the next record is still read — found by
    scanning for its start, not read from where the bad one's length ends."""
    records = [_record(_page_url(number)) for number in range(3)]
    body_end = records[1].index(b"</html>")
    records[1] = records[1][:body_end] + b"\r\n\r\n"  # the rest of the record lost
    data, starts = _warc(records, packing)
    report, stored = _import_report(tmp_path, data)
    assert stored == [_page_url(0), _page_url(2)]
    ((where, why),) = report.skipped
    assert where.endswith(f" at byte {starts[1]}"), (where, why)
    assert why.startswith(("digest mismatch", "truncated")), why


def test_a_damaged_header_block_in_an_uncompressed_warc_costs_its_record_only(
        tmp_path: Path) -> None:
    records = [_record(_page_url(number)) for number in range(3)]
    records[1] = b"WARC/9.9 nonsense" + records[1][len(b"WARC/1.0"):]
    data, starts = _warc(records, "plain")
    report, stored = _import_report(tmp_path, data)
    assert stored == [_page_url(0), _page_url(2)]
    ((where, why),) = report.skipped
    assert where.endswith(f" at byte {starts[1]}") and why.isascii(), (where, why)


def test_max_bytes_holds_from_the_first_byte(tmp_path: Path) -> None:
    """A page over the limit is a bad record, whether it is small enough to hold (it is
    read, then refused) or far larger (refused from its header, never read); a non-page
    record far larger than the limit is read through and skipped. The pages after them
    are stored."""
    limit = len(ANSWER) + 1000
    padded = ANSWER.replace(b"</html>", b"<!--" + b"x" * 2000 + b"--></html>")
    huge = ANSWER.replace(b"</html>", b"<!--" + b"x" * (3 << 20) + b"--></html>")
    image = bytes(range(256)) * (12 << 12)  # 12 MiB
    records = [_record(_page_url(0), padded), _record(_page_url(1), huge),
               _record("https://wenku.csdn.net/logo.png", image, [("Content-Type", "image/png")]),
               _record(_page_url(3))]
    data, starts = _warc(records, "gzip")
    report, stored = _import_report(tmp_path, data, max_bytes=limit)
    assert stored == [_page_url(3)]
    assert [(where.rsplit(" ", 1)[1], why) for where, why in report.skipped] == [
        (str(starts[index]), f"body larger than {limit:,} bytes (the crawl's max_body_bytes)")
        for index in (0, 1)]
    assert report.warc.not_pages == 1 and report.warc.bad == 2


def _chunked(data: bytes, size: int = 1000) -> bytes:
    chunks = [data[at:at + size] for at in range(0, len(data), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks) + b"0\r\n\r\n"


@pytest.mark.parametrize(("encoding", "payload", "headers"), [
    ("chunked", _chunked(ANSWER), [("Transfer-Encoding", "chunked")]),
    ("gzip", gzip.compress(ANSWER), [("Content-Encoding", "gzip")]),
    ("chunked gzip", _chunked(gzip.compress(ANSWER)),
     [("Transfer-Encoding", "chunked"), ("Content-Encoding", "gzip")]),
    ("deflate", zlib.compress(ANSWER), [("Content-Encoding", "deflate")]),
    ("raw deflate", zlib.compress(ANSWER, wbits=-15), [("Content-Encoding", "deflate")]),
    ("brotli", brotli.compress(ANSWER), [("Content-Encoding", "br")]),
    ("gzip that is not", ANSWER, [("Content-Encoding", "gzip")]),
    ("chunked that is not", ANSWER, [("Transfer-Encoding", "chunked")]),
])
def test_transfer_and_content_encodings_are_undone_as_a_browser_would(
        tmp_path: Path, encoding: str, payload: bytes, headers: list[tuple[str, str]]
        ) -> None:
    """What a server sent is stored decoded, as warcio's reading did; a payload that does
    not decode as its headers say is kept as it is (warcio's fallback, a browser's)."""
    data, _ = _warc([_record(REFERENCE_URL, payload, HTML + headers)], "gzip")
    report, stored = _import_report(tmp_path, data)
    assert stored == [REFERENCE_URL] and not report.skipped, report.skipped
    db = open_archive(tmp_path / "fresh.db", readonly=True)
    assert db.stored_body(REFERENCE_URL)[0] == ANSWER
    db.close()


def test_a_resource_record_is_a_page_and_revisits_and_requests_are_not(tmp_path: Path) -> None:
    """An HTML resource record is a page (no HTTP headers); requests, revisits and
    warcinfo are counted as no pages."""
    from warcio.warcwriter import WARCWriter

    warcinfo, revisit = io.BytesIO(), io.BytesIO()
    writer = WARCWriter(warcinfo, gzip=False)
    writer.write_record(writer.create_warcinfo_record("in.warc.gz", {"software": "test"}))
    writer = WARCWriter(revisit, gzip=False)
    writer.write_record(writer.create_revisit_record(
        _page_url(2), digest="sha1:" + "A" * 32, refers_to_uri=_page_url(2),
        refers_to_date="2026-01-01T00:00:00Z"))
    records = [warcinfo.getvalue(), revisit.getvalue(), _record(_page_url(0), kind="resource"),
               _record(_page_url(1), kind="request"), _record(_page_url(2))]
    data, _ = _warc(records, "gzip")
    report, stored = _import_report(tmp_path, data)
    assert stored == [_page_url(0), _page_url(2)] and not report.skipped, report.skipped
    assert report.warc.not_pages == 3 and report.warc.records == 5


def test_the_progress_bar_follows_the_reading(tmp_path: Path) -> None:
    """``on_progress`` is told how far into the file the reading is, record by record
    (fastwarc reads ahead in 64 KiB blocks: records larger than that show it)."""
    padded = ANSWER.replace(b"</html>", b"<!--" + b"x" * 200_000 + b"--></html>")
    data, _ = _warc([_record(_page_url(number), padded) for number in range(3)], "plain")
    positions: list[int] = []
    report, stored = _import_report(tmp_path, data, on_progress=positions.append)
    assert len(stored) == 3 and not report.skipped
    assert positions == sorted(positions) and positions[-1] == len(data)
    assert len(set(positions)) >= 3 and positions[0] < len(data) // 2


def test_the_import_spaces_collections_and_puts_the_collector_back(tmp_path: Path) -> None:
    """While importing, the cyclic collector runs at IMPORT_GC_THRESHOLD (fewer full
    collections); after, as it was, also when the import fails."""
    import gc

    from crawler.importer import IMPORT_GC_THRESHOLD

    data, _ = _warc([_record(_page_url(number)) for number in range(2)], "gzip")
    before = gc.get_threshold()
    assert before != IMPORT_GC_THRESHOLD
    seen: list[tuple[int, int, int]] = []
    report, stored = _import_report(tmp_path, data,
                                    on_progress=lambda _: seen.append(gc.get_threshold()))
    assert len(stored) == 2 and not report.skipped
    assert seen and set(seen) == {IMPORT_GC_THRESHOLD}
    assert gc.get_threshold() == before

    def interrupted(_: int) -> None:
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        _import_report(tmp_path, data, on_progress=interrupted)
    assert gc.get_threshold() == before


def test_the_import_keeps_sqlites_temporary_files_in_memory(tmp_path: Path) -> None:
    """While importing, the archive's connection keeps SQLite's statement journals in
    memory (temp_store 2); after, the setting is the connection's own again."""
    data, _ = _warc([_record(_page_url(number)) for number in range(2)], "gzip")
    warc = tmp_path / "in.warc.gz"
    warc.write_bytes(data)
    db = open_archive(tmp_path / "fresh.db")
    assert db.execute("PRAGMA temp_store").fetchone()[0] == 0
    seen: list[int] = []
    report = import_files(db, [warc], on_progress=lambda _: seen.append(
        db.execute("PRAGMA temp_store").fetchone()[0]))
    assert report.stored == 2 and seen and set(seen) == {2}
    assert db.execute("PRAGMA temp_store").fetchone()[0] == 0
    db.close()


@pytest.mark.parametrize("damage", ["tampered", "cut"])
def test_a_record_too_large_to_hold_is_checked_as_it_streams_by(tmp_path: Path,
                                                                 damage: str) -> None:
    """A non-page record over the limit (and a header block) is never held: its payload
    digest is checked as it is read through, so a changed byte in it, or the file ending
    inside it, is still a bad record, reported."""
    image = bytes(range(256)) * (8 << 12)  # 8 MiB
    records = [_record(_page_url(0)),
               _record("https://wenku.csdn.net/logo.png", image, [("Content-Type", "image/png")])]
    if damage == "tampered":
        middle = len(records[1]) // 2
        flipped = bytes([records[1][middle] ^ 0xFF])
        records[1] = records[1][:middle] + flipped + records[1][middle + 1:]
    data, starts = _warc(records, "gzip")
    if damage == "cut":
        data = data[:starts[1] + (len(data) - starts[1]) // 2]
    report, stored = _import_report(tmp_path, data, max_bytes=len(ANSWER) + 1000)
    assert stored == [_page_url(0)]
    ((where, why),) = report.skipped
    assert where.endswith(f" at byte {starts[1]}")
    assert why.startswith("digest mismatch (or the record is cut short): payload digest"), why
