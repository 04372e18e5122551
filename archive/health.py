"""Extraction health: which fields a run's pages yielded, and from where; and the drift alarm.

A crawl counts, for every answer page it fetched and handed to a parser (a
page that did not parse counts too, with nothing found; a 304 or an
unchanged body is not parsed and does not count), which fields were found
and from which source (``AnswerPage.field_sources``: "state", "meta", ...;
"unknown" when the parser found a value but did not say where). The counts
go into the run's ``crawl_runs.field_health`` as JSON::

    {"view_count": {"found": 98, "pages": 100, "sources": {"state": 90, "label": 8}}, ...}

The drift alarm compares the run's share of pages per field with the
archive's history: the median share over the last ``DRIFT_HISTORY_RUNS``
crawl runs that read at least ``DRIFT_MIN_PAGES`` pages. A field whose share
fell below ``DRIFT_RATIO`` of that and by at least ``DRIFT_MIN_DROP`` is
drift: most likely the site changed its layout and the parser no longer
finds the field. The history includes runs that drifted, so a field the site
dropped for good stops alarming once most of the last runs lack it too.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from parsers import AnswerPage

__all__ = [
    "DRIFT_HISTORY_RUNS",
    "DRIFT_MIN_DROP",
    "DRIFT_MIN_PAGES",
    "DRIFT_RATIO",
    "HEALTH_FIELDS",
    "UNKNOWN_SOURCE",
    "Drift",
    "ExtractionHealth",
    "describe_drift",
    "fields_found",
    "find_drift",
]

# The fields every run counts, found or not (a field only a parser's field_sources
# names is counted once found). Their order is the order of crawl_runs.field_health.
HEALTH_FIELDS = ("title", "asked_at", "view_count", "answer_text", "answer_markdown",
                 "related_questions", "recommended_resources")
# The source of a field whose value is there but that field_sources does not name.
UNKNOWN_SOURCE = "unknown"

# The drift alarm's thresholds (not settings: the history adapts to a site's own shares).
# A run, and each run of the history, must have read at least this many pages: a run
# that refreshed a handful of pages says little, and one odd page must not ring it.
DRIFT_MIN_PAGES = 20
# The history: the median share over this many recent crawl runs (of DRIFT_MIN_PAGES
# or more). A median, so one odd run in it does not move it; and a field a site drops
# for good alarms for about half this many runs, then is the new normal.
DRIFT_HISTORY_RUNS = 10
# Drift: the share fell below this fraction of the history's ("views on 98% of pages,
# then 10%") ...
DRIFT_RATIO = 0.5
# ... and by at least this much (a field found on 20% of pages, then on 8%, is the
# mix of pages a run happened to read, not a broken parser).
DRIFT_MIN_DROP = 0.25


def fields_found(page: AnswerPage) -> dict[str, str]:
    """The fields ``page`` has, each with its source: the parser's ``field_sources``,
    and any field of HEALTH_FIELDS with a value it does not name ("unknown")."""
    found = dict(page.field_sources)
    present = {
        "title": bool(page.title),
        "asked_at": page.asked_at is not None,
        "view_count": page.view_count is not None,
        "answer_text": bool(page.answer_text),
        "answer_markdown": bool(page.answer_markdown),
        "related_questions": bool(page.related_questions),
        "recommended_resources": bool(page.recommended_resources),
    }
    for name, there in present.items():
        if there:
            found.setdefault(name, UNKNOWN_SOURCE)
    return found


@dataclass(slots=True)
class ExtractionHealth:
    """One run's pages read by a parser, and per field how many had it, from which source."""

    pages: int = 0
    found: Counter[str] = field(default_factory=Counter)
    sources: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, page: AnswerPage | None) -> None:
        """Count a page a parser read; None: one that did not parse (nothing found)."""
        self.pages += 1
        if page is None:
            return
        for name, source in fields_found(page).items():
            self.found[name] += 1
            self.sources.setdefault(name, Counter())[source or UNKNOWN_SOURCE] += 1

    def share(self, name: str) -> float:
        """The share of pages ``name`` was found on (0.0 with no pages)."""
        return self.found[name] / self.pages if self.pages else 0.0

    def fields(self) -> list[str]:
        """HEALTH_FIELDS, then any other field found, by name."""
        return [*HEALTH_FIELDS, *sorted(set(self.found) - set(HEALTH_FIELDS))]

    def to_json(self) -> dict[str, Any]:
        """crawl_runs.field_health: {field: {"found", "pages", "sources": {source: n}}}."""
        return {
            name: {"found": self.found[name], "pages": self.pages,
                   "sources": dict(sorted(self.sources.get(name, Counter()).items(),
                                          key=lambda item: (-item[1], item[0])))}
            for name in self.fields()
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExtractionHealth:
        """The health a field_health value holds (what is unreadable in it, left out)."""
        health = cls()
        for name, counts in data.items():
            if not isinstance(counts, Mapping):
                continue
            pages, found = counts.get("pages"), counts.get("found")
            if isinstance(pages, int) and isinstance(found, int):
                health.pages = max(health.pages, pages)
                health.found[name] = found
                sources = counts.get("sources")
                if isinstance(sources, Mapping):
                    health.sources[name] = Counter(
                        {str(source): n for source, n in sources.items() if isinstance(n, int)})
        return health

    @classmethod
    def loads(cls, text: str | None) -> ExtractionHealth | None:
        if not text:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return cls.from_json(data) if isinstance(data, Mapping) else None


@dataclass(frozen=True, slots=True)
class Drift:
    """A field a run found on far fewer pages than the archive's history says it should."""

    field: str
    share: float  # this run's share of pages
    history: float  # the history's (median) share

    def describe(self) -> str:
        return (f"{self.field} found on {_percent(self.share)} of pages "
                f"(history: {_percent(self.history)})")


def _percent(share: float) -> str:
    return f"{share * 100:.0f}%"


def find_drift(health: ExtractionHealth, history: Sequence[ExtractionHealth]) -> list[Drift]:
    """The fields whose share in ``health`` dropped well below ``history``'s (newest first;
    runs of fewer than DRIFT_MIN_PAGES pages are left out, and only the newest
    DRIFT_HISTORY_RUNS count). None when the run or its history is too small to say."""
    if health.pages < DRIFT_MIN_PAGES:
        return []
    runs = [run for run in history if run.pages >= DRIFT_MIN_PAGES][:DRIFT_HISTORY_RUNS]
    if not runs:
        return []
    names = list(dict.fromkeys([*health.fields(), *(name for run in runs
                                                    for name in run.fields())]))
    drifts = []
    for name in names:
        usual = statistics.median(run.share(name) for run in runs)
        share = health.share(name)
        if usual - share >= DRIFT_MIN_DROP and share < usual * DRIFT_RATIO:
            drifts.append(Drift(name, share, usual))
    return drifts


def describe_drift(drifts: Sequence[Drift]) -> str | None:
    """crawl_runs.drift: one line naming every drifted field, or None."""
    return "; ".join(drift.describe() for drift in drifts) or None
