"""qarchive's command line: one module per command under qarchive/commands/."""

from crawler import __version__

__all__ = ["__version__"]
