"""Tests that kill mutants of the storage code added since the first mutation run
(TESTING.md, "Second round: storage"): `archive/bodies.py`, `archive/compact.py`,
`archive/warc.py` and what changed in `archive/`. Real SQLite files in tmp_path, real
zstd and warcio; each test checks one behaviour a surviving mutant changed.

The crawl tests of test_compression.py train dictionaries in the crawl's writer
process, where mutmut sees no call: these call the body store in this process.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import json
import logging
import random
import uuid
import zlib
from collections import deque
from pathlib import Path

import pytest
import zstandard
from warcio.archiveiterator import ArchiveIterator

from archive import Archive, BodyUnreadable, FetchedPage, open_archive
from archive.archive import ANSWER_TEXT_MAX_CHARS, MAX_TAGS, bounded_page
from archive.bodies import (
    DICTIONARY_CACHE_SIZE,
    BodyStore,
    CompressionPolicy,
    DictionaryUpkeep,
    TrainedDictionary,
    body_site,
)
from archive.compact import CompactReport, compact_archive
from archive.fetched import StoredResponse, bounded_headers
from archive.migrator import apply_migrations
from archive.search import search_questions
from archive.warc import (
    SYNTHESIZED,
    WarcReport,
    export_warc,
    payload_digest,
    record_id,
    warc_date,
    write_warc,
)
from parsers import Answer, AnswerPage, RecommendedResource, RelatedQuestion
from sample_sites.csdn.content import SampleSite
from sample_sites.csdn.render import render_answer_page

CSDN = "wenku.csdn.net"


def _bodies(count: int, *, seed: int = 3) -> list[bytes]:
    site = SampleSite(pages=count, seed=seed, base_url=f"https://{CSDN}")
    return [render_answer_page(site.content(i)).encode() for i in range(count)]


def _archive(tmp_path: Path, *, policy: CompressionPolicy | None = None) -> Archive:
    db = open_archive(tmp_path / "archive.db")
    if policy is not None:
        db.bodies.policy = policy
    return db


def _store(db: Archive, bodies: list[bytes], *, site: str = CSDN, status: int | None = 200,
           first: int = 0, prefix: str = "q", host: str | None = None) -> list[str]:
    """Store ``bodies`` as pages of ``site`` (at ``host``, the site's name by default),
    fetched one second apart from ``first``."""
    urls = []
    with db.atomic():
        for index, body in enumerate(bodies, start=first):
            url = f"https://{host or site}/{prefix}/{index}"
            db.record_fetched_page(FetchedPage(
                url=url, status=status, body=body,
                fetched_at=f"2026-01-01T{index // 3600:02d}:{index // 60 % 60:02d}:"
                           f"{index % 60:02d}+00:00"))
            urls.append(url)
    db.execute(f"UPDATE pages SET site = ? WHERE url IN ({', '.join('?' * len(urls))})",
               [site, *urls])
    return urls


def _dictionary_row(db: Archive, dictionary_id: int) -> tuple:
    return db.execute(
        "SELECT site, version, trained_because, sample_pages, sample_bytes, ratio, size, "
        "length(dictionary) FROM compression_dictionaries WHERE id = ?",
        [dictionary_id]).fetchone()


# --- small pieces ---------------------------------------------------------------------------

@pytest.mark.parametrize("url, site, expected", [
    ("https://Wenku.CSDN.net/answer/1", None, "wenku.csdn.net"),
    ("https://wenku.csdn.net/answer/1", "", "wenku.csdn.net"),
    ("https://a.test/x", "stackoverflow.com", "stackoverflow.com"),
    ("/relative/only", None, ""),
    ("http://[::1/x", None, ""),  # urlsplit: "Invalid IPv6 URL"
])
def test_body_site_is_the_questions_site_or_the_urls_lowercased_host(
        url: str, site: str | None, expected: str) -> None:
    assert body_site(url, site) == expected


@pytest.mark.parametrize("min_pages, drift_sample_pages", [(1, 1), (30, 15), (100, 50),
                                                            (101, 50), (500, 50)])
def test_policy_with_min_pages(min_pages: int, drift_sample_pages: int) -> None:
    policy = CompressionPolicy.with_min_pages(min_pages)
    assert policy == CompressionPolicy(min_pages=min_pages, drift_check_pages=min_pages,
                                       drift_sample_pages=drift_sample_pages)
    assert (policy.sample_pages, policy.dictionary_bytes, policy.level, policy.strategy,
            policy.search_log, policy.min_match, policy.drift_factor, policy.training_segment,
            policy.training_dmer) == (500, 112 * 1024, 9, zstandard.STRATEGY_GREEDY, 6, 5, 0.6,
                                      2000, 8)
    assert type(policy.drift_sample_pages) is int  # a deque's maxlen (BodyStore._remember)


def _policy_compressor(data: zstandard.ZstdCompressionDict) -> zstandard.ZstdCompressor:
    """Level 9's sizes, greedy, search_log 6, min_match 5: the default policy's, built
    here by hand."""
    return zstandard.ZstdCompressor(dict_data=data, compression_params=(
        zstandard.ZstdCompressionParameters(compression_level=9, strategy=zstandard.STRATEGY_GREEDY,
                                            search_log=6, min_match=5, write_content_size=True,
                                            write_dict_id=True)))


def test_the_policys_compressor_is_not_level_9s_own() -> None:
    body = _bodies(1)[0]
    policy = CompressionPolicy()
    ours = policy.compressor().compress(body)
    assert ours != zstandard.ZstdCompressor(level=9).compress(body)
    assert zstandard.ZstdDecompressor().decompress(ours) == body


def test_a_trained_dictionary_describes_itself() -> None:
    trained = TrainedDictionary(id=3, site=CSDN, version=2, sample_pages=40, ratio=16.44,
                                because="200 pages", rewritten=50)
    assert trained.describe() == ("compression dictionary 3 for wenku.csdn.net (version 2): "
                                  "200 pages; trained on 40 pages, 16.4x on held-out pages")
    for ratio in (None, 0.0):
        unknown = TrainedDictionary(id=3, site=CSDN, version=2, sample_pages=40, ratio=ratio,
                                    because="200 pages", rewritten=50)
        assert unknown.describe() == ("compression dictionary 3 for wenku.csdn.net "
                                      "(version 2): 200 pages; trained on 40 pages")


# --- compressing and reading bodies ---------------------------------------------------------

def test_an_archive_before_version_13_stores_zlib(tmp_path: Path) -> None:
    db = _archive(tmp_path)
    db.execute("PRAGMA user_version = 12")
    store = BodyStore(db)
    assert store.has_codecs is False
    body = _bodies(1)[0]
    assert store.compress(body, CSDN) == (zlib.compress(body, 3), "zlib", None)
    db.execute("PRAGMA user_version = 13")
    assert store.has_codecs is False  # read once: the archive is opened at one version
    assert BodyStore(db).has_codecs is True


def test_without_a_dictionary_bodies_are_plain_zstd_at_the_policys_level(tmp_path: Path) -> None:
    policy = CompressionPolicy(level=19, strategy=zstandard.STRATEGY_BTULTRA2, search_log=9,
                               min_match=3)
    db = _archive(tmp_path, policy=policy)
    body = _bodies(1)[0]
    blob, codec, dictionary_id = db.bodies.compress(body, CSDN)
    assert (codec, dictionary_id) == ("zstd", None)
    assert blob == zstandard.ZstdCompressor(level=19).compress(body)  # level 19's own
    assert blob != zstandard.ZstdCompressor().compress(body)
    assert db.bodies.compress(body, CSDN)[0] == blob  # the same compressor again
    assert db.bodies.decompress(blob, "zstd", None) == body


def test_with_a_dictionary_bodies_use_it_and_its_sizes_are_remembered(tmp_path: Path) -> None:
    db = _archive(tmp_path, policy=CompressionPolicy(min_pages=20, drift_sample_pages=3))
    bodies = _bodies(30)
    _store(db, bodies[:20])
    trained = db.bodies.train(CSDN, because="test")
    assert trained is not None
    raw = db.execute("SELECT dictionary FROM compression_dictionaries WHERE id = ?",
                     [trained.id]).fetchone()[0]
    data = zstandard.ZstdCompressionDict(raw, dict_type=zstandard.DICT_TYPE_FULLDICT)
    sizes = []
    for body in bodies[20:25]:
        blob, codec, dictionary_id = db.bodies.compress(body, CSDN)
        assert (codec, dictionary_id) == ("zstd", trained.id)
        assert blob == _policy_compressor(data).compress(body)
        assert db.bodies.decompress(blob, "zstd", trained.id) == body
        sizes.append((len(body), len(blob)))
    # The newest drift_sample_pages (3) of them, for drift(); other sites apart.
    assert db.bodies._recent == {CSDN: (trained.id, deque(sizes[-3:], maxlen=3))}
    assert db.bodies.compress(bodies[25], "other.test")[1:] == ("zstd", None)
    assert set(db.bodies._recent) == {CSDN}


def test_a_damaged_dictionary_row_stores_without_it(tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    db = _archive(tmp_path)
    db.execute("INSERT INTO compression_dictionaries (id, site, version, created_at, "
               "trained_because, sample_pages, sample_bytes, ratio, size, dictionary) "
               "VALUES (1, ?, 1, '2026-01-01', 'test', 1, 1, 2.0, 4, X'00010203')", [CSDN])
    body = _bodies(1)[0]
    with caplog.at_level(logging.WARNING, logger="archive.bodies"):
        blob, codec, dictionary_id = db.bodies.compress(body, CSDN)
    assert (codec, dictionary_id) == ("zstd", None)
    assert db.bodies.decompress(blob, "zstd", None) == body
    assert [(record.levelname, record.getMessage()) for record in caplog.records] == [
        ("WARNING", "compression dictionary 1 is damaged (could not create decompression "
                    "dict); storing without it")]


def test_decompress_reads_every_codec_and_says_why_it_cannot(tmp_path: Path) -> None:
    store = _archive(tmp_path).bodies
    body = b"<html>" + b"x" * 100
    assert store.decompress(zlib.compress(body), None, None) == body
    assert store.decompress(zlib.compress(body), "zlib", None) == body
    assert store.decompress(zstandard.ZstdCompressor().compress(body), "zstd", None) == body
    with pytest.raises(BodyUnreadable, match=r"^corrupt zlib body \(Error -3 while "):
        store.decompress(b"not zlib", "zlib", None)
    with pytest.raises(BodyUnreadable, match=r"^unknown body codec 'brotli'$"):
        store.decompress(b"...", "brotli", None)
    with pytest.raises(BodyUnreadable, match=r"^corrupt zstd body: "):
        store.decompress(b"not zstd at all", "zstd", None)
    with pytest.raises(BodyUnreadable, match=r"^compression dictionary 7 is missing$"):
        store.decompress(b"not zstd at all", "zstd", 7)


def test_a_dictionary_is_checked_by_its_zstd_id_and_cached(tmp_path: Path) -> None:
    db = _archive(tmp_path)
    samples = _bodies(20)
    for dictionary_id in range(1, DICTIONARY_CACHE_SIZE + 3):
        data = zstandard.train_dictionary(16 * 1024, samples, dict_id=32768 + dictionary_id)
        raw = data.as_bytes()
        db.execute("INSERT INTO compression_dictionaries (id, site, version, created_at, "
                   "trained_because, sample_pages, sample_bytes, ratio, size, dictionary) "
                   "VALUES (?, ?, ?, '2026-01-01', 'test', 20, 1, 2.0, ?, ?)",
                   [dictionary_id, CSDN, dictionary_id, len(raw), raw])
    # A dictionary row whose zstd id is not 32768 + its id: damaged, not used.
    wrong = zstandard.train_dictionary(16 * 1024, samples, dict_id=32768 + 99).as_bytes()
    db.execute("INSERT INTO compression_dictionaries (id, site, version, created_at, "
               "trained_because, sample_pages, sample_bytes, ratio, size, dictionary) "
               "VALUES (40, 'x.test', 1, '2026-01-01', 'test', 20, 1, 2.0, ?, ?)",
               [len(wrong), wrong])
    store = db.bodies
    with pytest.raises(BodyUnreadable, match=r"^compression dictionary 40 is damaged "
                                             r"\(it is zstd dictionary 32867\)$"):
        store.decompress(b"...", "zstd", 40)
    assert store.current_dictionary(CSDN) == DICTIONARY_CACHE_SIZE + 2  # the newest version
    assert store.current_dictionary("none.test") is None
    body = samples[0]
    blobs = {}
    for dictionary_id in range(1, DICTIONARY_CACHE_SIZE + 1):
        blob = store._dictionary(dictionary_id)[0].compress(body)
        assert zstandard.get_frame_parameters(blob).dict_id == 32768 + dictionary_id
        blobs[dictionary_id] = blob
    # 16 dictionaries loaded: every one still reads after its row is gone.
    db.execute("PRAGMA foreign_keys = OFF")
    db.execute("DELETE FROM compression_dictionaries WHERE id <= 2")
    store.decompress(blobs[1], "zstd", 1)  # used again: now the most recent
    # Loading a 17th drops the least recently used (2), not 1.
    store._dictionary(DICTIONARY_CACHE_SIZE + 1)
    assert store.decompress(blobs[1], "zstd", 1) == body
    with pytest.raises(BodyUnreadable, match=r"^compression dictionary 2 is missing$"):
        store.decompress(blobs[2], "zstd", 2)
    # A body of dictionary 3 read with dictionary 4's row fails loudly, naming it.
    with pytest.raises(BodyUnreadable, match=r"^corrupt zstd body \(dictionary 4\): "):
        store.decompress(blobs[3], "zstd", 4)


# --- training -------------------------------------------------------------------------------

def _moved_to(db: Archive, dictionary_id: int) -> set[str]:
    return {url for (url,) in db.execute("SELECT url FROM pages WHERE dictionary_id = ?",
                                         [dictionary_id])}


@pytest.mark.parametrize("min_pages, needed", [(20, 20), (30, 20), (5, 8)])
def test_a_dictionary_needs_enough_readable_samples(tmp_path: Path, min_pages: int,
                                                    needed: int) -> None:
    db = _archive(tmp_path, policy=CompressionPolicy(min_pages=min_pages))
    bodies = _bodies(needed)
    _store(db, bodies[:needed - 1])
    assert db.bodies.train(CSDN, because="test") is None
    assert db.execute("SELECT count(*) FROM compression_dictionaries").fetchone()[0] == 0
    _store(db, bodies[needed - 1:], first=needed - 1)
    assert db.bodies.train(CSDN, because="test") is not None


def test_training_holds_out_every_fifth_page_and_records_the_ratio_on_them(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = _archive(tmp_path, policy=CompressionPolicy(min_pages=20))
    bodies = _bodies(25)
    urls = _store(db, bodies)
    with caplog.at_level(logging.INFO, logger="archive.bodies"):
        trained = db.bodies.train(CSDN, because="25 pages")
    assert trained is not None
    newest_first = bodies[::-1]
    held_out = newest_first[::5]
    learnt = [body for index, body in enumerate(newest_first) if index % 5]
    raw = db.execute("SELECT dictionary FROM compression_dictionaries WHERE id = 1"
                     ).fetchone()[0]
    data = zstandard.ZstdCompressionDict(raw, dict_type=zstandard.DICT_TYPE_FULLDICT)
    compressor = _policy_compressor(data)
    ratio = sum(map(len, held_out)) / sum(len(compressor.compress(b)) for b in held_out)
    assert trained == TrainedDictionary(id=1, site=CSDN, version=1, sample_pages=20,
                                        ratio=ratio, because="25 pages", rewritten=25)
    assert _dictionary_row(db, 1) == (CSDN, 1, "25 pages", 20, sum(map(len, learnt)),
                                      ratio, len(raw), len(raw))
    assert zstandard.ZstdCompressionDict(raw).dict_id() == 32769
    # Trained with the policy's k and d (no search over them): the same bytes again.
    assert bytes(raw) == zstandard.train_dictionary(
        112 * 1024, learnt, dict_id=32769, k=2000, d=8).as_bytes()
    assert bytes(raw) != zstandard.train_dictionary(
        112 * 1024, learnt, dict_id=32769, k=1000, d=6).as_bytes()
    assert _moved_to(db, 1) == set(urls)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", trained.describe())]


def test_fewer_than_ten_samples_are_all_learnt_from(tmp_path: Path) -> None:
    db = _archive(tmp_path, policy=CompressionPolicy(min_pages=8))
    bodies = _bodies(9)
    _store(db, bodies)
    trained = db.bodies.train(CSDN, because="test")
    assert trained is not None and trained.sample_pages == 9
    assert _dictionary_row(db, 1)[4] == sum(map(len, bodies))
    _store(db, _bodies(10, seed=4), site="ten.test")
    trained = db.bodies.train("ten.test", because="test")
    assert trained is not None and trained.sample_pages == 8


def test_new_versions_take_the_next_id_and_version_and_move_the_samples(tmp_path: Path) -> None:
    db = _archive(tmp_path, policy=CompressionPolicy(min_pages=20, sample_pages=20))
    bodies = _bodies(30)
    # Stored newest first: the samples are the newest 20 by fetched_at, not by rowid.
    urls = _store(db, bodies[:15], first=100) + _store(db, bodies[15:], first=0)
    newest = set(urls[:15]) | set(urls[-5:])
    first = db.bodies.train(CSDN, because="one")
    # A site's first dictionary takes its older pages too (as many again as the samples).
    assert first is not None and (first.id, first.version, first.rewritten) == (1, 1, 30)
    assert _moved_to(db, 1) == set(urls)
    # Samples stored with dictionary 1 are read with it, and move to version 2; a later
    # version moves its samples only.
    second = db.bodies.train(CSDN, because="two")
    assert second is not None and (second.id, second.version, second.rewritten) == (2, 2, 20)
    assert _moved_to(db, 2) == newest and _moved_to(db, 1) == set(urls) - newest
    other = _store(db, _bodies(20, seed=5), site="other.test")
    third = db.bodies.train("other.test", because="three")
    assert third is not None and (third.id, third.version) == (3, 1)
    assert _moved_to(db, 3) == set(other)
    # Its pages back to plain zstd and the dictionary deleted: its id is not used again.
    for url, body in zip(other, _bodies(20, seed=5), strict=True):
        db.execute("UPDATE pages SET body = ?, dictionary_id = NULL WHERE url = ?",
                   [zstandard.ZstdCompressor().compress(body), url])
    db.execute("DELETE FROM compression_dictionaries WHERE id = 3")
    fourth = db.bodies.train("other.test", because="four")
    assert fourth is not None and (fourth.id, fourth.version) == (4, 1)
    for url, body in zip(urls, bodies, strict=True):
        assert db.stored_body(url)[0] == body


def test_samples_are_readable_2xx_pages_and_an_unreadable_one_is_skipped(tmp_path: Path) -> None:
    db = _archive(tmp_path, policy=CompressionPolicy(min_pages=20))
    bodies = _bodies(24)
    urls = _store(db, bodies[:20])
    unknown = _store(db, bodies[20:21], status=None, first=20, prefix="imported")
    last_2xx = _store(db, bodies[21:22], status=299, first=21, prefix="ok")
    not_found = _store(db, bodies[22:23], status=404, first=22, prefix="missing")
    redirect = _store(db, bodies[23:24], status=300, first=23, prefix="moved")
    db.execute("UPDATE pages SET body = X'00' WHERE url = ?", [urls[-1]])  # corrupt, newest
    trained = db.bodies.train(CSDN, because="test")
    # Learnt from: the 21 readable pages of a 2xx or no status, every fifth held out.
    assert trained is not None and trained.sample_pages == 16
    # Moved: those, and the site's other readable bodies (a first dictionary takes them).
    assert trained.rewritten == 23
    assert _moved_to(db, 1) == (set(urls[:-1]) | set(unknown) | set(last_2xx)
                                | set(not_found) | set(redirect))


def test_training_that_zstd_refuses_stores_nothing(tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    db = _archive(tmp_path, policy=CompressionPolicy(min_pages=20, dictionary_bytes=100))
    _store(db, _bodies(20))
    with caplog.at_level(logging.WARNING, logger="archive.bodies"):
        assert db.bodies.train(CSDN, because="test") is None
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "no compression dictionary for wenku.csdn.net: cannot train dict: "
                    "Destination buffer is too small")]
    assert db.execute("SELECT count(*) FROM compression_dictionaries").fetchone()[0] == 0


def test_recompress_rewrites_only_rows_that_still_hold_what_was_read(tmp_path: Path) -> None:
    db = _archive(tmp_path, policy=CompressionPolicy(min_pages=20))
    bodies = _bodies(22)
    urls = _store(db, bodies[:20])
    assert db.bodies.train(CSDN, because="test") is not None
    late = _store(db, bodies[20:], first=20, prefix="late")
    db.execute("UPDATE pages SET body = ?, body_codec = 'zlib', dictionary_id = NULL "
               "WHERE url = ?", [zlib.compress(bodies[20]), late[0]])
    rowid = {url: row for url, row in db.execute("SELECT url, rowid FROM pages")}
    moved = db.bodies.recompress([
        (rowid[late[0]], bodies[20], "zlib", None, 1),      # as read: rewritten
        (rowid[late[1]], bodies[21], "zlib", None, 1),      # holds zstd with 1 now
        (rowid[urls[0]], bodies[0], "zstd", None, 1),       # holds dictionary 1
    ])
    assert moved == 1
    assert db.execute("SELECT body_codec, dictionary_id FROM pages WHERE url = ?",
                      [late[0]]).fetchone() == ("zstd", 1)
    assert db.stored_body(late[0])[0] == bodies[20]


# --- WARC export ----------------------------------------------------------------------------

def _response(**fields: object) -> StoredResponse:
    values: dict[str, object] = dict(
        url="https://a.test/q/1", final_url="https://a.test/q/1?page=2", status=200,
        fetched_at="2026-02-01T00:00:00+00:00", run_id=2,
        captured_at="2026-01-01T00:00:00+00:00", captured_run_id=1, revisit_status=None,
        gone=False, http_version="HTTP/2", reason="Fine",
        headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
                 ("Transfer-Encoding", "chunked"), ("Content-Length", " 9 "),
                 ("Set-Cookie", "a=\r\nb")],
        content_type="text/html", etag='"e1"', last_modified="Thu, 01 Jan 2026 00:00:00 GMT",
        body=b"<p>hi</p>")
    values.update(fields)
    return StoredResponse(**values)  # type: ignore[arg-type]


def _warc_records(data: bytes) -> list[dict[str, object]]:
    records = []
    for record in ArchiveIterator(io.BytesIO(data)):
        http = record.http_headers
        records.append({
            "type": record.rec_type, "warc": record.rec_headers.headers,
            "status_line": (http.protocol, http.statusline) if http is not None else None,
            "http": http.headers if http is not None else None,
            "payload": record.content_stream().read()})
    return records


def _write(pages: list[StoredResponse], **options: object) -> tuple[WarcReport, list[dict]]:
    out = io.BytesIO()
    report = write_warc(out, pages, filename="x.warc.gz", software="qarchive 9",
                        **options)  # type: ignore[arg-type]
    data = out.getvalue()
    assert data[:2] == b"\x1f\x8b"  # gzipped records
    for record in ArchiveIterator(io.BytesIO(data)):
        assert record.rec_headers.protocol == "WARC/1.1"
    return report, _warc_records(data)


def _field(record: dict, name: str) -> str | None:
    values = [value for key, value in record["warc"] if key == name]  # type: ignore[union-attr]
    assert len(values) <= 1, (name, values)
    return values[0] if values else None


def test_warc_names_and_digests() -> None:
    assert warc_date("2026-11-29T08:09:22+00:00") == "2026-11-29T08:09:22Z"
    namespace = uuid.UUID("8f6d3a52-7c1e-4b0a-9d55-2f0c7a1e9b31")
    assert record_id("https://a.test/", "2026-01-01") == (
        f"<urn:uuid:{uuid.uuid5(namespace, 'https://a.test/ 2026-01-01')}>")
    assert record_id("https://a.test/", "2026-01-02") != record_id("https://a.test/", "2026-01-01")
    assert payload_digest(b"abc") == "sha1:" + base64.b32encode(
        hashlib.sha1(b"abc").digest()).decode()


@pytest.mark.parametrize("since_run, description", [
    (None, "qarchive export"), (0, "qarchive export"), (3, "qarchive export of runs >= 3")])
def test_the_warcinfo_record_comes_first(since_run: int | None, description: str) -> None:
    report, records = _write([], since_run=since_run)
    assert report == WarcReport()
    assert len(records) == 1 and records[0]["type"] == "warcinfo"
    info = dict(line.split(": ", 1) for line in
                records[0]["payload"].decode().strip().splitlines())  # type: ignore[union-attr]
    assert info == {"software": "qarchive 9", "format": "WARC File Format 1.1",
                    "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                                  "warc-format/warc-1.1/",
                    "description": description}
    assert _field(records[0], "WARC-Filename") == "x.warc.gz"
    assert records[0]["warc"][0] == ("WARC-Type", "warcinfo")  # type: ignore[index]


def test_a_response_keeps_its_headers_fitted_to_the_stored_body() -> None:
    calls = []
    page = _response()
    report, records = _write([page], on_page=lambda: calls.append(1))
    assert report == WarcReport(responses=1) and calls == [1]
    assert [r["type"] for r in records] == ["warcinfo", "response", "request"]
    response, request = records[1], records[2]
    assert response["warc"][0] == ("WARC-Type", "response")  # type: ignore[index]
    assert _field(response, "WARC-Target-URI") == "https://a.test/q/1?page=2"
    assert _field(response, "WARC-Date") == "2026-01-01T00:00:00Z"
    assert _field(response, "WARC-Record-ID") == record_id(page.final_url, page.captured_at)
    assert _field(response, "WARC-Payload-Digest") == payload_digest(page.body)
    assert _field(response, SYNTHESIZED) is None
    assert [name for name, _ in response["warc"]] == [  # type: ignore[union-attr]
        "WARC-Type", "WARC-Date", "WARC-Record-ID", "WARC-Payload-Digest", "WARC-Target-URI",
        "WARC-Block-Digest", "Content-Type", "Content-Length"]
    assert response["status_line"] == ("HTTP/2", "200 Fine")
    assert response["http"] == [
        ("Content-Type", "text/html"), ("X-Archive-Orig-Content-Encoding", "gzip"),
        ("X-Archive-Orig-Transfer-Encoding", "chunked"), ("Content-Length", "9"),
        ("Set-Cookie", "a=  b")]
    assert response["payload"] == page.body
    # The request qarchive made up: the path and query, and the host.
    assert request["warc"][0] == ("WARC-Type", "request")  # type: ignore[index]
    assert _field(request, SYNTHESIZED) == "qarchive keeps no request headers"
    assert _field(request, "WARC-Concurrent-To") == _field(response, "WARC-Record-ID")
    assert request["status_line"] == ("GET", "/q/1?page=2 HTTP/1.1")
    assert request["http"] == [("Host", "a.test")]
    assert _field(request, "WARC-Target-URI") == "https://a.test/q/1?page=2"
    assert request["payload"] == b""
    assert _field(request, "Content-Length") == str(len(b"GET /q/1?page=2 HTTP/1.1\r\n"
                                                        b"Host: a.test\r\n\r\n"))


@pytest.mark.parametrize("headers, expected", [
    ([("content-length", "3")], [("content-length", "9"), ("X-Archive-Orig-Content-Length", "3")]),
    ([("X", "1")], [("X", "1"), ("Content-Length", "9")]),
    ([], [("Content-Length", "9")]),
])
def test_content_length_counts_the_stored_body(headers: list[tuple[str, str]],
                                               expected: list[tuple[str, str]]) -> None:
    records = _write([_response(headers=headers)])[1]
    assert records[1]["http"] == expected


@pytest.mark.parametrize("status, reason, gone, version, status_line", [
    (200, None, False, None, ("HTTP/1.1", "200 OK")),
    (203, None, False, "HTTP/1.0", ("HTTP/1.0", "203 Non-Authoritative Information")),
    (299, None, False, None, ("HTTP/1.1", "299")),
    (404, "", True, None, ("HTTP/1.1", "200")),   # gone: its last good copy, a 200's body
    (404, None, True, None, ("HTTP/1.1", "200 OK")),
    (410, "Away\r\n", False, None, ("HTTP/1.1", "410 Away")),
])
def test_the_status_line(status: int, reason: str | None, gone: bool, version: str | None,
                         status_line: tuple[str, str]) -> None:
    records = _write([_response(status=status, reason=reason, gone=gone, http_version=version,
                                headers=[])])[1]
    assert records[1]["status_line"] == status_line


def test_a_page_stored_without_headers_gets_a_synthesized_block() -> None:
    page = _response(headers=None, http_version=None, reason=None, status=404,
                     final_url="https://a.test", content_type="text/html\n; x")
    report, records = _write([page])
    assert report == WarcReport(responses=1, synthesized=1)
    assert _field(records[1], SYNTHESIZED) == "stored before qarchive kept response headers"
    assert records[1]["status_line"] == ("HTTP/1.1", "404 Not Found")
    assert records[1]["http"] == [
        ("Content-Type", "text/html ; x"), ("Content-Length", "9"), ("ETag", '"e1"'),
        ("Last-Modified", "Thu, 01 Jan 2026 00:00:00 GMT")]
    assert records[2]["status_line"] == ("GET", "/ HTTP/1.1")
    bare = _write([_response(headers=None, http_version="HTTP/1.0", reason=None, status=410,
                             content_type=None, etag=None, last_modified="")])[1]
    assert bare[1]["status_line"] == ("HTTP/1.0", "410 Gone")
    assert bare[1]["http"] == [("Content-Length", "9")]
    unnamed = _write([_response(headers=None, reason=None, status=299)])[1]
    assert unnamed[1]["status_line"] == ("HTTP/2", "299")


@pytest.mark.parametrize("content_type, expected", [
    ("application/xhtml+xml", "application/xhtml+xml"), (None, "text/html"), ("a\rb", "a b")])
def test_an_imported_file_is_a_resource_record(content_type: str | None, expected: str) -> None:
    page = _response(status=None, content_type=content_type)
    report, records = _write([page])
    assert report == WarcReport(resources=1)
    assert [r["type"] for r in records] == ["warcinfo", "resource"]
    resource = records[1]
    assert resource["warc"][0] == ("WARC-Type", "resource")  # type: ignore[index]
    assert _field(resource, "Content-Type") == expected
    assert _field(resource, "WARC-Target-URI") == page.final_url
    assert _field(resource, "WARC-Date") == "2026-01-01T00:00:00Z"
    assert _field(resource, "WARC-Record-ID") == record_id(page.final_url, page.captured_at)
    assert _field(resource, "WARC-Payload-Digest") == payload_digest(page.body)
    assert resource["payload"] == page.body and resource["http"] is None


@pytest.mark.parametrize("status, profile", [
    (304, "http://netpreserve.org/warc/1.1/revisit/server-not-modified"),
    (200, "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest")])
def test_a_revisit_names_its_capture(status: int, profile: str) -> None:
    page = _response(revisit_status=status)
    report, records = _write([page])
    assert report == WarcReport(responses=1, revisits=1)
    assert [r["type"] for r in records] == ["warcinfo", "response", "request", "revisit"]
    revisit = records[3]
    assert revisit["warc"][0] == ("WARC-Type", "revisit")  # type: ignore[index]
    assert _field(revisit, "WARC-Profile") == profile
    assert _field(revisit, "WARC-Date") == "2026-02-01T00:00:00Z"
    assert _field(revisit, "WARC-Target-URI") == page.final_url
    assert _field(revisit, "WARC-Refers-To") == _field(records[1], "WARC-Record-ID")
    assert _field(revisit, "WARC-Refers-To-Target-URI") == page.final_url
    assert _field(revisit, "WARC-Refers-To-Date") == "2026-01-01T00:00:00Z"
    assert _field(revisit, "WARC-Payload-Digest") == payload_digest(page.body)
    assert revisit["payload"] == b"" and revisit["http"] is None


def test_the_report_counts_every_record() -> None:
    pages = [_response(url=f"https://a.test/{i}", final_url=f"https://a.test/{i}",
                       revisit_status=304, status=None if i % 2 else 200) for i in range(4)]
    assert _write(pages)[0] == WarcReport(responses=2, revisits=4, resources=2)


@pytest.mark.parametrize("captured_run_id, run_id, types", [
    (3, 3, ["response", "request", "revisit"]),
    (2, 3, ["revisit"]),
    (3, 2, ["response", "request"]),  # (a run_id before the capture does not happen)
    (None, None, []),
    (2, 2, []),
])
def test_since_run_writes_what_later_runs_made(captured_run_id: int | None, run_id: int | None,
                                               types: list[str]) -> None:
    calls = []
    page = _response(captured_run_id=captured_run_id, run_id=run_id, revisit_status=304)
    records = _write([page], since_run=3, on_page=lambda: calls.append(1))[1]
    assert [r["type"] for r in records[1:]] == types and calls == [1]
    everything = _write([page])[1]
    assert [r["type"] for r in everything[1:]] == ["response", "request", "revisit"]


def test_export_warc_replaces_the_file_only_when_complete(tmp_path: Path) -> None:
    db = _archive(tmp_path)
    urls = _store(db, _bodies(3))
    out = tmp_path / "out.warc.gz"
    pages = []

    def on_page() -> None:  # while it writes: a hidden part file beside the WARC
        pages.append([p.name for p in tmp_path.iterdir() if "warc" in p.name])

    report = export_warc(db, out, software="qarchive 9", on_page=on_page)
    assert report == WarcReport(responses=3, synthesized=3) and len(pages) == 3
    assert all(len(names) == 1 and names[0].startswith(".out.warc.gz.")
               and names[0].endswith(".part") for names in pages), pages
    written = _warc_records(out.read_bytes())
    assert [_field(r, "WARC-Target-URI") for r in written if r["type"] == "response"] == urls
    assert _field(written[0], "WARC-Filename") == "out.warc.gz"
    assert sorted(p.name for p in tmp_path.iterdir() if "warc" in p.name) == ["out.warc.gz"]
    # A later export that fails leaves the earlier file, and no temporary one.
    db.execute("UPDATE pages SET body = X'00' WHERE url = ?", [urls[1]])
    with pytest.raises(BodyUnreadable):
        export_warc(db, out, software="qarchive 9", since_run=None)
    assert _warc_records(out.read_bytes()) == written
    assert sorted(p.name for p in tmp_path.iterdir() if "warc" in p.name) == ["out.warc.gz"]
    with pytest.raises(OSError):
        export_warc(db, tmp_path / "missing" / "out.warc.gz", software="qarchive 9")


def test_export_warc_of_later_runs(tmp_path: Path) -> None:
    db = _archive(tmp_path)
    first = db.start_run(command="crawl", options={})
    second = db.start_run(command="crawl", options={})
    urls = _store(db, _bodies(3))
    db.execute("UPDATE pages SET run_id = ? WHERE url = ?", [first, urls[0]])
    db.execute("UPDATE pages SET run_id = ? WHERE url != ?", [second, urls[0]])
    out = tmp_path / "later.warc.gz"
    pages: list[int] = []
    report = export_warc(db, out, software="qarchive 9", since_run=second,
                         on_page=lambda: pages.append(1))
    assert report.responses == 2
    assert len(pages) == 2 == db.count_stored_responses(since_run=second)  # a progress bar
    records = _warc_records(out.read_bytes())
    assert [_field(r, "WARC-Target-URI") for r in records if r["type"] == "response"] == urls[1:]
    info = records[0]["payload"].decode()  # type: ignore[union-attr]
    assert "software: qarchive 9\r\n" in info and f"of runs >= {second}" in info


def test_an_export_whose_part_file_vanished_raises_its_own_error(tmp_path: Path) -> None:
    db = _archive(tmp_path)
    _store(db, _bodies(1))

    def vanish() -> None:
        for part in tmp_path.glob(".out.warc.gz.*.part"):
            part.unlink()
        raise RuntimeError("stopped")

    with pytest.raises(RuntimeError, match=r"^stopped$"):
        export_warc(db, tmp_path / "out.warc.gz", software="qarchive 9", on_page=vanish)
    assert not (tmp_path / "out.warc.gz").exists()


# --- drift, upkeep, unused dictionaries -----------------------------------------------------

def _dictionary(db: Archive, dictionary_id: int, site: str, version: int,
                ratio: float | None = 10.0) -> None:
    db.execute("INSERT INTO compression_dictionaries (id, site, version, created_at, "
               "trained_because, sample_pages, sample_bytes, ratio, size, dictionary) "
               "VALUES (?, ?, ?, '2026-01-01', 'test', 1, 1, ?, 1, X'00')",
               [dictionary_id, site, version, ratio])


def _sizes(db: Archive, urls: list[str], dictionary_id: int, raw: int, stored: int) -> None:
    """Pages that say they hold ``raw`` bytes in ``stored`` (only their sizes are read)."""
    db.execute(f"UPDATE pages SET dictionary_id = ?, body_size = ?, body = zeroblob(?) "
               f"WHERE url IN ({', '.join('?' * len(urls))})", [dictionary_id, raw, stored, *urls])


@pytest.mark.parametrize("raw, drifted", [(600, False), (599, True)])
def test_drift_is_the_newest_pages_ratio_against_the_held_out_ratio(
        tmp_path: Path, raw: int, drifted: bool) -> None:
    db = _archive(tmp_path, policy=CompressionPolicy(drift_sample_pages=3))
    _dictionary(db, 1, CSDN, 1, ratio=20.0)   # an older version: not the baseline
    _dictionary(db, 2, CSDN, 2, ratio=10.0)
    urls = _store(db, [b"x"] * 6)
    _sizes(db, urls[:3], 2, 100, 100)         # older pages: not measured
    _sizes(db, urls[3:], 2, raw, 100)         # the newest 3, against 0.6 x 10.0
    assert db.bodies.drift(CSDN) == (
        f"its newest 3 pages compress {raw / 100:.1f}x with dictionary 2, which reached 10.0x"
        if drifted else None)


def test_drift_counts_only_2xx_pages_of_the_current_dictionary(tmp_path: Path) -> None:
    db = _archive(tmp_path, policy=CompressionPolicy(drift_sample_pages=3))
    _dictionary(db, 1, CSDN, 1, ratio=10.0)
    good = _store(db, [b"x"] * 2, status=299)
    _sizes(db, good, 1, 100, 100)
    newest_404 = _store(db, [b"x"], status=404, first=10, prefix="gone")
    _sizes(db, newest_404, 1, 100, 100)
    assert db.bodies.drift(CSDN) is None       # two pages of 2xx: too few to tell
    unknown = _store(db, [b"x"], status=None, first=11, prefix="imported")
    _sizes(db, unknown, 1, 100, 100)
    assert db.bodies.drift(CSDN) == ("its newest 3 pages compress 1.0x with dictionary 1, "
                                     "which reached 10.0x")
    assert db.bodies.drift("other.test") is None


@pytest.mark.parametrize("ratio", [None, 0.0])
def test_no_drift_without_a_baseline(tmp_path: Path, ratio: float | None) -> None:
    db = _archive(tmp_path, policy=CompressionPolicy(drift_sample_pages=1))
    _dictionary(db, 1, CSDN, 1, ratio=ratio)
    _sizes(db, _store(db, [b"x"]), 1, 100, 100)
    assert db.bodies.drift(CSDN) is None


def test_no_drift_when_nothing_was_compressed(tmp_path: Path) -> None:
    db = _archive(tmp_path, policy=CompressionPolicy(drift_sample_pages=1))
    _dictionary(db, 1, CSDN, 1)
    _sizes(db, _store(db, [b"x"]), 1, 100, 0)
    assert db.bodies.drift(CSDN) is None


def test_drift_in_the_writer_uses_the_bodies_it_just_compressed(tmp_path: Path) -> None:
    db = _archive(tmp_path, policy=CompressionPolicy(min_pages=20, drift_sample_pages=3))
    bodies = _bodies(20)
    _store(db, bodies)
    trained = db.bodies.train(CSDN, because="test")
    assert trained is not None and trained.ratio is not None
    assert db.bodies.drift(CSDN) is None  # the stored pages compress as well as it did
    noise = [bytes(random.Random(seed).randbytes(1000)) for seed in range(3)]
    for body in noise[:2]:
        db.bodies.compress(body, CSDN)
    assert db.bodies.drift(CSDN) is None  # two in memory: the stored pages are measured
    db.bodies.compress(noise[2], CSDN)
    because = db.bodies.drift(CSDN)
    assert because is not None and because.startswith("its newest 3 pages compress 1.0x with "
                                                      "dictionary 1, which reached ")
    assert BodyStore(db, policy=db.bodies.policy).drift(CSDN) is None  # another process
    # upkeep trains a new version for it.
    again = db.bodies.upkeep(CSDN)
    assert again is not None and (again.version, again.because) == (2, because)
    assert db.bodies.upkeep(CSDN) is None


def test_upkeep_trains_a_first_dictionary_at_min_pages(tmp_path: Path) -> None:
    db = _archive(tmp_path, policy=CompressionPolicy(min_pages=21))
    bodies = _bodies(21)
    _store(db, bodies[:20])
    _store(db, [b"x"], status=404, first=30, prefix="gone")  # a body too, of another status
    _store(db, bodies[20:], site="other.test", first=40)
    assert db.bodies.pages_of(CSDN) == 21
    db.execute("UPDATE pages SET body = NULL WHERE url LIKE '%/gone/%'")
    assert db.bodies.pages_of(CSDN) == 20
    assert db.bodies.upkeep(CSDN) is None
    _store(db, bodies[20:], first=20)
    trained = db.bodies.upkeep(CSDN)
    assert trained is not None and trained.because == "21 pages" and trained.version == 1


def test_unused_dictionaries_are_dropped(tmp_path: Path) -> None:
    db = _archive(tmp_path)
    for dictionary_id, site, version in [(1, "a.test", 1), (2, "a.test", 2), (3, "b.test", 1),
                                         (4, "b.test", 2), (5, "c.test", 1), (6, "b.test", 3)]:
        _dictionary(db, dictionary_id, site, version)
    _sizes(db, _store(db, [b"x"], site="b.test"), 3, 1, 1)
    assert db.bodies.drop_unused_dictionaries() == 2
    assert [row[0] for row in db.execute(
        "SELECT id FROM compression_dictionaries ORDER BY id")] == [2, 3, 5, 6]
    assert db.bodies.drop_unused_dictionaries() == 0


def test_the_writer_looks_at_a_site_first_then_every_so_many_pages(tmp_path: Path) -> None:
    policy = CompressionPolicy(min_pages=20, drift_check_pages=5, drift_sample_pages=3)
    db = _archive(tmp_path, policy=policy)
    upkeep = DictionaryUpkeep(db.bodies)
    bodies = _bodies(20)
    _store(db, bodies[:10])
    assert upkeep.after_batch(["", CSDN] + [CSDN] * 9) == []  # first look: 10 pages
    _store(db, bodies[10:], first=10)
    assert upkeep.after_batch([CSDN] * 19) == []  # 19 since: not due, though it has 20
    assert upkeep.after_batch(["", ""]) == []
    trained = upkeep.after_batch([CSDN])
    assert [(t.id, t.version, t.because) for t in trained] == [(1, 1, "20 pages")]
    for seed in range(3):  # drifted, as far as this process saw
        db.bodies.compress(random.Random(seed).randbytes(1000), CSDN)
    assert upkeep.after_batch([CSDN] * 4) == []  # 4 since the check: due after 5
    second = upkeep.after_batch([CSDN])
    assert [(t.id, t.version) for t in second] == [(2, 2)]
    # A site first seen is looked at at once.
    other = _store(db, _bodies(20, seed=9), site="other.test", first=50)
    assert len(other) == 20
    # ... and one not due does not keep the batch's other sites from being looked at.
    assert [t.site for t in upkeep.after_batch([CSDN, "other.test"])] == ["other.test"]


def test_the_writer_trains_nothing_in_an_archive_before_version_13(tmp_path: Path) -> None:
    db = _archive(tmp_path, policy=CompressionPolicy(min_pages=20))
    _store(db, _bodies(20))
    db.execute("PRAGMA user_version = 12")
    store = BodyStore(db, policy=db.bodies.policy)
    assert DictionaryUpkeep(store).after_batch([CSDN] * 20) == []
    assert DictionaryUpkeep(db.bodies).after_batch([CSDN] * 20) != []


# --- qarchive compact -----------------------------------------------------------------------

def test_the_compact_summary() -> None:
    trained = TrainedDictionary(id=1, site=CSDN, version=1, sample_pages=16, ratio=None,
                                because="20 pages", rewritten=20)
    report = CompactReport(pages=10, recompressed=4, elapsed=1.26, body_bytes_before=3_000_000,
                           body_bytes_after=1_050_000, raw_bytes=6_000_000,
                           file_bytes_before=5_000_000, file_bytes_after=4_960_000,
                           trained=[trained], dictionaries_dropped=2,
                           unreadable=[("https://a.test/1", "corrupt zlib body (x)")])
    assert report.summary() == [
        "compact: 4 of 10 page bodies recompressed in 1.3 s",
        trained.describe(),
        "raw pages: 3.0 MB -> 1.1 MB (0.500x -> 0.175x the 6.0 MB of HTML)",
        "archive file: 5.0 MB -> 5.0 MB (free pages kept; --vacuum returns them to the file "
        "system, and makes every later run return its own)",
        "2 compression dictionaries no page needs any more were deleted",
        "unreadable, left as it is: https://a.test/1: corrupt zlib body (x)",
    ]
    empty = CompactReport(body_bytes_before=2, body_bytes_after=1, vacuumed=True)
    assert empty.summary() == [
        "compact: 0 of 0 page bodies recompressed in 0.0 s",
        "raw pages: 0.0 MB -> 0.0 MB (2.000x -> 1.000x the 0.0 MB of HTML)",
        "archive file: 0.0 MB -> 0.0 MB",
    ]


def test_compact_trains_then_moves_every_body_in_batches(tmp_path: Path) -> None:
    db = _archive(tmp_path, policy=CompressionPolicy(min_pages=20))
    bodies = _bodies(82)
    with_site = _store(db, bodies[:20])
    without = _store(db, bodies[20:81], first=20, prefix="plain")
    db.execute(f"UPDATE pages SET site = NULL WHERE url IN ({', '.join('?' * len(without))})",
               without)  # pages of no question: their host's dictionary
    solo = _store(db, bodies[81:], site="solo.test", first=90)
    corrupt, mismatch, no_hash = without[0], without[1], without[2]
    db.execute("UPDATE pages SET body = X'00' WHERE url = ?", [corrupt])
    db.execute("UPDATE pages SET content_hash = 'x' WHERE url = ?", [mismatch])
    db.execute("UPDATE pages SET content_hash = NULL WHERE url = ?", [no_hash])
    raw, before = db.execute("SELECT sum(body_size), sum(length(body)) FROM pages").fetchone()
    progress: list[tuple[int, int]] = []
    report = compact_archive(db, on_progress=lambda done, total: progress.append((done, total)))
    assert (report.pages, report.raw_bytes, report.body_bytes_before) == (82, raw, before)
    assert [(t.site, t.rewritten) for t in report.trained] == [(CSDN, 20)]
    assert report.recompressed == 20 + 59
    assert progress == [(0, 61), (50, 61), (61, 61)]
    assert report.unreadable == [
        (corrupt, "corrupt zstd body: error determining content size from frame header"),
        (mismatch, "the body does not match its content_hash")]
    moved = _moved_to(db, 1)
    assert moved == set(with_site) | set(without) - {corrupt, mismatch}
    assert db.execute("SELECT dictionary_id FROM pages WHERE url = ?", solo).fetchone() == (None,)
    after = db.execute("SELECT sum(length(body)) FROM pages").fetchone()[0]
    assert report.body_bytes_after == after < before / 2
    assert report.dictionaries_dropped == 0 and report.vacuumed is False
    assert report.file_bytes_before >= report.file_bytes_after == (
        Path(db.file).stat().st_size + Path(f"{db.file}-wal").stat().st_size)  # type: ignore[arg-type]
    assert Path(f"{db.file}-wal").stat().st_size == 0  # checkpointed
    assert 0 < report.elapsed < 600
    for url, body in zip(with_site + without[2:] + solo, bodies[:20] + bodies[22:], strict=True):
        assert db.stored_body(url)[0] == body
    # Nothing left to do; nothing to report progress on.
    progress.clear()
    again = compact_archive(db, on_progress=lambda done, total: progress.append((done, total)))
    assert again.recompressed == 0 and progress == [(0, 2), (2, 2)] and len(again.unreadable) == 2


def test_compact_drops_what_no_page_needs_and_vacuums_when_asked(tmp_path: Path) -> None:
    db = _archive(tmp_path, policy=CompressionPolicy(min_pages=20, sample_pages=20))
    bodies = _bodies(30)
    _store(db, bodies[:20])
    assert db.bodies.train(CSDN, because="one") is not None
    late = _store(db, bodies[20:], first=20)  # stored with dictionary 1
    assert db.bodies.train(CSDN, because="two") is not None  # moves the newest 20 to 2
    assert db.execute("SELECT count(*) FROM pages WHERE dictionary_id = 1").fetchone()[0] == 10
    report = compact_archive(db, vacuum=True)
    assert report.recompressed == 10 and report.dictionaries_dropped == 1 and report.vacuumed
    assert [row[0] for row in db.execute("SELECT id FROM compression_dictionaries")] == [2]
    assert report.file_bytes_after == Path(db.file).stat().st_size  # type: ignore[arg-type]
    assert report.file_bytes_after < report.file_bytes_before
    assert db.stored_body(late[-1])[0] == bodies[-1]
    memory = open_archive(":memory:")
    assert compact_archive(memory).file_bytes_after == 0


def test_compact_of_an_archive_without_bodies_reports_zeros(tmp_path: Path) -> None:
    report = compact_archive(_archive(tmp_path))
    assert (report.pages, report.raw_bytes, report.body_bytes_before, report.body_bytes_after,
            report.recompressed, report.trained) == (0, 0, 0, 0, 0, [])


def test_compact_trains_each_site_and_moves_pages_by_their_site_not_host(tmp_path: Path) -> None:
    db = _archive(tmp_path, policy=CompressionPolicy(min_pages=20))
    bodies = _bodies(45)
    _store(db, bodies[:20], site="b-site", host="b.test")
    assert db.bodies.train("b-site", because="test") is not None
    # Stored later, of no question yet: by host, so without b-site's dictionary.
    late = _store(db, bodies[20:25], site="b-site", host="b.test", first=20, prefix="late")
    assert not _moved_to(db, 1) & set(late)
    _store(db, bodies[25:45], site="c-site", host="c.test", first=30)
    _store(db, _bodies(20, seed=8), site="d-site", host="d.test", first=60)
    report = compact_archive(db)
    assert [t.site for t in report.trained] == ["c-site", "d-site"]
    assert report.recompressed == 5 + 20 + 20
    assert _moved_to(db, 1) >= set(late)


# --- the pages an export reads ----------------------------------------------------------------

def test_stored_responses_reads_every_column_in_chunks(tmp_path: Path) -> None:
    db = _archive(tmp_path)
    first = db.start_run(command="crawl", options={})
    second = db.start_run(command="crawl", options={})
    bodies = _bodies(4)
    with db.atomic():
        db.record_fetched_page(FetchedPage(
            url="https://a.test/1", final_url="https://a.test/one", status=200,
            fetched_at="2026-01-01T00:00:01+00:00", body=bodies[0], etag='"e"',
            last_modified="Thu, 01 Jan 2026 00:00:00 GMT", content_type="text/html",
            http_version="HTTP/2", reason="Fine", headers=[("X-A", "1"), ("X-B", "2")]),
            run_id=first)
        db.record_fetched_page(FetchedPage(url="https://a.test/2", status=203, body=bodies[1],
                                           fetched_at="2026-01-01T00:00:02+00:00"),
                               run_id=first)
        db.record_fetched_page(FetchedPage(url="https://a.test/error", status=500, body=None,
                                           fetched_at="2026-01-01T00:00:03+00:00"),
                               run_id=first)
        db.record_fetched_page(FetchedPage(url="https://a.test/3", status=200, body=bodies[2],
                                           fetched_at="2026-01-01T00:00:04+00:00"),
                               run_id=second)
    db.record_unchanged_page("https://a.test/1", fetched_at="2026-02-01T00:00:00+00:00",
                             run_id=second, status=304)
    # gone; and its final URL NULL, as an edited or imported row may have it
    db.execute("UPDATE pages SET gone_at = '2026-02-02', final_url = NULL "
               "WHERE url = 'https://a.test/2'")
    one = StoredResponse(
        url="https://a.test/1", final_url="https://a.test/one", status=200,
        fetched_at="2026-02-01T00:00:00+00:00", run_id=second,
        captured_at="2026-01-01T00:00:01+00:00", captured_run_id=first, revisit_status=304,
        gone=False, http_version="HTTP/2", reason="Fine", headers=[("X-A", "1"), ("X-B", "2")],
        content_type="text/html", etag='"e"', last_modified="Thu, 01 Jan 2026 00:00:00 GMT",
        body=bodies[0])
    two = StoredResponse(
        url="https://a.test/2", final_url="https://a.test/2", status=203,
        fetched_at="2026-01-01T00:00:02+00:00", run_id=first,
        captured_at="2026-01-01T00:00:02+00:00", captured_run_id=first, revisit_status=None,
        gone=True, http_version=None, reason=None, headers=None, content_type=None, etag=None,
        last_modified=None, body=bodies[1])
    three = dataclasses.replace(two, url="https://a.test/3", final_url="https://a.test/3",
                                status=200, fetched_at="2026-01-01T00:00:04+00:00",
                                run_id=second, captured_at="2026-01-01T00:00:04+00:00",
                                captured_run_id=second, gone=False, body=bodies[2])
    for chunk in (1, 2, 3, 200):
        assert list(db.stored_responses(chunk=chunk)) == [one, two, three], chunk
    assert list(db.stored_responses()) == [one, two, three]
    assert list(db.stored_responses(since_run=second, chunk=1)) == [one, three]
    assert db.count_stored_responses() == 3
    assert db.count_stored_responses(since_run=second) == 2
    assert db.count_stored_responses(since_run=second + 1) == 0
    assert db.has_run(second) and not db.has_run(second + 1)
    # An archive before version 13 (opened without migrating) reads its bodies as zlib.
    db.execute("UPDATE pages SET body = ? WHERE url = 'https://a.test/3'",
               [zlib.compress(bodies[2])])
    db.execute("UPDATE pages SET body_codec = 'zstd' WHERE url = 'https://a.test/3'")
    db.execute("DELETE FROM pages WHERE url != 'https://a.test/3'")
    db.execute("PRAGMA user_version = 12")
    db.__dict__["bodies"] = BodyStore(db)
    assert [page.body for page in db.stored_responses()] == [bodies[2]]
    assert db.stored_body("https://a.test/3") == (bodies[2], None)


def test_answers_at_the_limit_are_kept_whole_beside_one_over_it() -> None:
    limit = ANSWER_TEXT_MAX_CHARS
    page = AnswerPage(
        site="stackoverflow.com", url="https://stackoverflow.com/questions/1", id="1",
        title="t", asked_at=None, view_count=None, answer_text=None, answer_markdown=None,
        answers=[Answer(1, "a1", "x" * limit, "m" * limit),
                            Answer(2, "a2", "y" * (limit + 2), "n")],
        profile="stack-exchange", parser_version=1)
    bounded = bounded_page(page)
    assert bounded.answers[0] == page.answers[0]
    assert bounded.answers[1].text == ("y" * limit + "\n\n[… truncated by qarchive: 2 more "
                                       "characters in the stored page]")
    assert bounded.answers[1].markdown == "n"


@pytest.mark.parametrize("max_count, max_bytes, kept", [
    (10, 8, [("ab", "cd"), ("ef", "gh")]),
    (10, 7, [("ab", "cd"), ("X-Qarchive-Truncated", "1 more header(s) not kept (qarchive "
                                                     "keeps 10 headers, 7 bytes)")]),
    (1, 100, [("ab", "cd"), ("X-Qarchive-Truncated", "1 more header(s) not kept (qarchive "
                                                      "keeps 1 headers, 100 bytes)")]),
    (0, 100, [("X-Qarchive-Truncated", "2 more header(s) not kept (qarchive keeps 0 headers, "
                                       "100 bytes)")]),
])
def test_bounded_headers_counts_names_and_values(max_count: int, max_bytes: int,
                                                 kept: list[tuple[str, str]]) -> None:
    headers = [("ab", "cd"), ("ef", "gh")]
    assert bounded_headers(headers, max_count=max_count, max_bytes=max_bytes) == kept


def test_stored_responses_reads_bodies_with_their_dictionary(tmp_path: Path) -> None:
    db = _archive(tmp_path, policy=CompressionPolicy(min_pages=20))
    bodies = _bodies(20)
    _store(db, bodies)
    assert db.bodies.train(CSDN, because="test") is not None
    assert [page.body for page in db.stored_responses()] == bodies


def _question_page(**changes: object) -> AnswerPage:
    values: dict[str, object] = dict(
        site="stackoverflow.com", id="7", url="https://stackoverflow.com/questions/7/x",
        title="A title", asked_at=None, view_count=None, answer_text=None,
        answer_markdown=None, question_text=None, answers=[], answer_count=None,
        profile="stackexchange", parser_version=1)
    values.update(changes)
    return AnswerPage(**values)  # type: ignore[arg-type]


def test_search_finds_a_question_without_answers_by_its_text(tmp_path: Path) -> None:
    db = _archive(tmp_path)
    with db.atomic():
        db.store_answer_page(_question_page(question_text="Why do zebrafish sleep?",
                                            question_markdown="Why do *zebrafish* sleep?",
                                            answer_count=0))
    assert search_questions(db, "zebrafish").matches == 1


def test_search_finds_every_page_of_answers_of_a_question_without_text(tmp_path: Path) -> None:
    db = _archive(tmp_path)
    first = _question_page(answer_count=2, answers=[Answer(1, "a1", "aardvark", "aardvark")])
    second = _question_page(url="https://stackoverflow.com/questions/7/x?page=2",
                            answer_count=2, answers_page=2, answers_before=1,
                            answers=[Answer(1, "a2", "bison", "bison")])
    with db.atomic():
        db.store_answer_page(first)
        db.store_answer_page(second)
    assert search_questions(db, "aardvark").matches == 1
    assert search_questions(db, "bison").matches == 1


def test_an_edited_answer_is_no_longer_found_by_its_old_text(tmp_path: Path) -> None:
    """The contentless index deletes a row with what it was indexed with: the words of the
    answer's Markdown (schema 16; not its text, whose words differ here: no zz)."""
    db = _archive(tmp_path)
    before = _question_page(answer_count=1, answers=[
        Answer(1, "a1", "aardvark link", "aardvark [link](https://x.test) `zz`")])
    after = dataclasses.replace(before, answers=[Answer(1, "a1", "cheetah", "cheetah")])
    with db.atomic():
        db.store_answer_page(before, observed_at="2026-01-01T00:00:00+00:00")
    assert [search_questions(db, word).matches for word in ("aardvark", "zz")] == [1, 1]
    with db.atomic():
        db.store_answer_page(after, observed_at="2026-01-02T00:00:00+00:00")
    assert [search_questions(db, word).matches for word in ("aardvark", "zz")] == [0, 0]
    assert search_questions(db, "cheetah").matches == 1
    db.execute("INSERT INTO questions_fts (questions_fts) VALUES ('integrity-check')")


def test_an_edited_or_removed_answer_keeps_its_markdown_in_its_old_version(
        tmp_path: Path) -> None:
    db = _archive(tmp_path)
    one = Answer(1, "a1", "aardvark", "**aardvark**", votes=3)
    two = Answer(2, "a2", "bison", "_bison_", votes=5)
    with db.atomic():
        assert db.store_answer_page(_question_page(answer_count=2, answers=[one, two]),
                                    observed_at="2026-01-01T00:00:00+00:00") == "new"
    edited = dataclasses.replace(one, text="cheetah", markdown="**cheetah**")
    with db.atomic():  # the first answer edited, the second gone from a page showing all
        assert db.store_answer_page(_question_page(answer_count=1, answers=[edited]),
                                    observed_at="2026-01-02T00:00:00+00:00") == "updated"
    old = db.execute("SELECT answer_id, answer_markdown FROM answer_versions "
                     "WHERE superseded_at IS NOT NULL ORDER BY answer_id").fetchall()
    assert old == [("a1", "**aardvark**"), ("a2", "_bison_")]
    # Only the removal, the question's row as it was (no answer count either time): still
    # a change, and the index follows it.
    three = Answer(2, "a3", "dingo", "dingo")
    with db.atomic():
        db.store_answer_page(_question_page(answers=[edited, three]),
                             observed_at="2026-01-03T00:00:00+00:00")
    assert search_questions(db, "dingo").matches == 1
    with db.atomic():
        assert db.store_answer_page(_question_page(answers=[edited]),
                                    observed_at="2026-01-04T00:00:00+00:00") == "updated"
    assert search_questions(db, "dingo").matches == 0


def test_related_and_linked_questions_are_stored_by_kind(tmp_path: Path) -> None:
    db = _archive(tmp_path)
    so = "https://stackoverflow.com/questions"
    page = _question_page(related_questions=[RelatedQuestion(1, "8", f"{so}/8", "r", "")],
                          linked_questions=[RelatedQuestion(1, "9", f"{so}/9", "l", "")])
    with db.atomic():
        db.store_answer_page(page)
    assert db.execute("SELECT to_id, kind FROM related_questions ORDER BY to_id").fetchall() == [
        ("8", "related"), ("9", "linked")]


def test_a_question_without_tags_stores_none(tmp_path: Path) -> None:
    db = _archive(tmp_path)
    with db.atomic():
        db.store_answer_page(_question_page(tags=[]))
        db.store_answer_page(_question_page(id="8", url="https://stackoverflow.com/q/8",
                                            tags=["b", "a", "b"]))
    assert db.execute("SELECT id, tags FROM questions ORDER BY id").fetchall() == [
        ("7", None), ("8", '["b", "a"]')]


def test_a_resource_whose_title_changed_is_found_by_its_new_title_only(tmp_path: Path) -> None:
    db = _archive(tmp_path)
    url = "https://wenku.csdn.net/doc/r1"
    before = _question_page(recommended_resources=[
        RecommendedResource("related", 1, url, "aardvark", "bison", "pdf", "doc")])
    after = _question_page(recommended_resources=[
        RecommendedResource("related", 1, url, "cheetah", "bison", "pdf", "doc")])
    with db.atomic():
        db.store_answer_page(before, observed_at="2026-01-01T00:00:00+00:00")
    with db.atomic():
        db.store_answer_page(after, observed_at="2026-01-02T00:00:00+00:00")

    def found(word: str) -> int:
        return db.execute("SELECT count(*) FROM resources_fts WHERE resources_fts MATCH ?",
                          [word]).fetchone()[0]
    # bison, its description, is not indexed (schema 17: resources are searched by title).
    assert (found("aardvark"), found("cheetah"), found("bison")) == (0, 1, 0)


def test_a_second_page_recommending_over_500_stored_resources_finds_every_one(
        tmp_path: Path) -> None:
    """Stored resources are looked up 500 URLs at a time (SQLite's parameter limit): a page
    recommending 1,201 already stored resources finds all of them, in three chunks, and
    adds no row, where a lookup that stopped after the first chunk would insert the
    others again and fail on their URL."""
    db = _archive(tmp_path)
    resources = [RecommendedResource("related", position, f"https://wenku.csdn.net/doc/r{position}",
                                     f"title {position}", "description", "pdf", "doc")
                 for position in range(1, 1_202)]
    with db.atomic():
        db.store_answer_page(_question_page(recommended_resources=resources))
        db.store_answer_page(_question_page(id="8", url="https://stackoverflow.com/questions/8/x",
                                            recommended_resources=resources))
    assert db.execute("SELECT count(*) FROM resources").fetchone()[0] == 1_201
    assert db.execute(
        "SELECT question_id, count(*) FROM question_resources GROUP BY question_id ORDER BY 1"
    ).fetchall() == [("7", 1_201), ("8", 1_201)]
    assert db.execute("SELECT min(recommended_by), max(recommended_by) FROM resources"
                      ).fetchone() == (2, 2)


# --- the third look at archive.py: what its last 358 mutants showed ---------------------------

def test_an_answer_over_the_limit_in_markdown_only_is_cut_there() -> None:
    limit = ANSWER_TEXT_MAX_CHARS
    page = _question_page(answers=[Answer(1, "a1", "short", "m" * (limit + 3))])
    assert bounded_page(page).answers[0] == Answer(
        1, "a1", "short",
        "m" * limit + "\n\n[… truncated by qarchive: 3 more characters in the stored page]")


def test_tags_over_the_limit_keep_the_first_ones(tmp_path: Path) -> None:
    tags = [f"t{index}" for index in range(MAX_TAGS + 1)]
    assert bounded_page(_question_page(tags=tags)).tags == tags[:MAX_TAGS]
    db = _archive(tmp_path)
    with db.atomic():
        db.store_answer_page(_question_page(tags=tags))
    assert db.execute("SELECT count(*) FROM question_tags").fetchone()[0] == MAX_TAGS


def test_tags_are_stored_as_written_not_escaped(tmp_path: Path) -> None:
    """``questions.tags`` is JSON a person reads in Datasette (and a LIKE finds): CSDN's
    Chinese tags stay characters, not ``\\uXXXX`` escapes."""
    db = _archive(tmp_path)
    with db.atomic():
        db.store_answer_page(_question_page(tags=["数据库", "python"]))
    assert db.execute("SELECT tags FROM questions").fetchone()[0] == '["数据库", "python"]'


def test_a_body_is_compressed_for_its_questions_site_else_its_urls_host(tmp_path: Path) -> None:
    db = _archive(tmp_path, policy=CompressionPolicy(min_pages=20))
    bodies = _bodies(23)
    _store(db, bodies[:20])
    trained = db.bodies.train(CSDN, because="test")
    assert trained is not None
    mirror = "https://mirror.test/answer/1"
    with db.atomic():
        # A page of CSDN's question fetched from another host: the question's site.
        db.record_fetched_page(FetchedPage(url=mirror, status=200, body=bodies[20],
                                           fetched_at="2026-01-02T00:00:00+00:00"),
                               page=_question_page(site=CSDN, url=mirror))
        # A page of no question: its URL's host, CSDN's too.
        db.record_fetched_page(FetchedPage(url=f"https://{CSDN}/list", status=200,
                                           body=bodies[21],
                                           fetched_at="2026-01-02T00:00:01+00:00"))
        # Neither the site nor the host has a dictionary.
        db.record_fetched_page(FetchedPage(url="https://mirror.test/list", status=200,
                                           body=bodies[22],
                                           fetched_at="2026-01-02T00:00:02+00:00"))
    assert db.execute(
        "SELECT url, body_codec, dictionary_id FROM pages WHERE fetched_at >= '2026-01-02' "
        "ORDER BY fetched_at").fetchall() == [
            (mirror, "zstd", trained.id), (f"https://{CSDN}/list", "zstd", trained.id),
            ("https://mirror.test/list", "zstd", None)]
    assert db.stored_body(mirror) == (bodies[20], None)


def test_an_edited_question_is_no_longer_found_by_its_old_text(tmp_path: Path) -> None:
    """The contentless index deletes the row with the question's old text and answers."""
    db = _archive(tmp_path)
    answers = [Answer(1, "a1", "bison", "bison")]
    with db.atomic():
        db.store_answer_page(_question_page(question_text="aardvark",
                                            question_markdown="**aardvark**", answers=answers),
                             observed_at="2026-01-01T00:00:00+00:00")
    with db.atomic():
        assert db.store_answer_page(_question_page(question_text="cheetah",
                                                   question_markdown="*cheetah*",
                                                   answers=answers),
                                    observed_at="2026-01-02T00:00:00+00:00") == "updated"
    assert [search_questions(db, word).matches for word in ("aardvark", "cheetah", "bison")
            ] == [0, 1, 1]
    db.execute("INSERT INTO questions_fts (questions_fts) VALUES ('integrity-check')")


def test_a_refetched_page_takes_its_new_bodys_codec_and_dictionary(tmp_path: Path) -> None:
    db = _archive(tmp_path, policy=CompressionPolicy(min_pages=20))
    bodies = _bodies(22)
    url = f"https://{CSDN}/missing"
    with db.atomic():  # an error page: no training sample, so it keeps no dictionary
        db.record_fetched_page(FetchedPage(url=url, status=404, body=bodies[20],
                                           fetched_at="2025-12-31T00:00:00+00:00"))
    _store(db, bodies[:20])
    trained = db.bodies.train(CSDN, because="test")
    assert trained is not None
    assert db.execute("SELECT dictionary_id FROM pages WHERE url = ?", [url]).fetchone() == (
        None,)
    with db.atomic():
        db.record_fetched_page(FetchedPage(url=url, status=200, body=bodies[21],
                                           fetched_at="2026-01-02T00:00:00+00:00"))
    assert db.execute("SELECT body_codec, dictionary_id FROM pages WHERE url = ?",
                      [url]).fetchone() == ("zstd", trained.id)
    assert db.stored_body(url) == (bodies[21], None)


def test_response_headers_are_stored_as_written_or_null(tmp_path: Path) -> None:
    """``pages.response_headers`` is JSON a person reads in Datasette: a header value
    stays as sent (no ``\\uXXXX`` escapes); a page stored without headers (an imported
    file) holds NULL, not the JSON ``null``."""
    db = _archive(tmp_path)
    with db.atomic():
        db.record_fetched_page(FetchedPage(url="https://a.test/1", status=200, body=b"x",
                                           fetched_at="2026-01-01T00:00:00+00:00",
                                           headers=[("Server", "café")]))
        db.record_fetched_page(FetchedPage(url="https://a.test/2", status=None, body=b"y",
                                           fetched_at="2026-01-01T00:00:01+00:00"))
    assert db.execute("SELECT url, response_headers FROM pages ORDER BY url").fetchall() == [
        ("https://a.test/1", '[["Server", "café"]]'), ("https://a.test/2", None)]


def test_an_archive_before_version_13_takes_pages_in_zlib(tmp_path: Path) -> None:
    """Its ``pages`` has no codec columns: a page is written, and written again, without them."""
    db = open_archive(tmp_path / "old.db", migrate=False)
    apply_migrations(db, target=12)
    bodies = _bodies(2)
    url = f"https://{CSDN}/1"
    for index, body in enumerate(bodies):
        with db.atomic():
            db.record_fetched_page(FetchedPage(url=url, status=200, body=body,
                                               fetched_at=f"2026-01-0{index + 1}T00:00:00+00:00"))
    assert db.execute("SELECT body FROM pages").fetchall() == [(zlib.compress(bodies[1], 3),)]
    assert db.stored_body(url) == (bodies[1], None)


# --- functions unchanged since the first round (TESTING.md, "Third round: storage") -----


def test_an_archive_at_exactly_the_health_schema_keeps_a_runs_health(tmp_path: Path) -> None:
    """Schema 10 (0010_extraction_health.sql) adds field_health and drift: an archive
    migrated exactly that far has them, and a finished crawl run fills them."""
    from collections import Counter

    from archive import ExtractionHealth, RunCounts

    db = open_archive(tmp_path / "a.db", migrate=False)
    assert apply_migrations(db, target=10)[-1] == "0010_extraction_health"
    read = ExtractionHealth(pages=3, found=Counter({"title": 3}))
    run = db.start_run(command="crawl", options={})
    db.finish_run(run, status="finished", counts=RunCounts(fetched=3), health=read,
                  drift="title found on 0% of pages (history: 100%)")
    status, fetched, field_health, drift = db.execute(
        "SELECT status, fetched, field_health, drift FROM crawl_runs").fetchone()
    assert (status, fetched, drift) == (
        "finished", 3, "title found on 0% of pages (history: 100%)")
    assert json.loads(field_health)["title"] == {"found": 3, "pages": 3, "sources": {}}
    db.close()
