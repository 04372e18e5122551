"""A fetch as the archive keeps it: ``FetchedPage`` becomes a ``pages`` row, its body
compressed (archive/bodies.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["FetchedPage", "StoredResponse", "bounded_headers"]


@dataclass(slots=True)
class FetchedPage:
    """What one fetch produced, whatever its outcome; becomes a ``pages`` row."""

    url: str
    status: int | None
    fetched_at: str
    final_url: str | None = None
    redirect_chain: list[str] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    charset: str | None = None
    body: bytes | None = None
    # The response's status line and headers as the site sent them (names as sent, in
    # order, capped by the fetcher); None where there was no HTTP (an imported file) or
    # they were not kept. ``export-warc`` writes them back (archive/warc.py).
    http_version: str | None = None
    reason: str | None = None
    headers: list[tuple[str, str]] | None = None

    @property
    def content_hash(self) -> str | None:
        return hashlib.sha256(self.body).hexdigest() if self.body is not None else None


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """A ``pages`` row with a body, as the WARC export reads it (``Archive.stored_responses``).

    ``captured_at``/``captured_run_id``: when the stored body was fetched;
    ``fetched_at``/``run_id``: the URL's last visit; ``revisit_status``: that visit's
    status when it found the body unchanged (304, or 200 for the same bytes), else None.
    """

    url: str
    final_url: str
    status: int | None
    fetched_at: str
    run_id: int | None
    captured_at: str
    captured_run_id: int | None
    revisit_status: int | None
    gone: bool
    http_version: str | None
    reason: str | None
    headers: list[tuple[str, str]] | None
    content_type: str | None
    etag: str | None
    last_modified: str | None
    body: bytes


def bounded_headers(headers: Sequence[tuple[str, str]], *, max_count: int, max_bytes: int
                    ) -> list[tuple[str, str]]:
    """Response headers as a page keeps them: the first ``max_count`` of them, and no more
    than ``max_bytes`` of names and values, then one ``X-Qarchive-Truncated`` header
    saying what was dropped (a hostile response can send thousands)."""
    kept: list[tuple[str, str]] = []
    size = 0
    for index, (name, value) in enumerate(headers):
        size += len(name) + len(value)
        if len(kept) == max_count or size > max_bytes:
            kept.append(("X-Qarchive-Truncated",
                         f"{len(headers) - index} more header(s) not kept (qarchive keeps "
                         f"{max_count} headers, {max_bytes} bytes)"))
            break
        kept.append((name, value))
    return kept
