"""One writer per archive across processes: an OS lock on ``<archive>.lock``.

A crawl started by cron while yesterday's is still running, or a reparse
during a crawl, would interleave two writers' runs in one archive. Each
command that writes takes an exclusive ``flock`` on a sidecar file first.
The kernel drops the lock when the process ends, however it ends, so a
``kill -9`` never leaves a stale lock to clean up; the file itself stays
(removing it could let a third process lock a file the second no longer
sees). SQLite's own locks are per transaction, not per run, so they cannot
do this. Datasette and ``qarchive runs`` only read and never take it.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock; one writer at a time is then up to the user
    fcntl = None  # type: ignore[assignment]

__all__ = ["ArchiveBusy", "archive_lock", "lock_path"]


class ArchiveBusy(Exception):
    """Another process is writing the archive; the message says which, if it can."""


def lock_path(archive: str | os.PathLike[str]) -> Path:
    return Path(f"{os.fspath(archive)}.lock")


@contextlib.contextmanager
def archive_lock(
    archive: str | os.PathLike[str], *, command: str, wait: bool = False,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the archive's writer lock for the block.

    Raises ArchiveBusy at once when another process holds it, or, with
    ``wait``, blocks until it is released (calling ``on_wait`` first with the
    holder's description, so the user knows why nothing happens).
    """
    path = lock_path(archive)
    if fcntl is None or not path.parent.is_dir():
        # No flock here, or no folder (open_archive reports that one clearly).
        yield
        return
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(path)
            if not wait:
                raise ArchiveBusy(
                    f"{os.fspath(archive)} is being written by another qarchive ({holder}); "
                    "try again when it has finished, or pass --wait"
                ) from None
            if on_wait is not None:
                on_wait(holder)
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
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
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    return text or "unknown process"
