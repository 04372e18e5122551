"""The `qarchive` command: thin click wrappers over the library functions."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import click

from crawler import __version__
from crawler.importer import import_files
from parsers import ParseError, canonical_url, parse_page, profile_names
from qarchive.commands.crawl import (
    EXIT_INTERRUPTED,
    crawl_command,
    open_archive_or_exit,
    reparse_command,
    watch_command,
    writer_lock,
)
from qarchive.commands.runs import runs_command
from qarchive.commands.serve import serve_command
from qarchive.progress import log_to_stderr, make_progress
from sample_sites.command import sample_site_command

DEFAULT_DB = "archive.db"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qarchive")
def cli() -> None:
    """qarchive: crawl technical Q&A pages politely into a SQLite archive.

    \b
    Example:
        qarchive demo
        qarchive parse saved-page.html --url https://wenku.csdn.net/answer/2kxyq3m7vd
    """


def _profile_option(function: Callable[..., None]) -> Callable[..., None]:
    return click.option(
        "--profile",
        type=click.Choice(profile_names()),
        help="Site profile to parse with, default: chosen by the page URL.",
    )(function)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--url", help="The page's URL, default: its <link rel=canonical>.")
@_profile_option
def parse(file: Path, url: str | None, profile: str | None) -> None:
    """Parse one saved page and print its record as JSON.

    \b
    Example:
        qarchive parse answer.html --url https://wenku.csdn.net/answer/2kxyq3m7vd
    """
    try:
        body = file.read_bytes()
    except OSError as error:
        raise click.ClickException(f"cannot read {file}: {error.strerror or error}") from None
    page_url = url or canonical_url(body)
    if not page_url:
        raise click.ClickException(f"{file}: no --url given and the page has no canonical link")
    try:
        page = parse_page(body, page_url, profile=profile)
    except ParseError as error:
        raise click.ClickException(f"{file}: {error.reason}") from None
    click.echo(json.dumps(page.to_record(), ensure_ascii=False, indent=2))


@cli.command(name="import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--db", "db_path", default=DEFAULT_DB,
              help="Archive to store into, created if missing, default archive.db.")
@click.option("--url", help="The page's URL (one FILE only), default: each page's canonical link.")
@_profile_option
def import_command(files: tuple[Path, ...], db_path: str, url: str | None,
                   profile: str | None) -> None:
    """Parse saved HTML files and store them in the archive.

    Bad files are reported and skipped; the rest are stored. Exits 1 if any
    file was skipped.

    \b
    Example:
        qarchive import saved/*.html --db archive.db
    """
    if url and len(files) > 1:
        raise click.UsageError("--url names one page: give exactly one FILE with it")
    with writer_lock(db_path, command="import"):
        db = open_archive_or_exit(db_path)
        report = import_files(
            db, files, url=url, profile=profile,
            on_skip=lambda name, reason: click.echo(f"skipped {name}: {reason}", err=True),
        )
    outcome = ", ".join(f"{count} {name}" for name, count in sorted(report.outcomes.items()))
    click.echo(f"stored {report.stored} page(s) in {db_path}" + (f" ({outcome})" if outcome else "")
               + (f"; skipped {len(report.skipped)}" if report.skipped else ""))
    if report.skipped:
        raise SystemExit(1)


@cli.command()
@click.option("--db", "db_path", default=DEFAULT_DB,
              help="Archive to crawl into, default archive.db (kept and added to if it exists).")
@click.option("--pages", default=300, type=click.IntRange(min=1),
              help="Answer pages on the sample site, default 300.")
@click.option("--seed", default=0, type=int, help="Sample site content seed, default 0.")
@click.option("--host", default="127.0.0.1",
              help="Interface Datasette listens on, default 127.0.0.1.")
@click.option("--port", default=8001, type=click.IntRange(0, 65535),
              help="Port Datasette listens on, default 8001.")
@click.option("--no-serve", is_flag=True, help="Stop after the crawl instead of serving it.")
def demo(db_path: str, pages: int, seed: int, host: str, port: int, no_serve: bool) -> None:
    """Crawl the bundled sample site into an archive, then browse it in Datasette.

    Starts the sample site on 127.0.0.1, crawls it with a progress bar, then
    serves the archive with Datasette and prints its URL until Ctrl-C.

    \b
    Example:
        qarchive demo
        qarchive demo --pages 1000 --db demo.db --no-serve
    """
    from publish import make_datasette, serve
    from qarchive.demo import crawl_sample_site, sample_site_for_demo

    with sample_site_for_demo(pages=pages, seed=seed) as site:
        # Locked while it writes; serving afterwards only reads.
        with writer_lock(db_path, command="demo"):
            open_archive_or_exit(db_path).close()  # a clear error before the crawl starts
            click.echo(f"sample site: {site.base_url}/ ({pages} answer pages)", err=True)
            progress = make_progress()
            with log_to_stderr(progress):
                report = crawl_sample_site(db_path, site, progress=progress)
        click.echo(report.summary(), err=True)
        if report.status == "interrupted":
            raise SystemExit(EXIT_INTERRUPTED)
        if no_serve:
            return
        datasette = make_datasette(db_path)
        click.echo(f"Datasette: http://{host}:{port}/archive  (a question: "
                   f"http://{host}:{port}/archive/questions/{site.site.page_id(0)}; "
                   "Ctrl+C to stop)", err=True)
        serve(datasette, host=host, port=port)


# Commands that live beside their library code.
cli.add_command(crawl_command)
cli.add_command(reparse_command)
cli.add_command(runs_command)
cli.add_command(watch_command)
cli.add_command(sample_site_command)
cli.add_command(serve_command)


if __name__ == "__main__":
    cli()
