"""crawl_runs rows: one per crawl, import or reparse, with its options and counts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from archive import utc_now

__all__ = ["RUN_COUNTS", "RunSummary", "finish_run", "format_runs", "recent_runs", "start_run"]

RUN_COUNTS = ("fetched", "new", "updated", "unchanged", "gone", "failed", "blocked", "retried")


def start_run(db: sqlite_utils.Database, *, command: str, options: Mapping[str, Any]) -> int:
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO crawl_runs (started_at, status, command, options) "
            "VALUES (?, 'running', ?, ?)",
            [utc_now(), command, json.dumps(dict(options), ensure_ascii=False, default=str)],
        )
    return int(cursor.lastrowid or 0)


def finish_run(
    db: sqlite_utils.Database, run_id: int, *, status: str, counts: Mapping[str, int]
) -> None:
    known = {name: int(counts.get(name, 0)) for name in RUN_COUNTS}
    with db.atomic():
        db.execute(
            "UPDATE crawl_runs SET finished_at = ?, status = ?, "
            + ", ".join(f"{name} = ?" for name in known) + " WHERE id = ?",
            [utc_now(), status, *known.values(), run_id],
        )


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One crawl_runs row as `qarchive runs` shows it."""

    id: int
    command: str | None
    status: str
    started_at: str
    finished_at: str | None
    seconds: float | None  # None while running (or after a kill)
    counts: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def recent_runs(db: sqlite_utils.Database, *, limit: int = 20) -> list[RunSummary]:
    """The newest ``limit`` runs, newest first (none in an archive not yet written)."""
    if not db["crawl_runs"].exists():
        return []
    columns = set(db["crawl_runs"].columns_dict)  # an archive not yet upgraded lacks some
    counts = [name for name in RUN_COUNTS if name in columns]
    rows = db.execute(
        "SELECT id, command, status, started_at, finished_at, " + ", ".join(counts)
        + " FROM crawl_runs ORDER BY id DESC LIMIT ?", [limit]).fetchall()
    return [
        RunSummary(id=row[0], command=row[1], status=row[2], started_at=row[3],
                   finished_at=row[4], seconds=_seconds(row[3], row[4]),
                   counts={name: int(value or 0) for name, value in zip(counts, row[5:],
                                                                          strict=True)})
        for row in rows
    ]


def _seconds(started_at: str, finished_at: str | None) -> float | None:
    if not finished_at:
        return None
    try:
        return (datetime.fromisoformat(finished_at)
                - datetime.fromisoformat(started_at)).total_seconds()
    except ValueError:
        return None


def format_runs(runs: list[RunSummary]) -> str:
    """A plain-text table, one run a line, newest first."""
    header = ["run", "command", "status", "started (UTC)", "took", *RUN_COUNTS]
    lines = [header]
    for run in runs:
        took = "-" if run.seconds is None else f"{run.seconds:.0f}s"
        lines.append([str(run.id), run.command or "", run.status,
                      run.started_at.replace("T", " ").removesuffix("+00:00"), took,
                      *(str(run.counts.get(name, 0)) for name in RUN_COUNTS)])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    # Text columns left-aligned, numbers right-aligned.
    return "\n".join(
        "  ".join(cell.ljust(width) if i < 5 else cell.rjust(width)
                  for i, (cell, width) in enumerate(zip(line, widths, strict=True))).rstrip()
        for line in lines)
