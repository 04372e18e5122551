"""`qarchive import`: saved HTML files and WARC files into the archive (crawler.importer does
the work)."""

from __future__ import annotations

from pathlib import Path

import click

from qarchive.options import (
    EXIT_INTERRUPTED,
    archive_errors,
    db_option,
    open_archive_or_exit,
    profile_option,
    writer_lock,
)
from qarchive.progress import TaskProgress

__all__ = ["import_command"]


@click.command(name="import", short_help="Store saved HTML pages or WARC files in the archive.")
@click.argument("files", nargs=-1, required=True, metavar="FILE...",
                type=click.Path(path_type=Path))
@db_option("Archive to store into, created if missing, default {default}.")
@click.option("--url", help="The page's URL (one FILE only), default: each page's canonical link.")
@profile_option()
def import_command(files: tuple[Path, ...], db_path: str, url: str | None,
                   profile: str | None) -> None:
    """Parse saved HTML files, or the pages in WARC files, and store them.

    A FILE ending .warc or .warc.gz (or a folder of them) is read record by
    record: each 200 HTML response a site profile knows is stored with its
    capture time (WARC-Date) and headers; records no profile knows are counted
    and skipped. WARCs from wget, warcio, Browsertrix or `qarchive export-warc`
    all read. Bad files and bad records (unreadable, truncated, larger than
    10 MiB, not an answer page, or one that crashes the parser) are reported
    and skipped; the rest are stored. Exits 1 if any file or record was
    skipped as bad or the archive cannot be written, 130 when interrupted.

    \b
    Example:
        qarchive import saved/*.html --db archive.db
        qarchive import crawl.warc.gz warcs/ --db archive.db
    """
    from crawler.importer import import_files, import_size

    if url and len(files) > 1:
        raise click.UsageError("--url names one page: give exactly one FILE with it")
    with writer_lock(db_path, command="import"):
        db = open_archive_or_exit(db_path)
        progress = TaskProgress("import", total=import_size(files), unit="bytes")
        try:
            with archive_errors(db_path):
                report = import_files(
                    db, files, url=url, profile=profile,
                    on_skip=lambda name, reason: click.echo(f"skipped {name}: {reason}",
                                                            err=True),
                    on_progress=lambda done: progress.advance(done - progress.done),
                )
        except KeyboardInterrupt:
            click.echo("interrupted; the files stored so far stay stored", err=True)
            raise SystemExit(EXIT_INTERRUPTED) from None
        finally:
            progress.close()
            db.close()
    outcome = ", ".join(f"{count} {name}" for name, count in sorted(report.outcomes.items()))
    warc = report.warc
    records = (f"; WARC records: {warc.records} read, {warc.unknown} no profile knows, "
               f"{warc.not_pages} not pages" + (f", {warc.older} older than the archive's"
                                                  if warc.older else "")
               + (f", {warc.bad} bad" if warc.bad else "")) if warc.records or warc.bad else ""
    click.echo(f"stored {report.stored} page(s) in {db_path}" + (f" ({outcome})" if outcome else "")
               + records + (f"; skipped {len(report.skipped)}" if report.skipped else ""))
    if report.skipped:
        raise SystemExit(1)
