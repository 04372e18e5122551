"""`qarchive runs`: the archive's recent runs, for people and for monitoring scripts."""

from __future__ import annotations

import json

import click

from archive import format_runs
from qarchive.options import archive_errors, db_option, open_archive_or_exit

__all__ = ["runs_command"]


@click.command(name="runs", short_help="List recent runs and their counts.")
@db_option("Archive whose runs to list, default {default}.")
@click.option("--limit", default=20, type=click.IntRange(min=1),
              help="How many runs, newest first, default 20.")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON array of runs instead of a table.")
def runs_command(db_path: str, limit: int, as_json: bool) -> None:
    """List recent crawl, import and reparse runs with their counts.

    Read-only: safe while a crawl is running, and on read-only media.

    \b
    Example:
        qarchive runs --db archive.db --limit 5
        qarchive runs --json | jq '.[0].status'
    """
    db = open_archive_or_exit(db_path, create=False, readonly=True)
    try:
        with archive_errors(db_path):
            runs = db.recent_runs(limit=limit)
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps([run.to_json() for run in runs], ensure_ascii=False, indent=2))
    elif runs:
        click.echo(format_runs(runs))
    else:
        click.echo(f"no runs yet in {db_path}", err=True)
