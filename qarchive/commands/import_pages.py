"""`qarchive import`: saved HTML files into the archive (crawler.importer does the work)."""

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

__all__ = ["import_command"]


@click.command(name="import", short_help="Store saved HTML pages in the archive.")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@db_option("Archive to store into, created if missing, default {default}.")
@click.option("--url", help="The page's URL (one FILE only), default: each page's canonical link.")
@profile_option()
def import_command(files: tuple[Path, ...], db_path: str, url: str | None,
                   profile: str | None) -> None:
    """Parse saved HTML files and store them in the archive.

    Bad files (unreadable, larger than 10 MiB, not an answer page, or one
    that crashes the parser) are reported and skipped; the rest are stored.
    Exits 1 if any file was skipped or the archive cannot be written, 130
    when interrupted.

    \b
    Example:
        qarchive import saved/*.html --db archive.db
    """
    from crawler.importer import import_files

    if url and len(files) > 1:
        raise click.UsageError("--url names one page: give exactly one FILE with it")
    with writer_lock(db_path, command="import"):
        db = open_archive_or_exit(db_path)
        try:
            with archive_errors(db_path):
                report = import_files(
                    db, files, url=url, profile=profile,
                    on_skip=lambda name, reason: click.echo(f"skipped {name}: {reason}",
                                                            err=True),
                )
        except KeyboardInterrupt:
            click.echo("interrupted; the files stored so far stay stored", err=True)
            raise SystemExit(EXIT_INTERRUPTED) from None
        finally:
            db.close()
    outcome = ", ".join(f"{count} {name}" for name, count in sorted(report.outcomes.items()))
    click.echo(f"stored {report.stored} page(s) in {db_path}" + (f" ({outcome})" if outcome else "")
               + (f"; skipped {len(report.skipped)}" if report.skipped else ""))
    if report.skipped:
        raise SystemExit(1)
