"""Per-host pacing: the gap between request starts, per-host concurrency, and backing off.

Every request to a host (robots.txt, sitemaps, pages, retries and redirect
hops alike) goes through :meth:`Politeness.request_slot`, so the server sees
at most ``per_host`` requests at a time from us, started at least ``delay``
seconds apart (or the host's robots.txt Crawl-delay, whichever is longer).

No wait here is unbounded, whatever a site says: Crawl-delay is capped by
``max_crawl_delay``, Retry-After by ``retry_after_max``, throttling by
``throttle_max_delay`` (tenacity's backoff, in crawler/fetch.py, by
``retry_backoff_max``). A cap that cut what a site asked for is kept in
:attr:`Politeness.capped_waits` for the crawl's summary (:attr:`Politeness.notes`).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from crawler.settings import CrawlSettings

__all__ = ["HostPace", "Politeness"]


@dataclass(slots=True)
class HostPace:
    """One host's pacing state."""

    base_delay: float  # max(settings.delay, Crawl-delay)
    current_delay: float  # base_delay, raised while the host is throttling us
    semaphore: asyncio.Semaphore
    last_start: float = float("-inf")
    not_before: float = float("-inf")  # from Retry-After
    throttled: int = 0  # 429/503 answers seen


class Politeness:
    def __init__(
        self, settings: CrawlSettings, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._hosts: dict[str, HostPace] = {}
        # (host, what was asked for) -> one line for the crawl's summary, e.g.
        # "robots.txt Crawl-delay 100000 s for example.org capped at 60 s
        # (max_crawl_delay)"; the latest per host and kind, in first-seen order.
        self.capped_waits: dict[tuple[str, str], str] = {}

    @property
    def notes(self) -> list[str]:
        """One line per wait a site asked for that was cut to its cap (for the summary)."""
        return list(self.capped_waits.values())

    def _capped(self, host: str, asked: str, seconds: float, cap: float, setting: str) -> None:
        self.capped_waits[(host, asked)] = (
            f"{asked} {_seconds(seconds)} s for {host} capped at {_seconds(cap)} s ({setting})")

    def pace(self, host: str) -> HostPace:
        pace = self._hosts.get(host)
        if pace is None:
            pace = HostPace(
                base_delay=self._settings.delay,
                current_delay=self._settings.delay,
                semaphore=asyncio.Semaphore(self._settings.per_host),
            )
            self._hosts[host] = pace
        return pace

    def set_crawl_delay(self, host: str, crawl_delay: float | None) -> None:
        """Apply robots.txt Crawl-delay: it can only make us slower than ``delay``, and
        by no more than ``max_crawl_delay`` (a Crawl-delay of days would fetch nothing)."""
        pace = self.pace(host)
        if crawl_delay is None or math.isnan(crawl_delay) or crawl_delay < 0:
            crawl_delay = 0.0
        cap = self._settings.max_crawl_delay
        if crawl_delay > cap:
            self._capped(host, "robots.txt Crawl-delay", crawl_delay, cap, "max_crawl_delay")
            crawl_delay = cap
        base = max(self._settings.delay, crawl_delay)
        pace.current_delay = max(pace.current_delay - pace.base_delay + base, base)
        pace.base_delay = base

    @asynccontextmanager
    async def request_slot(self, host: str) -> AsyncIterator[None]:
        """Hold one of the host's request slots; entered no sooner than its pace allows."""
        pace = self.pace(host)
        async with pace.semaphore:
            while True:
                now = self._clock()
                start = max(now, pace.last_start + pace.current_delay, pace.not_before)
                if start <= now:
                    break
                # Re-check after sleeping: a Retry-After may have arrived meanwhile.
                await asyncio.sleep(start - now)
            pace.last_start = now
            yield

    def answered(self, host: str) -> None:
        """The host's response headers arrived: count the next gap from here at the latest.

        A request's start on our side can precede its arrival at the server by
        the TCP connect (the first request, or one after a dropped keep-alive):
        counting from the answer keeps the gap the *server* sees at least the delay.
        """
        pace = self.pace(host)
        pace.last_start = max(pace.last_start, self._clock())

    def throttled(self, host: str, retry_after: float | None) -> None:
        """A 429 or 503: slow the host down and honour its Retry-After (capped)."""
        settings = self._settings
        pace = self.pace(host)
        pace.throttled += 1
        # From a zero delay, doubling needs a floor: start at the retry backoff.
        grown = max(pace.current_delay, settings.retry_backoff) * settings.throttle_factor
        pace.current_delay = max(pace.base_delay, min(grown, settings.throttle_max_delay))
        if retry_after is not None and not math.isnan(retry_after):
            if retry_after > settings.retry_after_max:
                self._capped(host, "Retry-After", retry_after, settings.retry_after_max,
                              "retry_after_max")
            wait = min(max(retry_after, 0.0), settings.retry_after_max)
            pace.not_before = max(pace.not_before, self._clock() + wait)

    def succeeded(self, host: str) -> None:
        """A good answer: let a throttled host's delay drift back to its base."""
        pace = self.pace(host)
        if pace.current_delay > pace.base_delay:
            extra = (pace.current_delay - pace.base_delay) / self._settings.recover_factor
            # Snap to the base once the extra is negligible.
            pace.current_delay = pace.base_delay + (extra if extra > 0.01 else 0.0)


def _seconds(value: float) -> str:
    """100000.0 -> '100000', 1.5 -> '1.5', inf -> 'inf'."""
    value = float(value)
    if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}"
