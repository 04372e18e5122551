"""Fault profiles: the ways real sites misbehave, each on a fixed, documented set of pages.

Which pages a fault hits
------------------------
Faults only hit *leaf* answer pages of the initial site (never page 0, never an
internal page, never a page that will be removed), so the rest of the site stays
reachable and crawlable with every fault switched on. The eligible leaves are
shuffled with ``random.Random(f"{seed}:faults")`` and dealt out in ``FAULTS`` order,
``max(1, round(2% of eligible))`` pages per fault; so a page has at most one fault,
and which pages a fault hits does not depend on which other faults are enabled.
On a tiny site the last faults in the list may get no page at all.

Faults apply to ``GET``/``HEAD`` of a page's bare URL (CSDN ``/answer/<id>``, QAPage
``/questions/<id>/<slug>``: the *page path* below) with no query string; counters
for the "first K requests" faults restart when the epoch changes.
Ask :func:`affected_urls` (or ``RunningSampleSite.affected_urls``) for the exact URLs.

==================  ========================================================================
fault               what the page URL does
==================  ========================================================================
``429``             first 2 requests: 429 with ``Retry-After: 1`` (seconds); then the page
``429-date``        first 2 requests: 429 with ``Retry-After`` as an HTTP-date 2 s ahead
``503``             first 3 requests: 503, no Retry-After; then the page
``slow``            waits 1 s before sending headers, then the page
``trickle``         headers at once (Content-Length of the whole page), then 8 bytes every
                    0.5 s: a read timeout never fires, the page takes ~20 minutes
``reset``           the connection is reset (RST) before any response is sent
``truncated``       Content-Length promises more than is sent; the connection then closes
``truncated-html``  a complete 200 response whose HTML stops before the answer (no ``<h1>``)
``redirect``        301 → ``/r/1<page path>``, 302 → ``/r/2<page path>``, 307 →
                    ``<page path>?via=redirect``, which serves the page (3 hops)
``redirect-loop``   302 → ``/loop<page path>`` → 302 → ``<page path>`` → ... forever
``oversized``       a 200 page of about 20 MB (the answer page plus an HTML comment)
``gzip-bomb``       ``Content-Encoding: gzip``, ~1 MB on the wire, inflates to 1 GiB of zeros
``gbk``             the page encoded in GBK; header and ``<meta charset>`` both say gbk
``wrong-charset``   header says ``charset=iso-8859-1``; the body is UTF-8 and its
                    ``<meta charset="utf-8">`` is right: the header lies
``soft-404``        status 200 with a "页面不存在" page, no answer layout
``non-html``        ``application/pdf`` (a tiny PDF) or ``application/json``, alternately
==================  ========================================================================
"""

from __future__ import annotations

import random
import struct
import threading
import zlib

from .common import ServedSite
from .csdn.content import DEFAULT_BASE_URL
from .sites import build_site

__all__ = [
    "FAULTS",
    "FAULT_SHARE",
    "GZIP_BOMB_INFLATED_BYTES",
    "OVERSIZED_BYTES",
    "REPEATS",
    "RETRY_AFTER_SECONDS",
    "SLOW_DELAY",
    "TRICKLE_BYTES",
    "TRICKLE_INTERVAL",
    "affected_urls",
    "fault_assignments",
    "gzip_bomb",
    "parse_faults",
]

FAULTS: tuple[str, ...] = (
    "429",
    "429-date",
    "503",
    "slow",
    "trickle",
    "reset",
    "truncated",
    "truncated-html",
    "redirect",
    "redirect-loop",
    "oversized",
    "gzip-bomb",
    "gbk",
    "wrong-charset",
    "soft-404",
    "non-html",
)

FAULT_SHARE = 0.02  # of the eligible leaf pages, per fault
# How many requests to the URL fail before it serves the page.
REPEATS = {"429": 2, "429-date": 2, "503": 3}
RETRY_AFTER_SECONDS = 1  # short, so tests and benchmarks that honour it stay quick
RETRY_AFTER_DATE_SECONDS = 2  # HTTP-dates have 1 s resolution: 2 s ahead is always > 0
SLOW_DELAY = 1.0
TRICKLE_BYTES = 8
TRICKLE_INTERVAL = 0.5
OVERSIZED_BYTES = 20 * 1024 * 1024
GZIP_BOMB_INFLATED_BYTES = 1024 * 1024 * 1024
_BOMB_CHUNK = 1024 * 1024


def parse_faults(spec: str | None) -> tuple[str, ...]:
    """``"429,slow"`` → ``("429", "slow")``; ``"all"`` → every fault. ValueError on a bad name."""
    if not spec:
        return ()
    names = [name.strip() for name in spec.split(",") if name.strip()]
    if names == ["all"]:
        return FAULTS
    unknown = [name for name in names if name not in FAULTS]
    if unknown:
        raise ValueError(
            f"unknown fault {', '.join(unknown)}; choose from {', '.join(FAULTS)} or 'all'"
        )
    return tuple(dict.fromkeys(names))


def fault_assignments(site: ServedSite) -> dict[int, str]:
    """Page index → the fault it would show if that fault were enabled."""
    eligible = [
        index
        for index in range(site.pages)
        if index != 0 and not site.is_internal(index) and site.removed_at(index) is None
    ]
    random.Random(f"{site.seed}:faults").shuffle(eligible)
    per_fault = max(1, round(len(eligible) * FAULT_SHARE))
    assignments: dict[int, str] = {}
    for position, fault in enumerate(FAULTS):
        for index in eligible[position * per_fault:(position + 1) * per_fault]:
            assignments[index] = fault
    return assignments


def affected_urls(
    fault: str,
    *,
    pages: int | None = None,
    seed: int = 0,
    base_url: str = DEFAULT_BASE_URL,
    site: str = "csdn",
) -> list[str]:
    """The page URLs ``fault`` hits on ``site`` (csdn or qapage) with these pages (None:
    the site's default), seed and base URL."""
    if fault not in FAULTS:
        raise ValueError(f"unknown fault {fault!r}; choose from {', '.join(FAULTS)}")
    return _affected(build_site(site, pages=pages, seed=seed, base_url=base_url), fault)


def _affected(site: ServedSite, fault: str) -> list[str]:
    return sorted(
        (site.url_of(index) for index, name in fault_assignments(site).items() if name == fault),
    )


_bomb_lock = threading.Lock()
_bomb: bytes | None = None


def gzip_bomb() -> bytes:
    """A gzip member that inflates to 1 GiB of zeros, about 1 MB compressed; built once.

    Rather than pushing 1 GiB through zlib, one 1 MiB block of zeros is deflated
    with a full flush (which resets the compressor, so the block's bytes are the same
    wherever it appears) and repeated; the trailer's CRC-32 is computed over the real
    1 GiB (RFC 1952 §2.3), so strict clients accept the stream until it is too big.
    """
    global _bomb
    with _bomb_lock:
        if _bomb is None:
            zeros = bytes(_BOMB_CHUNK)
            compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
            block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
            tail = compressor.flush(zlib.Z_FINISH)
            repeats = GZIP_BOMB_INFLATED_BYTES // _BOMB_CHUNK
            crc = 0
            for _ in range(repeats):
                crc = zlib.crc32(zeros, crc)
            header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # no name, mtime 0, OS unknown
            trailer = struct.pack("<II", crc, GZIP_BOMB_INFLATED_BYTES & 0xFFFFFFFF)
            _bomb = header + block * repeats + tail + trailer
        return _bomb


# A minimal valid one-page PDF, for the non-html fault.
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
