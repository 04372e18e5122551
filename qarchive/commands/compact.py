"""`qarchive compact`: raw pages recompressed with their sites' dictionaries (archive.compact)."""

from __future__ import annotations

import time

import click

from qarchive.options import (
    EXIT_INTERRUPTED,
    archive_errors,
    db_option,
    open_archive_or_exit,
    wait_option,
    writer_lock,
)
from qarchive.progress import log_to_stderr, make_progress

__all__ = ["compact_command"]


@click.command(name="compact", short_help="Recompress stored pages with trained dictionaries.")
@db_option("Archive to compact in place, default {default}.")
@click.option("--vacuum", is_flag=True,
              help="Then VACUUM: rewrite the file without its free space (needs as much "
                   "free disk as the archive's size); an archive made before 0.2 then gives "
                   "its free pages back after every run, as a newer one does, default: no.")
@wait_option()
def compact_command(db_path: str, vacuum: bool, wait: bool) -> None:
    """Recompress every stored page with its site's newest zstd dictionary.

    Trains the dictionaries sites need (a site with enough pages and none, or
    whose newest pages compress much worse than its dictionary did), then
    rewrites every body not in its site's newest dictionary: zlib bodies of
    archives made before qarchive 0.2, plain zstd ones stored before their
    site had a dictionary, and older versions. Safe to interrupt or kill at
    any moment: run it again to go on. Takes the archive's writer lock, like
    a crawl. Gives the archive's free pages back to the file system and
    reports the raw-page store's size before and after.

    \b
    Example:
        qarchive compact --db archive.db
        qarchive compact --db archive.db --vacuum
    """
    from archive.compact import compact_archive
    from archive.runs import RunCounts
    from crawler.status import CrawlStatus

    with writer_lock(db_path, command="compact", wait=wait):
        db = open_archive_or_exit(db_path, create=False)
        progress = make_progress()
        started = time.monotonic()

        def show(done: int, total: int) -> None:
            progress.update(CrawlStatus(elapsed=time.monotonic() - started,
                                        counts=RunCounts(fetched=done), queued=total - done,
                                        label="compact"))

        try:
            with log_to_stderr(progress), archive_errors(db_path):
                report = compact_archive(db, vacuum=vacuum, on_progress=show)
        except KeyboardInterrupt:
            progress.close()
            click.echo("interrupted; the pages recompressed so far stay so, the rest as they "
                       "were: run it again to go on", err=True)
            raise SystemExit(EXIT_INTERRUPTED) from None
        finally:
            progress.close()
            db.close()
    for line in report.summary():
        click.echo(line)
