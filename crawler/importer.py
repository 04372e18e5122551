"""`qarchive import`: store saved HTML files, and WARC files, through the crawler's own
storing path (a WARC's records: crawler/warc_import.py).

Each file is on its own: one that cannot be read, is too large, does not parse or
crashes the parser or the store is skipped with a one-line reason, and the others
are stored. Only the archive itself failing (disk full, read-only, an I/O error)
stops the batch, since every later file would fail the same way. Whatever happens,
the run's row is finished: ``finished``, ``interrupted`` (Ctrl-C) or ``failed``.
"""

from __future__ import annotations

import gc
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from archive import Archive, FetchedPage, RunCounts, utc_now
from archive.bodies import DictionaryUpkeep, body_site
from crawler.reasons import error_reason
from crawler.settings import CrawlSettings
from crawler.warc_import import WarcCounts, import_warc, is_warc, warc_files
from crawler.writers import train_dictionaries
from parsers import ParseError, canonical_url, choose_profile

__all__ = ["ImportReport", "import_files", "import_size"]

# What a file may weigh: what the crawler would download of a page (max_body_bytes).
DEFAULT_MAX_BYTES = CrawlSettings().max_body_bytes
# Python's cyclic collector while importing: a young collection every 10,000 container
# allocations (not 700), an older one every 10 of those. An import makes many
# short-lived objects (a parsed page, its rows) and few cycles, and every third-generation
# collection walks every object of the process: the default thresholds cost ~3% of a WARC
# import's CPU (bench/notes.md, "Import after schema 19"). Cycles are still collected.
IMPORT_GC_THRESHOLD = (10_000, 10, 10)
# SQLite's page cache during an import, in KiB (its default is 2 MiB): a batch of 2,000
# pages (crawler/warc_import.py) changes more database pages than that, and SQLite wrote
# them out mid-transaction and read them back. 32 MiB took 1-3 % off an import of 3,000
# or 10,000 sample pages, 64 MiB no more (bench/notes.md, "Import batches"); the memory
# is given back when the import ends.
IMPORT_PAGE_CACHE_KIB = 32 * 1024


@dataclass(slots=True)
class ImportReport:
    outcomes: Counter[str] = field(default_factory=Counter)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    status: str = "finished"
    warc: WarcCounts = field(default_factory=WarcCounts)  # the WARC files' records

    @property
    def stored(self) -> int:
        return sum(self.outcomes.values())


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """The collector at IMPORT_GC_THRESHOLD while the block runs, as it was after."""
    before = gc.get_threshold()
    gc.set_threshold(*IMPORT_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _read_capped(path: Path, max_bytes: int) -> bytes | str:
    """The file's bytes, or why not (never reading more than ``max_bytes`` + 1)."""
    try:
        with path.open("rb") as handle:
            body = handle.read(max_bytes + 1)
    except OSError as error:
        return f"cannot read: {error.strerror or error}"
    if len(body) > max_bytes:
        return (f"larger than {max_bytes:,} bytes (the crawl's max_body_bytes); "
                "not a single answer page")
    return body


def import_files(
    db: Archive,
    paths: Iterable[Path],
    *,
    url: str | None = None,
    profile: str | None = None,
    on_skip: Callable[[str, str], None] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Parse and store each file; a bad file is reported and skipped, the rest stored.

    A WARC file (``.warc``, ``.warc.gz``) stores the pages among its records; a folder,
    the WARC files in it. ``on_progress(bytes)``: how much of the files (``import_size``)
    has been read.

    Raises sqlite3.DatabaseError when the archive cannot be written (the run row is
    marked failed when it still can be) and KeyboardInterrupt (marked interrupted).
    """
    report = ImportReport()
    run_id = db.start_run(command="import", options={"url": url, "profile": profile})
    # A site's compression dictionary is trained once it has enough pages, as in a crawl.
    upkeep = DictionaryUpkeep(db.bodies)
    done = 0  # bytes of the files read so far (the progress bar's)

    def at(position: int) -> None:
        if on_progress is not None:
            on_progress(done + position)

    try:
        with _fewer_collections(), db.temporary_files_in_memory(), \
                db.page_cache(IMPORT_PAGE_CACHE_KIB):
            for path in _expanded(paths, report=report, on_skip=on_skip):
                if is_warc(path):
                    try:
                        import_warc(db, path, run_id=run_id, outcomes=report.outcomes,
                                    counts=report.warc, profile=profile, max_bytes=max_bytes,
                                    on_bad=lambda where, why: _skip(report, on_skip, where, why),
                                    on_position=at, upkeep=upkeep)
                    except sqlite3.DatabaseError:
                        raise
                    except OSError as error:
                        _skip(report, on_skip, str(path),
                              f"cannot read: {error.strerror or error}")
                else:
                    reason = _import_one(db, path, url=url, profile=profile, run_id=run_id,
                                         max_bytes=max_bytes, report=report, upkeep=upkeep)
                    if reason is not None:
                        _skip(report, on_skip, str(path), reason)
                done += _size(path)
                at(0)
    except KeyboardInterrupt:
        report.status = "interrupted"
        raise
    except BaseException:
        report.status = "failed"
        raise
    finally:
        counts = RunCounts(failed=len(report.skipped))
        counts.update(report.outcomes)
        try:
            db.finish_run(run_id, status=report.status, counts=counts)
        except sqlite3.DatabaseError:
            if report.status == "finished":
                raise
            # The archive is what failed (disk full): the original error says so.
    db.release_free_pages()
    return report


def _expanded(paths: Iterable[Path], *, report: ImportReport,
              on_skip: Callable[[str, str], None] | None) -> Iterable[Path]:
    """The files to import: each path, or the WARC files in a folder."""
    for path in paths:
        if not path.is_dir():
            yield path
            continue
        found = warc_files(path)
        if not found:
            _skip(report, on_skip, str(path), "no .warc or .warc.gz files in this folder")
        yield from found


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def import_size(paths: Iterable[Path]) -> int:
    """The bytes ``import_files`` will read: the files, and the WARC files of folders."""
    return sum(_size(file) for path in paths
               for file in (warc_files(path) if path.is_dir() else [path]))


def _import_one(db: Archive, path: Path, *, url: str | None, profile: str | None,
                run_id: int, max_bytes: int, report: ImportReport,
                upkeep: DictionaryUpkeep) -> str | None:
    """Store one file; None when stored, else why it was skipped."""
    body = _read_capped(path, max_bytes)
    if isinstance(body, str):
        return body
    try:
        page_url = url or canonical_url(body)
        if not page_url:
            return "no --url given and the page has no canonical link"
        chosen = choose_profile(page_url, name=profile or None, body=body)
        page = chosen.parse(body, page_url)
    except ParseError as error:
        return error.reason
    except Exception as error:  # a parser bug a hostile file found: this file only
        return error_reason(error)
    fetch = FetchedPage(url=page_url, status=None, fetched_at=utc_now(),
                        content_type="text/html", body=body)
    try:
        # One transaction: a failure rolls this page back alone.
        outcome = db.record_fetched_page(fetch, page=page,
                                         parser_version=chosen.parser_version, run_id=run_id)
    except sqlite3.DatabaseError:
        raise  # the archive, not the file: every later file would fail too
    except Exception as error:
        return error_reason(error)
    if outcome:
        report.outcomes[outcome] += 1
    train_dictionaries(upkeep, [body_site(page_url, page.site)])
    return None


def _skip(
    report: ImportReport, on_skip: Callable[[str, str], None] | None, name: str, reason: str
) -> None:
    report.skipped.append((name, reason))
    if on_skip is not None:
        on_skip(name, reason)
