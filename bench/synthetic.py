"""A large archive built fast: parsed sample pages, re-keyed, stored through qarchive's writer.

The Datasette benchmark needs 100,000 questions. Crawling that many takes
long, so this stores them directly with the writer's own functions
(``open_archive`` + ``Archive.record_fetched_page``) inside one
``db.atomic()`` per batch: the same tables, indexes, search index and
compressed bodies a crawl produces. Pages are 500 parsed sample-site pages
used round robin under fresh ids; related questions link page ``i`` to
``2i+1`` and ``2i+2`` as on the sample site; resources keep their URLs, so
they are shared between questions as on the real site.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from archive import FetchedPage, open_archive
from bench.common import REPO
from bench.corpus import CORPUS_BASE_URL, render_corpus
from parsers import AnswerPage, RelatedQuestion, parse_page

__all__ = ["build_archive", "question_id"]

_TEMPLATES = 500
_CHINA = timezone(timedelta(hours=8))
_FIRST = datetime(2022, 1, 1, tzinfo=_CHINA)


def question_id(index: int) -> str:
    """Ten lowercase letters/digits, the short id shape of answer URLs."""
    return f"q{index:09d}"


def _url(index: int) -> str:
    return f"{CORPUS_BASE_URL}/answer/{question_id(index)}"


def _schema_fingerprint() -> str:
    """Changes when the schema or the writer changes, so a cached archive is rebuilt."""
    digest = hashlib.sha256()
    migrations = sorted((REPO / "schema" / "migrations").glob("*"))
    for path in [*migrations, REPO / "crawler" / "archive.py", REPO / "crawler" / "search.py",
                 Path(__file__)]:
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def _page(template: AnswerPage, index: int, total: int) -> AnswerPage:
    children = [child for child in (2 * index + 1, 2 * index + 2) if child < total]
    related = [
        RelatedQuestion(position=position, id=question_id(child), url=_url(child),
                        title=f"{template.title} ({child})", answer_text=item.answer_text)
        for position, (child, item) in enumerate(
            zip(children, template.related_questions or [], strict=False), start=1)
    ]
    return dataclasses.replace(
        template,
        url=_url(index),
        id=question_id(index),
        title=f"{template.title} ({index})",
        asked_at=(_FIRST + timedelta(minutes=17 * index)).isoformat(),
        view_count=(index * 7919) % 250_000,
        related_questions=related,
    )


def build_archive(path: Path, questions: int, *, batch: int = 2_000,
                  reuse: bool = True) -> dict[str, Any]:
    """Build (or reuse, when size and schema match) an archive of ``questions`` fetched pages."""
    stamp = path.with_suffix(".json")
    fingerprint = {"questions": questions, "schema": _schema_fingerprint()}
    if reuse and path.exists() and stamp.exists():
        saved = json.loads(stamp.read_text())
        if saved.get("fingerprint") == fingerprint:
            return saved
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    corpus = render_corpus(_TEMPLATES)
    templates = [(parse_page(body, url), body) for url, body in corpus]
    db = open_archive(path)
    started = time.perf_counter()
    for first in range(0, questions, batch):
        with db.atomic():
            for index in range(first, min(first + batch, questions)):
                template, body = templates[index % _TEMPLATES]
                page = _page(template, index, questions)
                fetch = FetchedPage(
                    url=page.url, status=200, fetched_at="2024-01-01T00:00:00+00:00",
                    content_type="text/html; charset=utf-8", charset="utf-8", body=body,
                )
                db.record_fetched_page(fetch, page=page, parser_version=page.parser_version)
    seconds = time.perf_counter() - started
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    info = {
        "fingerprint": fingerprint,
        "questions": questions,
        "store_seconds": seconds,
        "store_pages_per_s": questions / seconds,
        "file_bytes": path.stat().st_size,
    }
    stamp.write_text(json.dumps(info, indent=2))
    return info
