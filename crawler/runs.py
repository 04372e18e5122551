"""crawl_runs rows: one per crawl, import or reparse, with its options and counts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlite_utils

from crawler.archive import utc_now

__all__ = ["RUN_COUNTS", "finish_run", "start_run"]

RUN_COUNTS = ("fetched", "new", "updated", "unchanged", "failed", "blocked", "retried")


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
