"""The archive's pages as WARC 1.1 (ISO 28500:2017), for the web-archiving world's tools.

``write_warc`` streams ``Archive.stored_responses`` into records written by warcio
(Webrecorder's WARC library, the one pywb and ``warcio check`` use)::

    warcinfo                          once, first
    response + request                a page's stored body, at its capture time
    revisit                           its last visit, when that found it unchanged:
                                      server-not-modified (a 304) or
                                      identical-payload-digest (the same bytes)
    resource                          an imported HTML file (no HTTP exchange)

Every record is one gzip member with ``WARC-Block-Digest``, and a response its
``WARC-Payload-Digest``. A response's record id is derived from its URL and
capture time, so a revisit written by a later ``--since`` export still names it.

What the archive keeps is not byte-for-byte what crossed the wire, and the records
say so: bodies are stored decoded, so a response's ``Content-Encoding`` and
``Transfer-Encoding`` move to ``X-Archive-Orig-*`` headers (the names pywb gives
headers it rewrites) and ``Content-Length`` counts the stored body; a page stored
before qarchive kept headers and a request get a minimal synthesized header block,
marked with ``Qarchive-Synthesized-Headers``; a revisit has no block (its profile says
whether it was a 304).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import tempfile
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.fetched import StoredResponse

if TYPE_CHECKING:
    from archive.archive import Archive

__all__ = ["WarcReport", "export_warc", "record_id", "warc_date", "write_warc"]

WARC_VERSION = "WARC/1.1"
# WARC 1.1 §6.7.3: the revisit profiles of version 1.1.
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
IDENTICAL_PAYLOAD = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
# Headers describing how the body crossed the wire, not the body the archive keeps
# (stored decoded): kept under pywb's X-Archive-Orig- prefix, so a replay does not
# try to gunzip a plain body.
_TRANSFER_HEADERS = frozenset({"content-encoding", "transfer-encoding"})
# A WARC extension field (WARC 1.1 §5: fields outside the WARC- namespace are allowed)
# naming the header blocks qarchive made up rather than kept.
SYNTHESIZED = "Qarchive-Synthesized-Headers"
_REASONS = {200: "OK", 203: "Non-Authoritative Information", 404: "Not Found", 410: "Gone"}
# A stable namespace for record ids: uuid5(namespace, "url capture-time").
_RECORD_NAMESPACE = uuid.UUID("8f6d3a52-7c1e-4b0a-9d55-2f0c7a1e9b31")


@dataclass(slots=True)
class WarcReport:
    """What an export wrote."""

    responses: int = 0
    revisits: int = 0
    resources: int = 0
    synthesized: int = 0  # responses whose headers were made up (stored before version 12)


def warc_date(iso: str) -> str:
    """The archive's ISO 8601 UTC time as a WARC-Date (``2026-11-29T08:09:22Z``)."""
    return iso.replace("+00:00", "Z")


def record_id(url: str, captured_at: str) -> str:
    """The response record id of ``url`` captured at ``captured_at``: the same in every export."""
    return f"<urn:uuid:{uuid.uuid5(_RECORD_NAMESPACE, f'{url} {captured_at}')}>"


def payload_digest(body: bytes) -> str:
    """WARC's customary payload digest: SHA-1 in base 32, as CDX indexes and pywb expect."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def export_warc(
    archive: Archive,
    path: Path,
    *,
    software: str,
    since_run: int | None = None,
    on_page: Callable[[], None] | None = None,
) -> WarcReport:
    """Write the archive's pages (those of runs >= ``since_run``) to the WARC file ``path``.

    Written to a temporary file beside ``path`` and renamed when complete: an export
    that fails or is interrupted never leaves a truncated ``path``, nor spoils an older
    one. Raises OSError when ``path`` cannot be written.
    """
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                             suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            report = write_warc(handle, archive.stored_responses(since_run=since_run),
                                filename=path.name, software=software,
                                since_run=since_run, on_page=on_page)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return report


def write_warc(
    out: BinaryIO,
    pages: Iterable[StoredResponse],
    *,
    filename: str,
    software: str,
    since_run: int | None = None,
    on_page: Callable[[], None] | None = None,
) -> WarcReport:
    """Write a warcinfo record, then each page's records, to ``out`` (gzipped records).

    ``since_run``: write a page's capture only if a run >= it made it, and its revisit
    only if such a run made that (an incremental export). ``on_page`` is called after
    each page (a progress bar).
    """
    writer = WARCWriter(out, gzip=True, warc_version=WARC_VERSION)
    info = {"software": software, "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                          "warc-format/warc-1.1/",
            "description": "qarchive export" + (f" of runs >= {since_run}" if since_run
                                                else "")}
    writer.write_record(writer.create_warcinfo_record(filename, info))
    report = WarcReport()
    for page in pages:
        captured_here = since_run is None or (page.captured_run_id is not None
                                              and page.captured_run_id >= since_run)
        if captured_here:
            _write_capture(writer, page, report)
        if page.revisit_status is not None and (
                since_run is None or (page.run_id is not None and page.run_id >= since_run)):
            _write_revisit(writer, page)
            report.revisits += 1
        if on_page is not None:
            on_page()
    return report


def _write_capture(writer: WARCWriter, page: StoredResponse, report: WarcReport) -> None:
    target = page.final_url
    # WARC-Type first, as every WARC writer puts it (warcio replaces it in place).
    fields = {"WARC-Type": "response" if page.status is not None else "resource",
              "WARC-Date": warc_date(page.captured_at),
              "WARC-Record-ID": record_id(target, page.captured_at),
              "WARC-Payload-Digest": payload_digest(page.body)}
    if page.status is None:
        # An imported file: no HTTP exchange took place, so a resource record (WARC 1.1
        # §6.6), the bytes with their media type.
        resource = writer.create_warc_record(
            target, "resource", payload=io.BytesIO(page.body), length=len(page.body),
            warc_content_type=_clean(page.content_type or "text/html"),
            warc_headers_dict=fields)
        writer.write_record(resource)
        report.resources += 1
        return
    headers, synthesized = _response_headers(page)
    if synthesized:
        fields[SYNTHESIZED] = "stored before qarchive kept response headers"
        report.synthesized += 1
    response = writer.create_warc_record(
        target, "response", payload=io.BytesIO(page.body), length=len(page.body),
        http_headers=headers, warc_headers_dict=fields)
    split = urlsplit(target)
    path = (split.path or "/") + (f"?{split.query}" if split.query else "")
    request = writer.create_warc_record(
        target, "request", payload=io.BytesIO(b""), length=0,
        http_headers=StatusAndHeaders(f"GET {_clean(path)} HTTP/1.1",
                                      [("Host", _clean(split.netloc))],
                                      is_http_request=True),
        warc_headers_dict={"WARC-Type": "request",
                           SYNTHESIZED: "qarchive keeps no request headers"})
    writer.write_request_response_pair(request, response)
    report.responses += 1


def _response_headers(page: StoredResponse) -> tuple[StatusAndHeaders, bool]:
    """The status line and headers as fetched, fitted to the decoded body; or a minimal
    block (True) for a page stored without them."""
    # A gone page keeps its last good copy (Archive._mark_gone): a 200's body.
    status = 200 if page.gone or page.status is None else page.status
    version = page.http_version or "HTTP/1.1"
    if page.headers is None:
        reason = _REASONS.get(status, "")
        headers = [(name, value) for name, value in (
            ("Content-Type", page.content_type), ("Content-Length", str(len(page.body))),
            ("ETag", page.etag), ("Last-Modified", page.last_modified)) if value]
        return StatusAndHeaders(_clean(f"{status} {reason}".strip()),
                                [(_clean(n), _clean(v)) for n, v in headers],
                                protocol=_clean(version)), True
    kept: list[tuple[str, str]] = []
    length_seen = False
    for name, value in page.headers:
        lower = name.lower()
        if lower in _TRANSFER_HEADERS:
            kept.append((f"X-Archive-Orig-{name}", value))
        elif lower == "content-length":
            length_seen = True
            kept.append((name, str(len(page.body))))
            if value.strip() != str(len(page.body)):
                kept.append(("X-Archive-Orig-Content-Length", value))
        else:
            kept.append((name, value))
    if not length_seen:
        kept.append(("Content-Length", str(len(page.body))))
    reason = page.reason if page.reason is not None else _REASONS.get(status, "")
    return StatusAndHeaders(_clean(f"{status} {reason}".strip()),
                            [(_clean(n), _clean(v)) for n, v in kept],
                            protocol=_clean(version)), False


def _write_revisit(writer: WARCWriter, page: StoredResponse) -> None:
    """The last visit, which found the stored body unchanged: a revisit naming the capture.

    Its block is empty (WARC 1.1 §6.7.3 makes the HTTP headers optional): qarchive keeps
    a revisit's validators, not its headers, and a replay tool given no headers serves
    the capture's (pywb does), not a bodiless 304.
    """
    target = page.final_url
    record = writer.create_revisit_record(
        target, payload_digest(page.body), target, warc_date(page.captured_at),
        warc_headers_dict={"WARC-Type": "revisit", "WARC-Date": warc_date(page.fetched_at),
                           "WARC-Refers-To": record_id(target, page.captured_at)})
    # warcio names the identical-payload-digest profile; a 304 is the other one.
    record.rec_headers.replace_header(
        "WARC-Profile",
        SERVER_NOT_MODIFIED if page.revisit_status == 304 else IDENTICAL_PAYLOAD)
    writer.write_record(record)


def _clean(text: str) -> str:
    """A header name or value on one line: an archive's JSON could hold a CR or LF that
    would end the header block early (the fetcher never stores one, an edited row might)."""
    return text.replace("\r", " ").replace("\n", " ")
