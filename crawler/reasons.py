"""Why something failed, as one line users can group by (``frontier.last_error``, the
reasons `import` gives for skipped files, a host deferred for its robots.txt)."""

from __future__ import annotations

__all__ = ["error_reason"]


def error_reason(error: BaseException, *, limit: int = 300) -> str:
    """``Type: message`` on one line: control characters and runs of white space become
    one space (the message may quote what a server sent), and a longer line is cut to
    ``limit`` characters, ending in "…"."""
    text = " ".join("".join(char if char.isprintable() else " " for char in str(error)).split())
    line = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return line if len(line) <= limit else line[: limit - 1] + "…"
