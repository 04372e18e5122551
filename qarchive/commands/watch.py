"""`qarchive watch`: the same crawl again and again, for machines without cron."""

from __future__ import annotations

import contextlib
import signal
import time
from types import FrameType
from typing import Any

import click

from qarchive.commands.crawl import crawl_job, run_crawl_job
from qarchive.options import EXIT_DRIFT, EXIT_INTERRUPTED, Duration, crawl_options

__all__ = ["watch_command"]


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


@click.command(name="watch", short_help="Crawl again and again, every --every.")
@click.option("--every", type=Duration(), required=True,
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
    job = crawl_job(**options)  # bad options fail now, not at every run
    runs = 0
    code = 0
    try:
        while True:
            started = time.monotonic()
            runs += 1
            _say(f"run {runs} starting")
            try:
                code = run_crawl_job(job)
            except click.UsageError:
                raise  # the command line is wrong: looping will not fix it
            except click.ClickException as error:
                error.show()
                code = error.exit_code
            if code == EXIT_INTERRUPTED:
                _say(f"run {runs} interrupted; stopping")
                raise SystemExit(EXIT_INTERRUPTED)
            _say(f"run {runs} " + ("done" if code == 0 else
                                   f"done, but the drift alarm rang (exit {code})"
                                   if code == EXIT_DRIFT else f"failed (exit {code})"))
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
