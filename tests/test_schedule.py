"""Scheduled runs: one writer at a time, bounded runs, refresh by age or sitemap, run
listings, exit statuses and the watch loop — against the sample site, in real processes."""

from __future__ import annotations

import json
import signal
import sqlite3
from pathlib import Path
from subprocess import Popen

from click.testing import CliRunner
from crawl_helpers import (
    DEADLINE,
    crawl_cli_process,
    fetched_urls,
    fresh_archive,
    qarchive_process,
    run,
    stored_page_count,
    wait_until,
)

from archive.lock import archive_lock, lock_path
from crawler.settings import CrawlSettings, load_settings
from qarchive.cli import cli
from qarchive.commands.crawl import crawl_command
from qarchive.commands.reparse import reparse_command
from qarchive.options import EXIT_BUSY
from sample_sites.testing import running_sample_site

# Paced so a 100-page crawl takes at least 50 s on any machine (the delay is a
# floor): it is still running whenever the test, however slowly, acts on it.
# The tests stop it (SIGTERM, kill -9) long before it would end.
PACED = ["--delay", "0.5", "--per-host", "1"]
FAST = ["--delay", "0", "--per-host", "4"]


def _wait_until_locked(db_path: Path, process: Popen[bytes] | Popen[str]) -> None:
    """Until ``process`` holds the archive's lock (it writes its pid into the lock file)."""
    lock = lock_path(db_path)
    wait_until(lambda: lock.exists() and f"pid {process.pid}" in lock.read_text(
        encoding="utf-8"), f"pid {process.pid} holds the lock", process=process)


def _wait_until_mid_crawl(db_path: Path, process: Popen[bytes]) -> None:
    """Until ``process`` holds the lock and has stored a page: a run row exists, it writes."""
    _wait_until_locked(db_path, process)
    wait_until(lambda: stored_page_count(db_path) > 0, "a page stored", process=process)


def test_a_second_run_is_refused_while_one_runs_and_wait_waits(tmp_path: Path) -> None:
    with running_sample_site(pages=100) as site:
        db_path = tmp_path / "archive.db"
        first = crawl_cli_process([site.root_url, "--db", str(db_path), *PACED])
        _wait_until_mid_crawl(db_path, first)
        second = crawl_cli_process([site.root_url, "--db", str(db_path), *FAST])
        _, stderr = second.communicate(timeout=DEADLINE)
        assert second.returncode == EXIT_BUSY == 75, stderr.decode()
        assert "being written by another qarchive" in stderr.decode()
        assert f"pid {first.pid}, crawl" in stderr.decode()
        assert "Traceback" not in stderr.decode()
        waiter = crawl_cli_process([site.root_url, "--db", str(db_path), "--wait", *FAST])
        assert waiter.stderr is not None
        assert b"waiting for the other qarchive" in waiter.stderr.readline()
        assert first.poll() is None  # the waiter really waited
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=DEADLINE)
        assert first.returncode == 130
        _, stderr = waiter.communicate(timeout=DEADLINE)
        assert waiter.returncode == 0, stderr.decode()
        db = fresh_archive(db_path)
        runs = db.execute("SELECT status, started_at, finished_at FROM crawl_runs "
                          "ORDER BY id").fetchall()
        assert [row[0] for row in runs] == ["interrupted", "finished"]
        assert runs[1][1] >= runs[0][2]  # the second started after the first ended
        assert fetched_urls(db) == set(site.answer_urls())
        db.close()


def test_ctrl_c_while_waiting_for_the_lock_exits_130_having_done_nothing(
        tmp_path: Path) -> None:
    db_path = tmp_path / "archive.db"
    with (running_sample_site(pages=20, request_log=tmp_path / "requests.jsonl") as site,
          archive_lock(db_path, command="test")):
        waiter = crawl_cli_process([site.root_url, "--db", str(db_path), "--wait", *FAST])
        assert waiter.stderr is not None
        assert b"waiting for the other qarchive" in waiter.stderr.readline()
        waiter.send_signal(signal.SIGINT)
        _, stderr = waiter.communicate(timeout=DEADLINE)
        assert waiter.returncode == 130, stderr.decode()
        assert "interrupted while waiting" in stderr.decode()
        assert "Traceback" not in stderr.decode() and "Aborted" not in stderr.decode()
        assert site.request_log_entries() == []  # not even robots.txt
    assert not db_path.exists()  # the archive is opened only once the lock is taken


def test_the_lock_dies_with_its_process_and_guards_every_writer(tmp_path: Path) -> None:
    db_path = tmp_path / "archive.db"
    with running_sample_site(pages=100) as site:
        crawl = crawl_cli_process([site.root_url, "--db", str(db_path), *PACED])
        _wait_until_mid_crawl(db_path, crawl)  # mid-crawl, writing
        crawl.kill()  # kill -9: no cleanup at all
        crawl.communicate(timeout=DEADLINE)
    with archive_lock(db_path, command="test"):  # not stale: taken at once
        runner = CliRunner()
        for command in (["reparse"], ["import", "nothing.html"], ["crawl", "--delay", "0"]):
            result = runner.invoke(cli, [*command, "--db", str(db_path)])
            assert result.exit_code == EXIT_BUSY, (command, result.output)
            assert "pid" in result.output and "test" in result.output
        listed = runner.invoke(cli, ["runs", "--db", str(db_path)])  # reads only: no lock
        assert listed.exit_code == 0 and "running" in listed.output


def test_a_run_cut_by_max_duration_is_finished_by_the_next(tmp_path: Path) -> None:
    with running_sample_site(pages=80, request_log=tmp_path / "requests.jsonl") as site:
        db = fresh_archive(tmp_path / "archive.db")
        # The delay caps what the cut run can fetch on any machine (2 s / 0.1 s, plus
        # the URLs its 8 workers hold when it stops: under 30 of 80 pages); 2 s leave
        # a busy machine ample time to fetch a first page.
        cut = run(db, [site.root_url], delay=0.1, per_host=1, max_duration=2.0)
        assert cut.stop_reason == "max duration" and cut.status == "finished"
        assert cut.left > 0 and 0 < cut.counts["fetched"] < site.pages
        stored = {row[0] for row in db.execute("SELECT url FROM pages")}
        logged = len(site.request_log_entries())
        rest = run(db, [site.root_url])
        assert rest.left == 0 and rest.stop_reason is None
        assert fetched_urls(db) == set(site.answer_urls())
        requested = {site.url(entry["path"]) for entry in site.request_log_entries()[logged:]}
        assert not stored & requested  # nothing fetched twice
        assert rest.counts["fetched"] == site.pages - cut.counts["fetched"]


def test_default_refresh_after_skips_fresh_pages_and_refreshes_old_ones(tmp_path: Path) -> None:
    with running_sample_site(pages=40, request_log=tmp_path / "requests.jsonl") as site:
        db_path = tmp_path / "archive.db"
        args = [site.root_url, "--db", str(db_path), "--delay", "0"]
        runner = CliRunner()
        assert runner.invoke(crawl_command, args).exit_code == 0
        logged = len(site.request_log_entries())
        again = runner.invoke(crawl_command, args)  # default --refresh-after 7d
        assert again.exit_code == 0, again.output
        assert "0 fetched" in again.output
        answers = [e for e in site.request_log_entries()[logged:]
                   if e["path"].startswith("/answer/")]
        assert answers == []
        # A copy eight days old is due: asked for again, conditionally, and unchanged.
        db = fresh_archive(db_path)
        with db.atomic():
            db.execute("UPDATE pages SET fetched_at = datetime('now', '-8 days') || '+00:00' "
                       "WHERE url = ?", [site.root_url])
        db.close()
        logged = len(site.request_log_entries())
        old = runner.invoke(crawl_command, args)
        assert old.exit_code == 0 and "1 fetched" in old.output and "1 unchanged" in old.output
        answers = [e for e in site.request_log_entries()[logged:]
                   if e["path"].startswith("/answer/")]
        assert [(site.url(e["path"]), e["status"], bool(e["if_none_match"]))
                for e in answers] == [(site.root_url, 304, True)]
        # With no URL, the same holds: nothing due, nothing to do, exit 0.
        idle = runner.invoke(crawl_command, ["--db", str(db_path)])
        assert idle.exit_code == 0 and "none is due for a refresh" in idle.output


def test_a_newer_sitemap_lastmod_refreshes_a_page_whatever_its_age(tmp_path: Path) -> None:
    with running_sample_site(pages=60, request_log=tmp_path / "requests.jsonl") as site:
        db = fresh_archive(tmp_path / "archive.db")
        run(db, [site.url("/")], max_depth=0)
        assert fetched_urls(db) == set(site.answer_urls())
        site.set_epoch(1)
        # Our copies date from between the site's epoch 0 and epoch 1.
        with db.atomic():
            db.execute("UPDATE pages SET fetched_at = '2024-01-02T00:00:00+00:00'")
        logged = len(site.request_log_entries())
        run(db, [site.url("/")], max_depth=0, refresh_after=100 * 365 * 86400.0)
        requested = {site.url(e["path"]) for e in site.request_log_entries()[logged:]
                     if e["path"].startswith("/answer/")}
        model = site.site
        changed = {model.url_of(i) for i in model.answer_indexes(1)
                   if i >= site.pages or model.last_modified(i, 1) != model.last_modified(i, 0)}
        assert changed and requested == changed


def test_runs_lists_recent_runs(tmp_path: Path) -> None:
    with running_sample_site(pages=20) as site:
        db = fresh_archive(tmp_path / "archive.db")
        first = run(db, [site.root_url], max_pages=5)
        second = run(db, [site.root_url])
        db.close()
    runner = CliRunner()
    table = runner.invoke(cli, ["runs", "--db", str(tmp_path / "archive.db")])
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0].split()[:4] == ["run", "command", "status", "started"]
    assert [line.split()[0] for line in lines[1:]] == [str(second.run_id), str(first.run_id)]
    assert "finished" in lines[1] and "crawl" in lines[1]
    as_json = runner.invoke(cli, ["runs", "--db", str(tmp_path / "archive.db"), "--json",
                                  "--limit", "1"])
    runs = json.loads(as_json.output)
    assert len(runs) == 1 and runs[0]["id"] == second.run_id
    assert runs[0]["counts"]["fetched"] == 15 and runs[0]["counts"]["new"] == 15
    assert runs[0]["status"] == "finished" and runs[0]["seconds"] is not None
    missing = runner.invoke(cli, ["runs", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 1 and "no such archive" in missing.output


def test_watch_runs_again_and_survives_a_failing_run(tmp_path: Path) -> None:
    db_path = tmp_path / "archive.db"
    with running_sample_site(pages=20) as site:
        lock = archive_lock(db_path, command="test")
        lock.__enter__()  # the first run finds the archive busy
        try:
            # Run 2 comes 3 s after run 1 fails: time for this test, however slowed, to
            # let go of the lock (no condition to wait on: the interval is the watch's).
            watch = qarchive_process(["watch", "--every", "3s", "--max-runs", "2",
                                      site.root_url, "--db", str(db_path), "--delay", "0"])
            assert watch.stderr is not None
            seen = []
            for line in watch.stderr:
                seen.append(line)
                if "run 1 failed (exit 75)" in line:
                    break
            else:
                raise AssertionError("".join(seen))
        finally:
            lock.__exit__(None, None, None)
        _, stderr = watch.communicate(timeout=DEADLINE)
    assert watch.returncode == 0, stderr
    assert "run 2 done" in stderr
    db = sqlite3.connect(db_path)
    assert db.execute("SELECT status, fetched FROM crawl_runs").fetchall() == [("finished", 20)]
    db.close()


def test_watch_stops_cleanly_on_ctrl_c_between_runs(tmp_path: Path) -> None:
    with running_sample_site(pages=10) as site:
        watch = qarchive_process(["watch", "--every", "1h", site.root_url,
                                  "--db", str(tmp_path / "archive.db"), "--delay", "0"])
        assert watch.stderr is not None
        for line in watch.stderr:
            if "next run in" in line:
                break
        watch.send_signal(signal.SIGINT)
        _, stderr = watch.communicate(timeout=DEADLINE)
    assert watch.returncode == 130, stderr
    assert "watch: stopped" in stderr and "Traceback" not in stderr


def test_refresh_after_is_a_setting_with_durations(tmp_path: Path) -> None:
    config = tmp_path / "qarchive.toml"
    config.write_text('[crawl]\nrefresh_after = "12h"\n', encoding="utf-8")
    assert CrawlSettings().refresh_after == 7 * 86400
    assert load_settings(config).refresh_after == 12 * 3600
    result = CliRunner().invoke(crawl_command, ["--refresh-after", "soon", "http://127.0.0.1:1/"])
    assert result.exit_code == 2 and "bad duration 'soon'" in result.output
    assert CliRunner().invoke(reparse_command, ["--help"]).output.count("--wait") == 1


def test_watch_refuses_an_interval_that_would_spin(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["watch", "--every", "0s", "http://127.0.0.1:9/answer/"
                                      "abcdefghij", "--db", str(tmp_path / "a.db")])
    assert result.exit_code == 2
    assert "Invalid value for '--every': must be at least 1s" in result.output
