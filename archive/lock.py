"""One writer per archive across processes: OS locks on the archive's real file.

A crawl started by cron while yesterday's is still running, or a reparse
during a crawl, would interleave two writers' runs in one archive. Each
command that writes takes an exclusive ``flock`` first, on two files:

- ``<archive>.lock`` beside the archive's *resolved* path (symlinks followed),
  which also says who holds it, for the message a second writer prints;
- the archive file itself (its inode) when it exists, so a hard link, a bind
  mount or any other name for the same file finds it taken too. SQLite's own
  locks are POSIX ``fcntl`` locks, independent of ``flock`` on Linux and the BSDs,
  so this one does not disturb them.

The kernel drops the locks when the process ends, however it ends, so a
``kill -9`` never leaves a stale lock to clean up; the sidecar file stays
(removing it could let a third process lock a file the second no longer
sees). SQLite's own locks are per transaction, not per run, so they cannot
do this. Datasette and ``qarchive runs`` only read and never take it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from archive.errors import ArchiveError, read_only_message

try:
    import fcntl
except ImportError:  # Windows: no flock; one writer at a time is then up to the user
    fcntl = None  # type: ignore[assignment]

__all__ = ["ArchiveBusy", "archive_lock", "lock_path"]


class ArchiveBusy(Exception):
    """Another process is writing the archive; the message says which, if it can."""


def lock_path(archive: str | os.PathLike[str]) -> Path:
    """The sidecar lock file, beside the archive's real file (symlinks resolved)."""
    return Path(f"{os.fspath(Path(archive).resolve())}.lock")


def _open_or_explain(archive: str | os.PathLike[str], path: Path, mode: str) -> IO[str]:
    try:
        return open(path, mode, encoding="utf-8")
    except OSError as error:
        if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise ArchiveError(read_only_message(
                archive, f"{error.strerror}: cannot create its lock {path.name}")) from None
        if error.errno == errno.ENOSPC:
            raise ArchiveError(f"{os.fspath(archive)}: disk full ({error.strerror}); "
                               "free some space and run again") from None
        raise ArchiveError(f"{os.fspath(archive)}: cannot lock it ({error.strerror})") from None


def _flock(handle: IO[str], *, wait: bool) -> bool:
    """Lock ``handle``; False when it is taken and ``wait`` is off."""
    assert fcntl is not None
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def archive_lock(
    archive: str | os.PathLike[str], *, command: str, wait: bool = False,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the archive's writer lock for the block.

    Raises ArchiveBusy at once when another process holds it, or, with
    ``wait``, blocks until it is released (calling ``on_wait`` first with the
    holder's description, so the user knows why nothing happens). Raises
    ArchiveError when the lock cannot be created (read-only media).
    """
    path = lock_path(archive)
    if fcntl is None or not path.parent.is_dir():
        # No flock here, or no folder (open_archive reports that one clearly).
        yield
        return
    real_file = Path(archive).resolve()
    with contextlib.ExitStack() as stack:
        handle = stack.enter_context(_open_or_explain(archive, path, "a+"))
        inode = (stack.enter_context(_open_or_explain(archive, real_file, "r"))
                 if real_file.is_file() else None)
        for locked, describe in ((handle, lambda: _holder(path)),
                                 (inode, lambda: "through another name for the same file")):
            if locked is None or _flock(locked, wait=False):
                continue
            holder = describe()
            if not wait:
                raise ArchiveBusy(
                    f"{os.fspath(archive)} is being written by another qarchive ({holder}); "
                    "try again when it has finished, or pass --wait"
                )
            if on_wait is not None:
                on_wait(holder)
            _flock(locked, wait=True)
        # Who holds it, for the message a second process prints.
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, {command}, since "
                     f"{time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            # Closing the files (the ExitStack) releases both locks.


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    return text or "unknown process"
