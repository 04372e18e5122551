"""The one error storage raises for a file it cannot use."""

__all__ = ["ArchiveError"]


class ArchiveError(Exception):
    """The file cannot be used as an archive; the message says why and what to do."""
