"""Collapsing whitespace in page text of any size, without an object per word.

``" ".join(text.split())`` is the fastest way for the short strings a page is
made of, but on a 10 MB block it builds a list of every word (a 10 MB answer
of short words cost ~200 MB); ``re.sub`` builds a piece per match too. These
helpers use only whole-string passes (``in``, str.replace): a few copies of
the text at most, linear in its length.
"""

from __future__ import annotations

__all__ = ["delete_chars", "squeeze", "squeeze_lines"]

# Every character str.isspace() accepts (what str.split() splits on), but " " and "\n".
_OTHER_SPACES = (
    "\t\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _replace_each(text: str, chars: str, by: str) -> str:
    for char in chars:
        if char in text:
            text = text.replace(char, by)
    return text


def _to_spaces(text: str, chars: str) -> str:
    return _replace_each(text, chars, " ")


def _collapse(text: str, run: str, single: str) -> str:
    # Each pass halves every run, so a run of n characters takes log2(n) passes.
    while run in text:
        text = text.replace(run, single)
    return text


def delete_chars(text: str, chars: str) -> str:
    """``text`` without any of ``chars``: one ``str.replace`` per character it holds.

    ``str.translate`` with a deleting table looks every character of a non-ASCII
    string up in a dict: five times slower on an answer in Chinese.
    """
    return _replace_each(text, chars, "")


def squeeze(text: str) -> str:
    """``" ".join(text.split())``: runs of whitespace as one space, ends stripped."""
    return _collapse(_to_spaces(text, _OTHER_SPACES + "\n"), "  ", " ").strip(" ")


def squeeze_lines(text: str) -> str:
    """Each line squeezed, blank lines dropped, lines joined by ``"\\n"``: as
    ``"\\n".join(filter(None, (" ".join(line.split()) for line in text.split("\\n"))))``."""
    text = _collapse(_to_spaces(text, _OTHER_SPACES), "  ", " ")
    text = text.replace(" \n", "\n").replace("\n ", "\n")
    return _collapse(text, "\n\n", "\n").strip(" \n")
