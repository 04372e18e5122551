"""`qarchive serve`: the archive in Datasette (publish/datasette.py does the work)."""

from __future__ import annotations

import contextlib

import click

from qarchive.listen import listen_or_exit
from qarchive.options import archive_errors, db_option

__all__ = ["serve_command"]


@click.command(name="serve", short_help="Browse and search the archive in Datasette.")
@db_option("Archive to serve, default {default} (read-only; a crawl may keep writing).")
@click.option("--host", default="127.0.0.1",
              help="Interface to listen on, default 127.0.0.1 (this machine only).")
@click.option("--port", default=8001, type=click.IntRange(0, 65535),
              help="Port to listen on, default 8001.")
def serve_command(db_path: str, host: str, port: int) -> None:
    """Browse and search the archive in Datasette, with charts and question pages.

    \b
    Example:
        qarchive serve --db archive.db --port 8001
        # then open http://127.0.0.1:8001/archive/questions
    """
    from publish import make_datasette, serve

    with archive_errors(db_path):
        datasette = make_datasette(db_path)  # validates the archive
    with contextlib.closing(listen_or_exit(host, port, what="Datasette")) as sock:
        click.echo(f"serving {db_path} at http://{host}:{sock.getsockname()[1]}/ "
                   "(Ctrl+C to stop)", err=True)
        serve(datasette, sock=sock)
