"""The schema's versions: schema/migrations/NNNN_name.sql or .py, applied in order.

Each migration runs in its own transaction together with the version bump
(``PRAGMA user_version``), so an interrupted upgrade leaves the archive at the
previous version. Migrations stand alone: a ``.py`` one imports no qarchive
code, which changes under it, and carries its own copy of what it needs.
"""

from __future__ import annotations

import importlib.util
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from archive.errors import ArchiveError
from archive.schema_files import schema_dir

__all__ = ["APPLICATION_ID", "apply_migrations", "migrations", "schema_version"]

# PRAGMA application_id marks a file as a qarchive archive ("qarc").
APPLICATION_ID = 0x71617263


def migrations(folder: Path | None = None) -> list[tuple[int, str, Path]]:
    """``(version, name, path)`` for every migration in ``folder`` (default: shipped), in order.

    A migration is ``NNNN_name.sql`` (statements) or ``NNNN_name.py`` with a
    ``migrate(db)`` function, for steps SQL cannot do alone (segmenting
    existing text for search, say).
    """
    found = []
    for path in (folder or schema_dir() / "migrations").glob("[0-9][0-9][0-9][0-9]_*.*"):
        if path.suffix in (".sql", ".py"):
            found.append((int(path.name[:4]), path.stem, path))
    return sorted(found)


def schema_version(db: sqlite_utils.Database) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def apply_migrations(
    db: sqlite_utils.Database, *, target: int | None = None, folder: Path | None = None
) -> list[str]:
    """Bring the archive up to ``target`` (default: the newest); returns what was applied."""
    applied = []
    current = schema_version(db)
    for version, name, path in migrations(folder):
        if version <= current or (target is not None and version > target):
            continue
        with db.atomic():
            _run_migration(db, path)
            db.execute(f"PRAGMA user_version = {version:d}")
            db.execute(f"PRAGMA application_id = {APPLICATION_ID:d}")
        applied.append(name)
    return applied


def _run_migration(db: sqlite_utils.Database, path: Path) -> None:
    if path.suffix == ".sql":
        for statement in _statements(path.read_text(encoding="utf-8")):
            db.execute(statement)
        return
    spec = importlib.util.spec_from_file_location(f"qarchive_migration_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ArchiveError(f"cannot load migration {path.name}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.migrate(db)


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in text.splitlines())


def _statements(script: str) -> Iterator[str]:
    """Split a migration into statements (sqlite3.complete_statement knows about triggers)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if not _only_comments(buffer):
                yield buffer.strip()
            buffer = ""
    if not _only_comments(buffer):
        raise ArchiveError(f"incomplete SQL statement in migration: {buffer[:60]!r}")
