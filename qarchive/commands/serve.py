"""`qarchive serve`: the archive in Datasette (publish/datasette.py does the work)."""

from __future__ import annotations

import click

from qarchive.options import archive_errors, db_option

__all__ = ["serve_command"]


@click.command(name="serve")
@db_option("Archive to serve, default {default} (read-only; a crawl may keep writing).",
           show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on, default 127.0.0.1 (this machine only).")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on, default 8001.")
def serve_command(db_path: str, host: str, port: int) -> None:
    """Browse and search the archive in Datasette, with charts and question pages.

    \b
    Example:
        qarchive serve --db archive.db --port 8001
        # then open http://127.0.0.1:8001/archive/questions
    """
    from publish import make_datasette, serve

    with archive_errors():
        datasette = make_datasette(db_path)  # validates (and upgrades) the archive
    click.echo(f"serving {db_path} at http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    serve(datasette, host=host, port=port)
