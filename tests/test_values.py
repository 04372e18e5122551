"""The pure value conversions: view counts and timestamps as the site prints them."""

from __future__ import annotations

import pytest

from parsers.values import parse_timestamp, parse_view_count


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("76", (76, False)),
        ("0", (0, False)),
        ("1,234", (1234, False)),
        ("12,345,678", (12_345_678, False)),
        ("1.2万", (12_000, True)),
        ("3.4w", (34_000, True)),
        ("3.4W", (34_000, True)),
        ("10万+", (100_000, True)),
        ("10万 +", (100_000, True)),
        ("999+", (999, True)),
        ("2万", (20_000, True)),
        ("1.5k", (1_500, True)),
        ("1.25万", (12_500, True)),
        ("1亿", (100_000_000, True)),
        ("  76  ", (76, False)),
    ],
)
def test_view_count_as_the_site_writes_it(shown: str, expected: tuple[int, bool]) -> None:
    """Plain, grouped, 万/w/k-scaled and ``+``-capped counts become (int, approximate)."""
    assert parse_view_count(shown) == expected


def test_scaled_decimals_are_exact_not_float_rounded() -> None:
    """1.1万 is 11000, not 11000.000000000002 truncated to 10999 or similar."""
    for tenths in range(100):
        shown = f"{tenths // 10}.{tenths % 10}万"
        assert parse_view_count(shown) == (tenths * 1000, True), shown


@pytest.mark.parametrize(
    "shown",
    [
        "",
        "   ",
        "1.5",  # a fraction of a view is not a count; only a unit makes decimals meaningful
        "0.5",
        "abc",
        "万",
        "+",
        "-3",
        "1,23",  # thousands groups have three digits
        "1,2345",
        ",123",
        "76 次",
        "12万万",
        "1.2.3万",
        "浏览: 76",
    ],
)
def test_not_a_view_count(shown: str) -> None:
    """Anything that is not a count reads as None rather than a guess."""
    assert parse_view_count(shown) is None


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("2023-06-23 11:03:20", "2023-06-23T11:03:20+08:00"),
        ("2023-06-23 11:03", "2023-06-23T11:03:00+08:00"),
        ("2023-06-23T11:03:20", "2023-06-23T11:03:20+08:00"),
        ("2023/6/3 9:05", "2023-06-03T09:05:00+08:00"),
        ("2023.06.23 23:59:59", "2023-06-23T23:59:59+08:00"),
        ("时间: 2023-06-23 11:03:20", "2023-06-23T11:03:20+08:00"),
        ("2024-02-29 00:00:00", "2024-02-29T00:00:00+08:00"),  # a leap day
    ],
)
def test_timestamp_is_iso_8601_in_china_time(shown: str, expected: str) -> None:
    """The site's China-time timestamps gain the +08:00 offset, with or without seconds."""
    assert parse_timestamp(shown) == expected


@pytest.mark.parametrize(
    "shown",
    [
        "",
        "yesterday",
        "2023-06-23",  # a date without a time is not what the 时间 label shows
        "11:03:20",
        "2023-02-30 10:00",  # no such day
        "2023-02-29 10:00",  # not a leap year
        "2023-13-01 10:00",  # no such month
        "2023-00-10 10:00",
        "2023-06-00 10:00",
        "2023-06-23 24:00",  # no such hour
        "2023-06-23 11:60",  # no such minute
        "2023-06-23 11:03:61",
    ],
)
def test_invalid_timestamp_is_none(shown: str) -> None:
    """Impossible dates and times read as None instead of raising."""
    assert parse_timestamp(shown) is None
