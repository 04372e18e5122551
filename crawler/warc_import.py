"""`qarchive import FILE.warc[.gz]`: pages other crawlers captured, parsed into the archive.

Reads WARC files (any tool's: wget, warcio's capture_http, Browsertrix, Heritrix,
qarchive's own export) with fastwarc (Resiliparse's WARC library, Rust): its gzip
members, WARC and HTTP headers and digests. What it leaves to the caller is done here,
as warcio (the export's library) reads: chunked transfer and gzip/deflate/brotli
content encoding undone the way a browser would, and a bad record reported with its
offset rather than skipped::

    WARC file ─▶ records ─▶ response 200 HTML / HTML resource ─▶ choose_profile ─▶ parse
                                                       ─▶ Archive.record_fetched_page

A record's capture time (``WARC-Date``) becomes the page's ``fetched_at``, its status
line and headers are kept as the crawler keeps a fetch's. Records no profile knows
(images, CSS, other pages of the site) are counted and skipped; requests, metadata and
the like are not pages. A bad record (a broken gzip member, a header block that does
not parse, a body shorter than its Content-Length, a digest that does not match, a page
over ``max_bytes``) costs that record: it is reported with its offset and the reading
goes on at the next record that reads. A record larger than ``max_bytes`` (and a header
block) is never held in memory: a page that size is refused from its headers, anything
else streams by with its payload digest checked. A capture older than the archive's
copy of its URL does not replace it.

Pages are stored a batch at a time in one transaction, as the crawl's writer stores
them (crawler.writers.store_optimistically: a page that raises rolls the batch back, and
it is stored again with each page in a savepoint of its own): a kill loses at most the
batch being written. After each batch, as after a crawl's, the sites that now have
enough pages get their compression dictionary (archive/bodies.py): an imported archive's
raw pages are as small as a crawled one's. A batch is 200 pages while one of its sites
has no dictionary yet, 2,000 once they all have (fewer commits: less to write), and
never more than 32 MiB of bodies.
"""

from __future__ import annotations

import io
import sqlite3
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from fastwarc import ArchiveIterator, GzipReader, WarcRecord, WarcRecordType
from fastwarc.stream_io import BrotliReader
from fastwarc.warc import has_block_digest, has_payload_digest

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
# Pages stored in one transaction while any of them is of a site without a compression
# dictionary: its dictionary is trained between two batches once the site has enough
# pages (CompressionPolicy.min_pages), and each body stored before it is compressed
# without one (3x the time) and moved to it after. Per-page commits would cost more than
# the parse.
BATCH_SIZE = 200
# Pages a transaction once every page's site has its dictionary. A commit writes out
# every database page the batch changed (the indexes' random leaves among them) and a
# new FTS5 segment, which FTS5 then merges with the others: storing 1,000 or 2,000 pages
# a transaction instead of 200 took 3 % or 4 % less of a WARC import's CPU, the first
# 200 pages (untrained) excepted (bench/notes.md, "Import batches"). A kill loses at
# most one batch: importing again stores it.
TRAINED_BATCH_SIZE = 2000
# A batch is stored once its bodies reach this many bytes, however few pages they are:
# what a batch holds in memory stays bounded (a page may be as large as the crawl's
# max_body_bytes).
BATCH_BYTES = 32 << 20
# Where a record can start when the reading has to find its feet after a bad one: a
# gzip member (RFC 1952 §2.3.1: ID1 ID2 CM=deflate) or an uncompressed WARC header.
_GZIP_MEMBER = b"\x1f\x8b\x08"
_WARC_START = b"WARC/1."
_SCAN_CHUNK = 1 << 20
# The largest WARC or HTTP header block read (fastwarc's default is 32 KiB; a hostile
# response's 5,000 headers, which import with the crawler's cap, are ~60 KiB).
_MAX_HEADER_BLOCK = 1 << 20
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
    batch_bytes = 0
    untrained = False  # a page of the batch is of a site without a dictionary
    dictionaries = _Dictionaries(db)

    def flush() -> None:
        nonlocal batch_bytes, untrained
        if batch:
            sites = _store(db, batch, run_id=run_id, outcomes=outcomes, counts=counts)
            batch.clear()
            batch_bytes, untrained = 0, False
            if upkeep is not None:
                train_dictionaries(upkeep, sites)
            dictionaries.forget_untrained()

    with path.open("rb") as handle:
        for capture in _captures(handle, str(path), counts=counts, max_bytes=max_bytes,
                                 on_bad=on_bad, on_position=on_position):
            parsed = _parse(capture, profile=profile, counts=counts)
            if parsed is None:
                continue
            batch.append(parsed)
            fetch, page = parsed[0], parsed[1]
            batch_bytes += len(capture.body)
            untrained = untrained or not dictionaries.has(
                body_site(fetch.url, page.site if page is not None else None))
            if (len(batch) >= (BATCH_SIZE if untrained else TRAINED_BATCH_SIZE)
                    or batch_bytes >= BATCH_BYTES):
                flush()
        flush()


class _Dictionaries:
    """Which sites have a compression dictionary (BodyStore.current_dictionary), asked of
    the archive once a site until it has one: a site without one is asked again after
    the next batch, when it may have been trained."""

    __slots__ = ("_db", "_known")

    def __init__(self, db: Archive) -> None:
        self._db = db
        self._known: dict[str, bool] = {}

    def has(self, site: str) -> bool:
        known = self._known.get(site)
        if known is None:
            # An archive opened without migrating, from before dictionaries, has none.
            known = self._known[site] = self._db.bodies.has_codecs and (
                self._db.bodies.current_dictionary(site) is not None)
        return known

    def forget_untrained(self) -> None:
        self._known = {site: True for site, known in self._known.items() if known}


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
    """The file's HTML captures. A record that reads but is bad (too large, no date) is
    reported and the reading goes on with the next; after one that does not read (a
    damaged gzip member, a header block that does not parse, a record cut short) or
    whose digest fails (its Content-Length may run into the next record) it resumes at
    the next record that reads, found by scanning for its start — but in a file gzipped
    as one member, where there is no start to scan for, which reads on."""
    size = handle.seek(0, io.SEEK_END)
    start = 0
    one_member: bool | None = None  # whether the file is one gzip member (asked once)
    while True:
        handle.seek(start)
        gzipped = handle.read(len(_GZIP_MEMBER)) == _GZIP_MEMBER
        handle.seek(start)
        # Through fastwarc's gzip reader, which knows where the gzip member being read
        # starts: a bad record's offset (a record's stream_pos is not, for gzip).
        members = GzipReader(handle) if gzipped else None
        # Not quirks_mode: it would read WARC headers whose lines end in a bare LF (which
        # warcio read), but it also takes a damaged header block ("WARC/9.9 nonsense")
        # for a record, and skips it without a word.
        records = ArchiveIterator(members if members is not None else handle,
                                  parse_http=False, stream_detect=False,
                                  max_header_len=_MAX_HEADER_BLOCK)
        at: int | None = None     # where the last record read starts
        length = 0                # and its block's length
        try:
            for record in records:
                at = _record_start(members, record.stream_pos)
                length = _declared_length(record)
                if length < 0:
                    raise _BadRecord("truncated: the file ends inside its WARC headers"
                                     if record.headers.get("Content-Length") is None
                                     else "no valid Content-Length", at=at)
                capture = _capture_or_why(record, length, max_bytes=max_bytes, counts=counts)
                if isinstance(capture, str):
                    if capture.startswith("truncated"):
                        raise _BadRecord(capture, at=at)  # the stream is lost: resync
                    if capture.startswith("digest mismatch"):
                        if one_member is None:
                            one_member = gzipped and _one_gzip_member(handle, start)
                        if not one_member:
                            raise _BadRecord(capture, at=at)  # maybe cut short: resync
                    counts.bad += 1
                    on_bad(f"{name} at byte {at}", capture)
                    continue
                counts.records += 1
                if on_position is not None:
                    on_position(handle.tell())
                if capture is not None:
                    yield capture
            unread = _unread_record(handle, members, at, length, start=start, size=size)
            if unread is None:
                return
            raise _BadRecord(_why_unread(handle, unread, gzipped=gzipped), at=unread)
        except (_BadRecord, OSError, ValueError) as error:
            if isinstance(error, OSError) and not _is_format_error(error):
                raise
            if isinstance(error, _BadRecord) and error.at is not None:
                bad_at = error.at
            elif members is not None:
                found = members.frame_start_position()
                bad_at = int(found) if found is not None else (at or start)
            else:  # uncompressed: the record that does not read starts where the last ends
                bad_at = _plain_end(handle, at, length) if at is not None else start
            why = (str(error) if isinstance(error, _BadRecord)
                   else _why_unread(handle, bad_at, gzipped=gzipped, error=error))
            counts.bad += 1
            on_bad(f"{name} at byte {bad_at}", why)
            resume = _next_record_start(handle, bad_at + 1)
            if resume is None:
                return
            start = resume


def _capture_or_why(record: WarcRecord, length: int, *, max_bytes: int, counts: WarcCounts
                    ) -> _Capture | str | None:
    """_capture, with fastwarc's complaint about a record (HTTP headers that do not
    parse, ...) as the record's reason."""
    try:
        return _capture(record, length, max_bytes=max_bytes, counts=counts)
    except (OSError, ValueError) as error:
        if isinstance(error, OSError) and not _is_format_error(error):
            raise
        text = _printable(" ".join(str(error).split()))
        return f"unreadable: {text}" if text else f"unreadable: {type(error).__name__}"


def _record_start(members: GzipReader | None, stream_pos: int) -> int:
    """Where the record just read starts in the file: its gzip member's start (each
    record its own member, as WARC 1.1 recommends; a file gzipped whole has one)."""
    if members is None:
        return stream_pos
    found = members.frame_start_position()
    return int(found) if found is not None else stream_pos


def _declared_length(record: WarcRecord) -> int:
    """The record's Content-Length, or -1 (a header block cut short has none)."""
    value = record.headers.get("Content-Length")
    try:
        return int(value) if value is not None else -1
    except ValueError:
        return -1


def _unread_record(handle: BinaryIO, members: GzipReader | None, at: int | None, length: int, *,
                   start: int, size: int) -> int | None:
    """Where a record starts that fastwarc ended the file without reading (one cut so
    short that not even its header reads ends the iteration quietly), or None."""
    if members is not None:
        current = members.frame_start_position()
        if at is None:
            return start if _has_data(handle, start) else None
        return int(current) if current is not None and current > at else None
    end = _plain_end(handle, at, length) if at is not None else start
    return end if end < size and _has_data(handle, end) else None


def _has_data(handle: BinaryIO, position: int) -> bool:
    handle.seek(position)
    return bool(handle.read(64).strip(b"\r\n\x00 "))


def _plain_end(handle: BinaryIO, at: int | None, length: int) -> int:
    """Where the uncompressed record at ``at`` of ``length`` block bytes ends: after its
    header block, its block and the two CRLFs that close it (WARC 1.1 §4)."""
    if at is None:
        return 0
    handle.seek(at)
    head = handle.read(_MAX_HEADER_BLOCK + 4)
    header_end = head.find(b"\r\n\r\n")
    if header_end < 0:
        return at
    end = at + header_end + 4 + length
    handle.seek(end)
    trailer = handle.read(64)
    return end + len(trailer) - len(trailer.lstrip(b"\r\n"))


def _why_unread(handle: BinaryIO, position: int, *, gzipped: bool,
                error: BaseException | None = None) -> str:
    """Why the record at ``position`` does not read: the file ends inside it, or (when
    it does not) what fastwarc said about it."""
    if _ends_inside(handle, position, gzipped=gzipped):
        return "truncated: the file ends inside the record"
    if error is None:
        return "no WARC record header here (a damaged gzip member or record)"
    text = _printable(" ".join(str(error).split()))
    return f"unreadable: {text}" if text else f"unreadable: {type(error).__name__}"


def _one_gzip_member(handle: BinaryIO, position: int) -> bool:
    """Whether the gzip member at ``position`` runs to the end of the file (a WARC gzipped
    whole, not a member a record): inflated through, once, after a bad record only."""
    current = handle.tell()
    try:
        ended = _inflated_member(handle, position)
    except zlib.error:
        return True  # damaged before its end: no member boundary known either
    else:
        return ended is None or not (ended.unused_data.strip(b"\x00") or handle.read(1))
    finally:
        handle.seek(current)


def _inflated_member(handle: BinaryIO, position: int) -> zlib._Decompress | None:
    """The gzip member at ``position`` inflated through (what it inflates is not wanted:
    only where it ends): the decompressor at its end (``unused_data``: what follows it in
    the last chunk read, ``handle`` just after that chunk), or None when the file ends
    inside it. zlib.error when it is damaged."""
    handle.seek(position)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    while chunk := handle.read(_SCAN_CHUNK):
        inflater.decompress(chunk, 1)
        while inflater.unconsumed_tail and not inflater.eof:
            inflater.decompress(inflater.unconsumed_tail, _SCAN_CHUNK)
        if inflater.eof:
            return inflater
    return None


def _ends_inside(handle: BinaryIO, position: int, *, gzipped: bool) -> bool:
    """Whether the record at ``position`` runs past the end of the file: its gzip member
    inflates without error up to the file's end but never finishes; uncompressed, its
    header block or its Content-Length reach past the end."""
    handle.seek(position)
    if not gzipped:
        head = handle.read(_MAX_HEADER_BLOCK + 4)
        header_end = head.find(b"\r\n\r\n")
        if header_end < 0:  # a header block the file ends inside
            return head.startswith(b"WARC/") and len(head) <= _MAX_HEADER_BLOCK
        for line in head[:header_end].split(b"\r\n"):
            key, _, value = line.partition(b":")
            if key.strip().lower() == b"content-length" and value.strip().isdigit():
                block_end = position + header_end + 4 + int(value)
                return block_end > handle.seek(0, io.SEEK_END)
        return False
    try:
        return _inflated_member(handle, position) is None
    except zlib.error:
        return False


class _BadRecord(Exception):
    """A record that reads, but whose content is not what its header says."""

    def __init__(self, reason: str, *, at: int | None = None) -> None:
        super().__init__(reason)
        self.at = at


def _is_format_error(error: OSError) -> bool:
    # fastwarc's complaints (a gzip data error, an invalid WARC header) are OSErrors
    # without an errno; a real disk's errors have one (raised again).
    return error.errno is None


def _printable(text: str, limit: int = 160) -> str:
    text = "".join(char if char.isascii() and char.isprintable() else "?" for char in text)
    return text if len(text) <= limit else text[:limit] + "..."


def _capture(record: WarcRecord, length: int, *, max_bytes: int, counts: WarcCounts
             ) -> _Capture | str | None:
    """The record as an HTML capture; None when it is no page; a reason when it is bad.

    ``length``: the block's Content-Length. A block small enough to hold (at most the
    body limit and a header block) is checked against its WARC-Block-Digest; a larger one
    is never held: a page that size is bad anyway, anything else is read through with its
    payload digest checked as it streams by.
    """
    kind = record.record_type
    if kind not in (WarcRecordType.response, WarcRecordType.resource):
        return _not_a_page(record, counts, length=length, checked=kind != WarcRecordType.revisit)
    headers = record.headers
    url = (headers.get("WARC-Target-URI") or "").strip().strip("<>")
    if not url.startswith(("http://", "https://")):
        return _not_a_page(record, counts, length=length)
    held = length <= max_bytes + _MAX_HEADER_BLOCK
    block_ok = _block_digest_ok(record) if held else None
    if held and record.content_length < length:  # what fastwarc found of the block
        return f"truncated: {length - record.content_length:,} of its {length:,} bytes missing"
    if kind == WarcRecordType.response:
        record.is_http = True  # whatever its Content-Type says: an http(s) response
        record.parse_http(auto_decode="none", max_header_len=_MAX_HEADER_BLOCK)
        http = record.http_headers
        if "\n" in (http.status_line or ""):
            # fastwarc reads only CRLF-ended HTTP headers (as RFC 9112 asks); bare-LF ones
            # (rare, some old tools') would come out as one long status line.
            return "HTTP headers whose lines end in a bare LF (not read)"
        if http.status_code != 200:
            return _not_a_page(record, counts, length=record.content_length, block_ok=block_ok)
        content_type = http.get("Content-Type")
    else:
        http = None
        content_type = headers.get("Content-Type")
    if not is_html(content_type):
        return _not_a_page(record, counts, length=record.content_length, block_ok=block_ok)
    if not held:
        return f"body larger than {max_bytes:,} bytes (the crawl's max_body_bytes)"
    payload_length = record.content_length
    # A block that matches its digest holds the payload as it was written: the payload's
    # own digest (a second SHA-1 over the same bytes, ~1 % of an import) is checked only
    # when there is no block digest to check.
    payload_ok = _payload_digest_ok(record) if http is not None and block_ok is None else None
    raw = record.reader.read(payload_length)
    if len(raw) < payload_length:
        return (f"truncated: {payload_length - len(raw):,} of its {length:,} bytes "
                "missing")
    problem = _digest_problem(block_ok, payload_ok, record)
    if problem is not None:
        return problem
    body = _decoded(raw, http, max_bytes) if http is not None else raw
    if len(body) > max_bytes:
        return f"body larger than {max_bytes:,} bytes (the crawl's max_body_bytes)"
    fetched_at = _warc_time(headers.get("WARC-Date"))
    if fetched_at is None:
        return "no WARC-Date, or one that is no date"
    if http is None:
        return _Capture(url=url, status=None, fetched_at=fetched_at, body=body,
                        content_type=content_type)
    status_line = http.status_line or ""
    protocol, _, rest = status_line.partition(" ")
    return _Capture(
        url=url, status=200, fetched_at=fetched_at, body=body, content_type=content_type,
        http_version=protocol or None, reason=rest.partition(" ")[2] or None,
        headers=bounded_headers(list(http.items()), max_count=_MAX_HEADERS,
                                max_bytes=_MAX_HEADER_BYTES))


def _block_digest_ok(record: WarcRecord) -> bool | None:
    """Whether the block matches its WARC-Block-Digest (None: it has none). fastwarc
    holds the block to check it (the record reads on from its start), and its
    content_length becomes what the file holds of it: a record cut short shows."""
    matched = bool(record.verify_block_digest(consume=False))
    return matched if has_block_digest(record) else None


def _payload_digest_ok(record: WarcRecord) -> bool | None:
    """Whether the HTTP payload, as stored (still chunked or compressed, as warcio and
    wget digest it), matches its WARC-Payload-Digest (None: it has none)."""
    if not has_payload_digest(record):
        return None
    return bool(record.verify_payload_digest(consume=False))


def _digest_problem(block_ok: bool | None, payload_ok: bool | None, record: WarcRecord
                    ) -> str | None:
    if block_ok is False:
        return "digest mismatch: block digest failed: " + _printable(
            record.headers.get("WARC-Block-Digest") or "")
    if payload_ok is False:
        return "digest mismatch: payload digest failed: " + _printable(
            record.headers.get("WARC-Payload-Digest") or "")
    return None


def _not_a_page(record: WarcRecord, counts: WarcCounts, *, length: int, checked: bool = True,
                block_ok: bool | None = None) -> str | None:
    """Skip a record that is no page (counted), unless it is bad itself (why): read
    through, it is shorter than its Content-Length or does not match its digest.
    ``length``: the bytes left to read; ``block_ok``: its block digest, checked already
    (or None). Revisits are not checked: their payload digest is another record's."""
    if checked and block_ok is None and not record.is_http_parsed and has_block_digest(record):
        # Checked as it streams by, never held; a short block fails it too.
        if not record.verify_block_digest(consume=True):
            return _short_or_mismatch("block", record)
    elif (checked and block_ok is None and record.is_http_parsed
          and has_payload_digest(record)):
        if not record.verify_payload_digest(consume=True):
            return _short_or_mismatch("payload", record)
    else:
        read = record.consume()
        if read < length:
            return f"truncated: {length - read:,} of its bytes missing"
        if block_ok is False:
            return _digest_problem(block_ok, None, record)
    counts.not_pages += 1
    return None


def _short_or_mismatch(which: str, record: WarcRecord) -> str:
    header = "WARC-Block-Digest" if which == "block" else "WARC-Payload-Digest"
    return (f"digest mismatch (or the record is cut short): {which} digest failed: "
            + _printable(record.headers.get(header) or ""))


def _decoded(raw: bytes, http: Any, max_bytes: int) -> bytes:
    """The payload as a browser would show it: chunked transfer undone, then a gzip,
    deflate or brotli content encoding; never more than ``max_bytes`` + 1 bytes. As
    warcio does, a payload that does not decode as its headers say is kept as it is."""
    if (http.get("Transfer-Encoding") or "").strip().lower() == "chunked":
        raw = _dechunked(raw)
    encoding = (http.get("Content-Encoding") or "").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        return _inflated(raw, 16 + zlib.MAX_WBITS, max_bytes)
    if encoding == "deflate":  # zlib-wrapped, as the RFC says, or raw, as some servers send
        inflated = _inflated(raw, zlib.MAX_WBITS, max_bytes)
        return inflated if inflated is not raw else _inflated(raw, -zlib.MAX_WBITS, max_bytes)
    if encoding == "br":
        return _unbrotlied(raw, max_bytes)
    return raw


def _inflated(raw: bytes, wbits: int, max_bytes: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    try:
        return inflater.decompress(raw, max_bytes + 1)
    except zlib.error:
        return raw


def _unbrotlied(raw: bytes, max_bytes: int) -> bytes:
    try:
        with BrotliReader(io.BytesIO(raw)) as reader:
            return reader.read(max_bytes + 1)
    except OSError:
        return raw


def _dechunked(raw: bytes) -> bytes:
    """``raw`` without its chunked transfer coding; from a chunk header that does not
    parse on, the rest is kept as it is (warcio's fallback: served unchunked)."""
    parts: list[bytes] = []
    position = 0
    while position < len(raw):
        line_end = raw.find(b"\r\n", position, position + 64)
        try:
            size = int(raw[position:line_end].split(b";")[0], 16) if line_end >= 0 else -1
        except ValueError:
            size = -1
        if size < 0:
            parts.append(raw[position:])
            break
        if size == 0:
            break
        parts.append(raw[line_end + 2:line_end + 2 + size])
        position = line_end + 2 + size + 2
    return b"".join(parts)


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
