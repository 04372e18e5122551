"""``qarchive compact``: every raw page moved to its site's newest compression dictionary.

An archive crawled before version 13 holds zlib bodies (3x); one crawled since,
plain zstd bodies stored before their site had a dictionary, and bodies of older
dictionary versions. Compact trains the dictionaries the sites need (as the
crawl's writer does), then rewrites each body that is not in its site's newest
one, in place.

Safe to kill at any moment, like a crawl: bodies are rewritten a few dozen per
transaction, each only if the row still holds what was read, and only after
the new blob was read back to the same bytes (checked against the page's
content_hash, sha256 of the raw body). A killed compact leaves every body either
as it was or recompressed, and running it again goes on. A body that cannot be
read is left as it is and reported with its reason.

At the end the free pages go back to the file system (``PRAGMA incremental_vacuum``,
archive.release_free_pages) in an archive made since 0.2. ``VACUUM`` only when asked:
it rewrites the whole file and needs as much free space again, and it turns an older
archive's auto_vacuum to INCREMENTAL, so that from then on every run gives its free
pages back too.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from archive.archive import Archive
from archive.bodies import BodyUnreadable, TrainedDictionary, body_site

__all__ = ["CompactReport", "compact_archive"]

# Bodies rewritten per transaction: small, so a kill loses little work and readers
# (Datasette) are never held up; a few ms each.
_BATCH = 50


@dataclass(slots=True)
class CompactReport:
    pages: int = 0  # stored bodies
    recompressed: int = 0
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    trained: list[TrainedDictionary] = field(default_factory=list)
    dictionaries_dropped: int = 0
    body_bytes_before: int = 0
    body_bytes_after: int = 0
    raw_bytes: int = 0  # the bodies uncompressed
    file_bytes_before: int = 0
    file_bytes_after: int = 0
    vacuumed: bool = False
    # Free pages given back without a VACUUM; None: the archive (made before 0.2) cannot.
    released_pages: int | None = None
    elapsed: float = 0.0

    def summary(self) -> list[str]:
        lines = [f"compact: {self.recompressed} of {self.pages} page bodies recompressed "
                 f"in {self.elapsed:.1f} s"]
        lines += [trained.describe() for trained in self.trained]
        raw = self.raw_bytes or 1
        lines.append(f"raw pages: {_mb(self.body_bytes_before)} -> {_mb(self.body_bytes_after)} "
                     f"({self.body_bytes_before / raw:.3f}x -> {self.body_bytes_after / raw:.3f}x "
                     f"the {_mb(self.raw_bytes)} of HTML)")
        kept = not self.vacuumed and self.released_pages is None
        lines.append(f"archive file: {_mb(self.file_bytes_before)} -> "
                     f"{_mb(self.file_bytes_after)}" + (" (free pages kept; --vacuum returns "
                                                         "them to the file system, and makes "
                                                         "every later run return its own)"
                                                         if kept else ""))
        if self.dictionaries_dropped:
            lines.append(f"{self.dictionaries_dropped} compression dictionaries no page "
                         "needs any more were deleted")
        lines += [f"unreadable, left as it is: {url}: {reason}"
                  for url, reason in self.unreadable]
        return lines


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _file_bytes(db: Archive) -> int:
    """The archive file and its WAL."""
    path = db.file
    if path is None:
        return 0
    return sum(os.path.getsize(name) for name in (path, f"{path}-wal")
               if os.path.exists(name))


def compact_archive(
    db: Archive, *, vacuum: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> CompactReport:
    """Train the dictionaries sites need, then move every body to its site's newest one.

    ``on_progress(done, total)`` after each transaction. The caller holds the
    archive's writer lock (archive/lock.py), as a crawl does.
    """
    started = time.monotonic()
    store = db.bodies
    report = CompactReport(file_bytes_before=_file_bytes(db))
    report.pages, report.raw_bytes, report.body_bytes_before = (int(value or 0) for value in
        db.execute("SELECT count(*), sum(body_size), sum(length(body)) FROM pages "
                   "WHERE body IS NOT NULL").fetchone())
    sites = [site for (site,) in db.execute(
        "SELECT DISTINCT site FROM pages WHERE site IS NOT NULL AND body IS NOT NULL")]
    for site in sites:
        trained = store.upkeep(site)
        if trained is not None:
            report.trained.append(trained)
            report.recompressed += trained.rewritten
    newest = {site: dictionary_id for site, dictionary_id in db.execute(
        "SELECT site, id FROM compression_dictionaries d WHERE version = "
        "(SELECT MAX(version) FROM compression_dictionaries WHERE site = d.site)")}
    todo = []
    for rowid, url, site, dictionary_id in db.execute(
            "SELECT rowid, url, site, dictionary_id FROM pages WHERE body IS NOT NULL "
            "ORDER BY rowid"):
        target = newest.get(body_site(url, site))
        if target is not None and dictionary_id != target:
            todo.append((rowid, target))
    if on_progress is not None:
        on_progress(0, len(todo))
    for start in range(0, len(todo), _BATCH):
        chunk = todo[start:start + _BATCH]
        rows = []
        for rowid, target in chunk:
            url, blob, codec, dictionary_id, content_hash = db.execute(
                "SELECT url, body, body_codec, dictionary_id, content_hash FROM pages "
                "WHERE rowid = ?", [rowid]).fetchone()
            try:
                body = store.decompress(blob, codec, dictionary_id)
            except BodyUnreadable as error:
                report.unreadable.append((url, str(error)))
                continue
            if content_hash is not None and hashlib.sha256(body).hexdigest() != content_hash:
                report.unreadable.append((url, "the body does not match its content_hash"))
                continue
            rows.append((rowid, body, codec, dictionary_id, target))
        report.recompressed += store.recompress(rows)
        if on_progress is not None:
            on_progress(min(start + _BATCH, len(todo)), len(todo))
    report.dictionaries_dropped = store.drop_unused_dictionaries()
    report.body_bytes_after = int(db.execute(
        "SELECT coalesce(sum(length(body)), 0) FROM pages WHERE body IS NOT NULL"
    ).fetchone()[0])
    if not vacuum and db.gives_back_free_pages:
        report.released_pages = db.release_free_pages(max_seconds=None)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if vacuum:
        # An archive made before 0.2: the mode changes only when VACUUM rebuilds the file.
        db.execute("PRAGMA auto_vacuum = INCREMENTAL")
        db.execute("VACUUM")
        # In WAL mode VACUUM writes the new file's pages to the WAL first.
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        report.vacuumed = True
    report.file_bytes_after = _file_bytes(db)
    report.elapsed = time.monotonic() - started
    return report
