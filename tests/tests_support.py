"""Helpers shared by test modules (not fixtures)."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE_URL = "https://wenku.csdn.net/answer/2kxyq3m7vd"
ARCHIVE_TABLES = ("questions", "related_questions", "resources", "question_resources")


def snapshot(db: sqlite_utils.Database, tables: tuple[str, ...] = ARCHIVE_TABLES) -> dict:
    """Every row of the archive tables, ordered, for before/after comparisons."""
    return {
        table: sorted(tuple(row.values()) for row in db[table].rows) for table in tables
    }
