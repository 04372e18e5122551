"""`qarchive reparse`: parse stored pages again with today's parsers (crawler.reparse)."""

from __future__ import annotations

import click

from qarchive.options import (
    archive_errors,
    db_option,
    open_archive_or_exit,
    profile_option,
    wait_option,
    writer_lock,
)
from qarchive.progress import log_to_stderr, make_progress

__all__ = ["reparse_command"]


@click.command(name="reparse", short_help="Parse stored pages again (no network).")
@db_option("Archive whose stored pages to parse again, default {default}.")
@click.option("--all", "all_pages", is_flag=True,
              help="Reparse every stored page, default: only those an older parser read.")
@profile_option(chosen_by="each page's URL")
@wait_option()
def reparse_command(db_path: str, all_pages: bool, profile: str | None, wait: bool) -> None:
    """Parse stored pages again with the current parsers (no network).

    \b
    Example:
        qarchive reparse --db archive.db
        qarchive reparse --db archive.db --all
    """
    from crawler.reparse import reparse_pages

    with writer_lock(db_path, command="reparse", wait=wait):
        db = open_archive_or_exit(db_path, create=False)
        progress = make_progress()
        try:
            with log_to_stderr(progress), archive_errors(db_path):
                report = reparse_pages(db, all_pages=all_pages, profile=profile,
                                       on_progress=progress.update)
        finally:
            progress.close()
            db.close()
    click.echo(report.summary(), err=True)
