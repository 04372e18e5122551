"""Publishing an archive with Datasette: ``make_datasette`` (tests, ``serve``) and ``serve``.

Datasette only reads: the archive is opened as a mutable file (not
``immutable``, so rows a running crawl commits show up), through Datasette's
``mode=ro`` connections, with no plugin that writes. The metadata, templates
and plugin live in schema/ (shipped as package data, see
``archive.schema_files``); schema/README.md describes them.
"""

from __future__ import annotations

import contextlib
import copy
import socket
from pathlib import Path
from typing import Any

import yaml
from datasette.app import Datasette
from datasette.database import Database

from archive import open_archive
from archive.archive import folder_writable
from archive.errors import ArchiveReadOnly
from archive.schema_files import schema_dir

__all__ = ["DATABASE_NAME", "DEFAULT_SETTINGS", "load_metadata", "make_datasette", "serve"]

# The archive is served under this name whatever its file is called, so
# URLs (/archive/questions) and the metadata's keys never change.
DATABASE_NAME = "archive"

DEFAULT_SETTINGS: dict[str, Any] = {
    # A query slower than this is stopped: the archive is served while a crawl
    # writes, and one heavy ad-hoc query must not starve the other readers.
    "sql_time_limit_ms": 3000,
    # Facet suggestions run a query per column on every table page (~430 ms on
    # 100k questions); the useful facets are configured in metadata instead.
    "suggest_facets": False,
    "facet_time_limit_ms": 500,
    # Rows of scraped text are long; a page of 50 still reads comfortably.
    "default_page_size": 50,
    "truncate_cells_html": 300,
}

# Added to the failures query when the archive has a crawl frontier (migration 0002).
_FRONTIER_FAILURES = """
union all
select 'frontier ' || state, url, last_status, updated_at, last_error, last_run
from frontier
where state in ('failed', 'blocked')"""


def load_metadata(*, frontier: bool = True) -> dict[str, Any]:
    """schema/metadata.yaml as a dict, with the parts that depend on the archive's tables."""
    metadata = yaml.safe_load((schema_dir() / "metadata.yaml").read_text(encoding="utf-8"))
    metadata = copy.deepcopy(metadata)
    if frontier:
        query = metadata["databases"][DATABASE_NAME]["queries"]["failures"]
        query["sql"] = query["sql"].rstrip() + _FRONTIER_FAILURES
    return dict(metadata)


def _check_archive(db_path: Path) -> tuple[set[str], bool]:
    """Validate (and upgrade) the archive; returns its table names, and whether it is
    read-only media (served immutable).

    Raises ArchiveError for a missing file or one that is not an archive.
    Upgrading here means an archive made by an older qarchive gets its search
    tables before Datasette looks for them; an archive on read-only media is
    served as it is, read-only.
    """
    try:
        db = open_archive(db_path, create=False)
    except ArchiveReadOnly:
        db = open_archive(db_path, create=False, readonly=True)
    try:
        return set(db.table_names()), not folder_writable(db_path)
    finally:
        db.conn.close()


def make_datasette(
    db_path: str | Path,
    *,
    settings: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Datasette:
    """A Datasette serving the archive at ``db_path`` with qarchive's metadata and plugin.

    ``settings`` override DEFAULT_SETTINGS; ``metadata`` replaces the shipped
    metadata (tests). Raises ArchiveError when the file is not an archive.
    """
    path = Path(db_path)
    tables, read_only_media = _check_archive(path)
    schema = schema_dir()
    datasette = Datasette(
        [],
        metadata=metadata if metadata is not None else load_metadata(
            frontier="frontier" in tables
        ),
        template_dir=str(schema / "templates"),
        plugins_dir=str(schema / "plugins"),
        settings={**DEFAULT_SETTINGS, **(settings or {})},
    )
    # Datasette([]) adds an in-memory database to have something to show.
    if "_memory" in datasette.databases:
        datasette.remove_database("_memory")
    # is_mutable: read through mode=ro connections, seeing new commits (WAL);
    # immutable=1 would let SQLite skip locking and read half-written pages. Only where
    # the folder is read-only (no crawl can be writing there, and mode=ro cannot create
    # the -shm file a WAL reader needs) is it served immutable.
    datasette.add_database(
        Database(datasette, path=str(path.resolve()), is_mutable=not read_only_media),
        name=DATABASE_NAME,
    )
    return datasette


def serve(
    archive: str | Path | Datasette,
    *,
    sock: socket.socket,
    settings: dict[str, Any] | None = None,
) -> None:
    """Serve the archive (a path, or a Datasette from make_datasette) on a listening
    socket until interrupted. The caller binds it, so a taken port is known first."""
    import uvicorn

    datasette = (
        archive if isinstance(archive, Datasette) else make_datasette(archive, settings=settings)
    )
    # lifespan off: Datasette runs its start-up on the first request anyway, and an
    # interrupted lifespan task printed a traceback on Ctrl-C. uvicorn re-raises the
    # SIGINT it caught once it has shut down: that is the normal way out here.
    config = uvicorn.Config(datasette.app(), log_level="warning", lifespan="off")
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[sock])
