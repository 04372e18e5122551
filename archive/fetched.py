"""A fetch as the archive keeps it: ``FetchedPage`` becomes a ``pages`` row, its body
compressed (archive/bodies.py)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

__all__ = ["FetchedPage"]


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

    @property
    def content_hash(self) -> str | None:
        return hashlib.sha256(self.body).hexdigest() if self.body is not None else None

