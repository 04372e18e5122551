"""How a sample site's pages come and go over epochs: the rules both sites share.

Pages ``0 .. pages-1`` exist at epoch 0. Each later epoch adds ``pages // 50`` pages
(at least one). Pages below ``pages // 2`` are *internal*: the link graph hangs every
other page off them, so they are never removed and never faulted. About 6% of the
leaves disappear at epoch 1, 2 or 3 (404 or 410). Views grow on about 30% of the
pages at each epoch. Every draw is seeded by ``(seed, page, epoch)`` strings, so a
site is the same in every process; the strings are part of each site's identity.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

__all__ = [
    "EDIT_RATE",
    "EPOCH_LENGTH",
    "EPOCH_ZERO_AT",
    "NEW_PAGES_DIVISOR",
    "REMOVAL_RATE",
    "VIEW_GROWTH_RATE",
    "EpochChanges",
    "SiteHistory",
]

# The sites' clock: epoch K "happens" at EPOCH_ZERO_AT + K * EPOCH_LENGTH. Last-Modified
# and sitemap lastmod come from it, so they are deterministic too. (China time: the
# first sample site stood in for wenku.csdn.net.)
EPOCH_ZERO_AT = datetime(2024, 1, 1, 9, 0, tzinfo=timezone(timedelta(hours=8)))
EPOCH_LENGTH = timedelta(days=7)

EDIT_RATE = 0.05  # share of pages edited at each epoch >= 1
VIEW_GROWTH_RATE = 0.30  # share of pages whose view count grows at each epoch >= 1
REMOVAL_RATE = 0.06  # share of leaves removed, at epoch 1, 2 or 3
NEW_PAGES_DIVISOR = 50  # pages // 50 new pages per epoch (at least one)


@dataclass(frozen=True, slots=True)
class EpochChanges:
    """What changed between ``epoch - 1`` and ``epoch``, as page URLs."""

    epoch: int
    created: tuple[str, ...]
    removed: tuple[str, ...]
    edited: tuple[str, ...]
    views_changed: tuple[str, ...]
    relaid: tuple[str, ...] = ()  # CSDN: pages served in another layout than at epoch - 1
    answered: tuple[str, ...] = ()  # QAPage: questions with a new answer
    voted: tuple[str, ...] = ()  # QAPage: questions whose or whose answers' votes moved


class SiteHistory:
    """Which pages of a site exist at each epoch; subclasses say what the pages are.

    A subclass provides ``url_of(index)``, the extra related links a page draws
    (``_cross_links``), when a page first existed (``_first_modified``) and everything
    epoch-dependent its HTML shows (``_signature``); ``_extra_changes`` names the
    site's own kinds of change for ``changes()``.
    """

    def __init__(self, *, pages: int, seed: int, base_url: str) -> None:
        if pages < 1:
            raise ValueError(f"pages must be at least 1, got {pages}")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"base_url must look like http://host:port, got {base_url!r}")
        self.pages = pages
        self.seed = seed
        self.base_url = base_url.rstrip("/")
        self._scheme = parts.scheme
        self._netloc = parts.netloc
        self.internal_pages = max(1, pages // 2)
        self.new_pages_per_epoch = max(1, pages // NEW_PAGES_DIVISOR)

    def url_of(self, index: int) -> str:
        raise NotImplementedError

    @property
    def root_url(self) -> str:
        """Page 0: every page is reachable from it through related questions."""
        return self.url_of(0)

    def page_count(self, epoch: int = 0) -> int:
        """Pages ever created up to ``epoch`` (removed ones included)."""
        return self.pages + epoch * self.new_pages_per_epoch

    def is_internal(self, index: int) -> bool:
        """Internal pages have heap children; they are never removed and never faulted."""
        return index < self.internal_pages and index < self.pages

    def created_epoch(self, index: int) -> int:
        if index < self.pages:
            return 0
        return (index - self.pages) // self.new_pages_per_epoch + 1

    def removed_at(self, index: int) -> int | None:
        """The epoch at which a page disappears, or None if it never does."""
        if index == 0 or index >= self.pages or self.is_internal(index):
            return None
        rng = random.Random(f"{self.seed}:{index}:removal")
        if rng.random() < REMOVAL_RATE:
            return 1 + rng.randrange(3)
        return None

    def status(self, index: int, epoch: int = 0) -> int:
        """HTTP status of the page's URL at ``epoch``: 200, 404 (not yet or removed) or 410."""
        if index >= self.page_count(epoch):
            return 404
        removed = self.removed_at(index)
        if removed is not None and removed <= epoch:
            gone = random.Random(f"{self.seed}:{index}:gone").random() < 0.5
            return 410 if gone else 404
        return 200

    def answer_indexes(self, epoch: int = 0) -> list[int]:
        """Indexes of the pages that exist (answer 200) at ``epoch``."""
        return [i for i in range(self.page_count(epoch)) if self.status(i, epoch) == 200]

    def answer_urls(self, epoch: int = 0) -> list[str]:
        """The URLs of the pages that answer 200 at ``epoch`` (a crawl should store each)."""
        return [self.url_of(i) for i in self.answer_indexes(epoch)]

    def edited_at(self, index: int, epoch: int) -> bool:
        """Whether the page is edited at ``epoch`` (about 5% of pages per epoch)."""
        return random.Random(f"{self.seed}:{index}:edit:{epoch}").random() < EDIT_RATE

    def version(self, index: int, epoch: int) -> int:
        """How many times the page was edited up to ``epoch``."""
        first = self.created_epoch(index) + 1
        return sum(1 for e in range(first, epoch + 1) if self.edited_at(index, e))

    def grown_views(self, index: int, base_views: int, epoch: int) -> int:
        """``base_views`` after the growth of every epoch up to ``epoch``."""
        views = base_views
        for e in range(self.created_epoch(index) + 1, epoch + 1):
            rng = random.Random(f"{self.seed}:{index}:views:{e}")
            if rng.random() < VIEW_GROWTH_RATE:
                views += rng.randint(1, max(5, base_views // 10))
        return views

    def related_targets(self, index: int, epoch: int) -> list[int]:
        """The pages ``index`` lists as related at ``epoch``, in page order: its heap
        children while they exist, the pages created later that hang off it (round
        robin over the internal pages), then its own cross links."""
        targets: list[int] = []
        if self.is_internal(index):
            targets += [
                child for child in (2 * index + 1, 2 * index + 2)
                if child < self.pages and self.status(child, epoch) == 200
            ]
            new_total = epoch * self.new_pages_per_epoch
            targets += [self.pages + t for t in range(index, new_total, self.internal_pages)]
        for target in self._cross_links(index):
            if target not in targets:
                targets.append(target)
        return targets

    def last_modified(self, index: int, epoch: int) -> datetime:
        """When the page's HTML last changed: its creation, or the last epoch that changed it."""
        last = self._first_modified(index)
        previous = self._signature(index, self.created_epoch(index))
        for e in range(self.created_epoch(index) + 1, epoch + 1):
            current = self._signature(index, e)
            if current != previous:
                last = EPOCH_ZERO_AT + e * EPOCH_LENGTH
            previous = current
        return last

    def changes(self, epoch: int) -> EpochChanges:
        """Which page URLs epoch ``epoch`` created, removed, edited or re-counted, and the
        site's own kinds of change (``_extra_changes``)."""
        if epoch < 1:
            raise ValueError("changes() describes epochs 1 and later")
        created, removed, edited, views_changed = [], [], [], []
        extra: dict[str, list[str]] = {}
        for index in range(self.page_count(epoch)):
            url = self.url_of(index)
            before, after = self.status(index, epoch - 1), self.status(index, epoch)
            if index >= self.page_count(epoch - 1):
                created.append(url)
            elif before == 200 and after != 200:
                removed.append(url)
            elif after == 200:
                if self.version(index, epoch) != self.version(index, epoch - 1):
                    edited.append(url)
                if self.views(index, epoch) != self.views(index, epoch - 1):
                    views_changed.append(url)
                for kind, changed in self._extra_changes(index, epoch).items():
                    extra.setdefault(kind, [])
                    if changed:
                        extra[kind].append(url)
        return EpochChanges(epoch, tuple(created), tuple(removed), tuple(edited),
                            tuple(views_changed),
                            **{kind: tuple(urls) for kind, urls in extra.items()})

    def views(self, index: int, epoch: int) -> int:
        raise NotImplementedError

    def _cross_links(self, index: int) -> tuple[int, ...]:
        raise NotImplementedError

    def _first_modified(self, index: int) -> datetime:
        raise NotImplementedError

    def _signature(self, index: int, epoch: int) -> tuple[object, ...]:
        raise NotImplementedError

    def _extra_changes(self, index: int, epoch: int) -> dict[str, bool]:
        """The site's own kinds of change (``EpochChanges`` fields) between ``epoch - 1``
        and ``epoch`` on a page that exists at both."""
        return {}

    def _href(self, path: str, form: str) -> str:
        """``path`` written as a link of ``form`` (relative, protocol-relative, absolute)."""
        if form == "absolute":
            return f"{self._scheme}://{self._netloc}{path}"
        if form == "protocol-relative":
            return f"//{self._netloc}{path}"
        return path
