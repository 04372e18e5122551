"""`qarchive parse`: one saved page's record as JSON (parsers/ does the work)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from parsers import ParseError, canonical_url, parse_page
from qarchive.options import profile_option

__all__ = ["parse_command"]


@click.command(name="parse", short_help="Print one saved page's record as JSON.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--url", help="The page's URL, default: its <link rel=canonical>.")
@profile_option()
def parse_command(file: Path, url: str | None, profile: str | None) -> None:
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
