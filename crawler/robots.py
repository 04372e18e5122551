"""robots.txt per host, read once per TTL, with Google's semantics (via protego).

What a robots.txt answer means (RFC 9309 §2.3.1):

* 2xx: its rules apply (longest match wins, ``*`` and ``$`` wildcards).
* 4xx: "unavailable": there are no rules, everything may be crawled.
* 5xx, 429, a network failure, or a redirect we may not follow:
  "unreachable": the host is not crawled now; its URLs are deferred to a
  later run rather than guessed at (Google treats 429 like 5xx, too).
"""

from __future__ import annotations

import asyncio
import codecs
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from protego import Protego

from crawler.reasons import error_reason

__all__ = ["RobotsCache", "RobotsFile", "RobotsResponse", "decode_robots_txt", "robots_url"]

# RFC 9309 §2.3: robots.txt is UTF-8. A byte-order mark in front of it (Notepad
# writes one) would otherwise glue itself to the first "User-agent" and drop
# that group, rules and all. UTF-16 files with a BOM are read as what they say.
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))


def decode_robots_txt(body: bytes) -> str:
    """robots.txt's text: UTF-8 (bad bytes replaced), or UTF-16 with its BOM; no BOM left."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(encoding, errors="replace").lstrip("\ufeff")
    return body.decode("utf-8", errors="replace").lstrip("\ufeff")


def robots_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/robots.txt"


@dataclass(slots=True)
class RobotsFile:
    """One host's robots.txt as read at ``fetched_at`` (monotonic seconds)."""

    host_url: str
    user_agent: str
    fetched_at: float
    rules: Protego | None = None  # None: no rules (allow all) or unreachable
    unreachable: bool = False
    reason: str | None = None  # why unreachable, or how it was read
    sitemaps: list[str] = field(default_factory=list)

    def allows(self, url: str) -> bool:
        if self.unreachable:
            return False
        if self.rules is None:
            return True
        try:
            return bool(self.rules.can_fetch(url, self.user_agent))
        except Exception:  # rules a site wrote: if they cannot be applied, they allow nothing
            return False

    @property
    def crawl_delay(self) -> float | None:
        if self.rules is None:
            return None
        try:
            delay = self.rules.crawl_delay(self.user_agent)
            return float(delay) if delay is not None else None
        except (TypeError, ValueError, OverflowError):
            return None


@dataclass(frozen=True, slots=True)
class RobotsResponse:
    """What fetching a robots.txt came to: a status and body, or the reason there is none."""

    status: int | None  # None: no response
    body: bytes | None = None
    reason: str | None = None
    requests: int = 0


class RobotsCache:
    """Reads each host's robots.txt once per ``ttl`` seconds, one fetch at a time per host."""

    def __init__(
        self,
        fetch: Callable[[str], Awaitable[RobotsResponse]],
        *,
        user_agent: str,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._user_agent = user_agent
        self._ttl = ttl
        self._clock = clock
        self._files: dict[str, RobotsFile] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.requests = 0

    def cached(self, url: str) -> RobotsFile | None:
        return self._files.get(robots_url(url))

    async def rules_for(self, url: str) -> RobotsFile:
        key = robots_url(url)
        robots = self._files.get(key)
        if robots is not None and self._clock() - robots.fetched_at < self._ttl:
            return robots
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            robots = self._files.get(key)
            if robots is not None and self._clock() - robots.fetched_at < self._ttl:
                return robots
            robots = await self._read(key)
            self._files[key] = robots
            return robots

    async def _read(self, key: str) -> RobotsFile:
        page = await self._fetch(key)
        self.requests += page.requests
        robots = RobotsFile(host_url=key, user_agent=self._user_agent, fetched_at=self._clock())
        if page.status is None:
            robots.unreachable = True
            robots.reason = f"robots.txt unreachable: {page.reason}"
        elif page.status == 429 or page.status >= 500:
            robots.unreachable = True
            robots.reason = f"robots.txt answered HTTP {page.status}"
        elif 400 <= page.status < 500:
            robots.reason = f"robots.txt answered HTTP {page.status}: no rules"
        elif 200 <= page.status < 300:
            try:
                robots.rules = Protego.parse(decode_robots_txt(page.body or b""))
                robots.sitemaps = list(robots.rules.sitemaps)
            except Exception as error:  # a file a site wrote
                # Rules we cannot read are not "no rules": ask again on a later run.
                robots.rules = None
                robots.unreachable = True
                robots.reason = f"robots.txt unreadable: {error_reason(error)}"
            else:
                robots.reason = "robots.txt read"
        else:
            robots.unreachable = True
            robots.reason = f"robots.txt answered HTTP {page.status}"
        return robots
