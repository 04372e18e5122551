"""`qarchive crawl`: one polite crawl into the archive (crawler.engine does the work).

The crawl a command line asks for is checked once into a ``CrawlJob``;
``run_crawl_job`` runs it under the writer lock. `qarchive watch` runs the
same job again and again. Exit statuses: qarchive/options.py.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from archive import refresh_cutoff
from archive.errors import database_error_message, is_busy
from crawler.settings import CrawlSettings, SettingsError, load_settings
from crawler.urls import BadURL, canonicalize
from crawler.writer_process import WriterFailed
from qarchive.options import (
    EXIT_DRIFT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    ArchiveBusyError,
    crawl_options,
    open_archive_or_exit,
    writer_lock,
)
from qarchive.progress import log_to_stderr, make_progress

__all__ = ["CrawlJob", "crawl_command", "crawl_job", "run_crawl_job"]


def _read_seeds(urls: tuple[str, ...], seeds_file: Path | None) -> list[str]:
    seeds: list[str] = []
    for url in urls:
        try:
            seeds.append(canonicalize(url))
        except BadURL as error:
            raise click.BadParameter(str(error), param_hint="URL") from None
    if seeds_file is not None:
        try:
            lines = seeds_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise click.BadParameter(f"cannot read {seeds_file}: {error}",
                                     param_hint="--seeds-file") from None
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                seeds.append(canonicalize(line))
            except BadURL as error:
                raise click.BadParameter(f"{seeds_file}:{number}: {error}",
                                         param_hint="--seeds-file") from None
    return list(dict.fromkeys(seeds))


@dataclass(frozen=True, slots=True)
class CrawlJob:
    """A crawl as the command line asked for it, checked once (watch runs it again and again)."""

    db_path: str
    seeds: list[str]
    settings: CrawlSettings
    wait: bool
    fail_on_drift: bool = False  # exit EXIT_DRIFT when the drift alarm rings


def crawl_job(
    *, urls: tuple[str, ...], db_path: str, seeds_file: Path | None, sitemaps: tuple[str, ...],
    allow_hosts: tuple[str, ...], wait: bool, config_path: Path | None,
    fail_on_drift: bool = False, **overrides: Any,
) -> CrawlJob:
    """Check the crawl options (click errors for bad ones) and build the settings."""
    seeds = _read_seeds(urls, seeds_file)
    for sitemap in sitemaps:
        try:
            canonicalize(sitemap)
        except BadURL as error:
            raise click.BadParameter(str(error), param_hint="--sitemap") from None
    try:
        settings = load_settings(config_path, overrides={**overrides,
                                                          "sitemaps": sitemaps or None})
    except SettingsError as error:
        raise click.ClickException(str(error)) from None
    if allow_hosts:
        try:
            settings = settings.replace(allow_hosts=(*settings.allow_hosts, *allow_hosts))
        except SettingsError as error:
            raise click.BadParameter(str(error), param_hint="--allow-host") from None
    return CrawlJob(db_path=db_path, seeds=seeds, settings=settings, wait=wait,
                    fail_on_drift=fail_on_drift)


def run_crawl_job(job: CrawlJob) -> int:
    """One crawl under the writer lock; returns its exit status (errors as click exceptions)."""
    from crawler.engine import run_crawl  # the fetching stack, loaded when a crawl runs

    settings = job.settings
    with writer_lock(job.db_path, command="crawl", wait=job.wait):
        db = open_archive_or_exit(job.db_path)
        try:
            if not job.seeds and not settings.sitemaps:
                frontier = db.frontier_table(run_id=None)
                due = frontier.count_due(refresh_before=refresh_cutoff(settings.refresh_after))
                if not due:
                    known = frontier.count()
                    if not known:
                        raise click.UsageError(
                            "nothing to crawl: give a URL, --seeds-file or --sitemap")
                    click.echo(f"nothing to do in {job.db_path}: all {known} known URL(s) are "
                               "done and none is due for a refresh (--refresh-after)", err=True)
                    return 0
            progress = make_progress()
            with log_to_stderr(progress):
                report = run_crawl(db, seeds=job.seeds, settings=settings, progress=progress)
        except sqlite3.DatabaseError as error:
            if is_busy(error):
                raise ArchiveBusyError(f"{job.db_path}: the database is locked by another "
                                       f"program ({error}); try again later") from None
            raise click.ClickException(database_error_message(job.db_path, error)) from None
        except WriterFailed as error:
            # The run is already marked failed; what was committed before stays stored.
            raise click.ClickException(f"{job.db_path}: {error}; the next crawl resumes"
                                       ) from None
        finally:
            db.close()
    click.echo(report.summary(), err=True)
    if report.status == "interrupted":
        return EXIT_INTERRUPTED
    if not report.did_work:
        return EXIT_FAILED
    return EXIT_DRIFT if report.drift and job.fail_on_drift else 0


@click.command(name="crawl", short_help="Crawl answer pages politely into the archive.")
@crawl_options
def crawl_command(**options: Any) -> None:
    """Crawl answer pages politely into the archive; run it again to resume or refresh.

    Obeys robots.txt and Crawl-delay, paces each host, retries transient
    errors and follows related questions. Killed or interrupted, the same
    command carries on where it stopped. Run again later (from cron), it
    adds new pages and refetches known ones older than --refresh-after with
    conditional requests, keeping view-count and answer history. A seed that
    is a site's root (https://host/) stands for the sitemaps its robots.txt
    lists. With no URL, crawls what the archive's frontier still has to do.

    Exits 1 when no URL could be fetched (all failed or blocked), 65 when the
    drift alarm rang (a field found on far fewer pages than in earlier runs)
    and --fail-on-drift was given, 75 when another qarchive is writing the
    archive (unless --wait), 130 when interrupted.

    \b
    Example:
        qarchive crawl https://wenku.csdn.net/answer/2kxyq3m7vd --max-pages 50
        qarchive crawl --sitemap http://127.0.0.1:8765/sitemap.xml --delay 0.2
        qarchive crawl --db archive.db        # resume
    """
    code = run_crawl_job(crawl_job(**options))
    if code:
        raise SystemExit(code)
