"""`qarchive export-warc`: the archive's pages as a WARC 1.1 file (archive.warc does the work)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from qarchive import __version__
from qarchive.options import EXIT_INTERRUPTED, archive_errors, db_option, open_archive_or_exit
from qarchive.progress import TaskProgress

__all__ = ["export_warc_command"]


@click.command(name="export-warc", short_help="Write the archive's pages as a WARC file.")
@click.argument("out", metavar="OUT.warc.gz", type=click.Path(dir_okay=False, path_type=Path))
@db_option("Archive to export, default {default}.")
@click.option("--since", "since_run", type=click.IntRange(min=1), metavar="RUN",
              help="Only what runs >= RUN captured or revisited (an incremental export; "
                   "`qarchive runs` lists the runs), default everything.")
def export_warc_command(out: Path, db_path: str, since_run: int | None) -> None:
    """Write every stored page to OUT.warc.gz as WARC 1.1 records.

    A warcinfo record, then for each page its request and response (the status
    line and headers as fetched), and a revisit record for a later visit that
    found it unchanged (a 304, or the same bytes). Each record is one gzip
    member with its digests; pywb, ReplayWeb.page and `warcio check` read it.
    OUT is written under a temporary name and renamed when complete.

    \b
    Example:
        qarchive export-warc --db archive.db archive.warc.gz
        qarchive export-warc --db archive.db --since 12 runs-12-on.warc.gz
    """
    from archive.warc import export_warc

    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise click.ClickException(f"{out}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise click.ClickException(f"{out}: cannot write there (permission denied)")
    db = open_archive_or_exit(db_path, create=False)
    try:
        with archive_errors(db_path):
            if since_run is not None and not db.has_run(since_run):
                raise click.ClickException(
                    f"{db_path}: no run {since_run} (`qarchive runs --db {db_path}` lists them)")
            progress = TaskProgress("export", total=db.count_stored_responses(
                since_run=since_run), unit="pages")
            try:
                report = export_warc(db, out, software=f"qarchive/{__version__}",
                                     since_run=since_run, on_page=progress.advance)
            except OSError as error:
                raise click.ClickException(f"{out}: cannot write: {error.strerror or error}"
                                           ) from None
            except KeyboardInterrupt:
                click.echo(f"interrupted; {out} not written", err=True)
                raise SystemExit(EXIT_INTERRUPTED) from None
            finally:
                progress.close()
    finally:
        db.close()
    click.echo(f"wrote {out}: {report.responses} response(s), {report.revisits} revisit(s)"
               + (f", {report.resources} imported file(s)" if report.resources else "")
               + (f"; {report.synthesized} with synthesized headers (stored before qarchive "
                  "kept them)" if report.synthesized else ""))
