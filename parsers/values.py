"""Pure conversions of the values shown on a page: counts, times, ids."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

__all__ = ["parse_timestamp", "parse_view_count"]

# The site shows China Standard Time without an offset.
CHINA_TIME = timezone(timedelta(hours=8))

# Digits are ASCII [0-9] throughout: re's \d (and str.isdigit) also accept "١", "７"
# or "²", which int() reads as another number or refuses.
_COUNT = re.compile(
    r"^(?P<number>[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?)\s*(?P<unit>[万wWkK千亿]?)\s*(?P<plus>\+?)$"
)
# No view count has more digits; int() refuses strings over 4,300 digits (ValueError).
_MAX_DIGITS = 18
_UNITS = {"": 1, "k": 1_000, "K": 1_000, "千": 1_000, "万": 10_000, "w": 10_000, "W": 10_000,
          "亿": 100_000_000}
_DATE_SEPARATOR = re.compile(r"[-/.]")
_TIMESTAMP = re.compile(
    r"(?P<date>[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2})[ T]+"
    r"(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})(?::(?P<s>[0-9]{2}))?"
)


def parse_view_count(text: str) -> tuple[int, bool] | None:
    """``"1.2万"`` -> ``(12000, True)``; the flag says the site rounded the number."""
    match = _COUNT.match(text.strip())
    if not match:
        return None
    number = match["number"].replace(",", "")
    unit = match["unit"]
    approximate = bool(unit or match["plus"])
    if "." in number and not unit:
        return None  # "1.5" views is not a count
    # Decimal arithmetic through strings: 1.2 * 10000 must be 12000, not 11999.
    whole, _, fraction = number.partition(".")
    if len(whole) > _MAX_DIGITS:
        return None
    fraction = fraction[:_MAX_DIGITS]  # digits past these change nothing after // below
    scale = _UNITS[unit]
    value = int(whole) * scale + (int(fraction) * scale // 10 ** len(fraction) if fraction else 0)
    return value, approximate


def parse_timestamp(text: str) -> str | None:
    """``"2023-06-23 11:03"`` -> ``"2023-06-23T11:03:00+08:00"`` (ISO 8601, China time)."""
    match = _TIMESTAMP.search(text)
    if not match:
        return None
    year, month, day = (int(part) for part in _DATE_SEPARATOR.split(match["date"]))
    try:
        moment = datetime(
            year, month, day, int(match["h"]), int(match["m"]), int(match["s"] or 0),
            tzinfo=CHINA_TIME,
        )
    except ValueError:
        return None  # 2023-02-30 is not a time
    return moment.isoformat()
