"""`qarchive crawl` and `qarchive reparse`: thin click wrappers over crawler.engine and reparse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import sqlite_utils

from crawler.archive import ArchiveError, open_archive
from crawler.engine import run_crawl
from crawler.frontier import RESUMABLE_STATES
from crawler.progress import log_to_stderr, make_progress
from crawler.reparse import reparse_pages
from crawler.settings import SettingsError, load_settings, parse_duration
from crawler.urls import BadURL, canonicalize
from parsers import profile_names

__all__ = ["crawl_command", "reparse_command"]

DEFAULT_DB = "archive.db"
# Exit status of a run stopped by Ctrl-C or SIGTERM, as shells report 128 + SIGINT.
EXIT_INTERRUPTED = 130


class _Duration(click.ParamType):
    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        if isinstance(value, int | float):
            return float(value)
        try:
            return parse_duration(str(value))
        except SettingsError as error:
            self.fail(str(error), param, ctx)


def _open(db_path: str) -> sqlite_utils.Database:
    try:
        return open_archive(db_path)
    except ArchiveError as error:
        raise click.ClickException(str(error)) from None


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


@click.command(name="crawl")
@click.argument("urls", nargs=-1, metavar="[URL]...")
@click.option("--db", "db_path", default=DEFAULT_DB,
              help="Archive to crawl into, created if missing, default archive.db.")
@click.option("--seeds-file", type=click.Path(dir_okay=False, path_type=Path),
              help="File of seed URLs, one a line (# comments), default none.")
@click.option("--sitemap", "sitemaps", multiple=True, metavar="URL",
              help="Sitemap (or sitemap index, gzip ok) whose pages are seeds; repeatable.")
@click.option("--max-pages", type=click.IntRange(min=0),
              help="Stop after this many URLs in this run, default no limit.")
@click.option("--max-depth", type=click.IntRange(min=0),
              help="Follow links this many hops from a seed, default no limit.")
@click.option("--max-duration", type=_Duration(),
              help="Stop taking new URLs after this long (90s, 30m, 2h), default no limit.")
@click.option("--delay", type=click.FloatRange(min=0),
              help="Seconds between request starts to one host, default 1.0 "
                   "(robots.txt Crawl-delay may raise it).")
@click.option("--concurrency", type=click.IntRange(min=1),
              help="Requests in flight across all hosts, default 8.")
@click.option("--per-host", type=click.IntRange(min=1),
              help="Requests in flight to one host, default 1.")
@click.option("--user-agent", metavar="UA",
              help="User-Agent header, default qarchive/<version> (+project URL).")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="HOST",
              help="Also follow links to this host (the seeds' hosts always); repeatable.")
@click.option("--follow-resources", is_flag=True, default=None,
              help="Also fetch recommended resources, default: record them only.")
@click.option("--profile", type=click.Choice(profile_names()),
              help="Site profile to parse with, default: chosen by each page's URL.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Settings file (TOML, see crawler/settings.py), default none.")
def crawl_command(
    urls: tuple[str, ...], db_path: str, seeds_file: Path | None, sitemaps: tuple[str, ...],
    max_pages: int | None, max_depth: int | None, max_duration: float | None,
    delay: float | None, concurrency: int | None, per_host: int | None,
    user_agent: str | None, allow_hosts: tuple[str, ...], follow_resources: bool | None,
    profile: str | None, config_path: Path | None,
) -> None:
    """Crawl answer pages politely into the archive; run it again to resume.

    Obeys robots.txt and Crawl-delay, paces each host, retries transient
    errors and follows related questions. Killed or interrupted, the same
    command carries on where it stopped. A seed that is a site's root
    (https://host/) stands for the sitemaps its robots.txt lists. With no
    URL, crawls what the archive's frontier still has to do.

    Exits 1 when no URL could be fetched (all failed or blocked), 130 when
    interrupted.

    \b
    Example:
        qarchive crawl https://wenku.csdn.net/answer/2kxyq3m7vd --max-pages 50
        qarchive crawl --sitemap http://127.0.0.1:8000/sitemap.xml --delay 0.2
        qarchive crawl --db archive.db        # resume
    """
    seeds = _read_seeds(urls, seeds_file)
    for sitemap in sitemaps:
        try:
            canonicalize(sitemap)
        except BadURL as error:
            raise click.BadParameter(str(error), param_hint="--sitemap") from None
    try:
        settings = load_settings(config_path, overrides={
            "max_pages": max_pages, "max_depth": max_depth, "max_duration": max_duration,
            "delay": delay, "concurrency": concurrency, "per_host": per_host,
            "user_agent": user_agent, "follow_resources": follow_resources,
            "profile": profile, "sitemaps": sitemaps or None,
        })
    except SettingsError as error:
        raise click.ClickException(str(error)) from None
    if allow_hosts:
        settings = settings.replace(allow_hosts=(*settings.allow_hosts, *allow_hosts))
    db = _open(db_path)
    try:
        if not seeds and not settings.sitemaps:
            placeholders = ", ".join("?" for _ in RESUMABLE_STATES)
            left = db.execute(f"SELECT count(*) FROM frontier WHERE state IN ({placeholders})",
                              list(RESUMABLE_STATES)).fetchone()[0]
            if not left:
                known = db.execute("SELECT count(*) FROM frontier").fetchone()[0]
                if known:
                    click.echo(f"nothing left to crawl in {db_path}: all {known} known URL(s) "
                               "are done or skipped", err=True)
                    return
                raise click.UsageError("nothing to crawl: give a URL, --seeds-file or --sitemap")
        progress = make_progress()
        with log_to_stderr(progress):
            report = run_crawl(db, seeds=seeds, settings=settings, progress=progress)
    finally:
        db.close()
    click.echo(report.summary(), err=True)
    if report.status == "interrupted":
        raise SystemExit(EXIT_INTERRUPTED)
    if not report.did_work:
        raise SystemExit(1)


@click.command(name="reparse")
@click.option("--db", "db_path", default=DEFAULT_DB,
              help="Archive whose stored pages to parse again, default archive.db.")
@click.option("--all", "all_pages", is_flag=True,
              help="Reparse every stored page, default: only those an older parser read.")
@click.option("--profile", type=click.Choice(profile_names()),
              help="Site profile to parse with, default: chosen by each page's URL.")
def reparse_command(db_path: str, all_pages: bool, profile: str | None) -> None:
    """Parse stored pages again with the current parsers (no network).

    \b
    Example:
        qarchive reparse --db archive.db
        qarchive reparse --db archive.db --all
    """
    try:
        db = open_archive(db_path, create=False)
    except ArchiveError as error:
        raise click.ClickException(str(error)) from None
    progress = make_progress()
    try:
        with log_to_stderr(progress):
            report = reparse_pages(db, all_pages=all_pages, profile=profile,
                                   on_progress=progress.update)
    finally:
        progress.close()
        db.close()
    click.echo(report.summary(), err=True)
