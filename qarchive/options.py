"""What the commands share, defined once: options, exit statuses, archive errors, the lock.

Exit statuses (the README's table; cron mail and monitors key on them):

- 0: the run did its work, or had nothing left to do;
- 1: it could do nothing (every URL failed, was blocked or deferred), or the
  archive is unusable;
- 2: bad command line;
- 65: with ``--fail-on-drift``, the run's drift alarm rang: a field was found on far
  fewer pages than in earlier runs (sysexits.h EX_DATAERR: the site's data changed
  under the parser); the run itself did its work and stored what it read;
- 75: another qarchive is writing the archive (sysexits.h EX_TEMPFAIL: try
  again later), unless ``--wait``;
- 130: interrupted (Ctrl-C or SIGTERM), after storing what was fetched.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from archive import Archive, ArchiveError, open_archive
from archive.errors import database_error_message, is_busy
from archive.lock import ArchiveBusy, archive_lock
from crawler.settings import SettingsError, parse_duration, seconds_problem, user_agent_problem
from parsers import profile_names

__all__ = [
    "DEFAULT_DB",
    "EXIT_BUSY",
    "EXIT_DRIFT",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "ArchiveBusyError",
    "Duration",
    "Seconds",
    "UserAgent",
    "archive_errors",
    "crawl_options",
    "db_option",
    "open_archive_or_exit",
    "profile_option",
    "wait_option",
    "writer_lock",
]

DEFAULT_DB = "archive.db"
# Exit status when the run could do nothing (see the module docstring).
EXIT_FAILED = 1
# With --fail-on-drift, the run's drift alarm rang (archive/health.py): sysexits.h
# EX_DATAERR, the input (the site's pages) no longer reads as it did. Distinct from 1 so
# a scheduler can tell "the parser needs a look" from "the crawl could do nothing".
EXIT_DRIFT = 65
# Another process holds the archive's writer lock: sysexits.h EX_TEMPFAIL,
# "try again later", which is what a scheduler should do.
EXIT_BUSY = 75
# Exit status of a run stopped by Ctrl-C or SIGTERM, as shells report 128 + SIGINT.
EXIT_INTERRUPTED = 130

F = TypeVar("F", bound=Callable[..., Any])


# --- archive errors and the writer lock ---------------------------------------------------

class ArchiveBusyError(click.ClickException):
    """The archive is being written by another process: exit 75, not 1."""

    exit_code = EXIT_BUSY


@contextlib.contextmanager
def archive_errors(db_path: str | None = None) -> Iterator[None]:
    """An unusable archive (not an archive, read-only, missing, disk full, another program
    locking it) as a one-line click error: exit 1, or 75 when it is busy."""
    try:
        yield
    except ArchiveError as error:
        raise click.ClickException(str(error)) from None
    except sqlite3.DatabaseError as error:
        if db_path is None:
            raise
        if is_busy(error):
            raise ArchiveBusyError(f"{db_path}: the database is locked by another program "
                                   f"({error}); try again later") from None
        raise click.ClickException(database_error_message(db_path, error)) from None


def open_archive_or_exit(db_path: str, **options: Any) -> Archive:
    """The archive (``open_archive``'s options), or a one-line error."""
    with archive_errors(db_path):
        archive = open_archive(db_path, **options)
    notice = archive.upgrade_notice(db_path)
    if notice:  # an upgrade is never silent: the user may want the space back (VACUUM)
        click.echo(notice, err=True)
    return archive


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
    except ArchiveError as error:  # read-only media: no lock file can be made
        raise click.ClickException(str(error)) from None
    except KeyboardInterrupt:  # Ctrl-C while --wait waits: nothing was done
        click.echo(f"interrupted while waiting for {db_path}; nothing done", err=True)
        raise SystemExit(EXIT_INTERRUPTED) from None
    with stack:
        yield


# --- option types -------------------------------------------------------------------------

class Duration(click.ParamType):
    """90s, 30m, 6h, 1d (or plain seconds), as seconds."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            if (problem := seconds_problem(value)) is not None:
                self.fail(problem, param, ctx)
            return float(value)
        try:
            return parse_duration(str(value))
        except SettingsError as error:
            self.fail(str(error), param, ctx)


class Seconds(click.FloatRange):
    """click's FLOAT RANGE of seconds (x>=0), and finite: ``--delay nan`` passes every
    comparison (no pacing at all) and ``--delay inf`` waits forever."""

    def __init__(self) -> None:
        super().__init__(min=0)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        seconds = super().convert(value, param, ctx)
        if (problem := seconds_problem(seconds)) is not None:
            self.fail(problem, param, ctx)
        return seconds


class UserAgent(click.ParamType):
    """A User-Agent header value: printable ASCII, not empty."""

    name = "ua"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        if (problem := user_agent_problem(value)) is not None:
            self.fail(problem, param, ctx)
        return str(value)


class _ProfileChoice(click.Choice):
    """The profile names as a click choice, found when first needed, not at import."""

    def __init__(self) -> None:
        self.case_sensitive = True

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(profile_names())

    @choices.setter
    def choices(self, value: Any) -> None:
        raise AttributeError("the profile choices are the discovered profiles")


# --- options ------------------------------------------------------------------------------

def db_option(help: str, **attrs: Any) -> Callable[[F], F]:
    """``--db``, the archive's path; ``{default}`` in ``help`` stands for the default path."""
    return click.option("--db", "db_path", default=DEFAULT_DB,
                        help=help.format(default=DEFAULT_DB), **attrs)


def profile_option(*, chosen_by: str = "the page URL") -> Callable[[F], F]:
    """``--profile NAME``, forcing a site profile over the one the URL selects."""
    return click.option("--profile", type=_ProfileChoice(),
                        help=f"Site profile to parse with, default: chosen by {chosen_by}.")


def wait_option() -> Callable[[F], F]:
    """``--wait``: wait for another writer instead of exiting 75."""
    return click.option("--wait", is_flag=True,
                        help="If another qarchive is writing the archive, wait for it, "
                             "default: exit 75 at once.")


# The options `crawl` and `watch` share, in --help order.
_CRAWL_OPTIONS: list[Callable[[F], F]] = [
    click.argument("urls", nargs=-1, metavar="[URL]..."),
    db_option("Archive to crawl into, created if missing, default {default}."),
    click.option("--seeds-file", type=click.Path(dir_okay=False, path_type=Path),
                 help="File of seed URLs, one a line (# comments), default none."),
    click.option("--sitemap", "sitemaps", multiple=True, metavar="URL",
                 help="Sitemap (or sitemap index, gzip ok) whose pages are seeds; repeatable."),
    click.option("--refresh-after", type=Duration(),
                 help="Fetch known pages again once their copy is this old (7d, 12h; 0: every "
                      "page), default 7d; unchanged ones cost a 304."),
    click.option("--max-pages", type=click.IntRange(min=0),
                 help="Stop after this many URLs in this run, default no limit."),
    click.option("--max-depth", type=click.IntRange(min=0),
                 help="Follow links this many hops from a seed, default no limit."),
    click.option("--max-duration", type=Duration(),
                 help="Stop this long after the run starts, seeding included (90s, 30m, 2h); "
                      "URLs in flight stay pending. Default no limit."),
    click.option("--delay", type=Seconds(),
                 help="Seconds between request starts to one host, default 1.0 "
                      "(robots.txt Crawl-delay may raise it)."),
    click.option("--concurrency", type=click.IntRange(min=1),
                 help="Requests in flight across all hosts, default 8."),
    click.option("--per-host", type=click.IntRange(min=1),
                 help="Requests in flight to one host, default 1."),
    click.option("--user-agent", type=UserAgent(), metavar="UA",
                 help="User-Agent header, default qarchive/<version> (+project URL)."),
    click.option("--allow-host", "allow_hosts", multiple=True, metavar="HOST",
                 help="Also follow links to this host (the seeds' hosts always); repeatable."),
    click.option("--follow-resources", is_flag=True, default=None,
                 help="Also fetch recommended resources, default: record them only."),
    profile_option(chosen_by="each page's URL"),
    click.option("--fail-on-drift", is_flag=True,
                 help="Exit 65 when the drift alarm rings (a field found on far fewer pages "
                      "than in earlier runs: the site's layout may have changed), default: "
                      "warn in the summary only."),
    wait_option(),
    click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
                 help="Settings file (TOML) of politeness knobs such as `delay = 2.0`; the "
                      "README's Settings list names them all. Default none."),
]


def crawl_options(function: F) -> F:
    """Decorate a command with every crawl option (`crawl` and `watch`), in --help order."""
    for option in reversed(_CRAWL_OPTIONS):
        function = option(function)
    return function
