"""qarchive: a polite crawler and archive for technical Q&A pages."""

__version__ = "0.1.0"
