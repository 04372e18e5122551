"""`qarchive import FILE.warc[.gz]`: pages other crawlers captured, parsed into the archive.

Reads WARC files (any tool's: wget, warcio's capture_http, Browsertrix, Heritrix,
qarchive's own export) with warcio, Webrecorder's WARC library, which also undoes
chunked transfer and gzip/deflate/brotli content encoding the way a browser would::

    WARC file ─▶ records ─▶ response 200 HTML / HTML resource ─▶ choose_profile ─▶ parse
                                                       ─▶ Archive.record_fetched_page

A record's capture time (``WARC-Date``) becomes the page's ``fetched_at``, its status
line and headers are kept as the crawler keeps a fetch's. Records no profile knows
(images, CSS, other pages of the site) are counted and skipped; requests, metadata and
the like are not pages. A bad record (a broken gzip member, a header block that does
not parse, a body shorter than its Content-Length, a digest that does not match) costs
that record: it is reported with its offset and the reading goes on at the next record
that reads. A capture older than the archive's copy of its URL does not replace it.

Pages are stored a batch at a time, each page in a savepoint of its own (as the crawl's
writer does, crawler/writers.py): a kill loses at most the batch being written. After
each batch, as after a crawl's, the sites that now have enough pages get their
compression dictionary (archive/bodies.py): an imported archive's raw pages are as
small as a crawled one's.
"""

from __future__ import annotations

import contextlib
import io
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from archive import Archive, FetchedPage
from archive.bodies import DictionaryUpkeep, body_site
from archive.fetched import bounded_headers
from archive.search import PendingIndex
from crawler.content_type import charset_of, is_html
from crawler.reasons import error_reason
from crawler.settings import CrawlSettings
from crawler.writers import store_optimistically, train_dictionaries
from parsers import ParseError, choose_profile

__all__ = ["WarcCounts", "import_warc", "is_warc", "warc_files"]

WARC_SUFFIXES = (".warc", ".warc.gz")
# Pages stored in one transaction: per-page commits would cost more than the parse.
BATCH_SIZE = 200
# Where a record can start when the reading has to find its feet after a bad one: a
# gzip member (RFC 1952 §2.3.1: ID1 ID2 CM=deflate) or an uncompressed WARC header.
_GZIP_MEMBER = b"\x1f\x8b\x08"
_WARC_START = b"WARC/1."
_SCAN_CHUNK = 1 << 20
# Header counts and sizes kept, as the crawler keeps them (crawler/settings.py).
_MAX_HEADERS = CrawlSettings().max_stored_headers
_MAX_HEADER_BYTES = CrawlSettings().max_stored_header_bytes


def is_warc(path: Path) -> bool:
    return path.name.lower().endswith(WARC_SUFFIXES)


def warc_files(folder: Path) -> list[Path]:
    """The WARC files in ``folder`` and below, in name order."""
    return sorted(path for path in folder.rglob("*") if path.is_file() and is_warc(path))


@dataclass(slots=True)
class WarcCounts:
    """What the records of a WARC import came to, besides the pages stored."""

    records: int = 0
    unknown: int = 0      # HTML responses no site profile knows (or that did not parse)
    not_pages: int = 0    # requests, metadata, non-HTML and non-200 responses, ...
    older: int = 0        # captures older than the archive's copy of their URL
    bad: int = 0          # records that could not be read (each reported)
    skip_reasons: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class _Capture:
    url: str
    status: int | None
    fetched_at: str
    body: bytes
    content_type: str | None
    http_version: str | None = None
    reason: str | None = None
    headers: list[tuple[str, str]] | None = None


def import_warc(
    db: Archive,
    path: Path,
    *,
    run_id: int,
    outcomes: Counter[str],
    counts: WarcCounts,
    profile: str | None = None,
    max_bytes: int,
    on_bad: Callable[[str, str], None],
    on_position: Callable[[int], None] | None = None,
    upkeep: DictionaryUpkeep | None = None,
) -> None:
    """Parse and store the pages in one WARC file; ``outcomes`` and ``counts`` add up.

    ``on_bad(where, reason)`` is called for each record that could not be read;
    ``on_position(byte)`` as the file is read (a progress bar); ``upkeep``: the import's
    compression dictionaries, trained after each batch. Raises sqlite3.DatabaseError
    when the archive cannot be written, OSError when the file cannot be opened.
    """
    batch: list[tuple[FetchedPage, Any, int | None, str | None]] = []

    def flush() -> None:
        if batch:
            sites = _store(db, batch, run_id=run_id, outcomes=outcomes, counts=counts)
            batch.clear()
            if upkeep is not None:
                train_dictionaries(upkeep, sites)

    with path.open("rb") as handle:
        for capture in _captures(handle, str(path), counts=counts, max_bytes=max_bytes,
                                 on_bad=on_bad, on_position=on_position):
            parsed = _parse(capture, profile=profile, counts=counts)
            if parsed is None:
                continue
            batch.append(parsed)
            if len(batch) >= BATCH_SIZE:
                flush()
        flush()


def _parse(capture: _Capture, *, profile: str | None, counts: WarcCounts
           ) -> tuple[FetchedPage, Any, int | None, str | None] | None:
    """The capture as a fetch and its parsed page, or None when no profile knows it."""
    charset = charset_of(capture.content_type)
    try:
        chosen = choose_profile(capture.url, name=profile, body=capture.body)
        page = chosen.parse(capture.body, capture.url, charset=charset)
    except ParseError as error:
        counts.unknown += 1
        counts.skip_reasons[error.reason] += 1
        return None
    except Exception as error:  # a parser bug a hostile record found: this record only
        counts.unknown += 1
        counts.skip_reasons[error_reason(error)] += 1
        return None
    fetch = FetchedPage(url=capture.url, status=capture.status, fetched_at=capture.fetched_at,
                        final_url=capture.url, content_type=capture.content_type,
                        charset=charset, body=capture.body, http_version=capture.http_version,
                        reason=capture.reason, headers=capture.headers,
                        etag=_header(capture.headers, "etag"),
                        last_modified=_header(capture.headers, "last-modified"))
    return fetch, page, chosen.parser_version, None


def _store(db: Archive, batch: list[tuple[FetchedPage, Any, int | None, str | None]], *,
           run_id: int, outcomes: Counter[str], counts: WarcCounts) -> list[str]:
    """One transaction for the batch; the site of each body stored (archive.bodies.body_site).

    Stored first without a savepoint a page (they cost ~10 % of storing): a page that
    raises rolls the whole batch back, and the batch is stored again with each page in
    a savepoint of its own, so that one bad page costs only itself.
    """
    stored = store_optimistically(
        db, lambda savepoints: _store_pages(db, batch, run_id=run_id, savepoints=savepoints))
    outcomes.update(stored.outcomes)
    counts.older += stored.older
    counts.unknown += sum(stored.unstored.values())
    counts.skip_reasons.update(stored.unstored)
    return stored.sites


@dataclass(slots=True)
class _Stored:
    """What storing a batch came to (added to the import's counts once committed)."""

    outcomes: Counter[str] = field(default_factory=Counter)
    older: int = 0
    unstored: Counter[str] = field(default_factory=Counter)  # why pages could not be stored
    sites: list[str] = field(default_factory=list)


def _store_pages(db: Archive, batch: list[tuple[FetchedPage, Any, int | None, str | None]],
                 *, run_id: int, savepoints: bool) -> _Stored:
    """Store the batch's pages in the caller's transaction. ``savepoints``: each page in
    one (a page that raises is rolled back and counted); without, a page that raises
    raises."""
    stored = _Stored()
    pending = PendingIndex()
    for fetch, page, parser_version, parse_error in batch:
        stored_at = db.page_fetched_at(fetch.url)
        if stored_at is not None and stored_at >= fetch.fetched_at:
            stored.older += 1
            continue
        mark = pending.mark()
        try:
            outcome = db.record_fetched_page(
                fetch, page=page, parser_version=parser_version, parse_error=parse_error,
                run_id=run_id, pending=pending, savepoint=savepoints)
        except sqlite3.Error:
            raise
        except Exception as error:
            if not savepoints:
                raise
            pending.rollback(mark)
            stored.unstored[error_reason(error)] += 1
            continue
        if outcome:
            stored.outcomes[outcome] += 1
        stored.sites.append(body_site(fetch.url, page.site if page is not None else None))
    pending.flush(db)
    return stored


def _header(headers: list[tuple[str, str]] | None, name: str) -> str | None:
    for key, value in headers or ():
        if key.lower() == name:
            return value
    return None


def _warc_time(value: str | None) -> str | None:
    """A WARC-Date (``2026-11-29T08:09:22Z``, fractions allowed) as the archive's
    timestamps are written (archive/clock.py), or None when it is no date."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="seconds")


def _captures(handle: BinaryIO, name: str, *, counts: WarcCounts, max_bytes: int,
              on_bad: Callable[[str, str], None],
              on_position: Callable[[int], None] | None) -> Iterator[_Capture]:
    """The file's HTML captures; a bad record is reported and the reading resumes at the
    next record that reads (found by scanning for the next record's start)."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    start = 0
    while True:
        handle.seek(start)
        iterator = ArchiveIterator(handle, check_digests=True)
        records = iter(iterator)
        offset = start
        said = io.StringIO()  # what warcio writes to stderr about a damaged record
        try:
            while True:
                said = io.StringIO()
                # warcio writes its complaints about a damaged gzip member or a record
                # longer than its Content-Length to stderr itself: kept, and made part
                # of the record's one-line reason if it turns out bad.
                with contextlib.redirect_stderr(said):
                    record = next(records, None)
                    if record is None:
                        if _ends_early(handle, iterator.offset):
                            raise EOFError
                        return
                    offset = iterator.offset  # warcio counts from the file's start (fh.tell())
                    capture = _capture(record, max_bytes=max_bytes, counts=counts)
                if isinstance(capture, str):
                    raise _BadRecord(capture)
                counts.records += 1
                if on_position is not None:
                    on_position(handle.tell())
                if capture is not None:
                    yield capture
        except (_BadRecord, ArchiveLoadFailed, EOFError, OSError, ValueError) as error:
            if isinstance(error, OSError) and not _is_format_error(error):
                raise
            bad_at = max(iterator.offset, offset)
            counts.bad += 1
            complaint = "; ".join(dict.fromkeys(line.strip() for line in
                                                said.getvalue().splitlines() if line.strip()))
            on_bad(f"{name} at byte {bad_at}",
                   _why(error) + (f" ({_printable(complaint)})" if complaint else ""))
            resume = _next_record_start(handle, bad_at + 1)
            if resume is None:
                return
            start = resume


def _ends_early(handle: BinaryIO, stopped_at: int) -> bool:
    """Whether warcio stopped before the file's end: a last record cut so short that not
    even its header reads ends the iteration quietly."""
    position = handle.tell()
    size = handle.seek(0, io.SEEK_END)
    handle.seek(stopped_at)
    rest = handle.read(64).strip(b"\r\n\x00 ")
    handle.seek(position)
    return stopped_at < size and bool(rest)


class _BadRecord(Exception):
    """A record that reads, but whose content is not what its header says."""


def _is_format_error(error: OSError) -> bool:
    # gzip's BadGzipFile is an OSError; so are a real disk's errors (raised again).
    return type(error).__name__ in ("BadGzipFile",) or error.errno is None


def _why(error: BaseException) -> str:
    """A bad record's reason, on one line; never the binary the reader choked on."""
    from warcio.exceptions import ArchiveLoadFailed

    if isinstance(error, _BadRecord):
        return str(error)
    if isinstance(error, ArchiveLoadFailed):
        return "no WARC record header here (a damaged gzip member or record)"
    if isinstance(error, EOFError):
        return "truncated: the file ends inside the record"
    text = _printable(" ".join(str(error).split()))
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _printable(text: str, limit: int = 160) -> str:
    text = "".join(char if char.isascii() and char.isprintable() else "?" for char in text)
    return text if len(text) <= limit else text[:limit] + "..."


def _capture(record: Any, *, max_bytes: int, counts: WarcCounts) -> _Capture | str | None:
    """The record as an HTML capture; None when it is no page; a reason when it is bad."""
    kind = record.rec_type
    if kind not in ("response", "resource"):
        return _not_a_page(record, counts)
    url = (record.rec_headers.get_header("WARC-Target-URI") or "").strip().strip("<>")
    fetched_at = _warc_time(record.rec_headers.get_header("WARC-Date"))
    if kind == "response":
        http = record.http_headers
        if http is None or http.get_statuscode() != "200":
            return _not_a_page(record, counts)
        content_type = http.get_header("Content-Type")
    else:
        http = None
        content_type = record.rec_headers.get_header("Content-Type")
    if not is_html(content_type) or not url.startswith(("http://", "https://")):
        return _not_a_page(record, counts)
    stream = record.content_stream() if http is not None else record.raw_stream
    body = stream.read(max_bytes + 1)
    if len(body) > max_bytes:
        return f"body larger than {max_bytes:,} bytes (the crawl's max_body_bytes)"
    problem = _read_to_end(record)
    if problem is not None:
        return problem
    if fetched_at is None:
        return "no WARC-Date, or one that is no date"
    return _Capture(
        url=url, status=200 if http is not None else None, fetched_at=fetched_at, body=body,
        content_type=content_type,
        http_version=http.protocol if http is not None else None,
        reason=http.statusline.partition(" ")[2] or None if http is not None else None,
        headers=bounded_headers(http.headers, max_count=_MAX_HEADERS,
                                max_bytes=_MAX_HEADER_BYTES) if http is not None else None)


def _not_a_page(record: Any, counts: WarcCounts) -> str | None:
    """Skip a record that is no page (counted), unless it is bad itself (why)."""
    problem = _read_to_end(record)
    if problem is None:
        counts.not_pages += 1
    return problem


def _read_to_end(record: Any) -> str | None:
    """Read the rest of the record's block; why it is bad (shorter than its
    Content-Length, or not matching its WARC-Block-Digest), or None."""
    while record.raw_stream.read(1 << 16):
        pass
    if record.raw_stream.limit > 0:
        return (f"truncated: {record.raw_stream.limit:,} of its {record.length:,} bytes "
                "missing")
    checker = getattr(record, "digest_checker", None)
    if checker is not None and checker.passed is False:
        return "digest mismatch: " + "; ".join(str(problem) for problem in checker.problems)
    return None


def _next_record_start(handle: BinaryIO, position: int) -> int | None:
    """Where the next record may start at or after ``position``, or None at the end."""
    handle.seek(position)
    carry = b""
    base = position
    while True:
        chunk = handle.read(_SCAN_CHUNK)
        if not chunk:
            return None
        data = carry + chunk
        found = [at for at in (data.find(_GZIP_MEMBER), data.find(_WARC_START)) if at >= 0]
        if found:
            return base + min(found)
        keep = len(_WARC_START) - 1
        carry = data[-keep:]
        base += len(data) - keep
