"""`qarchive crawl`, `watch` and `reparse`: thin click wrappers over crawler.engine and reparse.

Exit statuses (the README's table; cron mail and monitors key on them):

- 0: the run did its work, or had nothing left to do;
- 1: it could do nothing (every URL failed, was blocked or deferred), or the
  archive is unusable;
- 2: bad command line;
- 75: another qarchive is writing the archive (sysexits.h EX_TEMPFAIL: try
  again later), unless ``--wait``;
- 130: interrupted (Ctrl-C or SIGTERM), after storing what was fetched.
"""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import click
import sqlite_utils

from archive import ArchiveError, open_archive
from archive.lock import ArchiveBusy, archive_lock
from crawler.engine import run_crawl
from crawler.frontier import Frontier, refresh_cutoff
from crawler.reparse import reparse_pages
from crawler.settings import CrawlSettings, SettingsError, load_settings, parse_duration
from crawler.urls import BadURL, canonicalize
from crawler.writer_process import WriterFailed
from parsers import profile_names
from qarchive.progress import log_to_stderr, make_progress

__all__ = [
    "EXIT_BUSY",
    "EXIT_INTERRUPTED",
    "crawl_command",
    "crawl_options",
    "open_archive_or_exit",
    "reparse_command",
    "watch_command",
    "writer_lock",
]

DEFAULT_DB = "archive.db"
# Exit status when the run could do nothing (see the module docstring).
EXIT_FAILED = 1
# Another process holds the archive's writer lock: sysexits.h EX_TEMPFAIL,
# "try again later", which is what a scheduler should do.
EXIT_BUSY = 75
# Exit status of a run stopped by Ctrl-C or SIGTERM, as shells report 128 + SIGINT.
EXIT_INTERRUPTED = 130

F = TypeVar("F", bound=Callable[..., Any])


class ArchiveBusyError(click.ClickException):
    """The archive is being written by another process: exit 75, not 1."""

    exit_code = EXIT_BUSY


@contextlib.contextmanager
def writer_lock(db_path: str, *, command: str, wait: bool = False) -> Iterator[None]:
    """The archive's one-writer lock for a command, as a click error when it is taken."""
    stack = contextlib.ExitStack()
    try:
        stack.enter_context(archive_lock(
            db_path, command=command, wait=wait,
            on_wait=lambda holder: click.echo(
                f"waiting for the other qarchive writing {db_path} ({holder}) to finish",
                err=True)))
    except ArchiveBusy as error:
        raise ArchiveBusyError(str(error)) from None
    except KeyboardInterrupt:  # Ctrl-C while --wait waits: nothing was done
        click.echo(f"interrupted while waiting for {db_path}; nothing done", err=True)
        raise SystemExit(EXIT_INTERRUPTED) from None
    with stack:
        yield


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


def open_archive_or_exit(db_path: str) -> sqlite_utils.Database:
    """The archive, or a one-line error (not an archive, unwritable, a missing folder)."""
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


# The options `crawl` and `watch` share, declared once.
_CRAWL_OPTIONS: list[Callable[[F], F]] = [
    click.argument("urls", nargs=-1, metavar="[URL]..."),
    click.option("--db", "db_path", default=DEFAULT_DB,
                 help="Archive to crawl into, created if missing, default archive.db."),
    click.option("--seeds-file", type=click.Path(dir_okay=False, path_type=Path),
                 help="File of seed URLs, one a line (# comments), default none."),
    click.option("--sitemap", "sitemaps", multiple=True, metavar="URL",
                 help="Sitemap (or sitemap index, gzip ok) whose pages are seeds; repeatable."),
    click.option("--refresh-after", type=_Duration(),
                 help="Fetch known pages again once their copy is this old (7d, 12h; 0: every "
                      "page), default 7d; unchanged ones cost a 304."),
    click.option("--max-pages", type=click.IntRange(min=0),
                 help="Stop after this many URLs in this run, default no limit."),
    click.option("--max-depth", type=click.IntRange(min=0),
                 help="Follow links this many hops from a seed, default no limit."),
    click.option("--max-duration", type=_Duration(),
                 help="Stop taking new URLs after this long (90s, 30m, 2h), default no limit."),
    click.option("--delay", type=click.FloatRange(min=0),
                 help="Seconds between request starts to one host, default 1.0 "
                      "(robots.txt Crawl-delay may raise it)."),
    click.option("--concurrency", type=click.IntRange(min=1),
                 help="Requests in flight across all hosts, default 8."),
    click.option("--per-host", type=click.IntRange(min=1),
                 help="Requests in flight to one host, default 1."),
    click.option("--user-agent", metavar="UA",
                 help="User-Agent header, default qarchive/<version> (+project URL)."),
    click.option("--allow-host", "allow_hosts", multiple=True, metavar="HOST",
                 help="Also follow links to this host (the seeds' hosts always); repeatable."),
    click.option("--follow-resources", is_flag=True, default=None,
                 help="Also fetch recommended resources, default: record them only."),
    click.option("--profile", type=click.Choice(profile_names()),
                 help="Site profile to parse with, default: chosen by each page's URL."),
    click.option("--wait", is_flag=True,
                 help="If another qarchive is writing the archive, wait for it, default: "
                      "exit 75 at once."),
    click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
                 help="Settings file (TOML, see crawler/settings.py), default none."),
]


def crawl_options(function: F) -> F:
    """Decorate a command with every crawl option (in --help order)."""
    for option in reversed(_CRAWL_OPTIONS):
        function = option(function)
    return function


@dataclass(frozen=True, slots=True)
class _CrawlJob:
    """A crawl as the command line asked for it, checked once (watch runs it again and again)."""

    db_path: str
    seeds: list[str]
    settings: CrawlSettings
    wait: bool


def _crawl_job(
    *, urls: tuple[str, ...], db_path: str, seeds_file: Path | None, sitemaps: tuple[str, ...],
    allow_hosts: tuple[str, ...], wait: bool, config_path: Path | None, **overrides: Any,
) -> _CrawlJob:
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
        settings = settings.replace(allow_hosts=(*settings.allow_hosts, *allow_hosts))
    return _CrawlJob(db_path=db_path, seeds=seeds, settings=settings, wait=wait)


def _run_crawl_job(job: _CrawlJob) -> int:
    """One crawl under the writer lock; returns its exit status (errors as click exceptions)."""
    settings = job.settings
    with writer_lock(job.db_path, command="crawl", wait=job.wait):
        db = open_archive_or_exit(job.db_path)
        try:
            if not job.seeds and not settings.sitemaps:
                due = Frontier(db, run_id=None).count_due(
                    refresh_before=refresh_cutoff(settings.refresh_after))
                if not due:
                    known = db.execute("SELECT count(*) FROM frontier").fetchone()[0]
                    if not known:
                        raise click.UsageError(
                            "nothing to crawl: give a URL, --seeds-file or --sitemap")
                    click.echo(f"nothing to do in {job.db_path}: all {known} known URL(s) are "
                               "done and none is due for a refresh (--refresh-after)", err=True)
                    return 0
            progress = make_progress()
            with log_to_stderr(progress):
                report = run_crawl(db, seeds=job.seeds, settings=settings, progress=progress)
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise ArchiveBusyError(f"{job.db_path}: the database is locked by another "
                                       f"program ({error}); try again later") from None
            raise click.ClickException(f"{job.db_path}: cannot use the archive ({error})"
                                       ) from None
        except sqlite3.DatabaseError as error:
            raise click.ClickException(f"{job.db_path}: cannot use the archive ({error})"
                                       ) from None
        except WriterFailed as error:
            # The run is already marked failed; what was committed before stays stored.
            raise click.ClickException(f"{job.db_path}: {error}; the next crawl resumes"
                                       ) from None
        finally:
            db.close()
    click.echo(report.summary(), err=True)
    if report.status == "interrupted":
        return EXIT_INTERRUPTED
    return 0 if report.did_work else EXIT_FAILED


@click.command(name="crawl")
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

    Exits 1 when no URL could be fetched (all failed or blocked), 75 when
    another qarchive is writing the archive (unless --wait), 130 when
    interrupted.

    \b
    Example:
        qarchive crawl https://wenku.csdn.net/answer/2kxyq3m7vd --max-pages 50
        qarchive crawl --sitemap http://127.0.0.1:8000/sitemap.xml --delay 0.2
        qarchive crawl --db archive.db        # resume
    """
    code = _run_crawl_job(_crawl_job(**options))
    if code:
        raise SystemExit(code)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _pause(seconds: float) -> None:
    """Sleep between watch runs; SIGTERM (systemd stop, kill) ends it like Ctrl-C."""
    with contextlib.suppress(ValueError):  # not the main thread: Ctrl-C only
        # Set before every pause: a run's event loop resets SIGTERM when it ends.
        signal.signal(signal.SIGTERM, _interrupt)
    if seconds > 0:
        time.sleep(seconds)


def _say(message: str) -> None:
    click.echo(f"{time.strftime('%Y-%m-%d %H:%M:%S')} watch: {message}", err=True)


@click.command(name="watch")
@click.option("--every", type=_Duration(), required=True,
              help="Start a crawl this often (30m, 6h, 1d); required. A run that takes "
                   "longer is followed at once by the next.")
@click.option("--max-runs", type=click.IntRange(min=1),
              help="Stop after this many runs (for tests and one-shot use), default: until "
                   "Ctrl-C.")
@crawl_options
def watch_command(every: float, max_runs: int | None, **options: Any) -> None:
    """Run the same crawl again and again, for machines without cron.

    Each run is `qarchive crawl` with these options: new pages are added,
    pages older than --refresh-after refetched. A run that fails (site down,
    archive busy) is logged and the next one starts on time. Ctrl-C or
    SIGTERM stops it, between runs or during one (which stores what it
    fetched): exit 130. With --max-runs, exits with the last run's status.

    \b
    Example:
        qarchive watch --every 6h https://wenku.csdn.net/answer/2kxyq3m7vd
        qarchive watch --every 1d --sitemap https://example.org/sitemap.xml --delay 2
    """
    if every < 1:
        # A crawl loop with no pause would hammer the site (and spin on errors).
        raise click.BadParameter("must be at least 1s (e.g. 30m, 6h)", param_hint="'--every'")
    job = _crawl_job(**options)  # bad options fail now, not at every run
    runs = 0
    code = 0
    try:
        while True:
            started = time.monotonic()
            runs += 1
            _say(f"run {runs} starting")
            try:
                code = _run_crawl_job(job)
            except click.UsageError:
                raise  # the command line is wrong: looping will not fix it
            except click.ClickException as error:
                error.show()
                code = error.exit_code
            if code == EXIT_INTERRUPTED:
                _say(f"run {runs} interrupted; stopping")
                raise SystemExit(EXIT_INTERRUPTED)
            _say(f"run {runs} " + ("done" if code == 0 else f"failed (exit {code})"))
            if max_runs is not None and runs >= max_runs:
                break
            pause = max(0.0, started + every - time.monotonic())
            _say(f"next run in {pause:.0f} s")
            _pause(pause)
    except KeyboardInterrupt:
        _say("stopped")
        raise SystemExit(EXIT_INTERRUPTED) from None
    if code:
        raise SystemExit(code)


@click.command(name="reparse")
@click.option("--db", "db_path", default=DEFAULT_DB,
              help="Archive whose stored pages to parse again, default archive.db.")
@click.option("--all", "all_pages", is_flag=True,
              help="Reparse every stored page, default: only those an older parser read.")
@click.option("--profile", type=click.Choice(profile_names()),
              help="Site profile to parse with, default: chosen by each page's URL.")
@click.option("--wait", is_flag=True,
              help="If another qarchive is writing the archive, wait for it, default: "
                   "exit 75 at once.")
def reparse_command(db_path: str, all_pages: bool, profile: str | None, wait: bool) -> None:
    """Parse stored pages again with the current parsers (no network).

    \b
    Example:
        qarchive reparse --db archive.db
        qarchive reparse --db archive.db --all
    """
    with writer_lock(db_path, command="reparse", wait=wait):
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
