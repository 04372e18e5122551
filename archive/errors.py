"""The one error storage raises for a file it cannot use, and how SQLite's errors read."""

from __future__ import annotations

import errno
import os
import sqlite3

__all__ = [
    "ArchiveError",
    "ArchiveReadOnly",
    "database_error_message",
    "is_busy",
    "is_read_only",
    "read_only_message",
]


class ArchiveError(Exception):
    """The file cannot be used as an archive; the message says why and what to do."""


class ArchiveReadOnly(ArchiveError):
    """The archive can be read but not written (read-only file, folder or file system)."""


# SQLite's extended result codes (sqlite3.h), by their primary code (code & 0xff).
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


def _primary_code(error: sqlite3.Error) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def is_busy(error: sqlite3.Error) -> bool:
    """Another connection holds SQLite's lock (a program other than qarchive, say)."""
    code = _primary_code(error)
    if code is not None:
        return code in (_SQLITE_BUSY, _SQLITE_LOCKED)
    return "locked" in str(error) or "busy" in str(error)


def is_read_only(error: sqlite3.Error) -> bool:
    return _primary_code(error) == _SQLITE_READONLY or "readonly database" in str(error)


def read_only_message(path: str | os.PathLike[str], reason: str) -> str:
    return f"cannot write {os.fspath(path)}: read-only ({reason})"


def database_error_message(path: str | os.PathLike[str], error: BaseException, *,
                           fallback: str = "cannot use the archive") -> str:
    """One line for a database or OS error met while using the archive at ``path``."""
    name = os.fspath(path)
    if isinstance(error, OSError):
        if error.errno == errno.ENOSPC:
            return f"{name}: disk full ({error.strerror}); free some space and run again"
        if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return read_only_message(name, error.strerror or str(error))
        return f"{name}: {error.strerror or error}"
    if not isinstance(error, sqlite3.Error):
        return f"{name}: {type(error).__name__}: {error}"
    code = _primary_code(error)
    text = str(error)
    if code == _SQLITE_FULL or "disk is full" in text:
        return (f"{name}: disk full ({text}); free some space and run again: "
                "what was stored before stays")
    if code == _SQLITE_READONLY or "readonly database" in text:
        return read_only_message(name, text)
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return f"{name}: not a usable qarchive archive ({text})"
    if code == _SQLITE_IOERR:
        return f"{name}: I/O error ({text})"
    return f"{name}: {fallback} ({text})"
