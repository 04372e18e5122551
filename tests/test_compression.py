"""Raw pages in zstd with per-site dictionaries, and `qarchive compact` (issue #15, item 1).

Real archive files: crawls of the sample site over HTTP, a 0.1.0 archive (the v1
fixture's schema, filled with zlib bodies as 0.1.0 stored them), `qarchive compact`
in a child process killed with SIGKILL at random moments. Every body is checked
against its content_hash (sha256 of the raw body).
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import signal
import sqlite3
import zlib
from pathlib import Path

import pytest
import sqlite_utils
import zstandard
from click.testing import CliRunner
from crawl_helpers import fresh_archive, qarchive_process, run
from tests_support import FIXTURES

from archive import Archive, BodyUnreadable, FetchedPage, apply_migrations, migrations, open_archive
from archive.bodies import CompressionPolicy
from archive.compact import compact_archive
from archive.lock import archive_lock
from crawler.reparse import reparse_pages
from qarchive.cli import cli
from sample_sites.csdn.content import SampleSite
from sample_sites.csdn.render import render_answer_page
from sample_sites.testing import running_sample_site

pytestmark = pytest.mark.filterwarnings("error")

CSDN = "wenku.csdn.net"


def _hashes(db: Archive) -> dict[str, str]:
    return dict(db.execute("SELECT url, content_hash FROM pages WHERE body IS NOT NULL"))


def _assert_every_body_reads_back(db: Archive, hashes: dict[str, str]) -> None:
    assert _hashes(db) == hashes
    for url, content_hash in hashes.items():
        body, _ = db.stored_body(url)
        assert hashlib.sha256(body).hexdigest() == content_hash, url


def _store_ratio(db: Archive) -> float:
    """Compressed bodies over the HTML they hold (the dictionaries counted too)."""
    raw, stored = db.execute(
        "SELECT sum(body_size), sum(length(body)) FROM pages WHERE body IS NOT NULL").fetchone()
    dictionaries = db.execute(
        "SELECT coalesce(sum(length(dictionary)), 0) FROM compression_dictionaries").fetchone()[0]
    return float((stored + dictionaries) / raw)


def _version_1_archive(path: Path, *, pages: int) -> None:
    """A 0.1.0 archive: the v1 fixture plus ``pages`` sample pages stored as 0.1.0 did
    (zlib level 3, one question row each)."""
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / "archive-v1.sql").read_text(encoding="utf-8"))
    site = SampleSite(pages=pages, seed=11, base_url=f"https://{CSDN}")
    with conn:
        for index in range(pages):
            content = site.content(index)
            body = render_answer_page(content).encode("utf-8")
            url = site.url_of(index)
            question_id = url.rstrip("/").rsplit("/", 1)[-1]
            conn.execute("INSERT OR IGNORE INTO questions (id, url, title, is_fetched, profile, "
                         "parser_version) VALUES (?, ?, ?, 1, 'csdn-answer', 1)",
                         [question_id, url, content.title])
            conn.execute(
                "INSERT INTO pages (url, final_url, redirect_chain, status, fetched_at, "
                "content_type, charset, content_hash, body, body_size, question_id, "
                "parser_version, run_id) VALUES (?, ?, '[]', 200, '2026-11-01T00:00:03+00:00', "
                "'text/html; charset=utf-8', 'utf-8', ?, ?, ?, ?, 1, 1)",
                [url, url, hashlib.sha256(body).hexdigest(), zlib.compress(body, 3),
                 len(body), question_id])
    conn.close()


def _leaf_pages(db: Archive) -> int:
    return int(db.execute("SELECT count(*) FROM dbstat WHERE name = 'pages' "
                          "AND pagetype = 'leaf'").fetchone()[0])


def _file_size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


# --- codecs -------------------------------------------------------------------------------

def test_every_codec_round_trips_in_a_real_archive(tmp_path: Path) -> None:
    """zlib (0.1.0), plain zstd (before a dictionary) and zstd with a dictionary, side by
    side in one archive: each body reads back to the bytes stored."""
    db = open_archive(tmp_path / "archive.db")
    site = SampleSite(pages=60, seed=3, base_url=f"https://{CSDN}")
    bodies = {site.url_of(i): render_answer_page(site.content(i)).encode() for i in range(60)}
    db.bodies.policy = CompressionPolicy.with_min_pages(30)
    with db.atomic():
        for url, body in bodies.items():
            db.record_fetched_page(FetchedPage(url=url, status=200, fetched_at="2026-01-01",
                                               body=body))
    # Pages without a question are keyed by host; train the host's dictionary directly.
    db.execute("UPDATE pages SET site = ?", [CSDN])
    rows = "SELECT rowid, * FROM pages ORDER BY rowid"
    before, leaves_before = db.execute(rows).fetchall(), _leaf_pages(db)
    trained = db.bodies.train(CSDN, because="test")
    assert trained is not None and trained.version == 1 and trained.rewritten == 60
    # Each row rewritten under its rowid, every column but the body's as it was; and
    # the rows, a fifth of their size now, share pages again (not one per 8 KB page).
    body_columns = [index + 1 for index, name in enumerate(db["pages"].columns_dict)
                    if name in ("body", "body_codec", "dictionary_id")]
    assert [[value for index, value in enumerate(row) if index not in body_columns]
            for row in db.execute(rows)] == [
        [value for index, value in enumerate(row) if index not in body_columns]
        for row in before]
    assert _leaf_pages(db) * 3 <= leaves_before, (_leaf_pages(db), leaves_before)
    first = next(iter(bodies))
    with db.atomic():  # one page as 0.1.0 stored it, one as plain zstd
        db.execute("UPDATE pages SET body = ?, body_codec = 'zlib', dictionary_id = NULL "
                   "WHERE url = ?", [zlib.compress(bodies[first], 3), first])
        second = list(bodies)[1]
        db.execute("UPDATE pages SET body = ?, body_codec = 'zstd', dictionary_id = NULL "
                   "WHERE url = ?", [zstandard.ZstdCompressor().compress(bodies[second]), second])
    codecs = set(db.execute("SELECT body_codec, dictionary_id FROM pages"))
    assert codecs == {("zlib", None), ("zstd", None), ("zstd", trained.id)}
    for url, body in bodies.items():
        assert db.stored_body(url)[0] == body
    # The zstd frame names its dictionary: 32768 + the row's id.
    blob = db.execute("SELECT body FROM pages WHERE dictionary_id = ?",
                      [trained.id]).fetchone()[0]
    assert zstandard.get_frame_parameters(blob).dict_id == 32768 + trained.id
    db.close()


# --- a crawl trains, and trains again on a redesign ------------------------------------------

def test_a_crawl_past_the_threshold_trains_a_dictionary_and_later_bodies_use_it(
    tmp_path: Path,
) -> None:
    with running_sample_site(pages=150) as site:
        db = fresh_archive(tmp_path / "archive.db")
        report = run(db, [site.root_url], dictionary_min_pages=40)
    assert report.counts["fetched"] == 150
    dictionaries = db.execute("SELECT id, site, version, sample_pages, ratio "
                              "FROM compression_dictionaries").fetchall()
    assert len(dictionaries) == 1
    dictionary_id, site_name, version, samples, ratio = dictionaries[0]
    assert (site_name, version) == (CSDN, 1) and samples >= 30 and ratio > 6
    # The pages it learnt from were moved to it, and every page stored after it uses it.
    assert db.execute("SELECT DISTINCT body_codec, dictionary_id FROM pages "
                      "WHERE body IS NOT NULL").fetchall() == [("zstd", dictionary_id)]
    # zlib got 3x on these pages; with a 40-page dictionary, over 6x, dictionary counted.
    assert _store_ratio(db) < 1 / 6
    _assert_every_body_reads_back(db, _hashes(db))
    db.close()


def test_a_redesign_makes_a_new_dictionary_version(tmp_path: Path) -> None:
    """The CSDN sample site switches every page to the "redesign" layout: its pages
    compress much worse with the old layout's dictionary, and the writer trains a
    second version; the pages stored after it use that one."""
    # A first dictionary of 100 pages or more: one of fewer pages does so much worse on
    # pages it has not seen that a redesign is not "much worse" than that.
    with running_sample_site(pages=300, layout_switch=(1, {"redesign": 1.0})) as site:
        db = fresh_archive(tmp_path / "archive.db")
        run(db, [site.root_url], dictionary_min_pages=100)
        assert db.execute("SELECT max(version) FROM compression_dictionaries").fetchone()[0] == 1
        site.set_epoch(1)
        run(db, [site.root_url], dictionary_min_pages=100, refresh_after=0)
    versions = db.execute("SELECT id, version, trained_because FROM compression_dictionaries "
                          "ORDER BY version").fetchall()
    assert [version for _, version, _ in versions][:2] == [1, 2], versions
    assert "compress" in versions[1][2] and "which reached" in versions[1][2], versions
    newest = versions[-1][0]
    newest_rows = db.execute("SELECT dictionary_id FROM pages ORDER BY rowid DESC LIMIT 20"
                             ).fetchall()
    assert all(row == (newest,) for row in newest_rows[:5]), newest_rows
    hashes = _hashes(db)
    _assert_every_body_reads_back(db, hashes)
    # compact moves the rest to the newest version and drops what no page needs.
    report = compact_archive(db)
    assert not report.unreadable
    assert db.execute("SELECT DISTINCT dictionary_id FROM pages WHERE body IS NOT NULL"
                      ).fetchall() == [(newest,)]
    assert db.execute("SELECT id FROM compression_dictionaries").fetchall() == [(newest,)]
    _assert_every_body_reads_back(db, hashes)
    db.close()


# --- 0.1.0 archives -------------------------------------------------------------------------

def test_a_0_1_0_archive_keeps_reading_and_compact_shrinks_it(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    _version_1_archive(path, pages=260)
    db = open_archive(path)  # migrated to the newest version
    hashes = _hashes(db)
    assert len(hashes) == 261  # the fixture's page and the sample pages
    assert {codec for (codec,) in db.execute("SELECT body_codec FROM pages")} == {"zlib"}
    _assert_every_body_reads_back(db, hashes)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    before = _file_size(path)

    result = CliRunner().invoke(cli, ["compact", "--db", str(path), "--vacuum"])
    assert result.exit_code == 0, result.output
    assert "261 of 261 page bodies recompressed" in result.output
    # open_archive above upgraded it: the command's own opening says nothing more.
    assert "upgraded from schema" not in result.output
    assert "compression dictionary 1 for wenku.csdn.net (version 1)" in result.output

    db = open_archive(path)
    _assert_every_body_reads_back(db, hashes)
    assert db.execute("SELECT DISTINCT body_codec, dictionary_id FROM pages "
                      "WHERE body IS NOT NULL").fetchall() == [("zstd", 1)]
    db.close()
    after = _file_size(path)
    # zlib bodies were 3x smaller than the HTML; with the dictionary they are ~16x.
    assert after < 0.5 * before, (before, after)
    # Nothing left to do: a second compact rewrites nothing.
    again = CliRunner().invoke(cli, ["compact", "--db", str(path)])
    assert again.exit_code == 0 and "0 of 261 page bodies recompressed" in again.output


def test_the_command_that_upgrades_an_archive_says_so_once(tmp_path: Path) -> None:
    """Upgrading is never silent: the first command to open a 0.1.0 archive names the two
    schema versions and how to give back the space the upgrade frees; the next says
    nothing."""
    path = tmp_path / "archive.db"
    _version_1_archive(path, pages=3)
    result = CliRunner().invoke(cli, ["reparse", "--db", str(path)])
    assert result.exit_code == 0, result.output
    newest = migrations()[-1][0]
    assert (f"{path}: upgraded from schema 1 to {newest}; run `qarchive compact --db {path} "
            "--vacuum` once to give back the space the upgrade freed") in result.output
    again = CliRunner().invoke(cli, ["reparse", "--db", str(path)])
    assert again.exit_code == 0 and "upgraded" not in again.output
    # A new archive is made, not upgraded: nothing to say.
    new = open_archive(tmp_path / "new.db")
    assert (new.upgraded_from, new.upgrade_notice("new.db")) == (None, None)
    new.upgraded_from = 1  # as if: the command to copy is quoted for the shell
    assert "`qarchive compact --db 'my archive.db' --vacuum`" in new.upgrade_notice("my archive.db")
    new.close()
    # Schema 16 drops the plain-text columns: an archive of 15 gives back space too.
    recent = tmp_path / "recent.db"
    open_archive(recent, migrate=False).close()
    with sqlite_utils.Database(recent) as db:
        apply_migrations(db, target=15)
    upgraded = open_archive(recent)
    assert upgraded.upgrade_notice("recent.db") == (
        f"recent.db: upgraded from schema 15 to {newest}; run `qarchive compact --db "
        "recent.db --vacuum` once to give back the space the upgrade freed")
    # From schema 18 on, an upgrade frees nothing worth a VACUUM.
    upgraded.upgraded_from = 18  # as if
    assert upgraded.upgrade_notice("recent.db") == (
        f"recent.db: upgraded from schema 18 to {newest}")
    upgraded.close()


def test_compact_killed_at_random_moments_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    _version_1_archive(path, pages=700)  # more than a dictionary's 500 sample pages
    db = open_archive(path)
    hashes = _hashes(db)
    db.close()
    rng = random.Random(15)
    kills = 0
    for _ in range(12):
        child = qarchive_process(["compact", "--db", str(path)])
        # Killed once a random number of bodies have left zlib (0: during training).
        target = rng.randrange(0, len(hashes))
        while child.poll() is None:
            with sqlite3.connect(path, timeout=30) as conn:
                moved = conn.execute("SELECT count(*) FROM pages WHERE body_codec = 'zstd'"
                                     ).fetchone()[0] if _has_codecs(conn) else 0
            if moved >= target:
                child.send_signal(signal.SIGKILL)
                kills += 1
                break
        child.communicate(timeout=60)
        db = open_archive(path)
        _assert_every_body_reads_back(db, hashes)
        left = db.execute("SELECT count(*) FROM pages WHERE body IS NOT NULL AND "
                          "dictionary_id IS NULL").fetchone()[0]
        db.close()
        if child.returncode == 0 and left == 0:
            break
    assert kills >= 1
    result = CliRunner().invoke(cli, ["compact", "--db", str(path)])
    assert result.exit_code == 0, result.output
    db = open_archive(path)
    assert db.execute("SELECT count(*) FROM pages WHERE body IS NOT NULL AND "
                      "dictionary_id IS NULL").fetchone()[0] == 0
    _assert_every_body_reads_back(db, hashes)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


def _has_codecs(conn: sqlite3.Connection) -> bool:
    return any(row[1] == "body_codec" for row in conn.execute("PRAGMA table_info(pages)"))


# --- a bad body costs that page --------------------------------------------------------------

def test_a_corrupt_body_or_missing_dictionary_costs_that_page(tmp_path: Path) -> None:
    with running_sample_site(pages=60) as site:
        db = fresh_archive(tmp_path / "archive.db")
        run(db, [site.root_url], dictionary_min_pages=30)
    urls = [url for (url,) in db.execute(
        "SELECT url FROM pages WHERE dictionary_id IS NOT NULL ORDER BY rowid LIMIT 2")]
    corrupt, orphan = urls
    blob = db.execute("SELECT body FROM pages WHERE url = ?", [corrupt]).fetchone()[0]
    db.execute("PRAGMA foreign_keys = OFF")
    with db.atomic():  # the frame header kept, what follows overwritten
        db.execute("UPDATE pages SET body = ? WHERE url = ?",
                   [blob[:12] + bytes(255 - byte for byte in blob[12:]), corrupt])
        db.execute("UPDATE pages SET dictionary_id = 999 WHERE url = ?", [orphan])
    db.execute("PRAGMA foreign_keys = ON")
    with pytest.raises(BodyUnreadable, match="corrupt zstd body"):
        db.stored_body(corrupt)
    with pytest.raises(BodyUnreadable, match=r"^compression dictionary 999 is missing$"):
        db.stored_body(orphan)

    report = reparse_pages(db, all_pages=True)
    assert report.counts["failed"] == 2
    assert report.considered == 60
    reasons = dict(db.execute("SELECT url, parse_error FROM pages WHERE parse_error IS NOT NULL"))
    assert set(reasons) == {corrupt, orphan}
    assert reasons[orphan] == "stored body: compression dictionary 999 is missing"
    assert reasons[corrupt].startswith("stored body: corrupt zstd body (dictionary")
    assert all("\n" not in reason for reason in reasons.values())

    compacted = compact_archive(db)  # goes on past both, leaving them as they are
    assert {url for url, _ in compacted.unreadable} == {orphan}  # the corrupt one is current
    db.close()


# --- the writer lock -------------------------------------------------------------------------

def test_compact_refuses_while_a_crawl_writes(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    open_archive(path).close()
    with archive_lock(path, command="crawl"):
        result = CliRunner().invoke(cli, ["compact", "--db", str(path)])
    assert result.exit_code == 75, result.output
    assert "is being written by another qarchive" in result.output
    assert "crawl" in result.output and "Traceback" not in result.output


def test_compact_of_a_missing_archive_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["compact", "--db", str(tmp_path / "nope.db")])
    assert result.exit_code == 1
    assert "no such archive" in result.output and "Traceback" not in result.output


def test_a_first_dictionary_takes_the_pages_stored_before_it(
    tmp_path: Path,
) -> None:
    """A crawl trains between two batches, so its first pages may be more than the
    dictionary's samples: the site's first dictionary moves the older ones too (as many
    again as the samples at most; compact moves any more). Before, a 3,000-page crawl
    kept 83 of its first pages without a dictionary, at 6x their moved size."""
    db = open_archive(tmp_path / "archive.db")
    site = SampleSite(pages=70, seed=5, base_url=f"https://{CSDN}")
    db.bodies.policy = dataclasses.replace(CompressionPolicy.with_min_pages(30),
                                           sample_pages=30)
    with db.atomic():
        for index in range(70):
            db.record_fetched_page(FetchedPage(
                url=site.url_of(index), status=200, fetched_at=f"2026-01-01T00:00:{index:02d}",
                body=render_answer_page(site.content(index)).encode()))
    db.execute("UPDATE pages SET site = ?", [CSDN])
    hashes = _hashes(db)
    trained = db.bodies.train(CSDN, because="test")
    assert trained is not None and trained.rewritten == 60
    assert [url for (url,) in db.execute(
        "SELECT url FROM pages WHERE dictionary_id IS NULL ORDER BY fetched_at")] == [
        site.url_of(index) for index in range(10)]
    _assert_every_body_reads_back(db, hashes)
    # A later version (a redesign) moves its samples only: its older pages stay on
    # their dictionary, readable, for compact.
    again = db.bodies.train(CSDN, because="test again")
    assert again is not None and again.version == 2 and again.rewritten == 30
    assert db.execute("SELECT count(*) FROM pages WHERE dictionary_id IS ?",
                      [trained.id]).fetchone()[0] == 30
    _assert_every_body_reads_back(db, hashes)
    db.close()
