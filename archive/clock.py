"""The archive's timestamps: ISO 8601 UTC to the second, as every ``*_at`` column holds them."""

from datetime import UTC, datetime

__all__ = ["utc_now"]


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
